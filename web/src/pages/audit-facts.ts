/**
 * What an audit entry says beyond its resource: an approval's decision names the request (or deployment) it is for
 * and, decided by a delegate, for whom (the API adds them to the entry's details as the decision learns them).
 */
import type { AuditEntry } from '../../../schemas/types.gen.ts';

export interface EntryFacts {
  /** The self-service request an approval is for. */
  readonly request?: string;
  /** The production deployment an approval is for. */
  readonly deployment?: string;
  /** The approver a delegate decided for. */
  readonly onBehalfOf?: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

export function entryFacts(entry: Pick<AuditEntry, 'resourceType' | 'details'>): EntryFacts {
  if (entry.resourceType !== 'approval' || !entry.details) return {};
  const { request, deployment, onBehalfOf } = entry.details as Record<string, unknown>;
  return {
    ...(text(request) ? { request: text(request) } : {}),
    ...(text(deployment) ? { deployment: text(deployment) } : {}),
    ...(text(onBehalfOf) ? { onBehalfOf: text(onBehalfOf) } : {}),
  };
}
