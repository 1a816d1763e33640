/**
 * GitHub's CODEOWNERS: who owns a path of a repository. Rules as GitHub documents them:
 * - the file is the first of `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS` that exists;
 * - each line is `<pattern> <owner>…`; `#` starts a comment (at the start of a line, or after
 *   whitespace); `\#` is a literal `#`; a pattern with no owners leaves matching paths unowned;
 * - the LAST matching line wins;
 * - patterns follow .gitignore: a pattern with no `/` (or only a trailing one) matches at any depth;
 *   a leading or inner `/` anchors it to the repository root; a trailing `/` matches directories
 *   only; `*` and `?` stay inside one path segment; `**` as a whole segment spans any number of
 *   segments (at the start, the end or in the middle); a pattern that matches a directory owns
 *   everything below it, except that a pattern ending in `/*` owns only the files directly inside
 *   (GitHub's documented difference);
 * - `!` negation and `[ ]` ranges do not work in CODEOWNERS: such lines are reported and skipped;
 * - owners are `@user`, `@org/team-slug` or an email address.
 * No regular expression is built from anything but the escaped pattern.
 */

/** The paths GitHub reads CODEOWNERS from, in the order it looks. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

export interface CodeOwnersRule {
  readonly pattern: string;
  readonly owners: readonly string[];
  /** 1-based line in the file. */
  readonly line: number;
  readonly matcher: RegExp;
  /** The pattern ends in `/*`: it owns only the files directly inside. */
  readonly directChildrenOnly: boolean;
  /** The pattern ends in `/`: it matches directories (and so everything below them), not a file itself. */
  readonly directoryOnly: boolean;
}

export interface CodeOwnersProblem {
  readonly line: number;
  readonly message: string;
}

export interface CodeOwners {
  readonly rules: readonly CodeOwnersRule[];
  /** Lines that are not valid rules (skipped), with why. */
  readonly problems: readonly CodeOwnersProblem[];
}

const OWNER = /^(?:@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

/** Splits a line into pattern and owners: whitespace separates, `\ ` and `\#` escape, ` #` comments. */
function tokenize(line: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let escaped = false;
  for (const ch of line) {
    if (escaped) {
      current += `\\${ch}`;
      escaped = false;
    } else if (ch === '\\') {
      escaped = true;
    } else if (ch === '#' && current === '') {
      break; // a comment: at the start of the line or after whitespace
    } else if (ch === ' ' || ch === '\t') {
      if (current) tokens.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (escaped) current += '\\\\';
  if (current) tokens.push(current);
  return tokens;
}

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g;
const literal = (ch: string): string => ch.replace(REGEX_SPECIAL, '\\$&');

/** The body of a pattern (no leading `/`, no trailing `/`) as an anchored regular expression over a path. */
function compile(body: string, anchored: boolean): RegExp {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (ch === '\\' && i + 1 < body.length) {
      out += literal(body[i + 1]!);
      i += 2;
    } else if (body.startsWith('**', i)) {
      const atStart = i === 0;
      const before = atStart || body[i - 1] === '/';
      const after = i + 2 === body.length || body[i + 2] === '/';
      if (before && after) {
        if (i + 2 === body.length) {
          out += '.*'; // `docs/**`: everything inside
          i += 2;
        } else {
          out += '(?:.*/)?'; // `**/x`, `a/**/b`: zero or more directories
          i += 3;
        }
      } else {
        out += '[^/]*'; // `a**b` is two stars within a segment
        i += 2;
      }
    } else if (ch === '*') {
      out += '[^/]*';
      i += 1;
    } else if (ch === '?') {
      out += '[^/]';
      i += 1;
    } else {
      out += literal(ch);
      i += 1;
    }
  }
  return new RegExp(`^${anchored ? '' : '(?:.*/)?'}${out}$`);
}

export function parseCodeOwners(text: string): CodeOwners {
  const rules: CodeOwnersRule[] = [];
  const problems: CodeOwnersProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const tokens = tokenize(raw.trim());
    if (!tokens.length) return;
    const [pattern, ...owners] = tokens as [string, ...string[]];
    if (pattern.startsWith('!')) return void problems.push({ line, message: `negation (${pattern}) does not work in CODEOWNERS; the line is skipped` });
    if (/(^|[^\\])[[\]]/.test(pattern)) return void problems.push({ line, message: `character ranges ([ ]) do not work in CODEOWNERS; the line is skipped` });
    const bad = owners.filter((o) => !OWNER.test(o));
    if (bad.length) return void problems.push({ line, message: `${bad.join(', ')} is not an owner (@user, @org/team or an email address); the line is skipped` });
    const directoryOnly = pattern.endsWith('/') && pattern !== '/';
    let body = pattern.replace(/^\//, '').replace(/\/$/, '');
    const anchored = pattern.startsWith('/') || body.includes('/');
    if (body === '') body = '**';
    const directChildrenOnly = body.endsWith('/*') && !body.endsWith('\\/*');
    rules.push({ pattern, owners, line, matcher: compile(body, anchored), directChildrenOnly, directoryOnly });
  });
  return { rules, problems };
}

/** Whether a rule owns `path` (a repository-relative file path, no leading `/`). */
export function ruleMatches(rule: CodeOwnersRule, path: string): boolean {
  const clean = path.replace(/^\/+/, '');
  if (!rule.directoryOnly && rule.matcher.test(clean)) return true;
  if (rule.directChildrenOnly) return false;
  // A matched directory owns everything below it.
  const segments = clean.split('/');
  for (let n = segments.length - 1; n >= 1; n--) {
    if (rule.matcher.test(segments.slice(0, n).join('/'))) return true;
  }
  return false;
}

/** The rule that decides who owns `path` (the last that matches), if any. */
export function ownerRule(codeowners: CodeOwners, path: string): CodeOwnersRule | undefined {
  for (let i = codeowners.rules.length - 1; i >= 0; i--) {
    const rule = codeowners.rules[i]!;
    if (ruleMatches(rule, path)) return rule;
  }
  return undefined;
}

/**
 * The team slugs among owners: `@org/team` → `team`. With `org`, only that organisation's teams
 * count (GitHub ignores another organisation's team too).
 */
export function teamSlugs(owners: readonly string[], org?: string): string[] {
  return owners.flatMap((owner) => {
    const m = /^@([^/]+)\/(.+)$/.exec(owner);
    if (!m) return [];
    if (org && m[1]!.toLowerCase() !== org.toLowerCase()) return [];
    return [m[2]!.toLowerCase()];
  });
}
