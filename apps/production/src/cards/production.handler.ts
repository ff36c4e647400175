import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Payload as MessagePayload } from '@app/contracts';
import { BullMqContext, Envelope } from '@app/messaging';
import { ProductionService } from './production.service';

/**
 * Orders from intake of the production centre's province. The transport has verified the signature,
 * validated the payload and recorded the inbox row; every effect goes through ctx.getManager().
 */
@Controller()
export class ProductionHandler {
  constructor(private readonly production: ProductionService) {}

  @EventPattern('production.ordered')
  async onOrdered(
    @Payload() env: Envelope<MessagePayload<'production.ordered'>>,
    @Ctx() ctx: BullMqContext,
  ): Promise<void> {
    await this.production.handleOrder(ctx.getManager(), env, ctx.getEnvelope());
  }

  @EventPattern('production.cancelled')
  async onCancelled(
    @Payload() env: Envelope<MessagePayload<'production.cancelled'>>,
    @Ctx() ctx: BullMqContext,
  ): Promise<void> {
    await this.production.handleCancellation(ctx.getManager(), env);
  }
}
