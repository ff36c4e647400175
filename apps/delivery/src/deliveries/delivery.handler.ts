import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Payload as MessagePayload } from '@app/contracts';
import { BullMqContext, Envelope } from '@app/messaging';
import { DeliveryService } from './delivery.service';

/** Delivery orders from intake of the same province; effects through the inbox transaction. */
@Controller()
export class DeliveryHandler {
  constructor(private readonly deliveries: DeliveryService) {}

  @EventPattern('delivery.ordered')
  async onOrdered(
    @Payload() env: Envelope<MessagePayload<'delivery.ordered'>>,
    @Ctx() ctx: BullMqContext,
  ): Promise<void> {
    await this.deliveries.handleOrder(ctx.getManager(), env, ctx.getEnvelope());
  }
}
