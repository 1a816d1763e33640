/** What several commands share: repeatable flags, `k=v` fields, pages, reading a file, asking yes/no. */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parse as parseYaml } from 'yaml';
import type { Cli } from './context.ts';
import { CliError, EXIT } from './exit.ts';

/** For repeatable options: `.option('--field <k=v>', …, collect, [])`. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `--limit` parsed as a whole number in range. */
export function intOption(name: string, min = 1, max = 1_000) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new CliError(`${name} ${value}: a whole number from ${min} to ${max}`, EXIT.usage);
    return n;
  };
}

/**
 * `k=v` pairs into an object. `k:=<json>` takes a JSON value as is (numbers, lists, objects); a plain
 * `k=v` is typed by `types` (the form's JSON Schema types) when it names the field's type.
 */
export function parsePairs(pairs: readonly string[], flag: string, types: Readonly<Record<string, string | undefined>> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const json = /^([^=:]+):=(.*)$/s.exec(pair);
    if (json) {
      try {
        out[json[1]!.trim()] = JSON.parse(json[2]!);
      } catch {
        throw new CliError(`${flag} ${pair}: the value after := must be JSON`, EXIT.usage);
      }
      continue;
    }
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`${flag} ${pair}: say key=value (or key:=<json>)`, EXIT.usage);
    const key = pair.slice(0, eq).trim();
    out[key] = typed(pair.slice(eq + 1), types[key], `${flag} ${pair}`);
  }
  return out;
}

function typed(value: string, type: string | undefined, where: string): unknown {
  if (type === 'integer' || type === 'number') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new CliError(`${where}: must be a number`, EXIT.usage);
    return n;
  }
  if (type === 'boolean') {
    if (/^(true|yes|1)$/i.test(value)) return true;
    if (/^(false|no|0)$/i.test(value)) return false;
    throw new CliError(`${where}: must be true or false`, EXIT.usage);
  }
  if (type === 'array') return value === '' ? [] : value.split(',').map((v) => v.trim());
  if (type === 'object') {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new CliError(`${where}: must be a JSON object`, EXIT.usage);
    }
  }
  return value;
}

/** A JSON or YAML file (`-` reads stdin) as a value. */
export async function readDocument(cli: Cli, path: string): Promise<{ text: string; value: unknown }> {
  const text = path === '-' ? await readAll(cli.io.stdin) : readText(path);
  try {
    return { text, value: parseYaml(text) as unknown };
  } catch (error) {
    throw new CliError(`${path === '-' ? 'stdin' : path} is neither JSON nor YAML: ${(error as Error).message}`, EXIT.usage);
  }
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, EXIT.usage);
  }
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string | null;
}

/**
 * One page (`--limit`, `--cursor`), or every page with `--all` (at most `cap` items). Answers the
 * items, the cursor of what is left, and the last page's body for `-o json`.
 */
export async function pages<P extends Page<unknown>>(fetchPage: (cursor: string | undefined) => Promise<P>, options: { all?: boolean; cursor?: string; cap?: number }): Promise<{ items: Array<P['items'][number]>; nextCursor: string | null; body: P }> {
  const items: Array<P['items'][number]> = [];
  let cursor = options.cursor;
  let body: P;
  const cap = options.cap ?? 10_000;
  do {
    body = await fetchPage(cursor);
    items.push(...body.items);
    cursor = body.nextCursor ?? undefined;
  } while (options.all && cursor && items.length < cap);
  return { items, nextCursor: cursor ?? null, body: options.all ? ({ ...body, items, nextCursor: cursor ?? null } as P) : body };
}

/**
 * The footer a paged table ends with: this very command line (its filters kept, as a cursor only
 * holds for its own query) with the next cursor.
 */
export function nextPage(cli: Cli, nextCursor: string | null | undefined): string | undefined {
  if (!nextCursor) return undefined;
  const args: string[] = [];
  for (let i = 0; i < cli.argv.length; i++) {
    const arg = cli.argv[i]!;
    if (arg === '--cursor') { i++; continue; }
    if (arg.startsWith('--cursor=') || arg === '--all') continue;
    args.push(/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);
  }
  return `more: apollo ${args.join(' ')} --cursor ${nextCursor}   (or --all)`;
}


/** Asks yes/no on a terminal; without one, `--yes` must be given. */
export async function confirm(cli: Cli, question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!cli.io.stdin.isTTY || !cli.io.stderr.isTTY) throw new CliError(`${question}: pass --yes to confirm without a terminal`, EXIT.usage);
  const rl = createInterface({ input: cli.io.stdin, output: cli.io.stderr as NodeJS.WritableStream });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not confirmed: nothing was done', EXIT.usage);
  } finally {
    rl.close();
  }
}

/** A relative age for tables (`3m ago`); the ISO time stays in json and yaml. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return iso;
  const abs = Math.abs(s);
  const text = abs < 60 ? `${abs}s` : abs < 3_600 ? `${Math.round(abs / 60)}m` : abs < 172_800 ? `${Math.round(abs / 3_600)}h` : `${Math.round(abs / 86_400)}d`;
  return s >= 0 ? `${text} ago` : `in ${text}`;
}
