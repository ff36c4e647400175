import { ApiProperty } from '@nestjs/swagger';
import type { WorkflowView } from '../workflow.controller';

/** OpenAPI shape of WorkflowView; `implements` keeps the two in step. */
export class WorkflowStatusView {
  @ApiProperty() status!: string;
  @ApiProperty() zh!: string;
  @ApiProperty() description!: string;
  @ApiProperty() terminal!: boolean;
}

export class WorkflowTransitionView {
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty() event!: string;
  @ApiProperty({ enum: ['residence', 'hukou', 'system'] }) side!: string;
  @ApiProperty({ type: String, nullable: true, description: 'Name of the guard, if any' })
  guard!: string | null;
  @ApiProperty() label!: string;
  @ApiProperty() description!: string;
}

export class WorkflowDocumentView implements WorkflowView {
  @ApiProperty({ description: 'toMermaid(): a Mermaid stateDiagram-v2' }) mermaid!: string;
  @ApiProperty({ type: [WorkflowStatusView] }) statuses!: WorkflowStatusView[];
  @ApiProperty({ type: [WorkflowTransitionView] }) transitions!: WorkflowTransitionView[];
}
