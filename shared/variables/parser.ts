/**
 * Template syntax, read by hand (no regular expression is built from input, nothing is evaluated):
 *
 *   text      any characters; `\{{` is a literal `{{`
 *   template  `{{` expression `}}`   (a `}}` inside a quoted filter argument does not close it)
 *   expression  path ( `|` filter )*          whitespace allowed around every token but inside a path
 *   path      scope ( `.` segment )+          scope [A-Za-z_][A-Za-z0-9_]*, segment [A-Za-z0-9_-]+
 *   filter    name [ `(` [ literal ( `,` literal )* ] `)` ]
 *   literal   "…" or '…' (escapes \" \' \\ \n \t) | number | true | false | null
 */

import type { WorkMeter } from './types.ts';

export type Literal = string | number | boolean | null;

export interface FilterCall {
  name: string;
  args: Literal[];
}

export interface Expression {
  /** [scope, ...keys] */
  path: string[];
  filters: FilterCall[];
}

export interface ParseError {
  code: 'unclosed-template' | 'empty-expression' | 'syntax';
  message: string;
}

export type Segment =
  | { kind: 'text'; text: string }
  | {
      kind: 'template';
      /** The template as written, braces included: what a failed template leaves in the output. */
      source: string;
      /** The text between the braces, trimmed. */
      expression: string;
      parsed: Expression | undefined;
      error: ParseError | undefined;
    };

const OPEN = '{{';
const CLOSE = '}}';
/** How much of an unclosed template an issue quotes. */
const QUOTE_LIMIT = 80;

/** Splits a string into text and templates. Never throws. */
export function parseTemplate(input: string, meter: WorkMeter = { steps: 0 }): Segment[] {
  const segments: Segment[] = [];
  let text = '';
  let i = 0;
  while (i < input.length) {
    meter.steps++;
    const ch = input[i];
    if (ch === '\\' && input.startsWith(OPEN, i + 1)) {
      text += OPEN;
      i += 1 + OPEN.length;
      continue;
    }
    if (!input.startsWith(OPEN, i)) {
      text += ch;
      i++;
      continue;
    }
    if (text) segments.push({ kind: 'text', text });
    text = '';
    const bodyStart = i + OPEN.length;
    const close = findClose(input, bodyStart, meter);
    if (close < 0) {
      const rest = input.slice(bodyStart);
      segments.push({
        kind: 'template',
        source: input.slice(i),
        expression: rest.trim().slice(0, QUOTE_LIMIT),
        parsed: undefined,
        error: { code: 'unclosed-template', message: "a template opened with '{{' is never closed with '}}' (write '\\{{' for literal braces)" },
      });
      break;
    }
    const body = input.slice(bodyStart, close);
    const result = parseExpression(body, meter);
    segments.push({
      kind: 'template',
      source: input.slice(i, close + CLOSE.length),
      expression: body.trim(),
      parsed: 'path' in result ? result : undefined,
      error: 'path' in result ? undefined : result,
    });
    i = close + CLOSE.length;
  }
  if (text) segments.push({ kind: 'text', text });
  return segments;
}

/** The index of the `}}` closing a template whose body starts at `from`, skipping quoted arguments; -1 if none. */
function findClose(input: string, from: number, meter: WorkMeter): number {
  let quote: string | undefined;
  for (let i = from; i < input.length; i++) {
    meter.steps++;
    const ch = input[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (input.startsWith(CLOSE, i)) {
      return i;
    }
  }
  // An unterminated quote: the first `}}` closes the template, and the expression reports the quote.
  const first = input.indexOf(CLOSE, from);
  meter.steps += (first < 0 ? input.length : first) - from;
  return first;
}

const isIdentStart = (c: string | undefined): boolean =>
  c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_');
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdentPart = (c: string | undefined): boolean => isIdentStart(c) || isDigit(c);
const isSegmentPart = (c: string | undefined): boolean => isIdentPart(c) || c === '-';
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', n: '\n', t: '\t' };

/** Reads the body of a template. Never throws. */
export function parseExpression(body: string, meter: WorkMeter = { steps: 0 }): Expression | ParseError {
  let pos = 0;
  const fail = (message: string): ParseError => ({ code: 'syntax', message });
  const describe = (): string => (pos < body.length ? `'${body[pos]}' at column ${pos + 1}` : 'the end');
  const skipSpace = (): void => {
    meter.steps++;
    while (isSpace(body[pos])) {
      meter.steps++;
      pos++;
    }
  };
  const read = (accept: (c: string | undefined) => boolean): string => {
    meter.steps++;
    const start = pos;
    while (pos < body.length && accept(body[pos])) {
      meter.steps++;
      pos++;
    }
    return body.slice(start, pos);
  };

  skipSpace();
  if (pos >= body.length) return { code: 'empty-expression', message: 'the template names no variable' };
  if (!isIdentStart(body[pos])) return fail(`expected a variable such as fields.name, found ${describe()}`);
  const path = [read(isIdentPart)];
  while (body[pos] === '.') {
    pos++;
    const segment = read(isSegmentPart);
    if (!segment) return fail(`expected a name after '.', found ${describe()}`);
    path.push(segment);
  }

  const filters: FilterCall[] = [];
  skipSpace();
  while (body[pos] === '|') {
    pos++;
    skipSpace();
    if (!isIdentStart(body[pos])) return fail(`expected a filter name after '|', found ${describe()}`);
    const name = read(isIdentPart);
    skipSpace();
    const args: Literal[] = [];
    if (body[pos] === '(') {
      pos++;
      skipSpace();
      if (body[pos] === ')') {
        pos++;
      } else {
        for (;;) {
          skipSpace();
          const literal = readLiteral();
          if ('message' in literal) return literal;
          args.push(literal.value);
          skipSpace();
          if (body[pos] === ',') {
            pos++;
            continue;
          }
          if (body[pos] === ')') {
            pos++;
            break;
          }
          return fail(`expected ',' or ')' in the arguments of ${name}, found ${describe()}`);
        }
      }
      skipSpace();
    }
    filters.push({ name, args });
  }
  if (pos < body.length) return fail(`unexpected ${describe()}`);
  return { path, filters };

  function readLiteral(): { value: Literal } | ParseError {
    const c = body[pos];
    if (c === '"' || c === "'") {
      const start = pos;
      pos++;
      let value = '';
      while (pos < body.length && body[pos] !== c) {
        meter.steps++;
        if (body[pos] === '\\') {
          const next = body[pos + 1];
          const escaped = next === undefined ? undefined : ESCAPES[next];
          if (escaped === undefined) return fail(`unknown escape '\\${next ?? ''}' in a string at column ${pos + 1}`);
          value += escaped;
          pos += 2;
        } else {
          value += body[pos];
          pos++;
        }
      }
      if (pos >= body.length) return fail(`a string starting at column ${start + 1} is never closed`);
      pos++;
      return { value };
    }
    if (c === '-' || isDigit(c)) {
      const start = pos;
      if (c === '-') pos++;
      const whole = read(isDigit);
      if (body[pos] === '.') {
        pos++;
        if (!read(isDigit)) return fail(`expected digits after the decimal point at column ${pos + 1}`);
      }
      if (!whole) return fail(`expected a number at column ${start + 1}`);
      return { value: Number(body.slice(start, pos)) };
    }
    if (isIdentStart(c)) {
      const start = pos;
      const word = read(isIdentPart);
      if (word === 'true') return { value: true };
      if (word === 'false') return { value: false };
      if (word === 'null') return { value: null };
      return fail(`expected a quoted string, a number, true, false or null at column ${start + 1}, found '${word}'`);
    }
    return fail(`expected an argument, found ${describe()}`);
  }
}
