/**
 * Idle storage from EC2: every page of unattached volumes and of the account's own snapshots, the snapshot age
 * cut, whether a snapshot's volume is gone, the apollo:* tags, the list-price math, several regions, and a role
 * without ec2:Describe* said as such.
 */
import { DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client, type DescribeVolumesCommandInput, type Volume } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ForbiddenError } from '#shared/errors';
import { Ec2StorageSource, MAX_PAGES, ebsMonthlyCost, parseStorageRegions, snapshotMonthlyCost } from './ec2-storage.ts';

/** Saturday 5 December 2026, mid-morning; with 90 days, the cut is 2026-09-06T10:00:00Z. */
const NOW = Date.parse('2026-12-05T10:00:00Z');
const east = new EC2Client({ region: 'us-east-1' });
const west = new EC2Client({ region: 'eu-west-1' });
const ec2East = mockClient(east);
const ec2West = mockClient(west);
afterEach(() => {
  ec2East.reset();
  ec2West.reset();
});

const clients: Record<string, EC2Client> = { 'us-east-1': east, 'eu-west-1': west };
const source = (regions: readonly string[] = ['us-east-1']) => new Ec2StorageSource({ regions, clientFor: (region) => clients[region]!, now: () => NOW });
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: {} });
const volumeCalls = (mock: typeof ec2East) => mock.commandCalls(DescribeVolumesCommand).map((call) => call.args[0].input);
const snapshotCalls = (mock: typeof ec2East) => mock.commandCalls(DescribeSnapshotsCommand).map((call) => call.args[0].input);
const tags = (service: string, environment: string) => [{ Key: 'apollo:service', Value: service }, { Key: 'apollo:environment', Value: environment }, { Key: 'Name', Value: 'x' }];

/**
 * DescribeVolumes as EC2 answers it: status=available gives the unattached `pages` (one per NextToken), the
 * volume-id filter gives those of the ids that still exist, gone ones left out.
 */
function fakeVolumes(mock: typeof ec2East, pages: readonly Volume[][], existing: readonly string[] = []): void {
  mock.on(DescribeVolumesCommand).callsFake((input: DescribeVolumesCommandInput) => {
    const filter = input.Filters?.[0];
    if (filter?.Name === 'volume-id') return { Volumes: (filter.Values ?? []).filter((id) => existing.includes(id)).map((id) => ({ VolumeId: id, State: 'in-use' })) };
    const index = input.NextToken ? Number(input.NextToken.replace('volumes-', '')) : 0;
    return { Volumes: pages[index], NextToken: index + 1 < pages.length ? `volumes-${index + 1}` : undefined };
  });
}

describe('Ec2StorageSource.idleStorage', () => {
  it('lists every page of unattached volumes and of the account\'s own snapshots, keeps snapshots older than the cut, and says whose volume is gone', async () => {
    // Prepare
    fakeVolumes(ec2East, [
      [{ VolumeId: 'vol-0001', VolumeType: 'gp3', Size: 1000, Iops: 6000, Throughput: 250, State: 'available', CreateTime: new Date('2026-03-01T00:00:00Z'), Tags: tags('core-service', 'dev') }],
      [{ VolumeId: 'vol-0002', VolumeType: 'gp2', Size: 500, Iops: 1500, State: 'available', CreateTime: new Date('2026-11-30T00:00:00Z') }],
    ], ['vol-kept']);
    ec2East.on(DescribeSnapshotsCommand)
      .resolvesOnce({
        Snapshots: [
          { SnapshotId: 'snap-old-gone', VolumeId: 'vol-gone', VolumeSize: 200, StartTime: new Date('2025-10-01T00:00:00Z'), State: 'completed', StorageTier: 'standard', Tags: tags('core-service', 'prod') },
          // One second after the cut: not old enough.
          { SnapshotId: 'snap-recent', VolumeId: 'vol-gone', VolumeSize: 200, StartTime: new Date('2026-09-06T10:00:01Z'), State: 'completed', StorageTier: 'standard' },
        ],
        NextToken: 'snapshots-2',
      })
      .resolvesOnce({
        Snapshots: [
          { SnapshotId: 'snap-old-kept', VolumeId: 'vol-kept', VolumeSize: 1024, StartTime: new Date('2026-09-06T09:59:59Z'), State: 'completed', StorageTier: 'archive' },
          // Copied from another snapshot: EC2's placeholder volume id, no source to look for.
          { SnapshotId: 'snap-copy', VolumeId: 'vol-ffffffff', VolumeSize: 8, StartTime: new Date('2026-01-01T00:00:00Z'), State: 'completed' },
        ],
      });

    // Act
    const idle = await source().idleStorage({ snapshotDays: 90 });

    // Assess
    expect(volumeCalls(ec2East)).toEqual([
      { Filters: [{ Name: 'status', Values: ['available'] }], MaxResults: 500, NextToken: undefined },
      { Filters: [{ Name: 'status', Values: ['available'] }], MaxResults: 500, NextToken: 'volumes-1' },
      { Filters: [{ Name: 'volume-id', Values: ['vol-gone', 'vol-kept'] }], MaxResults: 500, NextToken: undefined },
    ]);
    expect(snapshotCalls(ec2East)).toEqual([
      { OwnerIds: ['self'], MaxResults: 1000, NextToken: undefined },
      { OwnerIds: ['self'], MaxResults: 1000, NextToken: 'snapshots-2' },
    ]);
    const base = { region: 'us-east-1', service: null, environment: null, volumeId: null, sourceVolumeExists: null };
    expect(idle).toEqual([
      // 1000 GiB × $0.08 + 3,000 IOPS over the free 3,000 × $0.005 + 125 MB/s over the free 125 × $0.04.
      { ...base, kind: 'volume', id: 'vol-0001', sizeGiB: 1000, type: 'gp3', createdAt: '2026-03-01T00:00:00.000Z', state: 'available', service: 'core-service', environment: 'dev', monthlyCost: 100 },
      { ...base, kind: 'volume', id: 'vol-0002', sizeGiB: 500, type: 'gp2', createdAt: '2026-11-30T00:00:00.000Z', state: 'available', monthlyCost: 50 },
      { ...base, kind: 'snapshot', id: 'snap-old-gone', sizeGiB: 200, type: 'standard', createdAt: '2025-10-01T00:00:00.000Z', state: 'completed', service: 'core-service', environment: 'prod', volumeId: 'vol-gone', sourceVolumeExists: false, monthlyCost: 10 },
      { ...base, kind: 'snapshot', id: 'snap-old-kept', sizeGiB: 1024, type: 'archive', createdAt: '2026-09-06T09:59:59.000Z', state: 'completed', volumeId: 'vol-kept', sourceVolumeExists: true, monthlyCost: 12.8 },
      { ...base, kind: 'snapshot', id: 'snap-copy', sizeGiB: 8, type: 'standard', createdAt: '2026-01-01T00:00:00.000Z', state: 'completed', monthlyCost: 0.4 },
    ]);
  });

  it('asks about source volumes 200 ids at a time, each id once, and only for old snapshots', async () => {
    // Prepare
    const ids = Array.from({ length: 201 }, (_, i) => `vol-${String(i).padStart(4, '0')}`);
    fakeVolumes(ec2East, [[]], ids.slice(0, 100));
    ec2East.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        ...ids.map((id) => ({ SnapshotId: `snap-${id}`, VolumeId: id, VolumeSize: 1, StartTime: new Date('2026-01-01T00:00:00Z') })),
        { SnapshotId: 'snap-again', VolumeId: ids[0], VolumeSize: 1, StartTime: new Date('2026-02-01T00:00:00Z') },
        { SnapshotId: 'snap-new', VolumeId: 'vol-new-only', VolumeSize: 1, StartTime: new Date('2026-12-01T00:00:00Z') },
      ],
    });

    // Act
    const idle = await source().idleStorage({ snapshotDays: 90 });

    // Assess
    const byId = volumeCalls(ec2East).filter((input) => input.Filters?.[0]?.Name === 'volume-id').map((input) => input.Filters?.[0]?.Values);
    expect(byId).toEqual([ids.slice(0, 200), ids.slice(200)]);
    expect(idle).toHaveLength(202);
    expect(idle.filter((item) => item.sourceVolumeExists === true).map((item) => item.id)).toEqual([...ids.slice(0, 100).map((id) => `snap-${id}`), 'snap-again']);
  });

  it('looks in every configured region with that region\'s client, and says which in its label', async () => {
    // Prepare
    fakeVolumes(ec2East, [[{ VolumeId: 'vol-east', VolumeType: 'st1', Size: 1000, State: 'available', CreateTime: new Date('2026-06-01T00:00:00Z') }]]);
    ec2East.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    fakeVolumes(ec2West, [[{ VolumeId: 'vol-west', VolumeType: 'sc1', Size: 1000, State: 'available', CreateTime: new Date('2026-07-01T00:00:00Z') }]]);
    ec2West.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-west', VolumeId: 'vol-west', VolumeSize: 100, StartTime: new Date('2026-01-01T00:00:00Z') }] });
    const both = source(['us-east-1', 'eu-west-1']);

    // Act
    const idle = await both.idleStorage({ snapshotDays: 90 });

    // Assess
    expect(both.label).toBe('AWS EC2 (EBS volumes and snapshots in us-east-1, eu-west-1)');
    expect(both.simulated).toBe(false);
    expect(idle.map(({ region, id, monthlyCost, sourceVolumeExists }) => ({ region, id, monthlyCost, sourceVolumeExists }))).toEqual([
      { region: 'us-east-1', id: 'vol-east', monthlyCost: 45, sourceVolumeExists: null },
      { region: 'eu-west-1', id: 'vol-west', monthlyCost: 15, sourceVolumeExists: null },
      // The west client's volume-id lookup found nothing: fakeVolumes' existing list is empty.
      { region: 'eu-west-1', id: 'snap-west', monthlyCost: 5, sourceVolumeExists: false },
    ]);
    expect(snapshotCalls(ec2East)).toHaveLength(1);
    expect(snapshotCalls(ec2West)).toHaveLength(1);
  });

  it('says which ec2:Describe* permission the role lacks', async () => {
    // Prepare
    fakeVolumes(ec2East, [[]]);
    ec2East.on(DescribeSnapshotsCommand).rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));

    // Act
    const listing = source().idleStorage({ snapshotDays: 90 });

    // Assess
    await expect(listing).rejects.toBeInstanceOf(ForbiddenError);
    await expect(listing).rejects.toThrow('EC2 refused DescribeSnapshots in us-east-1 (You are not authorized to perform this operation.): the role needs ec2:DescribeSnapshots to list idle EBS storage');
  });

  it('says so for AccessDenied on DescribeVolumes too, and lets other errors through', async () => {
    ec2East.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    ec2East.on(DescribeVolumesCommand).rejects(awsError('AccessDenied', 'denied by an SCP'));
    await expect(source().idleStorage({ snapshotDays: 90 })).rejects.toThrow('the role needs ec2:DescribeVolumes');

    ec2East.on(DescribeVolumesCommand).rejects(awsError('RequestLimitExceeded', 'Request limit exceeded.'));
    const throttled = source().idleStorage({ snapshotDays: 90 });
    await expect(throttled).rejects.not.toBeInstanceOf(ForbiddenError);
    await expect(throttled).rejects.toThrow('Request limit exceeded.');
  });

  it(`stops after ${MAX_PAGES} pages`, async () => {
    ec2East.on(DescribeVolumesCommand).resolves({ Volumes: [], NextToken: 'more' });
    ec2East.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    await expect(source().idleStorage({ snapshotDays: 90 })).rejects.toThrow(`EC2 answered more than ${MAX_PAGES} pages of DescribeVolumes in us-east-1`);
    expect(ec2East.commandCalls(DescribeVolumesCommand)).toHaveLength(MAX_PAGES);
  });
});

describe('the list-price math (us-east-1)', () => {
  it('prices gp3 storage plus the IOPS and throughput above its free baseline', () => {
    expect(ebsMonthlyCost({ type: 'gp3', sizeGiB: 100, iops: 3000, throughputMBps: 125 })).toBe(8);
    // 500 × 0.08 + (16,000 − 3,000) × 0.005 + (1,000 − 125) × 0.04 = 40 + 65 + 35.
    expect(ebsMonthlyCost({ type: 'gp3', sizeGiB: 500, iops: 16000, throughputMBps: 1000 })).toBe(140);
  });

  it('prices io1 and io2 storage plus every provisioned IOPS', () => {
    // 200 × 0.125 + 3,000 × 0.065.
    expect(ebsMonthlyCost({ type: 'io1', sizeGiB: 200, iops: 3000 })).toBe(220);
    expect(ebsMonthlyCost({ type: 'io2', sizeGiB: 100, iops: 1000 })).toBe(77.5);
  });

  it('prices gp2, st1, sc1 and magnetic by size only', () => {
    expect(ebsMonthlyCost({ type: 'gp2', sizeGiB: 500, iops: 1500 })).toBe(50);
    expect(ebsMonthlyCost({ type: 'st1', sizeGiB: 125 })).toBe(5.625);
    expect(ebsMonthlyCost({ type: 'sc1', sizeGiB: 1 })).toBe(0.015);
    expect(ebsMonthlyCost({ type: 'standard', sizeGiB: 10 })).toBe(0.5);
  });

  it('prices a snapshot at its volume\'s size, by tier', () => {
    expect(snapshotMonthlyCost({ tier: 'standard', sizeGiB: 200 })).toBe(10);
    expect(snapshotMonthlyCost({ tier: 'archive', sizeGiB: 1024 })).toBe(12.8);
  });
});

describe('parseStorageRegions', () => {
  it('reads comma-separated regions, trimmed and once each; undefined when unset', () => {
    expect(parseStorageRegions({ APOLLO_COSTS_STORAGE_REGIONS: ' us-east-1, eu-west-1 ,us-gov-west-1,us-east-1' })).toEqual(['us-east-1', 'eu-west-1', 'us-gov-west-1']);
    expect(parseStorageRegions({})).toBeUndefined();
    expect(parseStorageRegions({ APOLLO_COSTS_STORAGE_REGIONS: '' })).toBeUndefined();
  });

  it('fails on anything that is not a region name', () => {
    expect(() => parseStorageRegions({ APOLLO_COSTS_STORAGE_REGIONS: 'us-east-1,Ireland' })).toThrow('not a region: "Ireland"');
    expect(() => parseStorageRegions({ APOLLO_COSTS_STORAGE_REGIONS: 'us-east-1a' })).toThrow('not a region: "us-east-1a"');
    expect(() => parseStorageRegions({ APOLLO_COSTS_STORAGE_REGIONS: ' , ' })).toThrow('APOLLO_COSTS_STORAGE_REGIONS must be');
  });
});
