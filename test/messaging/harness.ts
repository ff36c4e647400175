import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MicroserviceOptions, Payload } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  BullMqClient,
  BullMqContext,
  BullMqServer,
  createRedisClient,
  defineCatalog,
  Envelope,
  ForegroundLoad,
  HostedService,
  Keyring,
  messagingTablesUp,
  Outbox,
  OutboxRelay,
  queueName,
  RethrowRpcExceptionFilter,
  SealedPayload,
} from '@app/messaging';
import { ConnectionOptions, Queue } from 'bullmq';
import { createTestDatabase, TEST_REDIS_URL } from '../support/database';
import { createTestQueuePrefix } from '../support/redis';

/** A catalog of test messages: "sink" consumes pings and records one effect row per message. */
export const testCatalog = defineCatalog({
  'test.ping': {
    version: 1,
    producer: 'source',
    producerParty: 'residence',
    consumer: 'sink',
    consumerParty: 'hukou',
    description: 'a ping that the sink records',
    schema: z.object({
      n: z.number().int(),
      /** The handler throws on attempts before this one. */
      succeedOnAttempt: z.number().int().default(1),
      sleepMs: z.number().int().default(0),
    }),
  },
});

export const SCHEMA = 'sink';
export type PingPayload = { n: number; succeedOnAttempt: number; sleepMs: number };
export const SENDER = { province: '31', service: 'source' };
export const RECIPIENT = { province: '34', service: 'sink' };
/** The parties of every test case: the source is the residence side, the sink the hukou side. */
export const PARTIES = { residence: '31', hukou: '34' } as const;

/** How many sink handlers run at once, and the most seen (reset by a test that reads it). */
export const sinkConcurrency = { active: 0, most: 0 };

@Controller()
class SinkController {
  @EventPattern('test.ping')
  async onPing(
    @Payload() envelope: Envelope<{ n: number; succeedOnAttempt: number; sleepMs: number }>,
    @Ctx() ctx: BullMqContext,
  ) {
    const attempt = ctx.getJob().attemptsMade + 1;
    sinkConcurrency.most = Math.max(sinkConcurrency.most, ++sinkConcurrency.active);
    try {
      if (envelope.payload.sleepMs)
        await new Promise((r) => setTimeout(r, envelope.payload.sleepMs));
    } finally {
      sinkConcurrency.active--;
    }
    if (attempt < envelope.payload.succeedOnAttempt)
      throw new Error(`planned failure on attempt ${attempt}`);
    await ctx
      .getManager()
      .query(`INSERT INTO sink.effects (message_id, n) VALUES ($1, $2)`, [
        envelope.id,
        envelope.payload.n,
      ]);
  }
}

@Module({ controllers: [SinkController] })
class SinkModule {}

@Controller()
class TwoHandlersController {
  @EventPattern('test.ping')
  async a() {}
  @EventPattern('test.ping')
  async b() {}
}
@Module({ controllers: [TwoHandlersController] })
export class TwoHandlersModule {}

@Module({})
export class NoHandlersModule {}

export interface Harness {
  dataSource: DataSource;
  keyring: Keyring;
  client: BullMqClient;
  outbox: Outbox<typeof testCatalog>;
  prefix: string;
  redisUrl: string;
  /** The sink's queue on a connection of its own (a single Redis or the cluster); close() drops both. */
  queue(): Queue;
  /**
   * A relay of this process (it publishes what `send` commits, at once), or with `otherProcess` one
   * on a connection pool of its own, as another process's relay: it sees no commit here and finds
   * the rows by polling only.
   */
  makeRelay(opts?: {
    otherProcess?: boolean;
    pollMs?: number;
    client?: BullMqClient;
  }): Promise<OutboxRelay>;
  startSink(
    module?: unknown,
    opts?: {
      concurrency?: number;
      maxMessageAgeMs?: number;
      maxInFlight?: number;
      foreground?: ForegroundLoad;
      maxInFlightWhileServing?: number;
      openingRead?: HostedService['openingRead'];
    },
  ): Promise<{ close: () => Promise<void> }>;
  send(payload: {
    n: number;
    succeedOnAttempt?: number;
    sleepMs?: number;
  }): Promise<Envelope<SealedPayload>>;
  effects(): Promise<{ message_id: string; n: number }[]>;
  deadLetters(): Promise<
    { reason: string; error: string; attempts: number; message_id: string | null }[]
  >;
  close(): Promise<void>;
}

export async function createHarness(opts: { attempts?: number } = {}): Promise<Harness> {
  const db = await createTestDatabase('msg');
  const queues = createTestQueuePrefix('msg');
  const dataSource = new DataSource({ type: 'postgres', url: db.url, extra: { max: 10 } });
  await dataSource.initialize();
  for (const sql of messagingTablesUp(SCHEMA)) await dataSource.query(sql);
  await dataSource.query(`CREATE TABLE sink.effects (message_id uuid PRIMARY KEY, n int NOT NULL)`);
  const keyring = Keyring.generate(['31', '34']);
  const client = new BullMqClient({
    redisUrl: TEST_REDIS_URL,
    prefix: queues.prefix,
    retry: { attempts: opts.attempts ?? 3, backoffMs: 20 },
  });
  const outbox = new Outbox(SCHEMA, testCatalog, keyring);
  const relays: OutboxRelay[] = [];
  const otherPools: DataSource[] = [];
  const apps: { close: () => Promise<void> }[] = [];

  const harness: Harness = {
    dataSource,
    keyring,
    client,
    outbox,
    prefix: queues.prefix,
    redisUrl: TEST_REDIS_URL,
    queue() {
      const connection = createRedisClient(TEST_REDIS_URL, 'worker');
      const queue = new Queue(queueName(RECIPIENT), {
        connection: connection as unknown as ConnectionOptions,
        prefix: queues.prefix,
      });
      const close = queue.close.bind(queue);
      queue.close = async () => {
        await close();
        connection.disconnect();
      };
      return queue;
    },
    async makeRelay(relayOpts = {}) {
      let own = dataSource;
      if (relayOpts.otherProcess) {
        own = new DataSource({ type: 'postgres', url: db.url, extra: { max: 2 } });
        await own.initialize();
        otherPools.push(own);
      }
      const relay = new OutboxRelay(own, SCHEMA, relayOpts.client ?? client, {
        batchSize: 50,
        pollMs: relayOpts.pollMs ?? 50,
      });
      relays.push(relay);
      return relay;
    },
    async startSink(module: unknown = SinkModule, sinkOpts = {}) {
      const server = new BullMqServer({
        redisUrl: TEST_REDIS_URL,
        prefix: queues.prefix,
        services: [
          { service: 'sink', schema: SCHEMA, provinces: ['34'], openingRead: sinkOpts.openingRead },
        ],
        catalog: testCatalog,
        keyring,
        dataSource,
        concurrency: sinkOpts.concurrency ?? 4,
        maxMessageAgeMs: sinkOpts.maxMessageAgeMs,
        maxInFlight: sinkOpts.maxInFlight,
        foreground: sinkOpts.foreground,
        maxInFlightWhileServing: sinkOpts.maxInFlightWhileServing,
      });
      const app = await NestFactory.createMicroservice<MicroserviceOptions>(module as never, {
        strategy: server,
        logger: ['error'],
      });
      app.useGlobalFilters(new RethrowRpcExceptionFilter());
      await app.listen();
      const handle = { close: () => app.close() };
      apps.push(handle);
      return handle;
    },
    async send(payload) {
      return dataSource.transaction((m) =>
        outbox.add(m, {
          type: 'test.ping',
          caseId: `case-${payload.n}`,
          payload: { succeedOnAttempt: 1, sleepMs: 0, ...payload },
          from: SENDER,
          parties: PARTIES,
        }),
      );
    },
    effects: () => dataSource.query(`SELECT message_id, n FROM sink.effects ORDER BY n`),
    deadLetters: () =>
      dataSource.query(
        `SELECT reason, error, attempts, message_id FROM sink.dead_letters ORDER BY id`,
      ),
    async close() {
      for (const relay of relays) await relay.stop();
      for (const pool of otherPools) await pool.destroy();
      for (const app of apps) await app.close().catch(() => undefined);
      await client.close();
      await dataSource.destroy();
      await db.drop();
      await queues.cleanup();
    },
  };
  return harness;
}
