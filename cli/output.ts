/**
 * What a command prints: a table (default) for people, `--output json|yaml` for scripts (the API's
 * response as it came, so its route's schema describes it). Colour only on a TTY without NO_COLOR;
 * a spinner only on a TTY. Progress and notes go to stderr, results to stdout.
 */
import { stringify as toYaml } from 'yaml';

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml'];

export interface Writer {
  write(chunk: string): unknown;
}

/** One column of a table: its header and how a row shows it. */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => unknown;
}

/** How a result reads as text: rows of a table, or fields of one thing. */
export type View<T> =
  | { readonly kind: 'table'; readonly rows: readonly T[]; readonly columns: readonly Column<T>[]; readonly empty: string; readonly footer?: string }
  | { readonly kind: 'fields'; readonly fields: ReadonlyArray<readonly [string, unknown]>; readonly footer?: string }
  | { readonly kind: 'text'; readonly text: string };

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
}

const ansi = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
export const COLOUR: Style = { bold: ansi(1, 22), dim: ansi(2, 22), red: ansi(31, 39), green: ansi(32, 39), yellow: ansi(33, 39) };
const same = (text: string): string => text;
export const PLAIN: Style = { bold: same, dim: same, red: same, green: same, yellow: same };

/** A value as one cell: dates stay ISO (sortable, unambiguous), lists joined, objects as compact JSON. */
export function cell(value: unknown): string {
  if (value === undefined || value === null || value === '') return '-';
  if (Array.isArray(value)) return value.length ? value.map(cell).join(', ') : '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/\s*\n\s*/g, ' ');
}

// eslint-disable-next-line no-control-regex
const visibleLength = (text: string): number => text.replace(/\u001b\[[0-9;]*m/g, '').length;

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[], style: Style): string {
  const cells = rows.map((row) => columns.map((c) => cell(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => visibleLength(r[i]!))));
  const line = (values: readonly string[]) => values.map((v, i) => (i === values.length - 1 ? v : v + ' '.repeat(widths[i]! - visibleLength(v)))).join('  ').trimEnd();
  return [style.bold(line(columns.map((c) => c.header.toUpperCase()))), ...cells.map(line)].join('\n') + '\n';
}

export function renderFields(fields: ReadonlyArray<readonly [string, unknown]>, style: Style): string {
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${style.bold(k.padEnd(width))}  ${cell(v)}`).join('\n') + '\n';
}

/**
 * `data` as the format asks: json and yaml are the API's body itself, a table the view. A view's footer
 * (how to see more, what was simulated) is a note for people: it goes apart, to stderr.
 */
export function renderParts<T>(format: OutputFormat, data: unknown, view: View<T>, style: Style): { out: string; footer?: string } {
  if (format === 'json') return { out: JSON.stringify(data, null, 2) + '\n' };
  if (format === 'yaml') return { out: toYaml(data, { lineWidth: 0 }) };
  if (view.kind === 'text') return { out: view.text.endsWith('\n') ? view.text : `${view.text}\n` };
  const footer = view.footer ? `${style.dim(view.footer)}\n` : undefined;
  if (view.kind === 'fields') return { out: renderFields(view.fields, style), ...(footer ? { footer } : {}) };
  if (view.rows.length === 0) return { out: `${view.empty}\n`, ...(footer ? { footer } : {}) };
  return { out: renderTable(view.rows, view.columns, style), ...(footer ? { footer } : {}) };
}

/** What `renderParts` prints, as one text (the footer last). */
export function render<T>(format: OutputFormat, data: unknown, view: View<T>, style: Style): string {
  const { out, footer } = renderParts(format, data, view, style);
  return out + (footer ?? '');
}

/** A spinner on stderr while something runs, when stderr is a TTY; otherwise silent. */
export class Spinner {
  private timer: ReturnType<typeof setInterval> | undefined;
  private frame = 0;
  private text = '';

  constructor(private readonly out: Writer, private readonly enabled: boolean) {}

  start(text: string): this {
    this.text = text;
    if (!this.enabled || this.timer) return this;
    this.timer = setInterval(() => this.draw(), 80);
    this.draw();
    return this;
  }

  update(text: string): void {
    this.text = text;
  }

  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.out.write('\r\u001b[2K');
  }

  private draw(): void {
    const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
    this.frame = (this.frame + 1) % frames.length;
    this.out.write(`\r\u001b[2K${frames[this.frame]} ${this.text}`);
  }
}
