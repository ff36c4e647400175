import { Queue } from 'bullmq';
import { Catalog } from '@app/contracts';
import { deliveryFeature } from '../../apps/delivery/src/delivery.feature';
import { intakeFeature } from '../../apps/intake/src/intake.feature';
import { productionFeature } from '../../apps/production/src/production.feature';
import { importRegistryRecords } from '../../apps/verification/src/registry/registry-import';
import { verificationFeature } from '../../apps/verification/src/verification.feature';
import { authHeaders } from '../support/auth';
import { testRedis, testRedisKeys } from '../support/redis';
import { startTestSystem, TestSystem } from '../support/system';
import { waitFor } from '../support/wait';
import { ClerkClient, dataSourceOf } from '../intake/support/client';
import { anApplication, aPerson, registryRecordOf } from '../intake/support/factories';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JOB_STATES = [
  'completed',
  'failed',
  'delayed',
  'wait',
  'waiting',
  'active',
  'paused',
  'prioritized',
  'waiting-children',
] as const;

/**
 * Personal data never reaches the logs or the names of queue jobs. One application with a proxy
 * and a postal delivery runs through review (approved), production and delivery to the addressee,
 * every service real and LOG_LEVEL=debug, while everything the process writes to stdout and
 * stderr is captured; none of the applicant's or the proxy's particulars may appear in it.
 */
describe('security: personal data stays out of logs and job names', () => {
  let system: TestSystem;
  const captured: string[] = [];
  const original = { out: process.stdout.write, err: process.stderr.write };

  const person = aPerson({
    age: 34,
    name: '司马安然',
    hukouAddressCode: '340104',
    hukouAddress: '安徽省合肥市蜀山区隐私测试路88号',
  });
  const phone = '13912345678';
  const postalAddress = '浙江省嘉兴市南湖区保密小区7幢701室';
  const proxy = aPerson({ age: 50, name: '欧阳守信' });
  let caseId = '';
  let pickupCode = '';
  let templates: string[] = [];

  const capture =
    (sink: string[]) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      sink.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    };

  beforeAll(async () => {
    process.stdout.write = capture(captured) as typeof process.stdout.write;
    process.stderr.write = capture(captured) as typeof process.stderr.write;
    try {
      system = await startTestSystem(
        [intakeFeature, verificationFeature, productionFeature, deliveryFeature],
        { RECONCILE_INTERVAL_MS: '0', LOG_LEVEL: 'debug', LOG_FORMAT: 'json' },
      );
      await importRegistryRecords(dataSourceOf(system), [registryRecordOf(person)]);
      const clerk = new ClerkClient(system.url);
      const body = anApplication(person, await clerk.photoId())
        .with((b) => {
          b.proxy = { name: proxy.name, idNumber: proxy.idNumber };
          b.delivery = { method: 'POST', recipient: person.name, address: postalAddress, phone };
        })
        .build();
      templates = body.fingerprints.templates ?? [];
      const created = await clerk.apply(body);
      if (created.status !== 201) throw new Error(`intake refused: ${created.body.message}`);
      caseId = created.body.id;
      await waitFor(
        'the card dispatched by post',
        () => clerk.case(caseId),
        (c) => c.status === 'DISPATCHED',
      );
      const [sms] = await dataSourceOf(system).query(
        `SELECT body FROM delivery.notifications WHERE case_id = $1`,
        [caseId],
      );
      pickupCode = /取件码 (\d{6})/.exec(sms.body)![1];
      const delivered = await fetch(`${system.url}/api/v1/deliveries/${caseId}/courier`, {
        method: 'POST',
        headers: {
          ...authHeaders({ role: 'delivery', province: '33' }),
          'content-type': 'application/json',
        },
        body: JSON.stringify({ event: 'DELIVERED', pickupCode }),
      });
      if (delivered.status !== 200) throw new Error(`courier callback: ${delivered.status}`);
      await waitFor(
        'the card delivered',
        () => clerk.case(caseId),
        (c) => c.status === 'DELIVERED',
      );
      // A refused request with personal data in it is logged too (if at all) without it.
      await clerk.apply(
        anApplication(person, await clerk.photoId())
          .with((b) => (b.applicant.birthDate = '1900-01-01'))
          .build(),
      );
    } finally {
      process.stdout.write = original.out;
      process.stderr.write = original.err;
    }
  });

  afterAll(async () => {
    process.stdout.write = original.out;
    process.stderr.write = original.err;
    await system?.close();
  });

  it('logged the run (debug level, JSON lines with case ids)', () => {
    const text = captured.join('');
    expect(captured.length).toBeGreaterThan(10);
    expect(text).toContain(caseId);
    expect(text).toMatch(/"level":"info"/);
  });

  it('never logged a full ID number, name, hukou address, phone, postal address, proxy, fingerprint or pickup code', () => {
    const text = captured.join('');
    const secrets: Record<string, string> = {
      'applicant ID number': person.idNumber,
      'applicant name': person.name,
      'hukou address': person.hukouAddress,
      phone,
      'postal address': postalAddress,
      'proxy name': proxy.name,
      'proxy ID number': proxy.idNumber,
      'pickup code (as a code)': `取件码 ${pickupCode}`,
      ...Object.fromEntries(templates.map((t, i) => [`fingerprint template ${i + 1}`, t])),
    };
    const leaked = Object.entries(secrets)
      .filter(([, value]) => text.includes(value))
      .map(([what]) => what);
    expect(leaked).toEqual([]);
    // Nor anything shaped like a full ID number or a mobile number (the logger masks them).
    expect(text).not.toMatch(/\b\d{17}[\dXx]\b/);
    expect(text).not.toMatch(/\b1[3-9]\d{9}\b/);
  });

  /** The particulars the run carried between services (every one of them travelled in a payload). */
  const particulars = (): Record<string, string> => ({
    'applicant ID number': person.idNumber,
    'applicant name': person.name,
    'hukou address': person.hukouAddress,
    phone,
    'postal address': postalAddress,
    'proxy name': proxy.name,
    'proxy ID number': proxy.idNumber,
  });
  const found = (text: string) =>
    Object.entries(particulars())
      .filter(([, value]) => text.includes(value))
      .map(([what]) => what);

  it('the exchange holds no readable personal data: every raw Redis value of the run, of every type, searched', async () => {
    const redis = testRedis();
    try {
      const keys = await testRedisKeys(`${system.queuePrefix}:*`);
      const dump: string[] = [];
      const types = new Set<string>();
      for (const key of keys) {
        const type = await redis.type(key);
        types.add(type);
        if (type === 'string') dump.push((await redis.get(key)) ?? '');
        else if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
        else if (type === 'list') dump.push(JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === 'set') dump.push(JSON.stringify(await redis.smembers(key)));
        else if (type === 'zset')
          dump.push(JSON.stringify(await redis.zrange(key, 0, -1, 'WITHSCORES')));
        else if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(key, '-', '+')));
        else throw new Error(`key ${key} has a type this search does not read: ${type}`);
      }
      const text = dump.join('\n');
      // The run really is in there: job hashes carrying the case id and the sealed payloads.
      expect(types.has('hash') && types.has('stream')).toBe(true);
      expect(text).toContain(caseId);
      expect(text).toContain('X25519-HKDF-SHA256-A256GCM');
      expect(found(text)).toEqual([]);
      // Nor in any encoding a reader might try: JSON-escaped (\uXXXX) names and addresses.
      const escaped = Object.values(particulars()).map((v) => JSON.stringify(v).slice(1, -1));
      expect(escaped.filter((v) => text.includes(v))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('the messaging tables (outbox, inbox, dead letters) of every service hold no plaintext personal data', async () => {
    const ds = dataSourceOf(system);
    const text: string[] = [];
    for (const schema of ['intake', 'verification', 'production', 'delivery']) {
      for (const table of ['outbox', 'inbox', 'dead_letters']) {
        const rows = await ds.query(`SELECT * FROM "${schema}".${table}`);
        text.push(JSON.stringify(rows));
      }
    }
    const all = text.join('\n');
    expect(all).toContain(caseId);
    expect(found(all)).toEqual([]);
  });

  it('names queue jobs by message type and gives them message ids (UUIDs) as job ids', async () => {
    const connection = testRedis();
    try {
      const queues = ['{intake.33}', '{verification.34}', '{production.33}', '{delivery.33}'];
      const seen: { queue: string; name: string; id: string }[] = [];
      for (const name of queues) {
        const queue = new Queue(name, {
          connection,
          prefix: system.queuePrefix,
        });
        try {
          for (const job of await queue.getJobs([...JOB_STATES], 0, -1))
            seen.push({ queue: name, name: job.name, id: String(job.id) });
        } finally {
          await queue.close();
        }
      }
      expect(new Set(seen.map((j) => j.queue))).toEqual(new Set(queues));
      expect(seen.length).toBeGreaterThanOrEqual(8);
      for (const job of seen) {
        expect(Object.keys(Catalog)).toContain(job.name);
        expect(job.id).toMatch(UUID);
      }
      // Redis key names (queue, job ids) carry nothing personal either.
      const keys = await testRedisKeys(`${system.queuePrefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      const personal = [person.idNumber, person.name, person.hukouAddress, phone, proxy.name];
      expect(keys.filter((k) => personal.some((p) => k.includes(p)))).toEqual([]);
    } finally {
      connection.disconnect();
    }
  });
});
