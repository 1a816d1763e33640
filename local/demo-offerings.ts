/**
 * The demo self-service catalog seeded on a laptop's first start: every example offering under
 * examples/catalog, stored as a catalog refresh would store it (one version each, CURRENT, and a
 * validation record), owned by the team its metadata names. A file that doesn't validate is skipped
 * and reported; every write is idempotent, so a re-run finishes a half-seeded catalog.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { CatalogItemV2 } from '#schemas/index.ts';
import { validate } from '#lib/validation';
import { putValidation, putVersion } from '../functions/offerings/store.ts';

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
    let doc: CatalogItemV2;
    try {
      doc = validate<CatalogItemV2>('catalog-item-v2', parse(text), 'body');
    } catch (error) {
      skipped.push({ path, error: (error as Error).message });
      continue;
    }
    const source = { repo: EXAMPLES_REPO, path, sha: blobSha(text), ownerTeam: doc.metadata.owner };
    const { record } = await putVersion(doc, source);
    await putValidation(record.id, { source, checkedAt: new Date().toISOString(), valid: true, errors: [], warnings: [], hints: [], currentVersion: record.version, servingOlderVersion: false });
    stored.push(record.id);
  }
  return { stored, skipped };
}
