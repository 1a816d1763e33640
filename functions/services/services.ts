/**
 * Services themselves: register, read, edit and deregister, and the lookups the rest of the catalog
 * guards its writes with (requireService, requireLiveService). Handlers, discovery and the demo seed
 * call these; no AWS SDK here: the table is behind the ServicesStore port (./ports.ts, wired in ./deps.ts).
 */
import type { Service, ServiceCreate, ServiceUpdate } from '#schemas/index.ts';
import { ConflictError, NotFoundError, ValidationError } from '#shared/errors';
import type { RequireOwnerOr } from '#lib/ownership';
import { toService } from './shapes.ts';
import { noteServiceWrite } from './snapshot.ts';
import { servicesDeps } from './deps.ts';
import type { ManifestInfo, ServiceRecord } from './ports.ts';

export type { ManifestInfo, ServiceRecord } from './ports.ts';

const now = (): string => new Date().toISOString();

/** The service item alone (tombstones included), or undefined: for ownership checks and callers that need no detail. */
export function findService(id: string): Promise<ServiceRecord | undefined> {
  return servicesDeps().store.readService(id);
}

/** The service item, or 404. Deregistered services resolve (their history still names them). */
export async function requireService(id: string): Promise<ServiceRecord> {
  const record = await servicesDeps().store.readService(id);
  if (!record) throw new NotFoundError(`service ${id} not found`);
  return record;
}

/**
 * Who changes a service (its entry, environments, dependencies, runbooks, code through a pull request): its owning team,
 * or `catalog:manage`; 403 for anyone else. Answers the service. The routes ask it with the request's own rule; the AI
 * console asks it before it proposes a change (a pull request) the route would refuse.
 */
export async function requireServiceOwner(id: string, requireOwnerOr: RequireOwnerOr): Promise<ServiceRecord> {
  const service = await requireService(id);
  await requireOwnerOr('catalog:manage', { team: service.team });
  return service;
}

/** A live (not deregistered) service, or 404/409. */
export async function requireLiveService(id: string): Promise<ServiceRecord> {
  const record = await requireService(id);
  if (record.deregisteredAt) throw new ConflictError(`service ${id} was deregistered on ${record.deregisteredAt}; register it again to change it`);
  return record;
}

/** One service with its environments, direct dependencies and runbooks: one item-collection Query. */
export async function getService(id: string): Promise<Service> {
  const collection = await servicesDeps().store.readServiceCollection(id);
  if (!collection) throw new NotFoundError(`service ${id} not found`);
  return toService(collection.service, collection.environments, collection.dependencies, collection.runbooks);
}

async function requireTeam(team: string, path: string): Promise<void> {
  if (!(await servicesDeps().store.teamExists(team))) throw new ValidationError(`team ${team} does not exist`, { details: [{ path, message: 'no such team' }] });
}

export interface RegisterOptions {
  /** `manifest` when discovery creates it from an apollo.yaml. Default `manual`. */
  readonly source?: 'manual' | 'manifest';
  readonly manifest?: ManifestInfo;
  /**
   * Re-register a deregistered name. The caller decides who may (the tombstone's team or
   * `catalog:manage`); without it a deregistered name is a 409 like a live one.
   */
  readonly reviveDeregistered?: boolean;
}

function titleCase(slug: string): string {
  return slug.split('-').map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w)).join(' ');
}

/** Registers a service. 409 if the name is taken (by a live service, or a tombstone unless revived). */
export async function registerService(input: ServiceCreate, actor: string, options: RegisterOptions = {}): Promise<Service> {
  await requireTeam(input.team, '/team');
  const at = now();
  const fields = {
    displayName: input.displayName ?? titleCase(input.name),
    description: input.description ?? '',
    repository: input.repository ?? '',
    team: input.team,
    tier: input.tier ?? 'standard',
    language: input.language ?? '',
    framework: input.framework ?? '',
    tags: input.tags ?? [],
    source: options.source ?? 'manual',
  };
  const existing = await servicesDeps().store.readService(input.name);
  let record: ServiceRecord;
  if (existing) {
    if (!existing.deregisteredAt) throw new ConflictError(`service ${input.name} already exists (team ${existing.team})`, { details: [{ path: '/name', message: 'already registered' }] });
    if (!options.reviveDeregistered) {
      throw new ConflictError(`the name ${input.name} belonged to a service of team ${existing.team}, deregistered on ${existing.deregisteredAt}; only that team or an admin (catalog:manage) may reuse it`, {
        details: [{ path: '/name', message: 'deregistered name' }],
      });
    }
    record = await servicesDeps().store.updateService(input.name, existing.version, {
      ...fields,
      manifest: options.manifest ?? null,
      updatedAt: at,
      updatedBy: actor,
      deregisteredAt: null,
      deregisteredBy: null,
    });
  } else {
    record = {
      id: input.name,
      name: input.name,
      ...fields,
      ...(options.manifest ? { manifest: options.manifest } : {}),
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
      version: 1,
      envs: {},
      deps: [],
    };
    await servicesDeps().store.insertService(record);
  }
  noteServiceWrite(record);
  return getService(record.id);
}

export interface UpdateOptions {
  readonly source?: 'manual' | 'manifest';
  /** Discovery records what the manifest says (and where); drift is computed against it. */
  readonly manifest?: ManifestInfo | null;
}

/** Edits a service's fields (If-Match version). 404 if absent, 412 if it changed, 409 if deregistered. */
export async function updateService(id: string, expectedVersion: number, changes: ServiceUpdate, actor: string, options: UpdateOptions = {}): Promise<Service> {
  await requireLiveService(id);
  if (changes.team) await requireTeam(changes.team, '/team');
  const record = await servicesDeps().store.updateService(id, expectedVersion, {
    ...changes,
    ...(options.source ? { source: options.source } : {}),
    ...(options.manifest !== undefined ? { manifest: options.manifest } : {}),
    updatedAt: now(),
    updatedBy: actor,
  });
  noteServiceWrite(record);
  return getService(id);
}

/**
 * Deregisters: the service item stays as a tombstone (`deregisteredAt`), so deployments, incidents
 * and audit entries still resolve its name; it leaves the default list and its name can't be taken
 * by another team without `catalog:manage`.
 */
export async function deregisterService(id: string, expectedVersion: number, actor: string): Promise<Service> {
  await requireLiveService(id);
  const at = now();
  const record = await servicesDeps().store.updateService(id, expectedVersion, { deregisteredAt: at, deregisteredBy: actor, updatedAt: at, updatedBy: actor });
  noteServiceWrite(record);
  return getService(id);
}
