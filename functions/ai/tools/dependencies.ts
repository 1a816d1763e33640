/**
 * `repo_dependencies`: a catalog service's dependency manifests (`pom.xml` for Maven, `package.json` for npm, at
 * its repository's root unless a path is named), read through the services context with Apollo's GitHub
 * credentials, each dependency's latest stable version asked of its package registry (functions/ai/registries.ts),
 * and what kind of update each is. With `propose`, also each manifest's text with the patch (and minor) updates
 * made, for a pull request; majors are never made here, they need a person.
 */
import { readRepositoryFile } from '#functions/services/public';
import { readPackageJson, rewritePackageJson, type SpecChange } from '../manifests/package-json.ts';
import { readPom, rewritePom, type VersionChange } from '../manifests/pom-xml.ts';
import { mavenUpdate, npmUpdate, UPDATE_RANK, type UpdateKind } from '../manifests/versions.ts';
import { latestVersions, packageRegistries, type Ecosystem, type PackageRegistry } from '../registries.ts';
import { defineTool } from './define.ts';
import { objectSchema, SERVICE } from './input.ts';

/** The manifests read when none is named, in this order. */
export const MANIFESTS: ReadonlyArray<{ readonly file: string; readonly ecosystem: Ecosystem }> = [
  { file: 'pom.xml', ecosystem: 'maven' },
  { file: 'package.json', ecosystem: 'npm' },
];
/** Packages asked about per manifest; more are left out, saying how many. */
export const MAX_LOOKUPS = 60;
/** Every lookup of one call ends by then (the tool's own timeout is longer, so the rows that did answer are kept). */
const LOOKUPS_MS = 20_000;

export interface DependencyRow {
  readonly name: string;
  readonly section: string;
  /** As written (npm: the spec, `^18.2.0`; Maven: the version, through its property when `via` says so). */
  readonly current: string;
  readonly latest: string | null;
  readonly update: UpdateKind;
  readonly via?: string;
  /** Why the registry did not say. */
  readonly error?: string;
  /** Why it is not compared. */
  readonly note?: string;
}

export interface ProposedManifest {
  /** The manifest's whole text with the updates made (as it was, when none could be: see notApplied). */
  readonly content: string;
  readonly applied: ReadonlyArray<{ name: string; from: string; to: string; update: UpdateKind }>;
  readonly notApplied: ReadonlyArray<{ name: string; reason: string }>;
}

export interface ManifestReport {
  readonly path: string;
  readonly ecosystem: Ecosystem;
  readonly registry: string;
  readonly dependencies: DependencyRow[];
  readonly counts: Record<UpdateKind | 'failed', number>;
  readonly leftOut?: number;
  /** Dependencies without a version here (the parent or a BOM manages them). */
  readonly managedElsewhere?: string[];
  readonly problem?: string;
  readonly proposed?: ProposedManifest;
}

const ecosystemOf = (path: string): Ecosystem => (path.endsWith('pom.xml') ? 'maven' : 'npm');

interface Candidate { name: string; section: string; current: string; version?: string; via?: string; note?: string }

function candidates(ecosystem: Ecosystem, text: string, path: string): { list: Candidate[]; managedElsewhere: string[] } {
  if (ecosystem === 'npm') return { list: readPackageJson(text, path).map((d) => ({ name: d.name, section: d.section, current: d.spec, ...(d.note ? { note: d.note } : { version: d.spec }) })), managedElsewhere: [] };
  const list: Candidate[] = [];
  const managedElsewhere: string[] = [];
  const seen = new Set<string>();
  for (const d of readPom(text, path)) {
    if (!d.version) {
      if (d.note?.startsWith('no version')) managedElsewhere.push(d.name);
      else list.push({ name: d.name, section: d.section, current: d.property ? `\${${d.property}}` : '', note: d.note ?? 'no version' });
      continue;
    }
    // One row for an artifact named twice at one version (its dependencyManagement and dependencies entries).
    const key = `${d.name}@${d.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    list.push({ name: d.name, section: d.section, current: d.version, version: d.version, ...(d.property ? { via: `property ${d.property}` } : {}) });
  }
  return { list, managedElsewhere: [...new Set(managedElsewhere)] };
}

function rowOf(c: Candidate, ecosystem: Ecosystem, lookup: { latest: string } | { error: string } | undefined): DependencyRow {
  const base = { name: c.name, section: c.section, current: c.current, ...(c.via ? { via: c.via } : {}) };
  if (c.note || !c.version) return { ...base, latest: null, update: 'none', note: c.note ?? 'no version' };
  if (!lookup) return { ...base, latest: null, update: 'none', note: `not asked: more than ${MAX_LOOKUPS} dependencies` };
  if ('error' in lookup) return { ...base, latest: null, update: 'none', error: lookup.error };
  const kind = ecosystem === 'npm' ? npmUpdate(c.version, lookup.latest)?.kind : mavenUpdate(c.version, lookup.latest);
  if (kind === undefined) return { ...base, latest: lookup.latest, update: 'none', note: `${c.version} and ${lookup.latest} cannot be compared` };
  return { ...base, latest: lookup.latest, update: kind };
}

/** The manifest with the updates up to `upTo` made (its text as it was when none could be), or undefined when none is wanted. */
function propose(ecosystem: Ecosystem, text: string, path: string, rows: readonly DependencyRow[], upTo: 'patch' | 'minor'): ProposedManifest | undefined {
  const wanted = rows.filter((r) => r.latest && r.update !== 'none' && UPDATE_RANK[r.update] <= UPDATE_RANK[upTo]);
  if (!wanted.length) return undefined;
  const kindOf = new Map(wanted.map((r) => [r.name, r.update]));
  const result = ecosystem === 'npm'
    ? rewritePackageJson(text, wanted.map((r): SpecChange => ({ name: r.name, section: r.section as SpecChange['section'], from: r.current, to: npmUpdate(r.current, r.latest!)!.spec })), path)
    : rewritePom(text, wanted.map((r): VersionChange => ({ name: r.name, from: r.current, to: r.latest! })), path);
  return {
    content: result.text,
    applied: result.applied.map((c) => ({ name: c.name, from: c.from, to: c.to, update: kindOf.get(c.name)! })),
    notApplied: result.skipped.map((s) => ({ name: s.change.name, reason: s.reason })),
  };
}

/** One manifest: parsed, each dependency looked up, and (when asked) rewritten. */
export async function checkManifest(path: string, text: string, registry: PackageRegistry, options: { readonly signal: AbortSignal; readonly propose?: 'patch' | 'minor' }): Promise<ManifestReport> {
  const ecosystem = ecosystemOf(path);
  const counts: ManifestReport['counts'] = { major: 0, minor: 0, patch: 0, none: 0, failed: 0 };
  let parsed: ReturnType<typeof candidates>;
  try {
    parsed = candidates(ecosystem, text, path);
  } catch (error) {
    return { path, ecosystem, registry: registry.url, dependencies: [], counts, problem: (error as Error).message };
  }
  const asked = parsed.list.filter((c) => c.version && !c.note).slice(0, MAX_LOOKUPS);
  const leftOut = parsed.list.filter((c) => c.version && !c.note).length - asked.length;
  const lookups = await latestVersions(registry, asked.map((c) => ({ name: c.name, current: c.version })), {
    concurrency: 8, timeoutMs: 5_000, signal: AbortSignal.any([options.signal, AbortSignal.timeout(LOOKUPS_MS)]),
  });
  const dependencies = parsed.list.map((c) => rowOf(c, ecosystem, lookups.get(c.name)));
  for (const row of dependencies) counts[row.error ? 'failed' : row.update]++;
  const proposed = options.propose ? propose(ecosystem, text, path, dependencies, options.propose) : undefined;
  return {
    path, ecosystem, registry: registry.url, dependencies, counts,
    ...(leftOut > 0 ? { leftOut } : {}),
    ...(parsed.managedElsewhere.length ? { managedElsewhere: parsed.managedElsewhere.slice(0, 30) } : {}),
    ...(proposed ? { proposed } : {}),
  };
}

export const repoDependencies = defineTool<{ service: string; path?: string; propose?: 'patch' | 'minor' }>({
  name: 'repo_dependencies',
  description: "A service's dependencies from its repository's manifests (pom.xml: Maven; package.json: npm; at the root unless path names one), each with its current version, the latest stable version its package registry names, and the update that is (patch, minor, major or none; a failed lookup says why). With propose: also each manifest's whole text with the updates up to that kind made (never majors), for a pull request. Use it for \"are our dependencies up to date\" and before proposing an upgrade.",
  inputSchema: objectSchema({
    service: SERVICE,
    path: { type: 'string', maxLength: 200, pattern: '^(?:[A-Za-z0-9_.-]+/)*(?:pom\\.xml|package\\.json)$', description: 'A manifest\'s path in the repository, e.g. web/package.json (default: pom.xml and package.json at the root).' },
    propose: { type: 'string', enum: ['patch', 'minor'], description: 'Also answer each manifest with these updates made: patch, or patch and minor.' },
  }, ['service']),
  risk: 'read',
  permission: 'services:read',
  timeoutMs: 30_000,
  outputLimit: 12_000,
  async run({ service, path, propose: upTo }, { signal }) {
    const registries = packageRegistries();
    const paths = path ? [path] : MANIFESTS.map((m) => m.file);
    const manifests: ManifestReport[] = [];
    let repository: string | undefined;
    let branch: string | undefined;
    for (const p of paths) {
      const file = await readRepositoryFile(service, p);
      if (!file) continue;
      ({ repository, branch } = file);
      manifests.push(await checkManifest(p, file.text, registries[ecosystemOf(p)], { signal, ...(upTo ? { propose: upTo } : {}) }));
    }
    if (!manifests.length) return { service, manifests, problem: `${service}'s repository has no ${paths.join(' or ')}${path ? '' : ' at its root (name a manifest with path)'}` };
    return { service, repository, branch, manifests };
  },
});
