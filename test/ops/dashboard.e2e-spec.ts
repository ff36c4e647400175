import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { nationalFeature } from '../../apps/ops/src/national/national.feature';
import { BullMqClient, DeadLetterReason, DeadLetterStore, Envelope } from '@app/messaging';
import { authHeaders } from '../support/auth';
import { TEST_REDIS_URL } from '../support/database';
import { waitFor } from '../support/wait';
import { RESEND_AFTER_MS, writeCurrent, writeHistory } from './support/dataset';
import { anEnvelope, aReviewPayload, CaseFactory } from './support/fixtures';
import { AUDITOR, call, OPS, OpsSystem, startOpsSystem } from './support/ops-system';

// The page's globals, as much of them as the checks below use (test code compiles without the DOM lib).
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): {
    getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
  } | null;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  getElementById(id: string): PageCanvas | null;
};
declare const localStorage: {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
};

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(__dirname, '..', '..', 'test-output');

/**
 * Debian's Chromium (never a downloaded browser). When it is missing and this runs as root, it is
 * installed with apt-get, as .ci/run does for PostgreSQL and Redis; only if that fails too is the
 * browser test skipped, saying so.
 */
function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.getuid?.() === 0) {
    console.warn(`${CHROMIUM} is missing: installing Debian's chromium with apt-get`);
    spawnSync(
      'bash',
      [
        '-c',
        'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium',
      ],
      { stdio: 'ignore', timeout: 600_000 },
    );
  }
  if (existsSync(CHROMIUM)) return true;
  console.warn(
    `SKIPPING the ops dashboard browser test: ${CHROMIUM} is absent and apt-get could not install it (apt-get install chromium)`,
  );
  return false;
}

const describeInBrowser = chromiumAvailable() ? describe : describe.skip;

const tokenOf = (caller: typeof OPS) => authHeaders(caller).authorization.slice('Bearer '.length);
const digits = (s: string | null) => Number((s ?? '').replace(/[^\d]/g, ''));

describeInBrowser('ops dashboard in headless Chromium (e2e)', () => {
  let ops: OpsSystem;
  let browser: Browser;
  let client: BullMqClient;
  const letters: { schema: string; id: string; envelope: Envelope | null }[] = [];
  const problems: string[] = [];

  async function deadLetter(schema: string, reason: DeadLetterReason, envelope: unknown) {
    await new DeadLetterStore(ops.dataSource, schema).record({
      queue: schema === 'verification' ? '{verification.34}' : `{${schema}.31}`,
      reason,
      error: reason === DeadLetterReason.MALFORMED ? 'id must be a uuid' : 'handler failed 5 times',
      attempts: reason === DeadLetterReason.MALFORMED ? 1 : 5,
      envelope,
    });
    const [{ id }] = await ops.dataSource.query(
      `SELECT max(id)::text AS id FROM "${schema}".dead_letters`,
    );
    letters.push({
      schema,
      id,
      envelope: (envelope as Envelope).recipient ? (envelope as Envelope) : null,
    });
  }

  const review = () =>
    anEnvelope('review.requested', {
      from: { province: '31', service: 'intake' },
      to: { province: '34', service: 'verification' },
      payload: aReviewPayload().payload,
    });

  beforeAll(async () => {
    // Also the national operations node: its panel shows the provinces' snapshots.
    ops = await startOpsSystem({ RESEND_AFTER_MS: String(RESEND_AFTER_MS) }, [nationalFeature]);
    const snapshot = (province: string, asOf: string, cases: number) =>
      ops.dataSource.query(
        `INSERT INTO ops.province_snapshots
                (province, sequence, as_of, window_start, counts, daily, message_id)
         VALUES ($1, 7, $2, current_date - 34, $3, '[]', gen_random_uuid())`,
        [
          province,
          asOf,
          JSON.stringify([{ kind: 'idcard', hukou: '34', status: 'UNDER_REVIEW', cases }]),
        ],
      );
    await snapshot('31', new Date().toISOString(), 5);
    await snapshot('32', new Date(Date.now() - 3_600_000).toISOString(), 2);
    const factory = new CaseFactory(ops.dataSource);
    await writeHistory(factory);
    await writeCurrent(factory, Date.now());
    await deadLetter('verification', DeadLetterReason.HANDLER_FAILED, review());
    await deadLetter('verification', DeadLetterReason.HANDLER_FAILED, review());
    await deadLetter('delivery', DeadLetterReason.MALFORMED, { note: 'not an envelope' });
    client = new BullMqClient({
      redisUrl: TEST_REDIS_URL,
      prefix: ops.sys.queuePrefix,
      retry: { attempts: 1, backoffMs: 50 },
    });
    await client.publish([{ envelope: review(), jobId: 'waiting-1' }]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await client?.close();
    await ops?.close();
  });

  async function openPage(token: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/^Failed to load resource/.test(m.text()))
        problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(ops.url)) problems.push(`request off the node: ${r.url()}`);
    });
    await page.goto(`${ops.url}/ops?token=${encodeURIComponent(token)}`);
    await page.waitForFunction(
      () => /^Last refreshed/.test(document.querySelector('#last-refresh')?.textContent ?? ''),
      undefined,
      { timeout: 20_000 },
    );
    return page;
  }

  /** How many pixels of a canvas are painted (not transparent). */
  const paintedPixels = (page: Page, id: string) =>
    page.evaluate((canvasId) => {
      const canvas = document.getElementById(canvasId);
      if (!canvas || !canvas.width || !canvas.height) return 0;
      const context = canvas.getContext('2d');
      if (!context) return 0;
      const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
      return painted;
    }, id);

  it('shows the charts, the figures the API reports, the diagram; replays dead letters', async () => {
    const token = tokenOf(OPS);
    const page = await openPage(token);
    // The token left the address bar; it stays in localStorage.
    expect(page.url()).toBe(`${ops.url}/ops`);
    expect(await page.evaluate(() => localStorage.getItem('idcard.ops.token'))).toBe(token);

    for (const id of ['funnel-chart', 'throughput-chart', 'regions-chart', 'stages-chart'])
      expect(await paintedPixels(page, id)).toBeGreaterThan(1000);

    const api = (
      await call<{
        statuses: { open: number; statuses: { status: string; count: number }[] };
        daily: { to: string; cumulativeTotal: number };
        breaches: { deadlines: { deadline: string; count: number }[] };
        pairs: { pairs: { residenceProvinceName: string; hukouProvinceName: string }[] };
      }>(ops.url, 'GET', '/api/v1/ops/stats/overview')
    ).body;
    const figure = (name: string) => page.textContent(`[data-figure="${name}"]`);
    expect(digits(await figure('cumulative-total'))).toBe(api.daily.cumulativeTotal);
    expect(await page.textContent('#cumulative-label')).toBe(`截至 ${api.daily.to} 累计办理`);
    expect(digits(await figure('open'))).toBe(api.statuses.open);
    expect(digits(await figure('delivered'))).toBe(
      api.statuses.statuses.find((s) => s.status === 'DELIVERED')!.count,
    );
    for (const d of api.breaches.deadlines)
      expect(digits(await figure(`breach-${d.deadline}`))).toBe(d.count);
    const stuck = (await call<{ total: number }>(ops.url, 'GET', '/api/v1/ops/cases/stuck')).body;
    expect(digits(await figure('stuck'))).toBe(stuck.total);
    expect(digits(await figure('dead-letters'))).toBe(3);
    expect(await page.locator('#pairs-table tbody tr').count()).toBe(api.pairs.pairs.length);
    expect(await page.textContent('#pairs-table tbody tr:first-child')).toContain('上海市');
    expect(await page.locator('#stuck-table tbody tr').count()).toBe(stuck.total);
    expect(
      await page.locator('#stuck-table button', { hasText: 'Re-send' }).count(),
    ).toBeGreaterThan(0);
    expect(await page.textContent('#queues-table')).toContain('{verification.34}');

    // The national panel: the sum of the snapshots, and how fresh each one is.
    const nationalApi = (
      await call<{ total: number; provinces: unknown[] }>(ops.url, 'GET', '/api/v1/ops/national')
    ).body;
    expect(nationalApi.total).toBe(7);
    expect(await page.isVisible('#national')).toBe(true);
    expect(digits(await figure('national-total'))).toBe(nationalApi.total);
    expect(await figure('national-reporting')).toBe('2 / 31');
    expect(digits(await figure('national-stale'))).toBe(1);
    expect(await page.locator('#national-table tbody tr').count()).toBe(2);
    expect(await page.textContent('#national-table tbody tr:nth-child(2)')).toContain('stale');

    await page.waitForSelector('#workflow-diagram svg', { timeout: 20_000 });
    expect(await page.locator('#workflow-diagram svg .node').count()).toBeGreaterThanOrEqual(11);
    expect(await page.textContent('#workflow-text')).toContain('UNDER_REVIEW --> APPROVED');

    // Replay one dead letter from its row.
    const [first, second, junk] = letters;
    await page.click(`tr[data-key="verification/${first.id}"] button.replay`);
    await page.waitForFunction(() =>
      /Replayed 1 of 1/.test(document.querySelector('#replay-result')?.textContent ?? ''),
    );
    const waiting = await client.queueFor('{verification.34}').getWaiting();
    expect(waiting.map((j) => (j.data as Envelope).id)).toContain(first.envelope!.id);

    // Then a selection of two: one replays, the malformed one cannot.
    await page.check(`tr[data-key="verification/${second.id}"] input[type="checkbox"]`);
    await page.check(`tr[data-key="delivery/${junk.id}"] input[type="checkbox"]`);
    expect(await page.textContent('#dl-replay-selected')).toBe('Replay selected (2)');
    await page.click('#dl-replay-selected');
    await page.waitForFunction(() =>
      /Replayed 1 of 2 \(to \{verification\.34\}\); not replayed: delivery\//.test(
        document.querySelector('#replay-result')?.textContent ?? '',
      ),
    );
    const replayed = await call<{ items: { id: string; replayCount: number }[] }>(
      ops.url,
      'GET',
      '/api/v1/ops/dead-letters?replayed=true',
    );
    expect(replayed.body.items.map((i) => i.id).sort()).toEqual([first.id, second.id].sort());
    await waitFor(
      'the page to show the replayed rows',
      () => page.textContent(`tr[data-key="verification/${second.id}"]`),
      (text) => /1×/.test(text ?? ''),
    );

    // It refreshes on its own.
    const before = await page.getAttribute('#last-refresh', 'data-at');
    await page.waitForFunction(
      (at) => document.querySelector('#last-refresh')?.getAttribute('data-at') !== at,
      before,
      { timeout: 15_000 },
    );

    await page.screenshot({ path: join(SCREENSHOTS, 'ops-dashboard.png'), fullPage: true });
    expect(problems).toEqual([]);

    // The queue board opens from the page (it sets the board's cookie first) and shows the queues.
    const [board] = await Promise.all([
      page.context().waitForEvent('page'),
      page.click('#board-link'),
    ]);
    await board.waitForLoadState();
    expect(board.url()).toBe(`${ops.url}/ops/queues`);
    await board.getByText('verification.34 安徽省').first().waitFor({ timeout: 20_000 });
    await board.screenshot({ path: join(SCREENSHOTS, 'ops-queue-board.png') });
    await board.close();
    await page.close();
  }, 90_000);

  it('asks for a token when it has none, and hides the actions from an auditor', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${ops.url}/ops`);
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.isVisible('#dashboard')).toBe(false);
    await page.fill('#token', tokenOf(AUDITOR));
    await page.click('#login-form button[type="submit"]');
    await page.waitForFunction(() =>
      /^Last refreshed/.test(document.querySelector('#last-refresh')?.textContent ?? ''),
    );
    expect(await page.locator('#dead-letters-table button.replay').count()).toBe(0);
    expect(await page.locator('#stuck-table button').count()).toBe(0);
    expect(await page.locator('#dead-letters-table tbody tr').count()).toBe(3);
    await page.screenshot({ path: join(SCREENSHOTS, 'ops-dashboard-auditor.png') });

    // A refused token sends the operator back to the sign-in form.
    await page.evaluate(() => localStorage.setItem('idcard.ops.token', 'not-a-token'));
    await page.goto(`${ops.url}/ops`);
    await page.waitForSelector('#login:not([hidden])');
    expect(await page.textContent('#login-error')).toMatch(/token was refused/);
    await page.close();
  }, 60_000);
});
