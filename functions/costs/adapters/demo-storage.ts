/**
 * The local runtime's SIMULATED EC2 inventory: a few EBS volumes attached to nothing and a few old snapshots,
 * the same on every laptop, dated relative to now so they stay old. Priced by the EC2 adapter's own functions,
 * so the demo's figures are the ones a real account's would be.
 */
import type { IdleStorage, StorageSource } from '../ports.ts';
import { ebsMonthlyCost, snapshotMonthlyCost } from './ec2-storage.ts';

export const DEMO_STORAGE_REGION = 'us-east-1';
const DAY_MS = 86_400_000;

interface DemoVolume {
  readonly id: string;
  readonly type: string;
  readonly sizeGiB: number;
  readonly iops: number | null;
  readonly throughputMBps: number | null;
  readonly ageDays: number;
  readonly service: string | null;
  readonly environment: string | null;
}

interface DemoSnapshot {
  readonly id: string;
  readonly volumeId: string;
  readonly sourceVolumeExists: boolean;
  readonly sizeGiB: number;
  readonly ageDays: number;
  readonly service: string | null;
  readonly environment: string | null;
}

// Sized to fit the demo Cost Explorer's EBS spend ("EC2 - Other", about $75 a month untagged): what is idle is part of it.
const VOLUMES: readonly DemoVolume[] = [
  // Left behind by a deleted node group: its nodes went, their data volume stayed.
  { id: 'vol-0d3e5a1b2c4f60001', type: 'gp2', sizeGiB: 200, iops: 600, throughputMBps: null, ageDays: 120, service: 'core-service', environment: 'dev' },
  { id: 'vol-0d3e5a1b2c4f60002', type: 'gp3', sizeGiB: 50, iops: 3000, throughputMBps: 125, ageDays: 45, service: 'search-service', environment: 'staging' },
  // Nobody tagged it: a benchmark's, by the IOPS.
  { id: 'vol-0d3e5a1b2c4f60003', type: 'io1', sizeGiB: 40, iops: 100, throughputMBps: null, ageDays: 200, service: null, environment: null },
];

const SNAPSHOTS: readonly DemoSnapshot[] = [
  // Nightly backups of a prod volume replaced since: the volume is gone, its snapshots are not.
  { id: 'snap-0a7c9e1f3b5d70001', volumeId: 'vol-0b2d4f6a8c0e10001', sourceVolumeExists: false, sizeGiB: 100, ageDays: 400, service: 'core-service', environment: 'prod' },
  { id: 'snap-0a7c9e1f3b5d70002', volumeId: 'vol-0b2d4f6a8c0e10001', sourceVolumeExists: false, sizeGiB: 100, ageDays: 370, service: 'core-service', environment: 'prod' },
  { id: 'snap-0a7c9e1f3b5d70003', volumeId: 'vol-0b2d4f6a8c0e10002', sourceVolumeExists: true, sizeGiB: 256, ageDays: 250, service: null, environment: null },
  // Recent: under any sensible cut, not questioned.
  { id: 'snap-0a7c9e1f3b5d70004', volumeId: 'vol-0b2d4f6a8c0e10002', sourceVolumeExists: true, sizeGiB: 256, ageDays: 10, service: null, environment: null },
];

export interface DemoStorageOptions {
  /** Now (tests); default Date.now. */
  readonly now?: () => number;
}

export class DemoStorageSource implements StorageSource {
  readonly simulated = true;
  readonly label = 'LOCAL demo EC2 inventory (generated volumes and snapshots, not AWS)';
  private readonly now: () => number;

  constructor(options: DemoStorageOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async idleStorage(options: { readonly snapshotDays: number }): Promise<IdleStorage[]> {
    const now = this.now();
    const createdAt = (ageDays: number) => new Date(now - ageDays * DAY_MS).toISOString();
    const volumes = VOLUMES.map((volume): IdleStorage => ({
      kind: 'volume',
      id: volume.id,
      region: DEMO_STORAGE_REGION,
      sizeGiB: volume.sizeGiB,
      type: volume.type,
      createdAt: createdAt(volume.ageDays),
      state: 'available',
      service: volume.service,
      environment: volume.environment,
      volumeId: null,
      sourceVolumeExists: null,
      monthlyCost: ebsMonthlyCost(volume),
    }));
    // The same cut as the EC2 adapter: started strictly before now − snapshotDays.
    const snapshots = SNAPSHOTS.filter((snapshot) => snapshot.ageDays > options.snapshotDays).map((snapshot): IdleStorage => ({
      kind: 'snapshot',
      id: snapshot.id,
      region: DEMO_STORAGE_REGION,
      sizeGiB: snapshot.sizeGiB,
      type: 'standard',
      createdAt: createdAt(snapshot.ageDays),
      state: 'completed',
      service: snapshot.service,
      environment: snapshot.environment,
      volumeId: snapshot.volumeId,
      sourceVolumeExists: snapshot.sourceVolumeExists,
      monthlyCost: snapshotMonthlyCost({ tier: 'standard', sizeGiB: snapshot.sizeGiB }),
    }));
    return [...volumes, ...snapshots];
  }
}
