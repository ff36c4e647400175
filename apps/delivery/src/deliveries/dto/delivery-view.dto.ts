import { ApiProperty } from '@nestjs/swagger';

/** A delivery as clerks, couriers and ops see it: no names, ID numbers, addresses or codes. */
export class DeliveryView {
  @ApiProperty({ format: 'uuid' })
  caseId!: string;
  @ApiProperty({ example: '330402-01' })
  acceptancePoint!: string;
  @ApiProperty({ example: '33-20250527-0000042' })
  cardSerial!: string;
  @ApiProperty({ enum: ['WINDOW', 'POST'], description: 'as chosen at intake' })
  method!: string;
  @ApiProperty({ enum: ['DISPATCHED', 'RETURNED', 'READY_FOR_PICKUP', 'DELIVERED'] })
  status!: string;
  @ApiProperty({ type: String, nullable: true, example: 'EA000000421CN' })
  trackingNumber!: string | null;
  @ApiProperty({ description: 'a POST delivery the courier returned: window pickup from then on' })
  postalReturned!: boolean;
  @ApiProperty({ type: String, nullable: true })
  returnReason!: string | null;
  @ApiProperty({ description: 'whether intake named a proxy who may collect' })
  proxyNamed!: boolean;
  @ApiProperty({ format: 'date-time' })
  dispatchedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  returnedAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'when the card arrived at the acceptance point (start of the uncollected-card wait)',
  })
  readyAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      "readyAt + PICKUP_REMINDER_MS while uncollected (intake's timer sends the reminder)",
  })
  pickupReminderDueAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  completedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['WINDOW', 'POST'] })
  completedMethod!: string | null;
  @ApiProperty({ type: String, nullable: true, enum: ['APPLICANT', 'PROXY', 'ADDRESSEE'] })
  collectedBy!: string | null;
}
