import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Payload as MessagePayload } from '@app/contracts';
import { BullMqContext, Envelope } from '@app/messaging';
import { ReviewService } from './review.service';

/** Consumes the review queues (`{verification.<province>}`) of the provinces this node serves. */
@Controller()
export class ReviewHandler {
  constructor(private readonly reviews: ReviewService) {}

  @EventPattern('review.requested')
  async onReviewRequested(
    @Payload() env: Envelope<MessagePayload<'review.requested'>>,
    @Ctx() ctx: BullMqContext,
  ): Promise<void> {
    // Hash and answer the envelope exactly as the sender signed it; read the validated payload.
    await this.reviews.handle(ctx.getManager(), ctx.getEnvelope(), env.payload);
  }

  /** A withdrawn ID card case (its claim on the person is released). */
  @EventPattern('review.withdrawn')
  async onReviewWithdrawn(
    @Payload() env: Envelope<MessagePayload<'review.withdrawn'>>,
    @Ctx() ctx: BullMqContext,
  ): Promise<void> {
    await this.reviews.withdraw(ctx.getManager(), ctx.getEnvelope(), env.payload);
  }
}
