import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@app/platform';
import {
  CASE_STATUSES,
  STATUS_INFO,
  TERMINAL_STATUSES,
  toMermaid,
  transitionLabel,
  TRANSITIONS,
} from '@app/workflow';
import { ApiOpsAccess } from '../common/api-docs';
import { WorkflowDocumentView } from './dto/workflow.view';

export interface WorkflowView {
  /** `toMermaid()` of libs/workflow: a Mermaid stateDiagram-v2, one line per transition. */
  mermaid: string;
  statuses: { status: string; zh: string; description: string; terminal: boolean }[];
  transitions: {
    from: string;
    to: string;
    event: string;
    side: string;
    guard: string | null;
    label: string;
    description: string;
  }[];
}

/** The case state machine as the orchestrator runs it (libs/workflow), for the ops page. */
@ApiTags('ops')
@ApiOpsAccess()
@Roles('ops', 'auditor')
@Controller('api/v1/ops/workflow')
export class WorkflowController {
  private readonly view: WorkflowView = {
    mermaid: toMermaid(),
    statuses: CASE_STATUSES.map((status) => ({
      status,
      zh: STATUS_INFO[status].zh,
      description: STATUS_INFO[status].description,
      terminal: TERMINAL_STATUSES.includes(status),
    })),
    transitions: TRANSITIONS.map((t) => ({
      from: t.from,
      to: t.to,
      event: t.event,
      side: t.side,
      guard: t.guard?.name ?? null,
      label: transitionLabel(t),
      description: t.description,
    })),
  };

  @Get()
  @ApiOperation({
    summary: 'The case state machine: Mermaid text (toMermaid), statuses and transitions',
  })
  @ApiOkResponse({ type: WorkflowDocumentView })
  get(): WorkflowView {
    return this.view;
  }
}
