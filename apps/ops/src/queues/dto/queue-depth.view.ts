import { ApiProperty } from '@nestjs/swagger';
import { SERVICES, Service } from '@app/contracts';
import type { QueueDepth } from '../ops-queues';
import type { QueueDepths } from '../queues.controller';

/** OpenAPI shapes of the queue depths; `implements` keeps them in step with the code. */
export class QueueDepthView implements QueueDepth {
  @ApiProperty({ example: '{verification.33}' }) name!: string;
  @ApiProperty({ enum: SERVICES }) service!: Service;
  @ApiProperty({ example: '33' }) province!: string;
  @ApiProperty({ example: '浙江' }) provinceName!: string;
  @ApiProperty({ description: 'false: no key of this queue in Redis yet' }) exists!: boolean;
  @ApiProperty({ type: 'integer' }) waiting!: number;
  @ApiProperty({ type: 'integer' }) active!: number;
  @ApiProperty({ type: 'integer' }) delayed!: number;
  @ApiProperty({ type: 'integer' }) failed!: number;
  @ApiProperty({ type: 'integer' }) completed!: number;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Age of the oldest waiting job in ms (null when none waits)',
  })
  oldestWaitingAgeMs!: number | null;
}

export class QueueTotalsView {
  @ApiProperty({ type: 'integer' }) waiting!: number;
  @ApiProperty({ type: 'integer' }) active!: number;
  @ApiProperty({ type: 'integer' }) delayed!: number;
  @ApiProperty({ type: 'integer' }) failed!: number;
}

export class QueueDepthsView implements QueueDepths {
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ description: 'QUEUE_PREFIX of this deployment' }) prefix!: string;
  @ApiProperty({ type: 'integer', description: 'Queues this deployment serves' }) served!: number;
  @ApiProperty({ type: QueueTotalsView }) totals!: QueueTotalsView;
  @ApiProperty({ type: [QueueDepthView] }) queues!: QueueDepthView[];
}
