import { describe, expect, it } from 'vitest';
import type { CostDayDetail } from './records.ts';
import { aboveFloor, OFF_HOURS_SHARE, recommend, RESERVED_DISCOUNT, SPOT_DISCOUNT, type RecommendationInput } from './recommendations.ts';

/** 30 days of the same detail, with `wobble` × day index added to the datastore. */
const days = (byEnvServiceType: Record<string, number>, wobble = 0): CostDayDetail[] =>
  Array.from({ length: 30 }, (_, i) => ({
    date: `2026-11-${String(i + 1).padStart(2, '0')}`,
    byEnvServiceType: Object.fromEntries(Object.entries(byEnvServiceType).map(([k, v]) => [k, k.endsWith('#rds') ? v + wobble * (i % 2) : v])),
    unattributed: {},
  }));
const input = (over: Partial<RecommendationInput>): RecommendationInput => ({ details: [], sourceRecommendations: [], storage: [], allocations: [], snapshotDays: 90, ...over });

describe('recommend', () => {
  it('schedules and moves to Spot non-production compute only, on what is left after the schedule', () => {
    // Arrange: $10/day of EC2 in dev and in prod.
    const { items } = recommend(input({ details: days({ 'dev#api#ec2': 10, 'prod#api#ec2': 10, 'dev#api#ebs': 3 }) }));

    // Assess
    expect(items.map((i) => i.id).sort()).toEqual(['idle-non-prod:dev:api', 'spot:dev:api']);
    expect(items.find((i) => i.kind === 'idle-non-prod')!.monthlySaving).toBeCloseTo(300 * OFF_HOURS_SHARE, 1);
    expect(items.find((i) => i.kind === 'spot')!.monthlySaving).toBeCloseTo(300 * (1 - OFF_HOURS_SHARE) * SPOT_DISCOUNT, 1);
  });

  it('reserves a steady production datastore, not a jumpy one nor a non-production one', () => {
    const steady = recommend(input({ details: days({ 'prod#postgres#rds': 20, 'dev#postgres#rds': 5 }) })).items;
    expect(steady).toEqual([expect.objectContaining({ id: 'reserved-capacity:prod:postgres:rds', monthlySaving: 600 * RESERVED_DISCOUNT, confidence: 'high' })]);
    const jumpy = recommend(input({ details: days({ 'prod#postgres#rds': 10 }, 8) })).items;
    expect(jumpy).toEqual([]);
  });

  it('right-sizes a workload from its requests and use, keeping 30 % headroom', () => {
    const day = (d: number) => ({
      cluster: 'c1', namespace: 'platform', workload: 'api', workloadKind: 'deployment', idle: false, start: `2026-11-0${d}`, end: `2026-11-0${d + 1}`,
      cpuCost: 2, ramCost: 1, pvCost: 0, networkCost: 0, loadBalancerCost: 0, gpuCost: 0, totalCost: 3,
      cpuCoresRequested: 4, cpuCoresUsed: 1, ramBytesRequested: 8 * 2 ** 30, ramBytesUsed: 4 * 2 ** 30, labels: {}, service: 'api', environment: 'prod',
    });
    const { items } = recommend(input({ allocations: [day(1), day(2), day(3), day(4), day(5)] }));
    // CPU to 1.3 of 4 cores (saves 67.5 % of $2/day), RAM to 5.2 of 8 GiB (saves 35 % of $1/day), over 30 days.
    expect(items).toEqual([expect.objectContaining({ kind: 'rightsizing', source: 'opencost', service: 'api', monthlySaving: 51, confidence: 'high' })]);
    expect(items[0]!.action).toBe('Set its requests to 1.30 cores and 5.2 GiB (or let the Vertical Pod Autoscaler recommend them).');
  });

  it('lists idle storage with its cost, and says what it could not look at', () => {
    const volume = { kind: 'volume' as const, id: 'vol-1', region: 'us-east-1', sizeGiB: 100, type: 'gp3', createdAt: '2026-01-01T00:00:00Z', state: 'available', service: null, environment: null, volumeId: null, sourceVolumeExists: null, monthlyCost: 8 };
    expect(recommend(input({ storage: [volume] })).items).toEqual([expect.objectContaining({ id: 'storage:vol-1', monthlySaving: 8, confidence: 'high' })]);
    const { notes } = recommend(input({ storage: undefined, allocations: undefined }));
    expect(notes.join(' ')).toMatch(/APOLLO_COSTS_STORAGE_REGIONS[\s\S]*APOLLO_COSTS_ALLOCATION_URLS/);
  });

  it('keeps every saving, the largest first; the floor leaves the small ones out of an answer and says how many', () => {
    const { items } = recommend(input({ details: days({ 'dev#a#ec2': 10, 'dev#b#ec2': 0.1 }) }));
    expect(items.map((i) => i.id)).toEqual(['idle-non-prod:dev:a', 'spot:dev:a', 'idle-non-prod:dev:b', 'spot:dev:b']);
    const floored = aboveFloor(items, 5);
    expect(floored.items.map((i) => i.id)).toEqual(['idle-non-prod:dev:a', 'spot:dev:a']);
    expect(floored.note).toBe('2 smaller recommendations (under $5.00/month) are left out: ask with a lower minSaving to see them.');
    expect(aboveFloor(items, 0).note).toBeNull();
  });
});
