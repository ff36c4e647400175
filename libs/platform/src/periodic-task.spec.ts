import { Logger } from '@nestjs/common';
import { PeriodicTask } from './periodic-task';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PeriodicTask', () => {
  const logger = { warn: jest.fn() } as unknown as Logger & { warn: jest.Mock };

  it('never runs twice at once; a failed run is logged and the next one retries; stop waits for a run', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    let finished = 0;
    const task = new PeriodicTask('test run', logger, async () => {
      runs++;
      most = Math.max(most, ++active);
      await sleep(60);
      active--;
      if (runs === 1) throw new Error('planned failure');
      finished++;
      return runs;
    });
    task.start(10, { immediately: true });
    await sleep(250);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(most).toBe(1);
    expect(logger.warn).toHaveBeenCalledWith(
      'test run failed, the next run retries: planned failure',
    );
    const before = runs;
    await task.stop();
    expect(task.stopping).toBe(true);
    expect(active).toBe(0); // the run in progress ended before stop() returned
    await sleep(60);
    expect(runs).toBe(before);
    expect(finished).toBe(runs - 1);
  });

  it('once() runs now and is awaited by stop(); an interval of 0 never starts', async () => {
    let ended = false;
    const task = new PeriodicTask('manual run', logger, async () => 0);
    task.start(0, { immediately: true });
    const run = task.once(async () => {
      await sleep(50);
      ended = true;
      return 7;
    });
    await task.stop();
    expect(ended).toBe(true);
    await expect(run).resolves.toBe(7);
  });
});
