/**
 * Storage nobody uses, from EC2 itself: EBS volumes attached to nothing (DescribeVolumes, status=available) and
 * the account's own snapshots older than a cut (DescribeSnapshots, OwnerIds self), each with what it costs a month
 * at list price. Whether a snapshot's source volume still exists is one more DescribeVolumes over their ids, by the
 * `volume-id` filter (VolumeIds would fail the whole call with InvalidVolume.NotFound on the first gone one).
 * Describe* calls are free; the only refusal worth explaining is a role without the permission.
 */
import {
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  type Snapshot,
  type Tag,
  type Volume,
} from '@aws-sdk/client-ec2';
import { ForbiddenError, ServiceUnavailableError } from '#shared/errors';
import { COST_TAGS, type IdleStorage, type StorageSource } from '../ports.ts';

/** An account with more pages than this in one region has a token that never ends, or a problem Apollo cannot list. */
export const MAX_PAGES = 100;
/** DescribeVolumes' MaxResults ceiling (5–500) and DescribeSnapshots' (5–1000): fewest pages. */
const VOLUMES_PAGE = 500;
const SNAPSHOTS_PAGE = 1000;
/** Values in one filter: EC2 takes up to 200. */
export const VOLUME_IDS_PER_CALL = 200;
/** The VolumeId EC2 gives a snapshot copied from another snapshot (an AMI copy, a cross-region copy): no volume at all. */
const NO_SOURCE_VOLUME = 'vol-ffffffff';
const DAY_MS = 86_400_000;

/** The fallbacks for a type or tier the table does not know (a new one): priced as gp2, as a standard snapshot. */
const GP2_PER_GIB = 0.10;
const STANDARD_SNAPSHOT_PER_GIB = 0.05;

/**
 * Amazon EBS list prices, US East (N. Virginia), USD: the figures the costs issue quotes from the Amazon EBS
 * pricing page (https://aws.amazon.com/ebs/pricing/), noted 2026-12-05. That page itself was not among the
 * stored sources searched that day; what those confirm: gp3 $0.08/GB-month and $0.04 per MB/s-month above 125 MB/s in
 * N. Virginia (https://www.saisci.com/aws/gp3-throughput-explained/, 2021-01-13), standard snapshots
 * $0.05/GB-month (https://cal53.calculator.city/?p=136763), Standard-tier snapshots billed incrementally and
 * Archive-tier ones in full (https://cur.vantage.sh/aws/amazon%20elastic%20block%20storage%20(ebs)/), gp3's free
 * 3,000 IOPS and 125 MB/s (https://aws.eu/ebs/pricing, the same page for the EU region, in EUR). Other regions
 * cost the same or more: there the figures are a floor. Re-check the page when AWS announces a price change.
 */
export const EBS_PRICES = {
  /** $/GB-month of provisioned storage, by volume type. */
  storage: { gp3: 0.08, gp2: GP2_PER_GIB, io1: 0.125, io2: 0.125, st1: 0.045, sc1: 0.015, standard: 0.05 } as Readonly<Record<string, number>>,
  /** gp3: 3,000 IOPS and 125 MB/s come free; above them, per provisioned IOPS-month and per MB/s-month. */
  gp3: { freeIops: 3000, iopsMonth: 0.005, freeThroughputMBps: 125, throughputMBpsMonth: 0.04 },
  /**
   * io1 and io2: every provisioned IOPS. io2 is cheaper per IOPS above 32,000 (tiered); the flat rate makes its
   * figure an upper bound there.
   */
  provisionedIopsMonth: 0.065,
  /** Snapshots, $/GB-month: the Standard tier and the Archive tier. */
  snapshot: { standard: STANDARD_SNAPSHOT_PER_GIB, archive: 0.0125 } as Readonly<Record<string, number>>,
} as const;

/** The volume fields its price depends on. */
export interface PricedVolume {
  /** gp3, gp2, io1, io2, st1, sc1, standard; any other type is priced as gp2. */
  readonly type: string;
  readonly sizeGiB: number;
  /** Provisioned IOPS (gp3, io1, io2), when the volume has them. */
  readonly iops?: number | null;
  /** Provisioned throughput in MB/s (gp3). */
  readonly throughputMBps?: number | null;
}

/** What a volume costs a month at us-east-1 list price, USD (storage, plus gp3's extra IOPS and throughput, plus io1/io2's IOPS). */
export function ebsMonthlyCost(volume: PricedVolume): number {
  const perGiB = EBS_PRICES.storage[volume.type] ?? GP2_PER_GIB;
  let cost = perGiB * volume.sizeGiB;
  const iops = volume.iops ?? 0;
  if (volume.type === 'gp3') {
    const { freeIops, iopsMonth, freeThroughputMBps, throughputMBpsMonth } = EBS_PRICES.gp3;
    cost += Math.max(0, iops - freeIops) * iopsMonth;
    cost += Math.max(0, (volume.throughputMBps ?? 0) - freeThroughputMBps) * throughputMBpsMonth;
  } else if (volume.type === 'io1' || volume.type === 'io2') {
    cost += iops * EBS_PRICES.provisionedIopsMonth;
  }
  return roundUsd(cost);
}

/**
 * What a snapshot costs a month at us-east-1 list price, USD, at most. A Standard-tier snapshot is billed for the
 * blocks it does not share with the snapshots before it of the same volume (incremental); the API does not say
 * how many that is, so the snapshot's VolumeSize is used: an upper bound, often far above the bill. An
 * Archive-tier snapshot is a full copy, billed for its size (still at most the volume's).
 */
export function snapshotMonthlyCost(snapshot: { readonly tier: string; readonly sizeGiB: number }): number {
  return roundUsd((EBS_PRICES.snapshot[snapshot.tier] ?? STANDARD_SNAPSHOT_PER_GIB) * snapshot.sizeGiB);
}

/** Hundredths of a cent: enough for a 1 GiB sc1 volume, no float noise. */
function roundUsd(amount: number): number {
  return Math.round(amount * 10_000) / 10_000;
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

/** The regions to look for idle storage in (APOLLO_COSTS_STORAGE_REGIONS, comma-separated); undefined when unset. */
export function parseStorageRegions(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const raw = env.APOLLO_COSTS_STORAGE_REGIONS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const regions = raw.split(',').map((region) => region.trim()).filter((region) => region !== '');
  const bad = regions.filter((region) => !REGION.test(region));
  if (bad.length > 0 || regions.length === 0) {
    throw new Error(`APOLLO_COSTS_STORAGE_REGIONS must be comma-separated AWS region names (e.g. us-east-1,eu-west-1); not a region: ${bad.map((region) => JSON.stringify(region)).join(', ') || JSON.stringify(raw)}`);
  }
  return [...new Set(regions)];
}

export interface Ec2StorageSourceOptions {
  /** The regions to look in, each asked separately. */
  readonly regions: readonly string[];
  /** @default one EC2Client per region, created on first use */
  readonly clientFor?: (region: string) => EC2Client;
  /** Now (tests); default Date.now. */
  readonly now?: () => number;
}

export class Ec2StorageSource implements StorageSource {
  readonly simulated = false;
  readonly label: string;
  private readonly regions: readonly string[];
  private readonly clientFor: (region: string) => EC2Client;
  private readonly now: () => number;
  private readonly clients = new Map<string, EC2Client>();

  constructor(options: Ec2StorageSourceOptions) {
    if (options.regions.length === 0) throw new Error('Ec2StorageSource needs at least one region');
    this.regions = [...options.regions];
    this.clientFor = options.clientFor ?? ((region) => new EC2Client({ region }));
    this.now = options.now ?? Date.now;
    this.label = `AWS EC2 (EBS volumes and snapshots in ${this.regions.join(', ')})`;
  }

  async idleStorage(options: { readonly snapshotDays: number }): Promise<IdleStorage[]> {
    const cut = this.now() - options.snapshotDays * DAY_MS;
    const byRegion = await Promise.all(this.regions.map((region) => this.inRegion(region, cut)));
    return byRegion.flat();
  }

  private async inRegion(region: string, cut: number): Promise<IdleStorage[]> {
    const client = this.client(region);
    const [volumes, snapshots] = await Promise.all([
      this.pages(region, 'DescribeVolumes', (token) =>
        client.send(new DescribeVolumesCommand({ Filters: [{ Name: 'status', Values: ['available'] }], MaxResults: VOLUMES_PAGE, NextToken: token })),
      (page) => page.Volumes ?? []),
      this.pages(region, 'DescribeSnapshots', (token) =>
        client.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], MaxResults: SNAPSHOTS_PAGE, NextToken: token })),
      (page) => page.Snapshots ?? []),
    ]);
    const old = snapshots.filter((snapshot) => snapshot.StartTime !== undefined && snapshot.StartTime.getTime() < cut);
    const existing = await this.existingVolumes(region, old.map((snapshot) => sourceVolumeOf(snapshot)).filter((id): id is string => id !== null));
    return [
      ...volumes.map((volume) => volumeOf(volume, region)),
      ...old.map((snapshot) => snapshotOf(snapshot, region, existing)),
    ];
  }

  /** Which of these volume ids still exist: DescribeVolumes by the volume-id filter, which leaves gone ones out instead of failing. */
  private async existingVolumes(region: string, ids: readonly string[]): Promise<Set<string>> {
    const distinct = [...new Set(ids)];
    const existing = new Set<string>();
    for (let start = 0; start < distinct.length; start += VOLUME_IDS_PER_CALL) {
      const chunk = distinct.slice(start, start + VOLUME_IDS_PER_CALL);
      const found = await this.pages(region, 'DescribeVolumes', (token) =>
        this.client(region).send(new DescribeVolumesCommand({ Filters: [{ Name: 'volume-id', Values: chunk }], MaxResults: VOLUMES_PAGE, NextToken: token })),
      (page) => page.Volumes ?? []);
      for (const volume of found) if (volume.VolumeId) existing.add(volume.VolumeId);
    }
    return existing;
  }

  private client(region: string): EC2Client {
    let client = this.clients.get(region);
    if (!client) {
      client = this.clientFor(region);
      this.clients.set(region, client);
    }
    return client;
  }

  /** Every page's items, following NextToken; a refusal said in Apollo's terms. */
  private async pages<Page extends { NextToken?: string }, Item>(region: string, operation: string, request: (token: string | undefined) => Promise<Page>, itemsOf: (page: Page) => Item[]): Promise<Item[]> {
    const items: Item[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      if (pages === MAX_PAGES) throw new ServiceUnavailableError(`EC2 answered more than ${MAX_PAGES} pages of ${operation} in ${region}`);
      let page: Page;
      try {
        page = await request(token);
      } catch (error) {
        throw explain(error, operation, region);
      }
      pages += 1;
      items.push(...itemsOf(page));
      token = page.NextToken || undefined;
    } while (token);
    return items;
  }
}

/** EC2 says UnauthorizedOperation when the role lacks ec2:Describe*; AccessDenied(Exception) from elsewhere (an SCP, STS). */
function explain(error: unknown, operation: string, region: string): unknown {
  const name = error instanceof Error ? error.name : '';
  if (name === 'UnauthorizedOperation' || name === 'AccessDenied' || name === 'AccessDeniedException') {
    const message = error instanceof Error ? error.message : String(error);
    return new ForbiddenError(`EC2 refused ${operation} in ${region} (${message}): the role needs ec2:${operation} to list idle EBS storage`, { cause: error });
  }
  return error;
}

function tagsOf(tags: readonly Tag[] | undefined): { service: string | null; environment: string | null } {
  const value = (key: string) => tags?.find((tag) => tag.Key === key)?.Value || null;
  return { service: value(COST_TAGS.service), environment: value(COST_TAGS.environment) };
}

function sourceVolumeOf(snapshot: Snapshot): string | null {
  return snapshot.VolumeId && snapshot.VolumeId !== NO_SOURCE_VOLUME ? snapshot.VolumeId : null;
}

function volumeOf(volume: Volume, region: string): IdleStorage {
  const type = volume.VolumeType ?? 'standard';
  const sizeGiB = volume.Size ?? 0;
  return {
    kind: 'volume',
    id: volume.VolumeId ?? '',
    region,
    sizeGiB,
    type,
    createdAt: volume.CreateTime?.toISOString() ?? '',
    state: volume.State ?? 'available',
    ...tagsOf(volume.Tags),
    volumeId: null,
    sourceVolumeExists: null,
    monthlyCost: ebsMonthlyCost({ type, sizeGiB, iops: volume.Iops, throughputMBps: volume.Throughput }),
  };
}

function snapshotOf(snapshot: Snapshot, region: string, existing: ReadonlySet<string>): IdleStorage {
  const type = snapshot.StorageTier === 'archive' ? 'archive' : 'standard';
  const sizeGiB = snapshot.VolumeSize ?? 0;
  const volumeId = sourceVolumeOf(snapshot);
  return {
    kind: 'snapshot',
    id: snapshot.SnapshotId ?? '',
    region,
    sizeGiB,
    type,
    createdAt: snapshot.StartTime?.toISOString() ?? '',
    state: snapshot.State ?? 'completed',
    ...tagsOf(snapshot.Tags),
    volumeId,
    sourceVolumeExists: volumeId === null ? null : existing.has(volumeId),
    monthlyCost: snapshotMonthlyCost({ tier: type, sizeGiB }),
  };
}
