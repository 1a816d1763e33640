/**
 * A pom.xml's dependencies (Maven): the `<parent>`, each `<dependency>` (under `<dependencies>` or
 * `<dependencyManagement>`; a profile's are left out) with its groupId, artifactId and version, a version written
 * as `${name}` read from the project's `<properties>`. A rewrite changes only the version text where it is written
 * (the dependency's `<version>`, or the property's value), so comments and formatting stay as they were. No XML
 * library: the parts of a POM this reads are plain elements, found on a copy with comments blanked out (same
 * offsets), and a rewrite is read back before it is answered.
 */
import { ManifestParseError } from './package-json.ts';

export type PomSection = 'parent' | 'dependencies' | 'dependencyManagement';

export interface PomDependency {
  /** `groupId:artifactId` */
  readonly name: string;
  readonly section: PomSection;
  /** The version it resolves to (a property's value), when it has one. */
  readonly version?: string;
  /** The property it is written through (`spring-boot.version`). */
  readonly property?: string;
  /** Why it is not compared: no version (the parent or a BOM manages it), the project's own, a property not defined here. */
  readonly note?: string;
  /** Where the version text is: the dependency's `<version>` or the property's value. */
  readonly site?: { readonly start: number; readonly end: number };
}

const blank = (s: string): string => s.replace(/[^\n]/g, ' ');

/** The text with comments, CDATA and `<profiles>` blanked out (same length, same offsets). */
function masked(text: string): string {
  return text
    .replace(/<!--[\s\S]*?-->/g, blank)
    .replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, blank)
    .replace(/<profiles\b[^>]*>[\s\S]*?<\/profiles>/g, blank);
}

/** An element's trimmed text and where it is, among `text` from `offset` (its direct children when nested ones are blanked). */
function child(text: string, name: string, offset: number): { value: string; start: number; end: number } | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text);
  if (!m) return undefined;
  const raw = m[1]!;
  const lead = raw.length - raw.trimStart().length;
  const start = offset + m.index + name.length + 2 + lead;
  const value = raw.trim();
  return { value, start, end: start + value.length };
}

function spans(text: string, name: string): Array<{ start: number; end: number }> {
  const found: Array<{ start: number; end: number }> = [];
  const re = new RegExp(`<${name}\\b[^>]*>[\\s\\S]*?</${name}>`, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) found.push({ start: m.index, end: m.index + m[0].length });
  return found;
}

interface Property { readonly value: string; readonly start: number; readonly end: number }

function properties(text: string): Map<string, Property> {
  const found = new Map<string, Property>();
  const block = spans(text, 'properties')[0];
  if (!block) return found;
  const body = text.slice(block.start, block.end);
  const re = /<([A-Za-z_][A-Za-z0-9_.-]*)>([^<]*)<\/\1>/g;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const raw = m[2]!;
    const lead = raw.length - raw.trimStart().length;
    const start = block.start + m.index + m[1]!.length + 2 + lead;
    found.set(m[1]!, { value: raw.trim(), start, end: start + raw.trim().length });
  }
  return found;
}

function versionOf(version: { value: string; start: number; end: number } | undefined, props: Map<string, Property>): Pick<PomDependency, 'version' | 'property' | 'note' | 'site'> {
  if (!version) return { note: 'no version here: the parent or an imported BOM manages it' };
  const ref = /^\$\{([^}]+)\}$/.exec(version.value);
  if (!ref) {
    if (version.value.includes('${')) return { note: `version ${version.value} is built from properties: left as it is` };
    return { version: version.value, site: { start: version.start, end: version.end } };
  }
  const name = ref[1]!;
  if (/^project\.|^parent\./.test(name)) return { property: name, note: `the project's own version (\${${name}})` };
  const prop = props.get(name);
  if (!prop) return { property: name, note: `property ${name} is not defined in this pom.xml` };
  if (prop.value.includes('${')) return { property: name, note: `property ${name} is built from other properties: left as it is` };
  return { version: prop.value, property: name, site: { start: prop.start, end: prop.end } };
}

export function readPom(text: string, path = 'pom.xml'): PomDependency[] {
  if (!/<project\b/.test(text)) throw new ManifestParseError(`${path} has no <project> element: not a POM`);
  const view = masked(text);
  const props = properties(view);
  const found: PomDependency[] = [];
  const parent = spans(view, 'parent')[0];
  if (parent) {
    const body = view.slice(parent.start, parent.end);
    const group = child(body, 'groupId', parent.start);
    const artifact = child(body, 'artifactId', parent.start);
    if (group && artifact) found.push({ name: `${group.value}:${artifact.value}`, section: 'parent', ...versionOf(child(body, 'version', parent.start), props) });
  }
  const managed = spans(view, 'dependencyManagement');
  for (const dep of spans(view, 'dependency')) {
    // Its own elements only: an exclusion's groupId is not the dependency's.
    const body = view.slice(dep.start, dep.end).replace(/<exclusions\b[^>]*>[\s\S]*?<\/exclusions>/g, blank);
    const group = child(body, 'groupId', dep.start);
    const artifact = child(body, 'artifactId', dep.start);
    if (!group || !artifact) continue;
    const section: PomSection = managed.some((m) => dep.start > m.start && dep.end < m.end) ? 'dependencyManagement' : 'dependencies';
    found.push({ name: `${group.value}:${artifact.value}`, section, ...versionOf(child(body, 'version', dep.start), props) });
  }
  return found;
}

/** One change: every `name` at version `from` goes to `to`. */
export interface VersionChange {
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

/**
 * The text with each change made where its version is written. A property shared by several dependencies changes
 * only when every one of them is to move to the same version (else it is skipped, saying why).
 */
export function rewritePom(text: string, changes: readonly VersionChange[], path = 'pom.xml'): { text: string; applied: VersionChange[]; skipped: Array<{ change: VersionChange; reason: string }> } {
  const deps = readPom(text, path);
  const byName = new Map(changes.map((c) => [c.name, c]));
  const edits = new Map<number, { start: number; end: number; to: string }>();
  const applied: VersionChange[] = [];
  const skipped: Array<{ change: VersionChange; reason: string }> = [];
  for (const change of changes) {
    const sites = deps.filter((d) => d.name === change.name && d.version === change.from && d.site);
    if (!sites.length) { skipped.push({ change, reason: `${change.name} ${change.from} is not written in ${path}` }); continue; }
    const shared = sites.map((d) => d.property && deps.filter((o) => o.property === d.property && o.site)).find((users) => users && users.some((u) => byName.get(u.name)?.to !== change.to));
    if (shared) {
      const property = sites.find((d) => d.property)!.property!;
      skipped.push({ change, reason: `property ${property} is shared with ${[...new Set(shared.filter((u) => u.name !== change.name).map((u) => u.name))].join(', ')}, which would not move to ${change.to}: update it by hand` });
      continue;
    }
    for (const site of sites) edits.set(site.site!.start, { ...site.site!, to: change.to });
    applied.push(change);
  }
  let out = text;
  for (const edit of [...edits.values()].sort((a, b) => b.start - a.start)) out = `${out.slice(0, edit.start)}${edit.to}${out.slice(edit.end)}`;
  // Read back: each applied change now resolves to its new version, and nothing else moved.
  const after = readPom(out, path);
  const expected = deps.map((d) => {
    const change = byName.get(d.name);
    return change && applied.includes(change) && d.version === change.from ? change.to : d.version;
  });
  if (after.length !== deps.length || after.some((d, i) => d.name !== deps[i]!.name || d.version !== expected[i])) {
    throw new ManifestParseError(`${path}: the rewritten file does not read back as the intended change`);
  }
  return { text: out, applied, skipped };
}
