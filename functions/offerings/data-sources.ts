/**
 * The options of form fields whose choices come from Apollo (`dataSource`): a service from the
 * service catalog, an environment of the service chosen in another field, a team. `mine` narrows to
 * the caller's own (services their teams own, teams they belong to). Static sources are resolved
 * when the form is compiled; a dependent one (service-environments) is read per choice.
 */
import type { CatalogOptions, CatalogOptionsQuery } from '#schemas/index.ts';
import { NotFoundError, ValidationError } from '#shared/errors';
import type { Caller, OfferingDocument } from './shapes.ts';
import type { ServiceDirectory, TeamDirectory } from './ports.ts';

export interface FormOption { value: string; label: string }
type Field = OfferingDocument['presentation']['fields'][number];
type DataSource = NonNullable<Field['dataSource']>;

export interface Directories {
  readonly services: ServiceDirectory;
  readonly teams: TeamDirectory;
}

async function sourceOptions(source: DataSource, values: Record<string, unknown>, caller: Caller, dirs: Directories): Promise<{ options: FormOption[]; waitingFor: string[] }> {
  switch (source.source) {
    case 'services': {
      const services = await dirs.services.listServices();
      const mine = source.mine ? services.filter((s) => caller.teams.includes(s.team)) : services;
      return { options: mine.map((s) => ({ value: s.id, label: s.label })), waitingFor: [] };
    }
    case 'teams': {
      const teams = await dirs.teams.listTeams();
      const mine = source.mine ? teams.filter((t) => caller.teams.includes(t.id)) : teams;
      return { options: mine.map((t) => ({ value: t.id, label: t.label })), waitingFor: [] };
    }
    case 'service-environments': {
      const field = source.dependsOn;
      const service = field === undefined ? undefined : values[field];
      if (field === undefined || service === undefined || service === null || service === '') return { options: [], waitingFor: field ? [field] : [] };
      if (typeof service !== 'string') throw new ValidationError(`${field} must be a service id`, { details: [{ path: `/query/values/${field}`, message: 'must be a string' }] });
      const environments = await dirs.services.environmentsOf(service);
      if (!environments) throw new ValidationError(`no service ${service}`, { details: [{ path: `/query/values/${field}`, message: 'no such service' }] });
      return { options: environments.map((env) => ({ value: env, label: env })), waitingFor: [] };
    }
  }
}

/** The options of every data-source field that depends on no other field, by field id. */
export async function resolveStaticSources(doc: OfferingDocument, caller: Caller, dirs: Directories): Promise<Record<string, FormOption[]>> {
  const fields = doc.presentation.fields.filter((f) => f.dataSource && !f.dataSource.dependsOn);
  const resolved = await Promise.all(fields.map(async (f) => [f.id, (await sourceOptions(f.dataSource!, {}, caller, dirs)).options] as const));
  return Object.fromEntries(resolved);
}

/** The values chosen so far, from `values` (a JSON object) and one query parameter per field; unknown fields are refused. */
export function valuesFromQuery(doc: OfferingDocument, query: CatalogOptionsQuery): Record<string, unknown> {
  const { values: raw, ...params } = query;
  let values: Record<string, unknown> = {};
  if (raw !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ValidationError('values must be a JSON object of field id to value', { details: [{ path: '/query/values', message: 'not a JSON object' }] });
    }
    values = parsed as Record<string, unknown>;
  }
  const known = new Set(doc.presentation.fields.map((f) => f.id));
  const unknown = [
    ...Object.keys(values).filter((k) => !known.has(k)).map((k) => `/query/values/${k}`),
    ...Object.keys(params).filter((k) => !known.has(k)).map((k) => `/query/${k}`),
  ];
  if (unknown.length) throw new ValidationError(`the offering has no field ${unknown.map((p) => p.split('/').at(-1)).join(', ')}`, { details: unknown.map((path) => ({ path, message: 'unknown field' })) });
  return { ...values, ...params };
}

/** One data-source field's options given the values chosen so far. */
export async function optionsFor(doc: OfferingDocument, fieldId: string, values: Record<string, unknown>, caller: Caller, dirs: Directories): Promise<CatalogOptions> {
  const field = doc.presentation.fields.find((f) => f.id === fieldId);
  if (!field) throw new NotFoundError(`offering ${doc.metadata.id} has no field ${fieldId}`);
  if (!field.dataSource) throw new NotFoundError(`field ${fieldId} of ${doc.metadata.id} has no data source (its options are in the form's schema)`);
  const { options, waitingFor } = await sourceOptions(field.dataSource, values, caller, dirs);
  return { itemId: doc.metadata.id, fieldId, source: field.dataSource.source, options, waitingFor };
}
