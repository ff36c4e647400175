/**
 * The floor the messaging guarantees set, in the case benchmark: a flow of as many messages as a
 * case sends between services (7: review requested and decided, production ordered, started and
 * completed, delivery ordered and dispatched), each through the real backbone and nothing else.
 * Every hop is built, validated, sealed and signed into an outbox in a transaction, relayed to
 * BullMQ, taken by the transport (envelope check, signature, opening, schema, the case's lock, the
 * inbox), and its handler's only work is writing the next hop to its own outbox. No HTTP, no case,
 * no timeline, no review, card or delivery.
 *
 * Beside the hand-written baseline of the same run it says how close the system could come if the
 * services did no work at all: the system's ratio can never pass this one.
 *
 *   producer   tx: the first hop into east's outbox (31, the residence side)
 *   hop 1..6   east → west (34, the hukou side) and back, each handler writing the next hop
 *   hop 7      the last handler records the flow as done
 */
import { Controller, Inject, Module } from '@nestjs/common';
import { Queue } from 'bullmq';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MicroserviceOptions, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  BullMqClient,
  BullMqContext,
  BullMqServer,
  defineCatalog,
  Envelope,
  Keyring,
  messagingTablesUp,
  Outbox,
  OutboxRelay,
  queueName,
  RethrowRpcExceptionFilter,
  workerConnection,
} from '@app/messaging';
import { dataSourceOptions } from '@app/persistence';
import { HandWrittenOptions, HandWrittenResult, scratchDatabase } from './hand-written-pipeline';

/** Messages a case sends between services on its way to DISPATCHED (timers not counted). */
export const CASE_MESSAGES = 7;

const EAST = { service: 'east', province: '31' } as const;
const WEST = { service: 'west', province: '34' } as const;
const PARTIES = { residence: EAST.province, hukou: WEST.province };

const hop = z.object({ flow: z.number().int(), hop: z.number().int().min(1) });
const catalog = defineCatalog({
  'bench.there': {
    version: 1,
    producer: EAST.service,
    producerParty: 'residence',
    consumer: WEST.service,
    consumerParty: 'hukou',
    description: 'benchmark hop, residence side to hukou side',
    schema: hop,
  },
  'bench.back': {
    version: 1,
    producer: WEST.service,
    producerParty: 'hukou',
    consumer: EAST.service,
    consumerParty: 'residence',
    description: 'benchmark hop, hukou side to residence side',
    schema: hop,
  },
});

type Hop = z.infer<typeof hop>;

const HOPS = Symbol('HOPS');

/** The outboxes the handlers write the next hop to. */
interface Hops {
  east: Outbox<typeof catalog>;
  west: Outbox<typeof catalog>;
}

@Controller()
class HopController {
  constructor(@Inject(HOPS) private readonly hops: Hops) {}

  @EventPattern('bench.there')
  async onThere(@Payload() env: Envelope<Hop>, @Ctx() ctx: BullMqContext) {
    await this.next(env, ctx, 'bench.back');
  }

  @EventPattern('bench.back')
  async onBack(@Payload() env: Envelope<Hop>, @Ctx() ctx: BullMqContext) {
    await this.next(env, ctx, 'bench.there');
  }

  private async next(env: Envelope<Hop>, ctx: BullMqContext, type: 'bench.there' | 'bench.back') {
    const { flow, hop: n } = env.payload;
    if (n >= CASE_MESSAGES) {
      // Committed with the inbox row of the last hop: a redelivered copy is a duplicate.
      await ctx.getManager().query(`INSERT INTO done (flow) VALUES ($1)`, [flow]);
      return;
    }
    const from = type === 'bench.there' ? EAST : WEST;
    await (type === 'bench.there' ? this.hops.east : this.hops.west).add(ctx.getManager(), {
      type,
      caseId: env.caseId,
      payload: { flow, hop: n + 1 },
      from,
      parties: PARTIES,
      causedBy: env,
    });
  }
}

export interface MessagesOnlyOptions extends HandWrittenOptions {
  /** The system's OUTBOX_BATCH_SIZE and OUTBOX_POLL_MS. */
  relay: { batchSize: number; pollMs: number };
}

export async function runMessagesOnlyPipeline(o: MessagesOnlyOptions): Promise<HandWrittenResult> {
  const db = await scratchDatabase(o.pgUrl, 'msg');
  const ds = new DataSource(
    dataSourceOptions(db.url, { entities: [], migrations: [] }, o.poolSize),
  );
  const client = new BullMqClient({
    redisUrl: o.redisUrl,
    prefix: o.prefix,
    retry: { attempts: 5, backoffMs: 100 },
  });
  const keyring = Keyring.generate([EAST.province, WEST.province]);
  const hops: Hops = {
    east: new Outbox(EAST.service, catalog, keyring),
    west: new Outbox(WEST.service, catalog, keyring),
  };
  const relays = [EAST, WEST].map((side) => new OutboxRelay(ds, side.service, client, o.relay));
  let app: Awaited<ReturnType<typeof NestFactory.createMicroservice>> | undefined;
  try {
    await ds.initialize();
    for (const side of [EAST, WEST])
      for (const sql of messagingTablesUp(side.service)) await ds.query(sql);
    await ds.query(`CREATE TABLE done (flow int PRIMARY KEY)`);
    @Module({ controllers: [HopController], providers: [{ provide: HOPS, useValue: hops }] })
    class HopModule {}
    app = await NestFactory.createMicroservice<MicroserviceOptions>(HopModule, {
      strategy: new BullMqServer({
        redisUrl: o.redisUrl,
        prefix: o.prefix,
        services: [
          { service: EAST.service, schema: EAST.service, provinces: [EAST.province] },
          { service: WEST.service, schema: WEST.service, provinces: [WEST.province] },
        ],
        catalog,
        keyring,
        dataSource: ds,
        concurrency: o.concurrency,
        // As the system's transport: messages never take the last connections of the pool.
        maxInFlight: Math.max(1, o.poolSize - 3),
      }),
      logger: ['error'],
    });
    app.useGlobalFilters(new RethrowRpcExceptionFilter());
    await app.listen();
    for (const relay of relays) await relay.start();

    const spent = await o.meter?.start({ node: 'self', database: db.name });
    const started = Date.now();
    let sent = 0;
    let reported = 0;
    await Promise.all(
      Array.from({ length: o.producers }, async () => {
        while (sent < o.flows) {
          const flow = ++sent;
          await ds.transaction((m) =>
            hops.east.add(m, {
              type: 'bench.there',
              caseId: randomUUID(),
              payload: { flow, hop: 1 },
              from: EAST,
              parties: PARTIES,
            }),
          );
        }
      }),
    );
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM done`);
      if (n >= o.flows) break;
      if (Date.now() > deadline)
        throw new Error(`messages only: ${n} of ${o.flows} flows done after 10 min`);
      if (n >= reported + 100) o.onProgress?.((reported = n - (n % 100)));
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = Date.now() - started;
    const cpu = spent ? await spent() : null;
    return { flows: o.flows, ms, flowsPerSecond: (o.flows / ms) * 1000, cpu };
  } finally {
    for (const relay of relays) await relay.stop();
    await app?.close();
    await client.close();
    for (const side of [EAST, WEST]) {
      const queue = new Queue(queueName(side), {
        connection: workerConnection(o.redisUrl),
        prefix: o.prefix,
      });
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
    if (ds.isInitialized) await ds.destroy();
    await db.drop();
  }
}
