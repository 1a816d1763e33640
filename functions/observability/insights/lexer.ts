/**
 * The tokens of the Logs Insights subset the local runtime runs (README: Observability): fields
 * (`@message`, `level`, `` `a b` ``), numbers, 'strings' and "strings", /regexes/ (no arithmetic in
 * the subset, so `/` always opens one), operators and punctuation. Every token knows its offset, so
 * errors say where.
 */
export type TokenKind = 'ident' | 'number' | 'string' | 'regex' | 'op' | 'pipe' | 'comma' | 'lparen' | 'rparen' | 'star' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** The text as written (a string's or regex's contents unescaped; an ident lower-cased is its keyword). */
  readonly value: string;
  /** A regex's flags. */
  readonly flags?: string;
  /** A field name written in backticks: never a keyword. */
  readonly quoted?: boolean;
  /** Offset in the query (0-based). */
  readonly at: number;
}

/** A query the subset cannot read, with where: `at` is the offset, `line`/`column` 1-based. */
export class QuerySyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  constructor(readonly query: string, readonly at: number, message: string) {
    const before = query.slice(0, at).split('\n');
    const line = before.length;
    const column = before[before.length - 1]!.length + 1;
    super(`line ${line}, column ${column}: ${message}`);
    this.name = 'QuerySyntaxError';
    this.line = line;
    this.column = column;
  }
}

const IDENT_START = /[A-Za-z_@]/;
const IDENT_PART = /[A-Za-z0-9_@.$-]/;

export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const at = i;
    if (c === '|') { tokens.push({ kind: 'pipe', value: c, at }); i++; continue; }
    if (c === ',') { tokens.push({ kind: 'comma', value: c, at }); i++; continue; }
    if (c === '(') { tokens.push({ kind: 'lparen', value: c, at }); i++; continue; }
    if (c === ')') { tokens.push({ kind: 'rparen', value: c, at }); i++; continue; }
    if (c === '*') { tokens.push({ kind: 'star', value: c, at }); i++; continue; }
    const two = query.slice(i, i + 2);
    if (['!=', '<=', '>=', '=~'].includes(two)) { tokens.push({ kind: 'op', value: two, at }); i += 2; continue; }
    if (c === '=' || c === '<' || c === '>') { tokens.push({ kind: 'op', value: c, at }); i++; continue; }
    if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < query.length && query[i] !== c) {
        if (query[i] === '\\' && i + 1 < query.length) { value += query[i + 1]; i += 2; continue; }
        value += query[i++];
      }
      if (i >= query.length) throw new QuerySyntaxError(query, at, `the string opened here is not closed with ${c}`);
      i++;
      tokens.push({ kind: 'string', value, at });
      continue;
    }
    if (c === '`') {
      const end = query.indexOf('`', i + 1);
      if (end < 0) throw new QuerySyntaxError(query, at, 'the field name opened here with ` is not closed');
      tokens.push({ kind: 'ident', value: query.slice(i + 1, end), at, quoted: true });
      i = end + 1;
      continue;
    }
    if (c === '/') {
      let value = '';
      i++;
      while (i < query.length && query[i] !== '/') {
        if (query[i] === '\\' && query[i + 1] === '/') { value += '/'; i += 2; continue; }
        if (query[i] === '\\' && i + 1 < query.length) { value += query.slice(i, i + 2); i += 2; continue; }
        if (query[i] === '\n') break;
        value += query[i++];
      }
      if (query[i] !== '/') throw new QuerySyntaxError(query, at, 'the regular expression opened here is not closed with /');
      i++;
      let flags = '';
      while (i < query.length && /[a-z]/.test(query[i]!)) flags += query[i++];
      if (flags && flags !== 'i') throw new QuerySyntaxError(query, at, `regular expression flags "${flags}": only i (ignore case) is supported`);
      try { new RegExp(value, flags); } catch (error) {
        throw new QuerySyntaxError(query, at, `not a regular expression: ${(error as Error).message}`);
      }
      tokens.push({ kind: 'regex', value, flags, at });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(query[i + 1] ?? ''))) {
      let j = i + 1;
      while (j < query.length && /[0-9.]/.test(query[j]!)) j++;
      tokens.push({ kind: 'number', value: query.slice(i, j), at });
      i = j;
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < query.length && IDENT_PART.test(query[j]!)) j++;
      tokens.push({ kind: 'ident', value: query.slice(i, j), at });
      i = j;
      continue;
    }
    throw new QuerySyntaxError(query, at, `unexpected character "${c}"`);
  }
  tokens.push({ kind: 'eof', value: '', at: query.length });
  return tokens;
}
