import { ALL_FEATURES } from '../../apps/all-in-one/src/features';
import { formatReport, runCaseBenchmark } from '../../bench/case-bench';
import { TEST_PG_URL, TEST_REDIS_URL } from '../support/database';
import { createTestQueuePrefix } from '../support/redis';
import { startTestSystem, TestSystem } from '../support/system';

/**
 * `npm run bench` with a tiny N, so the benchmark cannot rot: every phase runs against the real
 * system (HTTP, queues, PostgreSQL) and reports. No figure is asserted: figures live in the benchmark.
 */
describe('case benchmark (tiny N)', () => {
  let system: TestSystem;
  const baseline = createTestQueuePrefix('bench-hw');

  beforeAll(async () => {
    system = await startTestSystem(ALL_FEATURES, { RATE_LIMIT_PER_MINUTE: '100000' });
  });
  afterAll(async () => {
    await system?.close();
    await baseline.cleanup();
  });

  it('runs the baseline, the messages alone and every phase, follows each case to DISPATCHED and reports', async () => {
    const lines: string[] = [];
    const report = await runCaseBenchmark({
      url: system.url,
      databaseUrl: system.databaseUrl,
      pgUrl: TEST_PG_URL,
      redisUrl: TEST_REDIS_URL,
      baselinePrefix: baseline.prefix,
      cases: 4,
      concurrency: 2,
      rate: 2,
      rateSeconds: 1,
      light: 1,
      workerConcurrency: 2,
      progress: (line) => lines.push(line),
      timeoutMs: 90_000,
      // The test system runs in this process: its CPU time is read like a started system's.
      systemPid: process.pid,
    });
    expect(report.points).toBeGreaterThanOrEqual(20);
    expect(new Set(report.provinces).size).toBeGreaterThan(1);
    expect(report.baseline?.flows).toBe(4);
    // The case's seven messages through the backbone, with no work around them, every flow done.
    expect(report.messagesOnly).toMatchObject({ flows: 4, messages: 7 });
    expect(report.messagesOnly!.ratioToBaseline).toBeGreaterThan(0);
    expect(report.messagesOnly!.cpu!.total).toBeGreaterThan(0);
    expect(report.throughput.intakeMs.n).toBe(4);
    // Every case was followed to DISPATCHED and its time in each stage read from its timeline.
    expect(report.throughput.endToEndMs.n).toBe(4);
    for (const stage of report.throughput.stages) expect(stage.ms.n).toBe(4);
    expect(report.offered).toMatchObject({ sent: 2, errors: 0 });
    expect(report.offered.intakeMs.n).toBe(2);
    expect(report.light.endToEndMs.n).toBe(1);
    // Each DISPATCHED case still waits for its statutory limit, and for nothing else: the review
    // deadline's reminder was withdrawn once the case was decided.
    expect(report.reminders).toEqual({ cases: 7, waiting: 7, perCase: 1 });
    expect(lines.some((l) => l.startsWith('throughput:'))).toBe(true);
    // CPU is read from the operating system here (Linux, local servers): every part spent some.
    const cpu = report.throughput.cpuPerCase!;
    expect(cpu.node).toBeGreaterThan(0);
    expect(cpu.postgres).toBeGreaterThan(0);
    expect(cpu.total).toBeCloseTo(cpu.node + cpu.postgres + cpu.redis, 6);
    expect(report.baseline?.cpu?.total).toBeGreaterThan(0);
    expect(report.throughput.cpuRatioToBaseline).toBeGreaterThan(0);
    const text = formatReport(report);
    expect(text).toMatch(
      /CPU per case: [\d.]+ ms \(node [\d.]+, PostgreSQL [\d.]+, Redis [\d.]+\)/,
    );
    expect(text).toMatch(/cases\/s .* ratio [\d.]+ of the baseline/);
    expect(text).toMatch(
      /messages only \(the case's 7 messages .*\): [\d.]+ flows\/s → ratio [\d.]+ of the baseline; CPU per flow/,
    );
    expect(text).toMatch(/light load .* intake → DISPATCHED p50 \d+ ms/);
    expect(text).toMatch(/reminders left waiting in Redis: 1\.00 per case \(7 delayed timer jobs/);
  }, 240_000);
});
