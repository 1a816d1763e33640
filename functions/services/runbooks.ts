/**
 * A service's runbooks: people's edits (If-Match versions), discovery's idempotent put from an
 * apollo.yaml, and the lookup by alert that incidents and the AI agent use.
 */
import { monotonicFactory } from 'ulidx';
import type { Runbook, RunbookCreate, RunbookUpdate } from '#schemas/index.ts';
import { NotFoundError } from '#shared/errors';
import { requireLiveService, requireService } from './services.ts';
import { servicesDeps } from './deps.ts';

const ulid = monotonicFactory();
const now = (): string => new Date().toISOString();

export async function listRunbooks(serviceId: string): Promise<Runbook[]> {
  const found = await servicesDeps().store.readServiceWithRunbooks(serviceId);
  if (!found) throw new NotFoundError(`service ${serviceId} not found`);
  return found.runbooks.sort((a, b) => a.trigger.localeCompare(b.trigger) || a.id.localeCompare(b.id));
}

export async function createRunbook(serviceId: string, input: RunbookCreate, actor: string): Promise<Runbook> {
  await requireLiveService(serviceId);
  const at = now();
  const runbook: Runbook = {
    id: ulid(),
    serviceId,
    title: input.title,
    trigger: input.trigger,
    content: input.content,
    automatable: input.automatable ?? false,
    ...(input.aiPrompt ? { aiPrompt: input.aiPrompt } : {}),
    source: 'manual',
    createdAt: at,
    createdBy: actor,
    updatedAt: at,
    updatedBy: actor,
    version: 1,
  };
  await servicesDeps().store.insertRunbook(runbook);
  return runbook;
}

export async function getRunbook(serviceId: string, runbookId: string): Promise<Runbook> {
  const runbook = await servicesDeps().store.readRunbook(serviceId, runbookId);
  if (!runbook) throw new NotFoundError(`runbook ${runbookId} of ${serviceId} not found`);
  return runbook;
}

export async function updateRunbook(serviceId: string, runbookId: string, expectedVersion: number, changes: RunbookUpdate, actor: string): Promise<Runbook> {
  await requireLiveService(serviceId);
  await getRunbook(serviceId, runbookId);
  return servicesDeps().store.updateRunbook(serviceId, runbookId, expectedVersion, { ...changes, updatedAt: now(), updatedBy: actor });
}

export async function deleteRunbook(serviceId: string, runbookId: string, expectedVersion: number): Promise<void> {
  await requireService(serviceId);
  await getRunbook(serviceId, runbookId);
  await servicesDeps().store.removeRunbook(serviceId, runbookId, expectedVersion);
}

export interface RunbookPut extends RunbookCreate {
  /** Keep the runbook's id stable across syncs (discovery derives one from the manifest path). */
  readonly id?: string;
  readonly manifestPath?: string;
}

/**
 * Creates or replaces a runbook without a version check (discovery re-applying an apollo.yaml).
 * With no `id` a runbook with the same trigger and source is replaced, else one is created.
 */
export async function putRunbook(serviceId: string, input: RunbookPut, actor: string, options: { source?: 'manual' | 'manifest' } = {}): Promise<{ runbook: Runbook; created: boolean }> {
  await requireLiveService(serviceId);
  const source = options.source ?? 'manual';
  const existing = input.id
    ? await servicesDeps().store.readRunbook(serviceId, input.id)
    : (await servicesDeps().store.listRunbooks(serviceId)).find((r) => r.trigger === input.trigger && r.source === source);
  const at = now();
  if (!existing) {
    const runbook: Runbook = {
      id: input.id ?? ulid(),
      serviceId,
      title: input.title,
      trigger: input.trigger,
      content: input.content,
      automatable: input.automatable ?? false,
      ...(input.aiPrompt ? { aiPrompt: input.aiPrompt } : {}),
      source,
      ...(input.manifestPath ? { manifestPath: input.manifestPath } : {}),
      createdAt: at,
      createdBy: actor,
      updatedAt: at,
      updatedBy: actor,
      version: 1,
    };
    await servicesDeps().store.insertRunbook(runbook);
    return { runbook, created: true };
  }
  const runbook = await servicesDeps().store.updateRunbook(serviceId, existing.id, existing.version, {
    title: input.title,
    trigger: input.trigger,
    content: input.content,
    automatable: input.automatable ?? false,
    aiPrompt: input.aiPrompt ?? null,
    source,
    manifestPath: input.manifestPath ?? null,
    updatedAt: at,
    updatedBy: actor,
  });
  return { runbook, created: false };
}

/** Runbooks for an alert (incidents, the AI agent): GSI1 `TRIGGER#<alert>`. */
export async function runbooksForAlert(alertName: string): Promise<Runbook[]> {
  const refs = await servicesDeps().store.runbooksForTrigger(alertName);
  const found = await Promise.all(refs.map((r) => servicesDeps().store.readRunbook(r.serviceId, r.runbookId)));
  return found.filter((r): r is Runbook => Boolean(r));
}
