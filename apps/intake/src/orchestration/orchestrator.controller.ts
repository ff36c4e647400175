import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload as MessagePayload, RpcException } from '@nestjs/microservices';
import { Payload } from '@app/contracts';
import { BullMqContext, Envelope, OutOfOrderError } from '@app/messaging';
import { OrchestratorService } from './orchestrator.service';

/**
 * Nest's RPC exception handler replaces a plain Error by "Internal server error" (the transport's
 * pass-through filter is not in effect in a hybrid app), so the reason would be lost from the retry
 * log and the dead-letter record: errors leave as RpcException, which keeps the message.
 */
async function rpc(work: Promise<void>): Promise<void> {
  try {
    await work;
  } catch (error) {
    if (error instanceof RpcException) throw error;
    // An early message is parked by the transport, which needs to recognise it.
    throw new RpcException(
      error instanceof OutOfOrderError
        ? error
        : error instanceof Error
          ? error.message
          : String(error),
    );
  }
}

/**
 * Message handlers of intake, one per type the catalog routes to it. The transport has verified
 * the signature, validated the payload and recorded the message id in the inbox; every effect
 * goes through `ctx.getManager()` so it commits with that inbox row.
 */
@Controller()
export class OrchestratorController {
  constructor(private readonly orchestrator: OrchestratorService) {}

  @EventPattern('review.decided')
  onReviewDecided(
    @MessagePayload() env: Envelope<Payload<'review.decided'>>,
    @Ctx() ctx: BullMqContext,
  ) {
    return rpc(this.orchestrator.reviewDecided(env, ctx.getManager()));
  }

  @EventPattern('registration.decided')
  onRegistrationDecided(
    @MessagePayload() env: Envelope<Payload<'registration.decided'>>,
    @Ctx() ctx: BullMqContext,
  ) {
    return rpc(this.orchestrator.registrationDecided(env, ctx.getManager()));
  }

  @EventPattern('production.started')
  onProductionStarted(
    @MessagePayload() env: Envelope<Payload<'production.started'>>,
    @Ctx() ctx: BullMqContext,
  ) {
    return rpc(this.orchestrator.productionStarted(env, ctx.getManager()));
  }

  @EventPattern('production.attempt_failed')
  onProductionAttemptFailed(
    @MessagePayload() env: Envelope<Payload<'production.attempt_failed'>>,
    @Ctx() ctx: BullMqContext,
  ) {
    return rpc(this.orchestrator.productionFailed(env, ctx.getManager()));
  }

  @EventPattern('production.completed')
  onProductionCompleted(
    @MessagePayload() env: Envelope<Payload<'production.completed'>>,
    @Ctx() ctx: BullMqContext,
  ) {
    return rpc(this.orchestrator.productionCompleted(env, ctx.getManager()));
  }

  @EventPattern('delivery.dispatched')
  onDeliveryDispatched(
    @MessagePayload() env: Envelope<Payload<'delivery.dispatched'>>,
    @Ctx() ctx: BullMqContext,
  ) {
    return rpc(this.orchestrator.deliveryDispatched(env, ctx.getManager()));
  }

  @EventPattern('delivery.arrived')
  onDeliveryArrived(
    @MessagePayload() env: Envelope<Payload<'delivery.arrived'>>,
    @Ctx() ctx: BullMqContext,
  ) {
    return rpc(this.orchestrator.deliveryArrived(env, ctx.getManager()));
  }

  @EventPattern('delivery.returned')
  onDeliveryReturned(
    @MessagePayload() env: Envelope<Payload<'delivery.returned'>>,
    @Ctx() ctx: BullMqContext,
  ) {
    return rpc(this.orchestrator.deliveryReturned(env, ctx.getManager()));
  }

  @EventPattern('delivery.completed')
  onDeliveryCompleted(
    @MessagePayload() env: Envelope<Payload<'delivery.completed'>>,
    @Ctx() ctx: BullMqContext,
  ) {
    return rpc(this.orchestrator.deliveryCompleted(env, ctx.getManager()));
  }

  @EventPattern('case.timer')
  onCaseTimer(@MessagePayload() env: Envelope<Payload<'case.timer'>>, @Ctx() ctx: BullMqContext) {
    return rpc(this.orchestrator.caseTimer(env, ctx.getManager()));
  }
}
