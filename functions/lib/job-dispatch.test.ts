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

    // Act: a timer started now and due 1 ms after the timeout fires after the timeout's own (Node runs
    // timers in the order they fall due, however late the machine runs them), so it marks the moment
    // by which a settle that honours its timeout has returned.
    const settled = settleInProcessRuns(50).then(() => 'returned' as const);
    const pastTheTimeout = new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 51));
    const first = await Promise.race([settled, pastTheTimeout]);

    // Assess
    expect(first).toBe('returned');
    expect(failing.running.size).toBe(0);
    expect(slow.running.size).toBe(1);
    await settleInProcessRuns();
  });
});
