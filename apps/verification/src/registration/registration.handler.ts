import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Payload as MessagePayload } from '@app/contracts';
import { BullMqContext, Envelope } from '@app/messaging';
import { ReviewService } from '../review/review.service';
import { RegistrationService } from './registration.service';

/** Newborn registrations addressed to the verification queues of the provinces this node serves. */
@Controller()
export class RegistrationHandler {
  constructor(
    private readonly registrations: RegistrationService,
    private readonly reviews: ReviewService,
  ) {}

  @EventPattern('registration.requested')
  async onRegistrationRequested(
    @Payload() env: Envelope<MessagePayload<'registration.requested'>>,
    @Ctx() ctx: BullMqContext,
  ): Promise<void> {
    // Hash and answer the envelope exactly as the sender signed it; read the validated payload.
    await this.registrations.handle(ctx.getManager(), ctx.getEnvelope(), env.payload);
  }

  /** A withdrawn newborn registration: no later round of it is registered (same rules as review.withdrawn). */
  @EventPattern('registration.withdrawn')
  async onRegistrationWithdrawn(
    @Payload() env: Envelope<MessagePayload<'registration.withdrawn'>>,
    @Ctx() ctx: BullMqContext,
  ): Promise<void> {
    await this.reviews.withdraw(ctx.getManager(), ctx.getEnvelope(), env.payload);
  }
}
