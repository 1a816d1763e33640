/**
 * Checks an offering document (Schema v2.0, schemas/catalog-item.v2.schema.json) the way a platform engineer needs
 * it checked: YAML syntax with lines, the schema with every problem named by its JSON pointer (and YAML line), then
 * what a schema can't say: references between fields, steps, conditions, actions, outputs and rollbacks, the
 * templates' variables, and best-practice warnings and hints. Used by the catalog refresh, the validate endpoint and
 * the studio; nothing here throws on bad input. See check-yaml.ts, check-document.ts, schema-issues.ts, cross-check.ts.
 */
export type { DocumentCheck, DocumentIssue } from './issues.ts';
export { checkCatalogYaml, MAX_DOCUMENT_BYTES } from './check-yaml.ts';
export { checkCatalogDocument } from './check-document.ts';
export { RESERVED_CATEGORIES } from './schema-issues.ts';
