/**
 * A package.json's dependencies (npm): read from `dependencies`, `devDependencies` and `optionalDependencies`
 * (peer ranges state compatibility, not a choice, and are left alone), and rewritten with new specs where the
 * file says them, so its formatting, key order and everything else stay as they were.
 */
import { parseNpmSpec } from './versions.ts';

export const PACKAGE_JSON_SECTIONS = ['dependencies', 'devDependencies', 'optionalDependencies'] as const;
export type PackageJsonSection = (typeof PACKAGE_JSON_SECTIONS)[number];

export interface PackageJsonDependency {
  readonly name: string;
  readonly section: PackageJsonSection;
  /** The spec as written (`^18.2.0`). */
  readonly spec: string;
  /** Why it is not compared: not a version (`workspace:*`, a git URL, a tarball, `latest`). */
  readonly note?: string;
}

/** The file is not JSON, or not an object: the message says where. */
export class ManifestParseError extends Error {
  override readonly name = 'ManifestParseError';
}

function parse(text: string, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ManifestParseError(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new ManifestParseError(`${path} is not a JSON object`);
  return value as Record<string, unknown>;
}

export function readPackageJson(text: string, path = 'package.json'): PackageJsonDependency[] {
  const manifest = parse(text, path);
  const found: PackageJsonDependency[] = [];
  for (const section of PACKAGE_JSON_SECTIONS) {
    const deps = manifest[section];
    if (!deps || typeof deps !== 'object' || Array.isArray(deps)) continue;
    for (const [name, spec] of Object.entries(deps as Record<string, unknown>)) {
      if (typeof spec !== 'string') continue;
      const comparable = parseNpmSpec(spec) !== undefined;
      found.push({ name, section, spec, ...(comparable ? {} : { note: 'not a version or simple range: left as it is' }) });
    }
  }
  return found;
}

/** One change: the dependency `name` in `section` goes from `from` to `to`. */
export interface SpecChange {
  readonly name: string;
  readonly section: PackageJsonSection;
  readonly from: string;
  readonly to: string;
}

const jsonString = (value: string): string => JSON.stringify(value);
const escapeRegExp = (value: string): string => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The section object's span in the text (after its key), found by walking the JSON's strings and brackets. */
function sectionSpan(text: string, section: string): { start: number; end: number } | undefined {
  const key = new RegExp(`${escapeRegExp(jsonString(section))}\\s*:\\s*\\{`, 'g');
  for (let m = key.exec(text); m; m = key.exec(text)) {
    // Only a key of the top-level object: depth 1 where it starts.
    if (depthAt(text, m.index) !== 1) continue;
    const start = m.index + m[0].length - 1;
    let depth = 0;
    for (let i = start, inString = false; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) return { start, end: i + 1 };
    }
  }
  return undefined;
}

function depthAt(text: string, index: number): number {
  let depth = 0;
  for (let i = 0, inString = false; i < index; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return depth;
}

/**
 * The text with each change made where the file says it (formatting kept). A change whose entry is not found as
 * written is not made and is answered as skipped; the result is checked by reading it back.
 */
export function rewritePackageJson(text: string, changes: readonly SpecChange[], path = 'package.json'): { text: string; applied: SpecChange[]; skipped: Array<{ change: SpecChange; reason: string }> } {
  const before = parse(text, path);
  let out = text;
  const applied: SpecChange[] = [];
  const skipped: Array<{ change: SpecChange; reason: string }> = [];
  for (const change of changes) {
    const span = sectionSpan(out, change.section);
    const entry = new RegExp(`(${escapeRegExp(jsonString(change.name))}\\s*:\\s*)${escapeRegExp(jsonString(change.from))}`);
    const m = span ? entry.exec(out.slice(span.start, span.end)) : null;
    if (!span || !m) { skipped.push({ change, reason: `"${change.name}": "${change.from}" is not in ${change.section} as written` }); continue; }
    const at = span.start + m.index;
    out = `${out.slice(0, at)}${m[1]}${jsonString(change.to)}${out.slice(at + m[0].length)}`;
    applied.push(change);
  }
  // Read back: exactly the changed specs differ.
  const after = parse(out, path);
  for (const change of applied) (before[change.section] as Record<string, string>)[change.name] = change.to;
  if (JSON.stringify(before) !== JSON.stringify(after)) throw new ManifestParseError(`${path}: the rewritten file does not read back as the intended change`);
  return { text: out, applied, skipped };
}
