import { existsSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';
import { verificationFeature } from '../../apps/verification/src/verification.feature';
import { startTestSystem, TestSystem } from '../support/system';

declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const CHROMIUM = '/usr/bin/chromium';
// The ops dashboard test installs Chromium when it can; this one only uses it when present.
const describeInBrowser = existsSync(CHROMIUM) ? describe : describe.skip;

/** Swagger UI at /api/docs renders under the node's Content-Security-Policy (helmet). */
describeInBrowser('API docs page under the CSP, in headless Chromium (e2e)', () => {
  let sys: TestSystem;
  let browser: Browser;

  beforeAll(async () => {
    sys = await startTestSystem([verificationFeature]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sys?.close();
  });

  it('loads its scripts and styles and shows the API, with no CSP violation', async () => {
    const problems: string[] = [];
    const page = await browser.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
    const res = await page.goto(`${sys.url}/api/docs`);
    expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await page.waitForFunction(
      () =>
        /Cross-province/.test(
          document.querySelector('.swagger-ui .info .title')?.textContent ?? '',
        ),
      undefined,
      { timeout: 30_000 },
    );
    await page.waitForFunction(() => document.querySelector('.opblock-tag') !== null);
    expect(problems).toEqual([]);
  });
});
