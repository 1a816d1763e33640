/**
 * The service catalog as the offerings' forms see it, read from the services context's cached
 * snapshot (one paginated Query per container per few seconds, never a Scan): the same staleness
 * as GET /api/v1/services.
 */
import { byEnvOrder, catalogSnapshot } from '#functions/services/public';
import type { DirectoryService, ServiceDirectory } from '../ports.ts';

export class SnapshotServiceDirectory implements ServiceDirectory {
  async listServices(): Promise<DirectoryService[]> {
    const snapshot = await catalogSnapshot();
    return snapshot.sorted('name:asc')
      .filter((entry) => !entry.record.deregisteredAt)
      .map(({ record }) => ({ id: record.id, label: record.displayName || record.name, team: record.team }));
  }

  async environmentsOf(serviceId: string): Promise<string[] | undefined> {
    const record = (await catalogSnapshot()).get(serviceId);
    if (!record || record.deregisteredAt) return undefined;
    return Object.values(record.envs).sort(byEnvOrder).map((env) => env.name);
  }
}
