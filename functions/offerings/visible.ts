/**
 * One offering as the caller may see it: a module of its own, so that what only reads one offering (a
 * request's check) does not carry the document validator and the YAML parser the rest of service.ts needs.
 */
import { NotFoundError } from '#shared/errors';
import { offeringsDeps } from './deps.ts';
import type { OfferingRecord, ValidationRecord } from './ports.ts';
import { canView, type Caller } from './shapes.ts';

/** The offering served and its validation record; 404 alike for one that doesn't exist and one the caller may not see. */
export async function requireVisibleOffering(id: string, caller: Caller): Promise<{ record: OfferingRecord; validation?: ValidationRecord }> {
  const { current, validation } = await offeringsDeps().store.readOffering(id);
  if (!current || !canView(current, caller)) throw new NotFoundError(`offering ${id} not found`);
  return { record: current, ...(validation ? { validation } : {}) };
}

