import { Controller, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MicroserviceOptions, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import {
  BullMqClient,
  BullMqContext,
  BullMqServer,
  DeadLetterStore,
  Envelope,
  ForegroundLoad,
  Keyring,
  OutboxRelay,
  PublishItem,
  sealAndSign,
  signingBytes,
} from '@app/messaging';
import { takeOpened } from '@app/persistence';
import { waitFor } from '../support/wait';
import {
  createHarness,
  Harness,
  NoHandlersModule,
  PARTIES,
  RECIPIENT,
  SENDER,
  SCHEMA,
  sinkConcurrency,
  testCatalog,
  TwoHandlersModule,
} from './harness';

/** The BullMQ transport, outbox, inbox and dead letters against the real PostgreSQL and Redis. */
describe('messaging backbone', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  const publishRaw = async (data: unknown, jobId: string = randomUUID(), attempts = 3) => {
    const queue = h.queue();
    await queue.add('raw', data, { jobId, attempts, backoff: { type: 'exponential', delay: 20 } });
    await queue.close();
  };

  it('delivers through outbox → relay → queue → handler, one effect per message', async () => {
    await h.startSink();
    const relay = await h.makeRelay();
    await relay.start();
    for (let n = 1; n <= 20; n++) await h.send({ n });
    const effects = await waitFor('20 effects', h.effects, (rows) => rows.length === 20);
    expect(effects.map((r) => r.n)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await relay.backlog()).toBe(0);
  });

  it('messages prepared together are written in one INSERT and each delivered once', async () => {
    await h.startSink();
    const relay = await h.makeRelay();
    await relay.start();
    const ping = (n: number) =>
      h.outbox.prepare({
        type: 'test.ping',
        caseId: `case-${n}`,
        payload: { succeedOnAttempt: 1, sleepMs: 0, n },
        from: SENDER,
        parties: PARTIES,
      });
    const inserts: string[] = [];
    await h.dataSource.transaction(async (m) => {
      const query = m.queryRunner!.query.bind(m.queryRunner);
      m.queryRunner!.query = (sql: string, ...rest: never[]) => {
        if (/INSERT INTO "sink"\.outbox/.test(sql)) inserts.push(sql);
        return query(sql, ...rest);
      };
      await h.outbox.write(m, [ping(1), ping(2), ping(3)]);
      await h.outbox.write(m, []);
    });
    expect(inserts).toHaveLength(1);
    const effects = await waitFor('3 effects', h.effects, (rows) => rows.length === 3);
    expect(effects.map((r) => r.n)).toEqual([1, 2, 3]);
    expect(new Set(effects.map((r) => r.message_id)).size).toBe(3);
  });

  it('publishes what this process commits at once, from memory, and marks it sent after (the polling claims none of it)', async () => {
    await h.startSink();
    // The polling's first pass runs at start, before anything is written; then it sleeps.
    const relay = await h.makeRelay({ pollMs: 600_000 });
    await relay.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const claims = jest.spyOn(Client.prototype, 'query');
    try {
      const sent = await Promise.all(Array.from({ length: 10 }, (_, i) => h.send({ n: i + 1 })));
      await waitFor('10 effects', h.effects, (rows) => rows.length === 10);
      await waitFor(
        'every row marked sent',
        () => relay.backlog(),
        (n) => n === 0,
      );
      const texts = claims.mock.calls.map(([q]) => String((q as { text?: string }).text ?? q));
      expect(texts.filter((t) => /FOR UPDATE SKIP LOCKED/.test(t))).toEqual([]);
      expect(relay.published).toBe(10);
      const rows: { id: string; publish_attempts: number; last_error: string | null }[] =
        await h.dataSource.query(`SELECT id, publish_attempts, last_error FROM sink.outbox`);
      expect(rows.map((r) => r.id).sort()).toEqual(sent.map((e) => e.id).sort());
      expect(rows.every((r) => r.publish_attempts === 1 && r.last_error === null)).toBe(true);
    } finally {
      claims.mockRestore();
    }
  });

  it('a publish on commit that Redis refuses leaves the row to the polling, which publishes it', async () => {
    await h.startSink();
    let refused = 0;
    const flaky = {
      connected: () => true,
      publish: async (items: PublishItem[]) => {
        if (refused++ === 0) throw new Error('Redis refused on commit');
        await h.client.publish(items);
      },
    } as unknown as BullMqClient;
    const relay = await h.makeRelay({ client: flaky });
    await relay.start();
    await h.send({ n: 1 });
    await waitFor('the effect', h.effects, (rows) => rows.length === 1);
    await waitFor(
      'the row marked sent',
      () => relay.backlog(),
      (n) => n === 0,
    );
    expect(refused).toBe(2); // the refused publish on commit, then the polling's
  });

  const ping = (n: number) => ({
    type: 'test.ping' as const,
    caseId: `case-${n}`,
    payload: { succeedOnAttempt: 1, sleepMs: 0, n },
    from: SENDER,
    parties: PARTIES,
  });

  it('a transaction that rolls back publishes nothing and withdraws nothing', async () => {
    await h.startSink();
    const relay = await h.makeRelay();
    await relay.start();
    const delayed = await h.outbox.add(h.dataSource.manager, { ...ping(1), delayMs: 60_000 });
    const queue = h.queue();
    try {
      await waitFor(
        'the delayed job',
        () => queue.getJobState(delayed.id),
        (s) => s === 'delayed',
      );
      const error = await h.dataSource
        .transaction(async (m) => {
          await h.outbox.add(m, ping(2));
          h.outbox.withdrawAfterCommit(m, [{ recipient: RECIPIENT, jobId: delayed.id }]);
          throw new Error('changed its mind');
        })
        .catch((e: Error) => e);
      expect(String(error)).toMatch(/changed its mind/);
      await h.send({ n: 3 }); // a later commit, published after anything the first could have sent
      await waitFor('the later effect', h.effects, (rows) => rows.length === 1);
      expect((await h.effects()).map((r) => r.n)).toEqual([3]);
      expect(await queue.getJobState(delayed.id)).toBe('delayed');
      expect(relay.withdrawn).toBe(0);
    } finally {
      await queue.close();
    }
  });

  it('a savepoint rolled back inside a transaction: what the transaction commits is published, from the table', async () => {
    await h.startSink();
    const relay = await h.makeRelay();
    await relay.start();
    await h.dataSource.transaction(async (m) => {
      await h.outbox.add(m, ping(1));
      // A nested transaction (a savepoint) that fails and is rolled back; the outer one goes on.
      await m
        .transaction(async (inner) => {
          await h.outbox.add(inner, ping(2));
          throw new Error('inner failed');
        })
        .catch(() => undefined);
      await h.outbox.add(m, ping(3));
    });
    await waitFor('two effects', h.effects, (rows) => rows.length === 2);
    await waitFor(
      'no backlog',
      () => relay.backlog(),
      (n) => n === 0,
    );
    expect((await h.effects()).map((r) => r.n)).toEqual([1, 3]);
    // A savepoint released is no commit: the outer transaction then rolls back, nothing goes out.
    await h.dataSource
      .transaction(async (m) => {
        await h.outbox.add(m, ping(4));
        await m.transaction((inner) => h.outbox.add(inner, ping(5)));
        throw new Error('outer failed');
      })
      .catch(() => undefined);
    await h.send({ n: 6 });
    await waitFor('the later effect', h.effects, (rows) => rows.length === 3);
    expect((await h.effects()).map((r) => r.n)).toEqual([1, 3, 6]);
  });

  it('a relay of this process and one of another share the rows: each message applied once', async () => {
    await h.startSink(undefined, { concurrency: 8 });
    const local = await h.makeRelay();
    const remote = await h.makeRelay({ otherProcess: true });
    await Promise.all([local.start(), remote.start()]);
    const total = 120;
    await Promise.all(
      Array.from({ length: 6 }, (_, w) =>
        (async () => {
          for (let i = 0; i < total / 6; i++) await h.send({ n: w * 1000 + i });
        })(),
      ),
    );
    await waitFor(`${total} effects`, h.effects, (rows) => rows.length === total, {
      timeoutMs: 30_000,
    });
    await waitFor(
      'no backlog',
      () => local.backlog(),
      (n) => n === 0,
    );
    const [{ inbox }] = await h.dataSource.query(`SELECT count(*)::int AS inbox FROM sink.inbox`);
    expect(inbox).toBe(total);
    expect(new Set((await h.effects()).map((r) => r.message_id)).size).toBe(total);
  });

  it('a message discarded in its transaction is neither kept nor published', async () => {
    await h.startSink();
    const relay = await h.makeRelay();
    await relay.start();
    await h.dataSource.transaction(async (m) => {
      const kept = h.outbox.prepare({
        type: 'test.ping',
        caseId: 'case-1',
        payload: { succeedOnAttempt: 1, sleepMs: 0, n: 1 },
        from: SENDER,
        parties: PARTIES,
      });
      const dropped = await h.outbox.add(m, {
        type: 'test.ping',
        caseId: 'case-2',
        payload: { succeedOnAttempt: 1, sleepMs: 0, n: 2 },
        from: SENDER,
        parties: PARTIES,
      });
      await h.outbox.write(m, [kept]);
      await h.outbox.discard(m, [dropped.id]);
    });
    await waitFor('the kept one', h.effects, (rows) => rows.length === 1);
    await waitFor(
      'its row marked sent',
      () => relay.backlog(),
      (n) => n === 0,
    );
    expect((await h.effects()).map((r) => r.n)).toEqual([1]);
    expect((await h.dataSource.query(`SELECT count(*)::int AS n FROM sink.outbox`))[0].n).toBe(1);
    const queue = h.queue();
    expect(await queue.getJobCounts('completed', 'waiting', 'active', 'delayed')).toMatchObject({
      completed: 1,
      waiting: 0,
      active: 0,
      delayed: 0,
    });
    await queue.close();
  });

  it('while the node answers requests, messages yield: fewer at once, none lost, the backlog goes on when it is idle', async () => {
    const foreground = new ForegroundLoad();
    await h.startSink(undefined, {
      concurrency: 8,
      maxInFlight: 6,
      foreground,
      maxInFlightWhileServing: 1,
    });
    const relay = await h.makeRelay();
    await relay.start();
    const leave = foreground.enter();
    sinkConcurrency.most = 0;
    for (let n = 1; n <= 4; n++) await h.send({ n, sleepMs: 150 });
    await waitFor('4 effects, one at a time', h.effects, (rows) => rows.length === 4, {
      timeoutMs: 20_000,
    });
    expect(sinkConcurrency.most).toBe(1);
    // A backlog taken while serving goes on at full width once the last request ends.
    for (let n = 5; n <= 16; n++) await h.send({ n, sleepMs: 300 });
    await waitFor('the backlog to be taken', h.effects, (rows) => rows.length >= 5);
    sinkConcurrency.most = 0;
    leave();
    leave(); // a second call changes nothing
    expect(foreground.busy).toBe(false);
    const effects = await waitFor('16 effects', h.effects, (rows) => rows.length === 16, {
      timeoutMs: 20_000,
    });
    expect(sinkConcurrency.most).toBeGreaterThan(1);
    expect(sinkConcurrency.most).toBeLessThanOrEqual(6);
    expect(effects.map((r) => r.n)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
  });

  it('a duplicate delivery of one message produces one effect', async () => {
    await h.startSink();
    const envelope = await h.send({ n: 7 });
    // The same envelope delivered three times under different job ids (as a replay or a second relay would).
    await publishRaw(envelope, 'a');
    await publishRaw(envelope, 'b');
    await publishRaw(envelope, 'c');
    await waitFor('one effect', h.effects, (rows) => rows.length === 1);
    const [{ n }] = await h.dataSource.query(`SELECT count(*)::int AS n FROM sink.inbox`);
    expect(n).toBe(1);
    // Give the two duplicates time to be processed, then check nothing more happened.
    const queue = h.queue();
    await waitFor(
      'all three jobs completed',
      () => queue.getCompletedCount(),
      (c) => c === 3,
    );
    await queue.close();
    expect(await h.effects()).toHaveLength(1);
  });

  it("a service's opening read goes with the opening, its handler takes the rows; a failing one is retried, then dead-lettered, logged as the opening's failure", async () => {
    /** Records as its effect how many effects the opening read saw (-1: no rows to take). */
    @Controller()
    class CountingSink {
      @EventPattern('test.ping')
      async onPing(@Payload() env: Envelope<{ n: number }>, @Ctx() ctx: BullMqContext) {
        const manager = ctx.getManager();
        const seen = takeOpened(manager, `effects:${env.caseId}`)?.[0]?.n as number | undefined;
        await manager.query(`INSERT INTO sink.effects (message_id, n) VALUES ($1, $2)`, [
          env.id,
          seen ?? -1,
        ]);
      }
    }
    @Module({ controllers: [CountingSink] })
    class CountingModule {}
    const logged = jest.spyOn(Logger.prototype, 'error');
    try {
      await h.startSink(CountingModule, {
        concurrency: 1,
        // The case of n = 13 gets a read PostgreSQL refuses: the opening fails, not the handler.
        openingRead: (env) => ({
          key: `effects:${env.caseId}`,
          sql:
            env.caseId === 'case-13'
              ? `SELECT 1 / 0 AS n`
              : `SELECT count(*)::int AS n FROM sink.effects`,
          params: [],
        }),
      });
      const relay = await h.makeRelay();
      await relay.start();
      const bad = await h.send({ n: 13 });
      for (let n = 1; n <= 3; n++) await h.send({ n });
      const effects = await waitFor('3 effects', h.effects, (rows) => rows.length === 3);
      // Handled one at a time, each saw the effects committed before it: 0, 1, 2 (in some order).
      expect(effects.map((e) => e.n).sort()).toEqual([0, 1, 2]);
      const [letter] = await waitFor('a dead letter', h.deadLetters, (rows) => rows.length === 1);
      expect(letter).toMatchObject({ reason: 'HANDLER_FAILED', attempts: 3, message_id: bad.id });
      expect(letter.error).toMatch(/division by zero/);
      expect(logged.mock.calls.map((c) => String(c[0]))).toContainEqual(
        expect.stringMatching(/^opening failed \(lock, inbox or opening read\) on last attempt/),
      );
    } finally {
      logged.mockRestore();
    }
  });

  it('a handler that fails twice and then succeeds produces one effect', async () => {
    await h.startSink();
    const relay = await h.makeRelay();
    await relay.start();
    await h.send({ n: 1, succeedOnAttempt: 3 });
    await waitFor('the effect', h.effects, (rows) => rows.length === 1);
    expect(await h.deadLetters()).toEqual([]);
  });

  it('a poison message is dead-lettered after its last attempt while messages behind it flow', async () => {
    await h.startSink(undefined, { concurrency: 1 });
    const relay = await h.makeRelay();
    await relay.start();
    const poison = await h.send({ n: 0, succeedOnAttempt: 99 });
    for (let n = 1; n <= 5; n++) await h.send({ n });
    await waitFor('5 good effects', h.effects, (rows) => rows.length === 5);
    const [letter] = await waitFor('a dead letter', h.deadLetters, (rows) => rows.length === 1);
    expect(letter).toMatchObject({ reason: 'HANDLER_FAILED', attempts: 3, message_id: poison.id });
    expect(letter.error).toContain('planned failure on attempt 3');
  });

  it('an invalid payload is dead-lettered at once (no retries) with the field named', async () => {
    await h.startSink();
    const good = await h.send({ n: 1 });
    const bad = sealAndSign(h.keyring, { ...good, id: randomUUID(), payload: { n: 'twelve' } });
    await publishRaw(bad);
    await publishRaw(good);
    await waitFor('the good effect', h.effects, (rows) => rows.length === 1);
    const [letter] = await waitFor('a dead letter', h.deadLetters, (rows) => rows.length === 1);
    expect(letter).toMatchObject({ reason: 'VALIDATION', attempts: 1, message_id: bad.id });
    expect(letter.error).toMatch(/payload\.n/);
  });

  it('forged, unsigned, misaddressed and malformed messages are dead-lettered while good ones flow', async () => {
    await h.startSink();
    const good = await h.send({ n: 1 });
    const stranger = Keyring.generate(['31']);
    const forged = sealAndSign(h.keyring, {
      ...good,
      id: randomUUID(),
      payload: { n: 666, succeedOnAttempt: 1, sleepMs: 0 },
    });
    forged.signature = stranger.sign('31', signingBytes(forged));
    const other = sealAndSign(h.keyring, { ...good, payload: { n: 999 } });
    const tampered = { ...good, payload: other.payload };
    const unsigned = { ...good, id: randomUUID(), signature: '' };
    const misaddressed = {
      ...good,
      id: randomUUID(),
      recipient: { province: '35', service: 'sink' },
    };
    misaddressed.signature = h.keyring.sign('31', signingBytes(misaddressed));
    for (const bad of [forged, tampered, unsigned, misaddressed, 'not an envelope'])
      await publishRaw(bad);
    await publishRaw(good);
    await waitFor('the good effect', h.effects, (rows) => rows.length === 1);
    const letters = await waitFor('five dead letters', h.deadLetters, (rows) => rows.length === 5);
    expect(letters.map((l) => l.reason).sort()).toEqual([
      'MALFORMED',
      'SIGNATURE',
      'SIGNATURE',
      'SIGNATURE',
      'WRONG_RECIPIENT',
    ]);
    expect((await h.effects()).map((e) => e.n)).toEqual([1]);
  });

  it('payloads travel sealed; one that is not sealed, sealed for another key or lifted from another message is dead-lettered (SEALING)', async () => {
    await h.startSink();
    const good = await h.send({ n: 1 });
    // What Redis holds is the sealed form: no plaintext field of the payload is readable.
    expect(Object.keys(good.payload).sort()).toEqual(['alg', 'ct', 'epk', 'iv', 'kid']);
    expect(good.payload.kid).toBe(h.keyring.encryptionKey('34').kid);
    const sign = (e: Envelope) => ({ ...e, signature: h.keyring.sign('31', signingBytes(e)) });
    const plaintext = sign({
      ...good,
      id: randomUUID(),
      payload: { n: 2, succeedOnAttempt: 1, sleepMs: 0 },
    });
    // Sealed for a key province 34 does not hold (another keyring's key for 34), signed correctly.
    const elsewhere = Keyring.generate(['31', '34']);
    const wrongKey = sign({
      ...sealAndSign(elsewhere, { ...good, id: randomUUID(), payload: { n: 3 } }),
    });
    // The sealed payload of `good`, copied into a new message (new id) and signed again.
    const lifted = sign({ ...good, id: randomUUID(), caseId: 'another-case' });
    for (const bad of [plaintext, wrongKey, lifted]) await publishRaw(bad);
    await publishRaw(good);
    await waitFor('the good effect', h.effects, (rows) => rows.length === 1);
    const letters = await waitFor('three dead letters', h.deadLetters, (rows) => rows.length === 3);
    expect(letters.map((l) => l.reason)).toEqual(['SEALING', 'SEALING', 'SEALING']);
    const byId = new Map(letters.map((l) => [l.message_id, l.error]));
    expect(byId.get(plaintext.id)).toMatch(/not sealed/);
    expect(byId.get(wrongKey.id)).toMatch(
      new RegExp(`sealed for encryption key ${elsewhere.encryptionKey('34').kid}`),
    );
    expect(byId.get(lifted.id)).toMatch(/does not open/);
    expect((await h.effects()).map((e) => e.n)).toEqual([1]);
  });

  it('a dead letter can be replayed and then takes effect once', async () => {
    await h.startSink();
    // Fails on every attempt of the first delivery (attempts 1-3)…
    const envelope = await h.send({ n: 5, succeedOnAttempt: 1 });
    await h.dataSource.query(`ALTER TABLE sink.effects ADD CONSTRAINT n_not_5 CHECK (n <> 5)`);
    await publishRaw(envelope, envelope.id);
    const [letter] = await waitFor('a dead letter', h.deadLetters, (rows) => rows.length === 1);
    expect(letter.reason).toBe('HANDLER_FAILED');
    // …the cause is fixed, the letter is replayed, the effect happens once.
    await h.dataSource.query(`ALTER TABLE sink.effects DROP CONSTRAINT n_not_5`);
    const store = new DeadLetterStore(h.dataSource, SCHEMA);
    const { items } = await store.list({ reason: 'HANDLER_FAILED' });
    const replayed = await store.replay(items[0].id, h.client);
    expect(replayed.replayCount).toBe(1);
    await waitFor('the effect', h.effects, (rows) => rows.length === 1);
    await store.replay(items[0].id, h.client);
    const queue = h.queue();
    await waitFor(
      'both replays completed',
      () => queue.getCompletedCount(),
      (c) => c === 2,
    );
    await queue.close();
    expect(await h.effects()).toHaveLength(1);
  });

  it('a relay killed between commit and publish publishes after restart', async () => {
    await h.startSink();
    // Committed with the state change, never published: the relay "died" before it ran.
    for (let n = 1; n <= 10; n++) await h.send({ n });
    expect(await h.effects()).toEqual([]);
    // A relay that dies after BullMQ accepted the batch but before marking it sent.
    const dying = new BullMqClient({
      redisUrl: h.redisUrl,
      prefix: h.prefix,
      retry: { attempts: 3, backoffMs: 20 },
    });
    const realPublish = dying.publish.bind(dying) as (items: PublishItem[]) => Promise<void>;
    Object.assign(dying, {
      publish: async (items: PublishItem[]) => {
        await realPublish(items);
        throw new Error('process killed after publish');
      },
    });
    const firstRelay = new OutboxRelay(h.dataSource, SCHEMA, dying, { batchSize: 50, pollMs: 50 });
    await expect(firstRelay.relayOnce()).rejects.toThrow('process killed after publish');
    await dying.close();
    const [{ pending }] = await h.dataSource.query(
      `SELECT count(*)::int AS pending FROM sink.outbox WHERE sent_at IS NULL`,
    );
    expect(pending).toBe(10);
    // The restarted relay publishes them again (same job ids); each takes effect once.
    const relay = await h.makeRelay();
    await relay.start();
    await waitFor('10 effects', h.effects, (rows) => rows.length === 10);
    // The relay marks rows sent when its transaction commits, which may be after the consumer ran.
    await waitFor(
      'an empty backlog',
      () => relay.backlog(),
      (n) => n === 0,
    );
    const [{ inbox }] = await h.dataSource.query(`SELECT count(*)::int AS inbox FROM sink.inbox`);
    expect(inbox).toBe(10);
  });

  it('two relays running together publish each message once, with one effect each', async () => {
    await h.startSink(undefined, { concurrency: 8 });
    // As relays of two other processes: neither sees the commits, both poll the same rows.
    const a = await h.makeRelay({ otherProcess: true });
    const b = await h.makeRelay({ otherProcess: true });
    const total = 300;
    const writers = Array.from({ length: 6 }, (_, w) =>
      (async () => {
        for (let i = 0; i < total / 6; i++) await h.send({ n: w * 1000 + i });
      })(),
    );
    await Promise.all([a.start(), b.start()]);
    await Promise.all(writers);
    await waitFor(`${total} effects`, h.effects, (rows) => rows.length === total, {
      timeoutMs: 30_000,
    });
    expect(a.published + b.published).toBe(total);
    expect(a.published).toBeGreaterThan(0);
    expect(b.published).toBeGreaterThan(0);
  });

  /** A relay publishing through `publish` (BullMQ stand-in or wrapper), batches of `batchSize`. */
  const relayWith = (publish: (items: PublishItem[]) => Promise<void>, batchSize = 50) =>
    new OutboxRelay(h.dataSource, SCHEMA, { publish } as unknown as BullMqClient, {
      batchSize,
      pollMs: 50,
    });
  const openTransactions = async (): Promise<number> => {
    const [{ n }] = await h.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    );
    return n;
  };

  it('two relays racing on the same rows publish each row once, in outbox order', async () => {
    const sent: string[] = [];
    for (let n = 1; n <= 120; n++) sent.push((await h.send({ n })).id);
    const published: string[][] = [[], []];
    // Each publish takes a while, so the two relays' transactions overlap on the pending rows.
    const relays = published.map((ids) =>
      relayWith(async (items) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        await h.client.publish(items);
        ids.push(...items.map((i) => i.envelope.id));
      }, 20),
    );
    await Promise.all(
      relays.map(async (relay) => {
        while ((await relay.relayOnce()) > 0);
      }),
    );
    const all = [...published[0], ...published[1]];
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort()).toEqual([...sent].sort());
    expect(published[0].length).toBeGreaterThan(0);
    expect(published[1].length).toBeGreaterThan(0);
    // Each relay takes the oldest rows the other has not locked: its own order is the outbox's.
    for (const ids of published) {
      expect(ids).toEqual(sent.filter((id) => ids.includes(id)));
    }
    expect(relays[0].published + relays[1].published).toBe(120);
    expect(await relays[0].backlog()).toBe(0);
    expect(await openTransactions()).toBe(0);
  });

  it('a refused publish leaves the rows pending with the attempt and error recorded; the next pass publishes them', async () => {
    for (let n = 1; n <= 5; n++) await h.send({ n });
    const refusing = relayWith(async () => {
      throw new Error('Redis refused the batch');
    });
    await expect(refusing.relayOnce()).rejects.toThrow('Redis refused the batch');
    const rows = () =>
      h.dataSource.query(
        `SELECT sent_at, publish_attempts, last_error FROM sink.outbox ORDER BY seq`,
      );
    expect(await rows()).toEqual(
      Array.from({ length: 5 }, () => ({
        sent_at: null,
        publish_attempts: 1,
        last_error: 'Redis refused the batch',
      })),
    );
    expect(refusing.published).toBe(0);
    expect(await openTransactions()).toBe(0);
    // The rows are not left locked: the next pass claims and publishes them.
    const relay = await h.makeRelay();
    expect(await relay.relayOnce()).toBe(5);
    const after = await rows();
    expect(after.every((r: { sent_at: Date | null }) => r.sent_at instanceof Date)).toBe(true);
    expect(after.map((r: { publish_attempts: number }) => r.publish_attempts)).toEqual([
      2, 2, 2, 2, 2,
    ]);
    expect(after.map((r: { last_error: string | null }) => r.last_error)).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(await openTransactions()).toBe(0);
  });

  it('a relay whose connection breaks during the publish leaves the rows pending for the next pass', async () => {
    for (let n = 1; n <= 3; n++) await h.send({ n });
    const cut = relayWith(async (items) => {
      await h.client.publish(items);
      // The relay's connection, holding the claimed rows, is killed before the rows are marked.
      await h.dataSource.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      );
    });
    await expect(cut.relayOnce()).rejects.toThrow();
    expect(await cut.backlog()).toBe(3);
    expect(await openTransactions()).toBe(0);
    const relay = await h.makeRelay();
    expect(await relay.relayOnce()).toBe(3);
    expect(await relay.backlog()).toBe(0);
  });

  it('a relay pass is two PostgreSQL round trips, and an empty one too', async () => {
    for (let n = 1; n <= 3; n++) await h.send({ n });
    const relay = await h.makeRelay();
    // Every statement the pool's connections send in this window (no sink or relay loop runs).
    const queries = jest.spyOn(Client.prototype, 'query');
    try {
      expect(await relay.relayOnce()).toBe(3);
      expect(queries).toHaveBeenCalledTimes(2);
      queries.mockClear();
      expect(await relay.relayOnce()).toBe(0);
      expect(queries).toHaveBeenCalledTimes(2);
    } finally {
      queries.mockRestore();
    }
    expect(await relay.backlog()).toBe(0);
  });

  it('shutdown with jobs in flight loses none', async () => {
    const sink = await h.startSink(undefined, { concurrency: 4 });
    const relay = await h.makeRelay();
    await relay.start();
    for (let n = 1; n <= 12; n++) await h.send({ n, sleepMs: 300 });
    const queue = h.queue();
    await waitFor(
      'jobs in flight',
      () => queue.getActiveCount(),
      (c) => c > 0,
    );
    await sink.close(); // drains the in-flight jobs, takes no new ones
    const afterClose = (await h.effects()).length;
    expect(afterClose).toBeGreaterThan(0);
    expect(await queue.getActiveCount()).toBe(0);
    expect(afterClose + (await queue.getWaitingCount())).toBe(12);
    await h.startSink(undefined, { concurrency: 4 });
    await waitFor('all 12 effects', h.effects, (rows) => rows.length === 12);
    await queue.close();
  });

  it('start-up fails when a consumed message type has no handler, or two', async () => {
    for (const [module, problem] of [
      [NoHandlersModule, 'no handler for test.ping'],
      [TwoHandlersModule, 'more than one handler for test.ping'],
    ] as const) {
      const server = new BullMqServer({
        redisUrl: h.redisUrl,
        prefix: h.prefix,
        services: [{ service: 'sink', schema: SCHEMA, provinces: ['34'] }],
        catalog: testCatalog,
        keyring: h.keyring,
        dataSource: h.dataSource,
        concurrency: 1,
      });
      const app = await NestFactory.createMicroservice<MicroserviceOptions>(module, {
        strategy: server,
        logger: false,
      });
      await expect(app.listen()).rejects.toThrow(problem);
      await app.close();
    }
  });

  it('the outbox refuses a payload that does not match the catalog, writing nothing', async () => {
    await expect(
      h.dataSource.transaction((m) =>
        h.outbox.add(m, {
          type: 'test.ping',
          caseId: 'c',
          payload: { n: 1.5 } as never,
          from: { province: '31', service: 'source' },
          parties: PARTIES,
        }),
      ),
    ).rejects.toThrow(/payload invalid: n/);
    const [{ n }] = await h.dataSource.query(`SELECT count(*)::int AS n FROM sink.outbox`);
    expect(n).toBe(0);
  });

  it('the outbox addresses a message from the catalog and the case parties, and refuses what the catalog does not allow', async () => {
    const sent = await h.send({ n: 1 });
    expect(sent.recipient).toEqual(RECIPIENT);
    const add = (from: { province: string; service: string }, to?: typeof RECIPIENT) =>
      h.dataSource.transaction((m) =>
        h.outbox.add(m, {
          type: 'test.ping',
          caseId: 'c',
          payload: { n: 2, succeedOnAttempt: 1, sleepMs: 0 },
          from,
          parties: PARTIES,
          to,
        }),
      );
    // Another province than the case's residence province, signing as itself.
    await expect(add({ province: '33', service: 'source' })).rejects.toThrow(
      /does not let source of 33 send test\.ping: only source of the residence province of the case \(31\)/,
    );
    // The consumer side sending what only the producer side may send.
    await expect(add({ province: '34', service: 'sink' })).rejects.toThrow(
      /does not let sink of 34/,
    );
    // An explicit recipient that is not the case's consumer party.
    await expect(add(SENDER, { province: '35', service: 'sink' })).rejects.toThrow(
      /goes to sink of 34 \(the hukou province of the case\), not to sink of 35/,
    );
    const [{ n }] = await h.dataSource.query(`SELECT count(*)::int AS n FROM sink.outbox`);
    expect(n).toBe(1);
  });

  it('a response carries the hash of the request it answers', async () => {
    const request = await h.send({ n: 1 });
    const reply: Envelope = await h.dataSource.transaction((m) =>
      h.outbox.add(m, {
        type: 'test.ping',
        caseId: request.caseId,
        payload: { n: 2, succeedOnAttempt: 1, sleepMs: 0 },
        from: SENDER,
        parties: PARTIES,
        replyTo: request,
      }),
    );
    const { envelopeHash } = await import('@app/messaging');
    expect(reply.inReplyTo).toEqual({ messageId: request.id, hash: envelopeHash(request) });
    expect(reply.correlationId).toBe(request.correlationId);
    expect(reply.causationId).toBe(request.id);
  });

  it('refuses old (replayed) and future-dated messages as STALE, and a replayed copy stays refused', async () => {
    await h.startSink(undefined, { maxMessageAgeMs: 60_000 });
    const good = await h.send({ n: 1 });
    const payload = { n: 1, succeedOnAttempt: 1, sleepMs: 0 };
    const old = sealAndSign(h.keyring, {
      ...good,
      id: randomUUID(),
      sentAt: new Date(Date.now() - 3_600_000).toISOString(),
      payload,
    });
    const future = sealAndSign(h.keyring, {
      ...good,
      id: randomUUID(),
      sentAt: new Date(Date.now() + 3_600_000).toISOString(),
      payload,
    });
    await publishRaw(old);
    await publishRaw(future);
    await publishRaw(good);
    await waitFor('the good effect', h.effects, (rows) => rows.length === 1);
    const letters = await waitFor('two dead letters', h.deadLetters, (rows) => rows.length === 2);
    expect(letters.map((l) => l.reason)).toEqual(['STALE', 'STALE']);
    expect(letters.map((l) => l.error).join(' ')).toMatch(/a replayed copy/);
    // The same old copy again (an attacker replaying it, or ops replaying its dead letter): its
    // first dead letter does not let it through.
    await publishRaw(old, `${old.id}-again`);
    const store = new DeadLetterStore(h.dataSource, SCHEMA);
    const { items } = await store.list({ reason: 'STALE' });
    const oldLetter = items.find((i) => i.messageId === old.id)!;
    await store.replay(oldLetter.id, h.client);
    const after = await waitFor('four dead letters', h.deadLetters, (rows) => rows.length === 4);
    expect(after.map((l) => l.reason)).toEqual(['STALE', 'STALE', 'STALE', 'STALE']);
    expect(after.filter((l) => l.message_id === old.id)).toHaveLength(3);
    expect(await h.effects()).toHaveLength(1);
  });
});
