import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { Payload as MessagePayload } from '@app/contracts';
import { BullMqContext, Envelope } from '@app/messaging';
import { NationalStatsService } from './national-stats.service';

/**
 * The provinces' statistics snapshots, on the national node's queue `{ops.national}`. The transport
 * has verified the signature (by the sender province's key), opened the payload sealed for the
 * national node and validated it, and recorded the inbox row; the effect goes through
 * ctx.getManager().
 */
@Controller()
export class SnapshotsHandler {
  constructor(private readonly national: NationalStatsService) {}

  @EventPattern('stats.published')
  async onPublished(
    @Payload() env: Envelope<MessagePayload<'stats.published'>>,
    @Ctx() ctx: BullMqContext,
  ): Promise<void> {
    await this.national.store(ctx.getManager(), env);
  }
}
