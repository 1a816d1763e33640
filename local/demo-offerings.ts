/**
 * The demo self-service catalog seeded on a laptop's first start: every example offering under
 * examples/catalog, stored as a catalog refresh would store it (one version each, CURRENT, and a
 * validation record with its warnings and hints), owned by the team its metadata names. A file
 * with errors is skipped and reported; every write is idempotent, so a re-run finishes a
 * half-seeded catalog.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCatalogYaml } from '#shared/offerings/document/index';
import { putValidation, putVersion } from '../functions/offerings/adapters/dynamo-store.ts';

export const EXAMPLES_DIR = fileURLToPath(new URL('../examples/catalog/', import.meta.url));
export const EXAMPLES_REPO = 'local/examples';

/** Git's blob sha of a file's text, as GitHub reports it: the same file seeded or refreshed has the same sha. */
export const blobSha = (text: string): string => createHash('sha1').update(`blob ${Buffer.byteLength(text)}\0`).update(text).digest('hex');

export async function seedDemoOfferings(dir = EXAMPLES_DIR): Promise<{ stored: string[]; skipped: Array<{ path: string; error: string }> }> {
  const stored: string[] = [];
  const skipped: Array<{ path: string; error: string }> = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
    const text = readFileSync(join(dir, file), 'utf8');
    const path = `examples/catalog/${file}`;
    const check = checkCatalogYaml(text);
    const doc = check.document;
    if (!doc || check.errors.length) {
      skipped.push({ path, error: check.errors.map((e) => `${e.path}${e.line ? ` (line ${e.line})` : ''}: ${e.message}`).join('; ') });
      continue;
    }
    const source = { repo: EXAMPLES_REPO, path, sha: blobSha(text), ownerTeam: doc.metadata.owner };
    const { record } = await putVersion(doc, source, { text });
    await putValidation(record.id, {
      source, checkedAt: new Date().toISOString(), valid: true, errors: [], warnings: check.warnings, hints: check.hints, currentVersion: record.version, servingOlderVersion: false,
    });
    stored.push(record.id);
  }
  return { stored, skipped };
}
