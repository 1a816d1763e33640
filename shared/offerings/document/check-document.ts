/**
 * An offering document as data (parsed YAML or JSON): the schema first, and only a document the schema accepts
 * is cross-checked, since the cross-checks rely on its shape. Nothing here throws on bad input.
 */
import type { ValidateFunction } from 'ajv';
import type { CatalogItemV2 } from '#schemas/index.ts';
// Compiled ahead of time by `npm run gen:schemas` (ajv standalone).
import validators from '#schemas/validators/catalog-item-v2.gen.cjs';
import { crossCheck } from './cross-check.ts';
import { result, type DocumentCheck } from './issues.ts';
import { schemaIssues } from './schema-issues.ts';

const validateDocument = (validators as unknown as Record<string, ValidateFunction>).body_catalog_item_v2!;

/** Checks a parsed document: the schema, then cross-references and best practice. */
export function checkCatalogDocument(value: unknown): DocumentCheck {
  // The validator may fill defaults: check a copy.
  let copy: unknown;
  try {
    copy = structuredClone(value);
  } catch {
    return result([{ path: '', code: 'schema', message: 'must be a plain document (YAML or JSON data)' }]);
  }
  if (!validateDocument(copy)) return result(schemaIssues(validateDocument.errors ?? [], value));
  return result(crossCheck(value as CatalogItemV2), value as CatalogItemV2);
}
