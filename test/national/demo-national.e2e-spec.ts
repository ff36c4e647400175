import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * `npm run demo:national` as CI runs it: three provinces' PostgreSQL servers, a Redis Cluster, each
 * service its own process, a node killed (SIGKILL) and restarted mid-flow, a national ops node on a
 * fourth PostgreSQL server fed by the provinces' statistics snapshots; the script exits 0 only when
 * every case ended where it should and the national figures are those cases. Its report is checked
 * line by line here.
 */
describe('npm run demo:national', () => {
  it('ends every case where it should, across a node killed mid-flow', async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((done) => {
      let output = '';
      const child = spawn('npm', ['run', '-s', 'demo:national'], {
        cwd: resolve(__dirname, '../..'),
        env: { ...process.env, DEMO_TIMEOUT_MS: '240000' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (exitCode) => done({ code: exitCode, output }));
    });
    if (code !== 0) throw new Error(`demo:national exited ${code}:\n${output.slice(-6000)}`);
    expect(output).toMatch(/☠ production-31 killed \(SIGKILL\)/);
    expect(output).toMatch(/↻ production-31 restarted and ready/);
    expect(output).toMatch(/✓ one open application per person/);
    expect(output).toMatch(/✓ national statistics: 14 cases from the provinces' signed snapshots/);
    expect(output).not.toMatch(/✗/);
    expect(output).toMatch(/every case ended where it should \(14 cases, 14 processes/);
  }, 600_000);
});
