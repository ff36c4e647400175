import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiCallerAuth, ApiErrors, Caller, CurrentCaller, uuidParam } from '@app/platform';
import { DeliveryService } from './delivery.service';
import { CollectedDto } from './dto/collected.dto';
import { CourierCallbackDto } from './dto/courier-callback.dto';
import { DeliveryView } from './dto/delivery-view.dto';

/**
 * The delivery routes of the public contract (arrived, collected) plus the clerk's read and the
 * courier's status callback. Identity comes from @CurrentCaller(); every write locks the delivery
 * row and commits its state change with the message to intake in one transaction.
 */
@ApiTags('deliveries')
@ApiCallerAuth()
@ApiParam({ name: 'caseId', format: 'uuid' })
@ApiErrors({
  400: 'caseId is not a UUID, or the body fails validation (details name the field)',
  404: 'No delivery for the case at the caller’s point or province',
})
@Controller('api/v1/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveryService) {}

  @Get(':caseId')
  @ApiOperation({
    summary: "A case's delivery (clerk of its acceptance point; ops, auditor of its province)",
  })
  @ApiOkResponse({ type: DeliveryView })
  get(
    @Param('caseId', uuidParam('caseId')) caseId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<DeliveryView> {
    return this.deliveries.get(caseId, caller);
  }

  @Post(':caseId/arrived')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'The card arrived at the acceptance point (WINDOW delivery, or a returned POST delivery)',
    description:
      'Status becomes READY_FOR_PICKUP and intake is told (delivery.arrived). Repeating it changes nothing.',
  })
  @ApiOkResponse({ type: DeliveryView })
  @ApiErrors({ 409: 'a POST delivery still with the courier, or already handed over' })
  arrived(
    @Param('caseId', uuidParam('caseId')) caseId: string,
    @CurrentCaller() caller: Caller,
  ): Promise<DeliveryView> {
    return this.deliveries.arrived(caseId, caller);
  }

  @Post(':caseId/collected')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Handed over at the window (receipt number and collector checked)',
    description:
      'The collector is the applicant (own ID number) or the proxy named at intake (name and ID number). Status becomes DELIVERED and intake is told (delivery.completed).',
  })
  @ApiOkResponse({ type: DeliveryView })
  @ApiErrors({ 409: 'the card is not ready for pickup' })
  @ApiErrors({ 422: 'wrong receiptNumber, or a collector who may not collect' })
  collected(
    @Param('caseId', uuidParam('caseId')) caseId: string,
    @CurrentCaller() caller: Caller,
    @Body() body: CollectedDto,
  ): Promise<DeliveryView> {
    return this.deliveries.collected(caseId, caller, body);
  }

  @Post(':caseId/courier')
  @HttpCode(200)
  @ApiOperation({
    summary: "Courier status callback for a postal delivery (role delivery of the case's province)",
    description:
      'DELIVERED with the pickup code the addressee showed → delivery.completed (ADDRESSEE); RETURNED with a reason → delivery.returned, the card goes to the acceptance point. Repeated callbacks return the same result and send nothing.',
  })
  @ApiOkResponse({ type: DeliveryView })
  @ApiErrors({ 409: 'not a postal delivery, or the other outcome was already reported' })
  @ApiErrors({ 422: 'wrong pickupCode' })
  courier(
    @Param('caseId', uuidParam('caseId')) caseId: string,
    @CurrentCaller() caller: Caller,
    @Body() body: CourierCallbackDto,
  ): Promise<DeliveryView> {
    return this.deliveries.courier(caseId, caller, body);
  }
}
