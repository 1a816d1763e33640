/**
 * The single source of truth for shapes. Every schema file (schemas/api/*.schema.json and the
 * documents) is registered under its short name, the file name without `.schema.json`, by
 * `npm run gen:schemas` (registry.gen.ts); the route table refers to schemas by that name, and
 * `types.gen.ts` holds the TypeScript types derived from them.
 */
export { SCHEMAS } from './registry.gen.ts';
import type { SCHEMAS } from './registry.gen.ts';

export type SchemaName = keyof typeof SCHEMAS;
export type * from './types.gen.ts';
