/**
 * Versions as the two ecosystems write them, compared for `upgrade`: npm's semver specs in a package.json
 * (`^18.2.0`, `~5.1.3`, `18.x`, `1.2.3`) and Maven's versions (`3.2.5`, `6.4.4.Final`, `33.2.1-jre`,
 * `3.3.0-RC1`). An update is the kind of the first number that moved: major, minor or patch (a fourth number
 * counts as a patch); a latest that is not newer is none.
 */

export type UpdateKind = 'patch' | 'minor' | 'major' | 'none';

/** How far each kind reaches: `minor` takes patch and minor updates. */
export const UPDATE_RANK: Readonly<Record<UpdateKind, number>> = { none: 0, patch: 1, minor: 2, major: 3 };

/** A package.json spec this module can compare and rewrite: a prefix, one to three numbers, a wildcard tail or a prerelease. */
export interface NpmSpec {
  readonly prefix: '' | '^' | '~' | '>=' | '=' | 'v';
  /** The numbers written (1 to 3): `^18` is [18]. */
  readonly numbers: readonly number[];
  /** `.x` or `.*` after them (`18.x`), kept when rewritten. */
  readonly wildcard: string;
  /** `-beta.1` */
  readonly prerelease: string;
}

const NPM_SPEC = /^(\^|~|>=|=|v)?\s*(\d{1,9})(?:\.(\d{1,9}))?(?:\.(\d{1,9}))?((?:\.(?:x|X|\*))*)(-[0-9A-Za-z.-]+)?$/;

/** The spec's parts, or undefined for what is not a plain version or range (`workspace:*`, git URLs, `1 - 2`, `latest`). */
export function parseNpmSpec(spec: string): NpmSpec | undefined {
  const m = NPM_SPEC.exec(spec.trim());
  if (!m) return undefined;
  const numbers = [m[2], m[3], m[4]].filter((n): n is string => n !== undefined).map(Number);
  // A wildcard only after fewer than three numbers, and no prerelease beside it.
  if (m[5] && (numbers.length === 3 || m[6])) return undefined;
  return { prefix: (m[1] ?? '') as NpmSpec['prefix'], numbers, wildcard: m[5] ?? '', prerelease: m[6] ?? '' };
}

/** `1.2.3`, `1.2.3-rc.1` (npm's dist-tags.latest) as numbers and a prerelease. */
export function parseSemver(version: string): { numbers: number[]; prerelease: string } | undefined {
  const m = /^v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})(-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(version.trim());
  return m ? { numbers: [Number(m[1]), Number(m[2]), Number(m[3])], prerelease: m[4] ?? '' } : undefined;
}

/** The kind of update from `from` to `to`, compared on the first `precision` numbers (a spec's own precision). */
export function updateKind(from: readonly number[], to: readonly number[], precision = Math.max(from.length, to.length), fromPrerelease = false): UpdateKind {
  for (let i = 0; i < precision; i++) {
    const a = from[i] ?? 0;
    const b = to[i] ?? 0;
    if (b > a) return i === 0 ? 'major' : i === 1 ? 'minor' : 'patch';
    if (b < a) return 'none';
  }
  // 2.0.0-beta.1 → 2.0.0: the release of what is pinned.
  return fromPrerelease ? 'patch' : 'none';
}

/** What a package.json spec becomes at `latest`, keeping its prefix, precision and wildcard: `^18.2.0` → `^18.3.1`, `18.x` → `19.x`. */
export function npmSpecAt(spec: NpmSpec, latest: readonly number[]): string {
  return `${spec.prefix}${latest.slice(0, spec.numbers.length).join('.')}${spec.wildcard}`;
}

/** The update a package.json spec can take to npm's latest, or undefined when either cannot be compared. */
export function npmUpdate(spec: string, latest: string): { kind: UpdateKind; spec: string } | undefined {
  const from = parseNpmSpec(spec);
  const to = parseSemver(latest);
  if (!from || !to || to.prerelease) return undefined;
  const kind = updateKind(from.numbers, to.numbers, from.numbers.length, Boolean(from.prerelease));
  return { kind, spec: kind === 'none' ? spec : npmSpecAt(from, to.numbers) };
}

// ---------------------------------------------------------------- Maven

/** A Maven version: its leading numbers and the qualifier after them (lower-cased, separator dropped). */
export interface MavenVersion {
  readonly numbers: readonly number[];
  readonly qualifier: string;
}

const UNSTABLE = /(?:^|[.-])(?:alpha|a\d|beta|b\d|milestone|m\d|rc|cr|snapshot|preview|pre|ea|dev|incubating)/i;
/** Qualifiers that mean "the release" (Hibernate's `.Final`, Spring's old `.RELEASE`). */
const RELEASE = /^(?:final|ga|release)$/i;

export function parseMavenVersion(version: string): MavenVersion | undefined {
  const m = /^(\d{1,9}(?:\.\d{1,9}){0,3})(?:[.-]?([A-Za-z][0-9A-Za-z.-]*|\d[0-9A-Za-z.-]*[A-Za-z][0-9A-Za-z.-]*))?$/.exec(version.trim());
  if (!m) return undefined;
  return { numbers: m[1]!.split('.').map(Number), qualifier: (m[2] ?? '').toLowerCase() };
}

/** A release (not a snapshot, alpha, beta, milestone or release candidate). */
export function isStableMaven(version: string): boolean {
  const parsed = parseMavenVersion(version);
  return parsed !== undefined && !UNSTABLE.test(parsed.qualifier) && !/snapshot/i.test(version);
}

/** A flavour a project picks and keeps (Guava's `jre` or `android`); none for a plain or `.Final` release. */
export const mavenFlavour = (v: MavenVersion): string => (RELEASE.test(v.qualifier) ? '' : v.qualifier.replace(/\d+$/, ''));

/** Orders two parsed Maven versions by their numbers (the qualifier does not order releases of one flavour). */
export function compareMaven(a: MavenVersion, b: MavenVersion): number {
  for (let i = 0; i < Math.max(a.numbers.length, b.numbers.length); i++) {
    const d = (a.numbers[i] ?? 0) - (b.numbers[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The newest release among `versions` of the same flavour as `current` (a `-jre` project stays on `-jre`), or
 * undefined when there is none. maven-metadata.xml's `<release>` may be a milestone; its `<versions>` list is read.
 */
export function latestStableMaven(versions: readonly string[], current?: string): string | undefined {
  const flavour = current ? mavenFlavour(parseMavenVersion(current) ?? { numbers: [], qualifier: '' }) : '';
  let best: { text: string; version: MavenVersion } | undefined;
  for (const text of versions) {
    const version = parseMavenVersion(text);
    if (!version || !isStableMaven(text) || mavenFlavour(version) !== flavour) continue;
    if (!best || compareMaven(version, best.version) > 0) best = { text, version };
  }
  return best?.text;
}

/** The kind of update from one Maven version to another; undefined when either is not a version. */
export function mavenUpdate(current: string, latest: string): UpdateKind | undefined {
  const from = parseMavenVersion(current);
  const to = parseMavenVersion(latest);
  if (!from || !to) return undefined;
  return updateKind(from.numbers, to.numbers, Math.max(from.numbers.length, to.numbers.length), !isStableMaven(current));
}
