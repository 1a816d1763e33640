/** The dependencies dialog's rows: from the service, checked as the API will (schemas/api/dependencies-put.schema.json), and the API's errors per row. */
import type { DependenciesPut, Dependency } from '../../../../schemas/types.gen.ts';

export const DEPENDENCY_TYPES = ['runtime', 'build', 'optional'] as const;
export type DependencyType = (typeof DEPENDENCY_TYPES)[number];

export interface DependencyRow {
  /** Stable across edits, for React keys and focus. */
  key: number;
  serviceId: string;
  type: DependencyType;
  description: string;
}

type RowField = 'serviceId' | 'type' | 'description';
/** Errors by row index, then field. */
export type RowErrors = Record<number, Partial<Record<RowField, string>>>;

const NAME = /^[a-z][a-z0-9-]{1,62}$/;

export const rowsOf = (deps: readonly Dependency[]): DependencyRow[] =>
  deps.map((d, i) => ({ key: i, serviceId: d.serviceId, type: d.type, description: d.description }));

export const dependenciesBody = (rows: readonly DependencyRow[]): DependenciesPut => ({
  dependencies: rows.map((r) => ({ serviceId: r.serviceId.trim(), type: r.type, description: r.description.trim() })),
});

export function validateRows(serviceId: string, rows: readonly DependencyRow[]): RowErrors {
  const errors: RowErrors = {};
  const seen = new Map<string, number>();
  const add = (i: number, field: RowField, message: string) => { (errors[i] ??= {})[field] ??= message; };
  rows.forEach((r, i) => {
    const id = r.serviceId.trim();
    if (!NAME.test(id)) add(i, 'serviceId', 'Choose a service from the catalog');
    else if (id === serviceId) add(i, 'serviceId', 'A service cannot depend on itself');
    else if (seen.has(id)) add(i, 'serviceId', `Already listed in row ${seen.get(id)! + 1}`);
    if (!seen.has(id)) seen.set(id, i);
    if (r.description.length > 500) add(i, 'description', 'At most 500 characters');
  });
  return errors;
}

/**
 * The API's 400 details on the rows their paths name (`/body/dependencies/2/serviceId`); anything else
 * (the whole list, an unknown field) is returned as text for above the form.
 */
export function rowErrorsFromDetails(details: readonly { path: string; message: string }[]): { rows: RowErrors; rest: string[] } {
  const rows: RowErrors = {};
  const rest: string[] = [];
  for (const d of details) {
    const m = /^\/body\/dependencies\/(\d+)\/(serviceId|type|description)$/.exec(d.path);
    if (m) (rows[Number(m[1])] ??= {})[m[2] as RowField] ??= d.message;
    else rest.push(`${d.path}: ${d.message}`);
  }
  return { rows, rest };
}
