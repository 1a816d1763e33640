/**
 * A recursive-descent parser for the Logs Insights subset (README: Observability):
 *
 *   query    := command ( '|' command )*
 *   command  := 'fields' field (',' field)*
 *             | 'filter' expr
 *             | 'stats' agg (',' agg)* [ 'by' field (',' field)* ]
 *             | 'sort' field [ 'asc' | 'desc' ] (',' field [ 'asc' | 'desc' ])*
 *             | 'limit' number
 *   agg      := 'count' '(' [ '*' | field ] ')' [ 'as' name ]
 *   expr     := and ( 'or' and )*
 *   and      := unary ( 'and' unary )*
 *   unary    := 'not' unary | compare
 *   compare  := operand [ ( '=' | '!=' | '<' | '<=' | '>' | '>=' ) operand
 *                       | [ 'not' ] 'like' ( string | regex ) | '=~' regex ]
 *   operand  := field | string | number | regex | '(' expr ')'
 *
 * Keywords are case-insensitive; anything else is a QuerySyntaxError naming where.
 */
import { QuerySyntaxError, tokenize, type Token } from './lexer.ts';

export type Operand =
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'regex'; readonly regex: RegExp };

export type Expr =
  | { readonly kind: 'or' | 'and'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'not'; readonly operand: Expr }
  | { readonly kind: 'compare'; readonly op: '=' | '!=' | '<' | '<=' | '>' | '>='; readonly left: Operand; readonly right: Operand }
  | { readonly kind: 'like'; readonly subject: Operand; readonly pattern: Operand }
  | { readonly kind: 'truthy'; readonly operand: Operand };

export interface Aggregate { readonly fn: 'count'; readonly field: string | undefined; readonly as: string }

export type Command =
  | { readonly kind: 'fields'; readonly fields: readonly string[] }
  | { readonly kind: 'filter'; readonly expr: Expr }
  | { readonly kind: 'stats'; readonly aggregates: readonly Aggregate[]; readonly by: readonly string[] }
  | { readonly kind: 'sort'; readonly keys: ReadonlyArray<{ readonly field: string; readonly descending: boolean }> }
  | { readonly kind: 'limit'; readonly count: number };

const COMMANDS = ['fields', 'filter', 'stats', 'sort', 'limit'];
const KEYWORDS = new Set([...COMMANDS, 'and', 'or', 'not', 'like', 'by', 'as', 'asc', 'desc']);
const COMPARISONS = ['=', '!=', '<', '<=', '>', '>='] as const;
/** The largest `limit` Logs Insights accepts. */
export const MAX_LIMIT = 10_000;

export function parseQuery(query: string): Command[] {
  return new Parser(query).parse();
}

class Parser {
  private readonly tokens: Token[];
  private i = 0;

  constructor(private readonly query: string) {
    this.tokens = tokenize(query);
  }

  parse(): Command[] {
    const commands = [this.command()];
    while (this.peek().kind === 'pipe') {
      this.i++;
      commands.push(this.command());
    }
    const rest = this.peek();
    if (rest.kind !== 'eof') this.fail(rest, `expected | or the end of the query, found ${describe(rest)}`);
    return commands;
  }

  private command(): Command {
    const token = this.next();
    const word = token.kind === 'ident' && !token.quoted ? token.value.toLowerCase() : '';
    switch (word) {
      case 'fields': return { kind: 'fields', fields: this.list(() => this.field()) };
      case 'filter': return { kind: 'filter', expr: this.expr() };
      case 'stats': {
        const aggregates = this.list(() => this.aggregate());
        const by = this.keyword('by') ? this.list(() => this.field()) : [];
        return { kind: 'stats', aggregates, by };
      }
      case 'sort': return {
        kind: 'sort',
        keys: this.list(() => {
          const field = this.field();
          const descending = this.keyword('desc');
          if (!descending) this.keyword('asc');
          return { field, descending };
        }),
      };
      case 'limit': {
        const n = this.next();
        const count = Number(n.value);
        if (n.kind !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_LIMIT) this.fail(n, `limit takes a whole number from 1 to ${MAX_LIMIT}, found ${describe(n)}`);
        return { kind: 'limit', count };
      }
      default:
        return this.fail(token, `expected a command (${COMMANDS.join(', ')}), found ${describe(token)}`);
    }
  }

  private aggregate(): Aggregate {
    const name = this.next();
    if (name.kind !== 'ident' || name.value.toLowerCase() !== 'count') this.fail(name, `expected an aggregate function (count), found ${describe(name)}`);
    this.expect('lparen', '(');
    let field: string | undefined;
    let label = 'count(*)';
    if (this.peek().kind === 'star') { this.i++; }
    else if (this.peek().kind !== 'rparen') { field = this.field(); label = `count(${field})`; }
    else label = 'count()';
    this.expect('rparen', ')');
    const as = this.keyword('as') ? this.field() : label;
    return { fn: 'count', field, as };
  }

  private expr(): Expr {
    let left = this.and();
    while (this.keyword('or')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): Expr {
    let left = this.unary();
    while (this.keyword('and')) left = { kind: 'and', left, right: this.unary() };
    return left;
  }

  private unary(): Expr {
    if (this.keyword('not')) return { kind: 'not', operand: this.unary() };
    return this.compare();
  }

  private compare(): Expr {
    if (this.peek().kind === 'lparen') {
      this.i++;
      const inner = this.expr();
      this.expect('rparen', ')');
      return inner;
    }
    const left = this.operand();
    const token = this.peek();
    if (token.kind === 'op' && (COMPARISONS as readonly string[]).includes(token.value)) {
      this.i++;
      return { kind: 'compare', op: token.value as (typeof COMPARISONS)[number], left, right: this.operand() };
    }
    if (token.kind === 'op' && token.value === '=~') {
      this.i++;
      const pattern = this.operand();
      if (pattern.kind !== 'regex') this.fail(token, '=~ takes a regular expression (/…/)');
      return { kind: 'like', subject: left, pattern };
    }
    const negated = this.isKeyword(token, 'not') && this.isKeyword(this.tokens[this.i + 1]!, 'like');
    if (negated) this.i++;
    if (this.keyword('like')) {
      const at = this.peek();
      const pattern = this.operand();
      if (pattern.kind !== 'string' && pattern.kind !== 'regex') this.fail(at, `like takes a 'string' or a /regular expression/, found ${describe(at)}`);
      const like: Expr = { kind: 'like', subject: left, pattern };
      return negated ? { kind: 'not', operand: like } : like;
    }
    if (left.kind === 'field') return { kind: 'truthy', operand: left };
    return this.fail(token, `expected a comparison (= != < <= > >= like =~) after ${left.kind === 'regex' ? 'a regular expression' : `a ${left.kind}`}, found ${describe(token)}`);
  }

  private operand(): Operand {
    const token = this.next();
    switch (token.kind) {
      case 'string': return { kind: 'string', value: token.value };
      case 'number': return { kind: 'number', value: Number(token.value) };
      case 'regex': return { kind: 'regex', regex: new RegExp(token.value, token.flags) };
      case 'ident':
        if (!token.quoted && KEYWORDS.has(token.value.toLowerCase())) this.fail(token, `expected a field or a value, found the keyword ${token.value}`);
        return { kind: 'field', name: token.value };
      default: return this.fail(token, `expected a field or a value, found ${describe(token)}`);
    }
  }

  private field(): string {
    const token = this.next();
    if (token.kind !== 'ident' || (!token.quoted && KEYWORDS.has(token.value.toLowerCase()))) this.fail(token, `expected a field name, found ${describe(token)}`);
    return token.value;
  }

  private list<T>(item: () => T): T[] {
    const items = [item()];
    while (this.peek().kind === 'comma') { this.i++; items.push(item()); }
    return items;
  }

  private isKeyword(token: Token, word: string): boolean {
    return token.kind === 'ident' && !token.quoted && token.value.toLowerCase() === word;
  }

  private keyword(word: string): boolean {
    if (!this.isKeyword(this.peek(), word)) return false;
    this.i++;
    return true;
  }

  private expect(kind: Token['kind'], text: string): void {
    const token = this.next();
    if (token.kind !== kind) this.fail(token, `expected ${text}, found ${describe(token)}`);
  }

  private peek(): Token { return this.tokens[this.i]!; }
  private next(): Token { return this.tokens[Math.min(this.i++, this.tokens.length - 1)]!; }

  private fail(token: Token, message: string): never {
    throw new QuerySyntaxError(this.query, token.at, message);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'eof': return 'the end of the query';
    case 'string': return `the string '${token.value}'`;
    case 'regex': return `the regular expression /${token.value}/`;
    default: return `"${token.value}"`;
  }
}
