/** Where a refused request's 400 details belong on the offering page. Pure, so it is unit-tested. */

/**
 * `/body/fields/<id>…` on that field of the form (when the form has it), `/body/priority|team|note` on the option (as
 * `@priority`…); undefined for anything else, which the page shows above its buttons.
 */
export function requestFieldOf(path: string, fieldIds: ReadonlySet<string>): string | undefined {
  const field = /^\/body\/fields\/([^/]+)/.exec(path);
  if (field) return fieldIds.has(field[1]!) ? field[1]! : undefined;
  const option = /^\/body\/(priority|team|note)$/.exec(path);
  return option ? `@${option[1]!}` : undefined;
}
