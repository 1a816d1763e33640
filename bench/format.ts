/** Plain-text tables for the console: aligned columns, numbers right-aligned. */

export type Cell = string | number;

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly Cell[]>;
  /** Printed under the table: what the baseline is, caveats. */
  readonly notes?: readonly string[];
}

const isNumeric = (cell: Cell): boolean => typeof cell === 'number' || /^[\d.,]+\s?[a-zµ×%]*$/i.test(cell);

export function renderTable(table: Table): string {
  const text = table.rows.map((row) => row.map(String));
  const widths = table.columns.map((column, i) => Math.max(column.length, ...text.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[], raw: readonly Cell[] = cells) =>
    cells.map((cell, i) => (isNumeric(raw[i] ?? '') && i > 0 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [
    table.title,
    line(table.columns),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...text.map((row, r) => line(row, table.rows[r])),
    ...(table.notes ?? []).map((note) => `  ${note}`),
  ].join('\n');
}

export const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${(bytes / 1024).toFixed(1)} KB`;

export const formatMs = (ms: number): string => `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;

export const formatRatio = (value: number): string => (Number.isFinite(value) ? `${value.toFixed(2)}×` : '∞');
