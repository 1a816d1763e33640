/**
 * The local demo's EC2 inventory: three unattached volumes and the old snapshots, dated from now, the same on
 * every call, priced as the EC2 adapter prices real ones.
 */
import { describe, expect, it } from 'vitest';
import { DemoStorageSource } from './demo-storage.ts';

const NOW = Date.parse('2026-12-05T10:00:00Z');
const demo = (now = NOW) => new DemoStorageSource({ now: () => now });
const total = (items: ReadonlyArray<{ monthlyCost: number }>) => Math.round(items.reduce((sum, item) => sum + item.monthlyCost, 0) * 100) / 100;

describe('the demo EC2 inventory', () => {
  it('says it is the local demo, not AWS', () => {
    const source = demo();
    expect(source.simulated).toBe(true);
    expect(source.label).toBe('LOCAL demo EC2 inventory (generated volumes and snapshots, not AWS)');
  });

  it('answers three unattached volumes and the snapshots older than the cut, with their cost', async () => {
    // Act
    const idle = await demo().idleStorage({ snapshotDays: 90 });

    // Assess
    expect(idle).toEqual([
      {
        kind: 'volume', id: 'vol-0d3e5a1b2c4f60001', region: 'us-east-1', sizeGiB: 200, type: 'gp2', createdAt: '2026-08-07T10:00:00.000Z', state: 'available',
        service: 'core-service', environment: 'dev', volumeId: null, sourceVolumeExists: null, monthlyCost: 20,
      },
      {
        kind: 'volume', id: 'vol-0d3e5a1b2c4f60002', region: 'us-east-1', sizeGiB: 50, type: 'gp3', createdAt: '2026-10-21T10:00:00.000Z', state: 'available',
        service: 'search-service', environment: 'staging', volumeId: null, sourceVolumeExists: null, monthlyCost: 4,
      },
      {
        kind: 'volume', id: 'vol-0d3e5a1b2c4f60003', region: 'us-east-1', sizeGiB: 40, type: 'io1', createdAt: '2026-05-19T10:00:00.000Z', state: 'available',
        service: null, environment: null, volumeId: null, sourceVolumeExists: null, monthlyCost: 11.5,
      },
      {
        kind: 'snapshot', id: 'snap-0a7c9e1f3b5d70001', region: 'us-east-1', sizeGiB: 100, type: 'standard', createdAt: '2025-10-31T10:00:00.000Z', state: 'completed',
        service: 'core-service', environment: 'prod', volumeId: 'vol-0b2d4f6a8c0e10001', sourceVolumeExists: false, monthlyCost: 5,
      },
      {
        kind: 'snapshot', id: 'snap-0a7c9e1f3b5d70002', region: 'us-east-1', sizeGiB: 100, type: 'standard', createdAt: '2025-11-30T10:00:00.000Z', state: 'completed',
        service: 'core-service', environment: 'prod', volumeId: 'vol-0b2d4f6a8c0e10001', sourceVolumeExists: false, monthlyCost: 5,
      },
      {
        kind: 'snapshot', id: 'snap-0a7c9e1f3b5d70003', region: 'us-east-1', sizeGiB: 256, type: 'standard', createdAt: '2026-03-30T10:00:00.000Z', state: 'completed',
        service: null, environment: null, volumeId: 'vol-0b2d4f6a8c0e10002', sourceVolumeExists: true, monthlyCost: 12.8,
      },
    ]);
    expect(total(idle.filter((item) => item.kind === 'volume'))).toBe(35.5);
    expect(total(idle.filter((item) => item.kind === 'snapshot'))).toBe(22.8);
  });

  it('cuts snapshots by age: a shorter cut lets the recent one in, a longer one leaves only the oldest', async () => {
    const snapshotIds = async (snapshotDays: number) =>
      (await demo().idleStorage({ snapshotDays })).filter((item) => item.kind === 'snapshot').map((item) => item.id);
    expect(await snapshotIds(7)).toEqual(['snap-0a7c9e1f3b5d70001', 'snap-0a7c9e1f3b5d70002', 'snap-0a7c9e1f3b5d70003', 'snap-0a7c9e1f3b5d70004']);
    expect(await snapshotIds(380)).toEqual(['snap-0a7c9e1f3b5d70001']);
  });

  it('answers the same inventory every time, dated from now', async () => {
    const first = await demo().idleStorage({ snapshotDays: 90 });
    expect(await demo().idleStorage({ snapshotDays: 90 })).toEqual(first);
    const tomorrow = await demo(NOW + 86_400_000).idleStorage({ snapshotDays: 90 });
    expect(tomorrow.map((item) => item.createdAt)).toEqual(first.map((item) => new Date(Date.parse(item.createdAt) + 86_400_000).toISOString()));
    expect(tomorrow.map(({ createdAt: _createdAt, ...rest }) => rest)).toEqual(first.map(({ createdAt: _createdAt, ...rest }) => rest));
  });
});
