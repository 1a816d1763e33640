/**
 * apollo.yaml: parsed with `yaml` (YAML 1.2), validated against schemas/api/apollo-manifest.schema.json
 * (precompiled), and turned into the service fields it owns. Problems are reported with the schema
 * path of the field at fault (`/spec/runbooks/0/path`), or the line and column of a YAML syntax error.
 */
import type { ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import type { ApolloManifest } from '#schemas/index.ts';
import validators from '#schemas/validators/apollo-manifest.gen.cjs';
import type { ErrorDetail } from '#shared/errors';
import { describeErrors } from '#lib/validation';

export { MANIFEST_PATH } from './discovery-config.ts';
/** A manifest larger than this is refused before parsing. */
export const MAX_MANIFEST_BYTES = 64 * 1024;

const validateManifest = (validators as unknown as Record<string, ValidateFunction>).body_apollo_manifest!;

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(message: string, readonly code: 'InvalidYaml' | 'InvalidManifest' | 'ManifestTooLarge', readonly details: readonly ErrorDetail[]) {
    super(message);
  }
}

/** Parses and validates a manifest's text; throws ManifestError listing every problem. */
export function parseManifest(text: string): ApolloManifest {
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) {
    throw new ManifestError(`apollo.yaml is larger than ${MAX_MANIFEST_BYTES} bytes`, 'ManifestTooLarge', [{ path: '', message: 'too large' }]);
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    const details = doc.errors.map((e) => ({ path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '', message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') }));
    throw new ManifestError('apollo.yaml is not valid YAML', 'InvalidYaml', details);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 50 });
  if (!validateManifest(value)) {
    const details = describeErrors(validateManifest.errors ?? [], '');
    throw new ManifestError(`apollo.yaml does not match the manifest schema: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, 'InvalidManifest', details);
  }
  return value as ApolloManifest;
}

/**
 * The service fields a manifest owns, with the values it gives them (what drift is measured against).
 * `repository` and `team` always; the others only when the manifest sets them, so a field the
 * manifest leaves out stays the catalog's to edit.
 */
export interface ManifestFields {
  displayName?: string;
  description?: string;
  repository: string;
  team: string;
  tier?: 'critical' | 'standard' | 'experimental';
  language?: string;
  framework?: string;
  tags?: string[];
}

export const MANIFEST_FIELDS = ['displayName', 'description', 'repository', 'team', 'tier', 'language', 'framework', 'tags'] as const;

export function manifestFields(manifest: ApolloManifest, repositoryUrl: string): ManifestFields {
  const { metadata, spec } = manifest;
  const fields: ManifestFields = { repository: repositoryUrl, team: metadata.team };
  if (metadata.displayName !== undefined) fields.displayName = metadata.displayName;
  if (metadata.description !== undefined) fields.description = metadata.description;
  if (metadata.tier !== undefined) fields.tier = metadata.tier;
  if (spec.language !== undefined) fields.language = spec.language;
  if (spec.framework !== undefined) fields.framework = spec.framework;
  if (metadata.tags !== undefined) fields.tags = [...metadata.tags].sort();
  return fields;
}

/** A runbook path relative to the repository root (`./docs/x.md` → `docs/x.md`). */
export const runbookPath = (path: string): string => path.replace(/^\.\//, '');
