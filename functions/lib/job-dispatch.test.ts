import { describe, expect, it } from 'vitest';
import { InProcessJobDispatcher, settleInProcessRuns } from './job-dispatch.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('InProcessJobDispatcher', () => {
  it('answers before the run starts, and settleInProcessRuns waits for every run still going', async () => {
    // Prepare
    const done: string[] = [];
    const a = new InProcessJobDispatcher(async (id) => { await sleep(40); done.push(id); });
    const b = new InProcessJobDispatcher(async (id) => { await sleep(10); done.push(id); });

    // Act
    await a.dispatch('one');
    await b.dispatch('two');
    const before = [...done];
    await settleInProcessRuns();

    // Assess
    expect(before).toEqual([]);
    expect(done.sort()).toEqual(['one', 'two']);
    expect([a.running.size, b.running.size]).toEqual([0, 0]);
  });

  it('stops waiting after the timeout, and a failed run is settled too', async () => {
    // Prepare
    const slow = new InProcessJobDispatcher(() => sleep(500));
    const failing = new InProcessJobDispatcher(() => Promise.reject(new Error('boom')), 'test job');
    await slow.dispatch('slow');
    await failing.dispatch('failing');

    // Act
    const started = Date.now();
    await settleInProcessRuns(50);

    // Assess
    expect(Date.now() - started).toBeLessThan(400);
    expect(failing.running.size).toBe(0);
    expect(slow.running.size).toBe(1);
    await settleInProcessRuns();
  });
});
