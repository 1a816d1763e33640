/**
 * An AI session's frames as terminal text (ANSI colours, CRLF line ends), pure so it is tested without a browser:
 * the terminal writes what `renderFrame` returns, the hidden transcript mirror keeps `plainText` of it. Text deltas
 * stream as they come; every other frame starts on a line of its own. Model and tool text is data: control
 * sequences in it are removed before it reaches the terminal (ARCHITECTURE.md §6: tool output is never executed).
 */
import type { AiAction, AiFindings, AiFrame } from '../../../../schemas/types.gen.ts';

const ESC = '\x1b[';
export const ANSI = {
  reset: `${ESC}0m`,
  bold: `${ESC}1m`,
  dim: `${ESC}2m`,
  red: `${ESC}31m`,
  green: `${ESC}32m`,
  yellow: `${ESC}33m`,
  cyan: `${ESC}36m`,
  banner: `${ESC}1;97;41m`,
} as const;

const paint = (style: string, text: string): string => `${style}${text}${ANSI.reset}`;

/** What the renderer remembers between frames. */
export interface RenderState {
  /** The cursor is at the start of a line (the last output ended with a line break). */
  readonly atLineStart: boolean;
  /** The last turn's token counts (a usage frame comes before its end frame). */
  readonly usage: { readonly input: number; readonly output: number } | null;
  /** The cursor's column after streamed text (0 at a line start). */
  readonly col: number;
  /** The last character written was part of a word (a delta may end mid-word). */
  readonly inWord: boolean;
}

export const INITIAL_RENDER: RenderState = { atLineStart: true, usage: null, col: 0, inWord: false };

export interface RenderOptions {
  /** The terminal's width in columns (tables are capped to it). */
  readonly cols: number;
  /** Break streamed text between words at the terminal's width (the terminal); off: as sent (the plain-text mirror). */
  readonly wrap?: boolean;
  /** A time as the lines say it (an action's expiry); default `HH:MM UTC`. */
  readonly timeText?: (iso: string) => string;
}

/** A time on the viewer's own clock (`14:05`): the terminal's. */
export const clockTime = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** `14:05 UTC`: the same on every machine (tests); the terminal passes the viewer's own clock. */
export const utcTime = (iso: string): string => (Number.isNaN(Date.parse(iso)) ? iso : `${new Date(iso).toISOString().slice(11, 16)} UTC`);

/**
 * Text from column `col` with line breaks put between words so none is cut at the edge (a word longer than a line,
 * or one a previous delta began, is left for the terminal to wrap). Spaces at a break are dropped.
 */
export function wrapText(text: string, from: { col: number; inWord: boolean }, cols: number): { text: string; col: number; inWord: boolean } {
  let out = '';
  let col = from.col;
  let inWord = from.inWord;
  for (const token of text.match(/\n|[^\S\n]+|\S+/g) ?? []) {
    const len = width(token);
    if (token === '\n') {
      out += '\n'; col = 0; inWord = false;
    } else if (/^\s/.test(token)) {
      if (col + len > cols) { out += '\n'; col = 0; } else { out += token; col += len; }
      inWord = false;
    } else {
      if (!inWord && col > 0 && col + len > cols && len <= cols) {
        out = out.replace(/[^\S\n]+$/, '');
        out += '\n';
        col = 0;
      }
      out += token;
      col += len;
      while (col > cols) col -= cols;
      inWord = true;
    }
  }
  return { text: out, col, inWord };
}

/** Removes what could drive the terminal (escape sequences, other control characters) from untrusted text; keeps line breaks and tabs. */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-~]?/g, '').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u009b]/g, '').replace(/\r\n?/g, '\n');
}

/** Terminal line ends: xterm moves down without returning on a bare \n. */
const crlf = (text: string): string => text.replace(/\n/g, '\r\n');

/** What the terminal shows, without colours or cursor movement (the transcript mirror, Copy transcript). */
export function plainText(ansi: string): string {
  // eslint-disable-next-line no-control-regex
  return ansi.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b[78]/g, '').replace(/\r\n/g, '\n').replace(/\r/g, '');
}

const thousands = new Intl.NumberFormat('en-US');
export const formatCount = (n: number): string => thousands.format(n);

/** A result's size (characters) as the terminal shows it: `812 B`, `2.1 KB`, `3.4 MB`. */
export function formatSize(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

/** Cuts text to `max` characters, the last one an ellipsis. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return max <= 1 ? '…'.slice(0, max) : `${chars.slice(0, max - 1).join('')}…`;
}

const width = (text: string): number => [...text].length;
const padEnd = (text: string, n: number): string => text + ' '.repeat(Math.max(0, n - width(text)));
const padStart = (text: string, n: number): string => ' '.repeat(Math.max(0, n - width(text))) + text;

/** One line, arguments included, of at most `max` characters (JSON on one line). */
export function argumentsText(args: Record<string, unknown>, max: number): string {
  let json: string;
  try { json = JSON.stringify(args); } catch { json = '{…}'; }
  return clip(sanitize(json).replace(/\n/g, ' '), max);
}

/** The widest a table column gets before it is cut. */
const MAX_COLUMN = 48;

/**
 * Column widths for a table: each as wide as its widest cell (at most MAX_COLUMN), then the widest shrunk one by one
 * until the box fits in `cols` (borders and padding take 3 a column plus 1), none below 3.
 */
export function columnWidths(cells: readonly (readonly string[])[], columns: number, cols: number): number[] {
  const widths = Array.from({ length: columns }, (_, i) => Math.min(MAX_COLUMN, Math.max(1, ...cells.map((row) => width(row[i] ?? '')))));
  const budget = cols - (3 * columns + 1);
  let total = widths.reduce((a, b) => a + b, 0);
  while (total > budget) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= 3) break;
    widths[widest]! -= 1;
    total -= 1;
  }
  return widths;
}

const cellText = (value: string | number | null): string => (value === null ? '—' : typeof value === 'number' ? formatCount(value) : sanitize(value).replace(/\n/g, ' '));

/** A table in box-drawing characters: header bold, numbers right-aligned, cells cut with … to fit. */
export function renderTable(columns: readonly string[], rows: readonly (readonly (string | number | null)[])[], cols: number): string[] {
  const header = columns.map((c) => sanitize(c));
  const body = rows.map((row) => columns.map((_, i) => cellText(row[i] ?? null)));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || row[i] === null));
  const widths = columnWidths([header, ...body], columns.length, cols);
  const rule = (left: string, mid: string, right: string) => `${left}${widths.map((w) => '─'.repeat(w + 2)).join(mid)}${right}`;
  const line = (cells: readonly string[], style?: string) => `│${cells.map((c, i) => {
    const cut = clip(c, widths[i]!);
    const text = numeric[i] ? padStart(cut, widths[i]!) : padEnd(cut, widths[i]!);
    return ` ${style ? paint(style, text) : text} `;
  }).join('│')}│`;
  return [
    rule('┌', '┬', '┐'),
    line(header, ANSI.bold),
    rule('├', '┼', '┤'),
    ...(body.length ? body.map((r) => line(r)) : [`│ ${padEnd('(no rows)', widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1))} │`]),
    rule('└', '┴', '┘'),
  ];
}

const FACT_STYLE = { ok: ANSI.green, warn: ANSI.yellow, bad: ANSI.red, unknown: ANSI.dim } as const;
const FACT_MARK = { ok: '●', warn: '▲', bad: '✗', unknown: '?' } as const;

/** A command's findings: its title, then each section (tables boxed, facts as aligned label: value with status colours). */
export function renderFindings(findings: AiFindings, cols: number, wrap = false): string[] {
  const lines = [paint(ANSI.bold, `■ ${sanitize(findings.title)}`)];
  for (const section of findings.sections) {
    lines.push('', paint(ANSI.bold, sanitize(section.title)));
    if (section.kind === 'table') {
      lines.push(...renderTable(section.columns, section.rows, cols));
      if (section.note) lines.push(paint(ANSI.dim, sanitize(section.note)));
    } else if (section.kind === 'facts') {
      const labelWidth = Math.min(32, Math.max(0, ...section.items.map((f) => width(sanitize(f.label)))));
      for (const fact of section.items) {
        const label = padEnd(clip(sanitize(fact.label), labelWidth), labelWidth);
        const value = sanitize(fact.value).replace(/\n/g, ' ');
        lines.push(fact.status
          ? `  ${paint(FACT_STYLE[fact.status], FACT_MARK[fact.status])} ${label}  ${paint(FACT_STYLE[fact.status], value)}`
          : `    ${label}  ${value}`);
      }
    } else {
      const text = sanitize(section.text);
      lines.push(...(wrap ? wrapText(text, { col: 0, inWord: false }, cols).text : text).split('\n'));
    }
  }
  return lines;
}

/** Stop reasons that leave something for the user to do, in words after the reason. */
const STOP_SAYS: Readonly<Record<string, string>> = {
  approval_required: 'waiting for an approval beside the terminal',
  budget: "the AI budget is spent (this session's or today's): no more model turns until it resets",
};

/** The line a stop reason ends a turn with, and the turn's tokens when known: `— end_turn · 1,234 in / 567 out tokens`. */
export function endLine(stopReason: string, usage: RenderState['usage']): string {
  const tokens = usage ? ` · ${formatCount(usage.input)} in / ${formatCount(usage.output)} out tokens` : '';
  const says = STOP_SAYS[stopReason];
  return `— ${stopReason}${says ? `: ${says}` : ''}${tokens}`;
}

/** One line for an action's news (each `action` frame: proposed, running, done, refused, lapsed). */
export function actionLine(action: AiAction, timeText: (iso: string) => string): string {
  const summary = sanitize(action.summary).replace(/\n/g, ' ');
  const said = action.result ? sanitize(action.result.message).replace(/\n/g, ' ') : '';
  // A route's message may already start with the summary ("Scale …: deployment 01J… created"): say it once.
  const message = said.startsWith(`${summary}: `) ? said.slice(summary.length + 2) : said;
  switch (action.status) {
    case 'pending':
      return paint(`${ANSI.bold}${ANSI.yellow}`, `‖ Needs your approval: ${summary} — use Approve beside the terminal (expires ${timeText(action.expiresAt)})`);
    case 'executing':
      return paint(ANSI.cyan, `▶ ${summary}: running${action.decidedBy ? `, approved by ${sanitize(action.decidedBy)}` : ''}`);
    case 'executed':
      return paint(ANSI.green, `✓ ${summary}: ${message || 'done'}`);
    case 'failed':
      return paint(ANSI.red, `✗ ${summary} failed: ${message || 'the route refused it'}`);
    case 'rejected':
      return paint(ANSI.yellow, `✗ ${summary}: rejected${action.decidedBy ? ` by ${sanitize(action.decidedBy)}` : ''}${action.note ? ` (${sanitize(action.note).replace(/\n/g, ' ')})` : ''}; it did not run`);
    case 'expired':
      return paint(ANSI.dim, `⌛ ${summary}: expired before an approval; it did not run`);
  }
}

/** Where the prompt's line is printed for a sent message (what the terminal shows as typed). */
export const PROMPT = 'apollo> ';
export const PROMPT_ANSI = paint(`${ANSI.bold}${ANSI.cyan}`, PROMPT);

/** Whole lines (CRLF-ended), starting on a fresh line. */
function block(state: RenderState, lines: readonly string[]): string {
  return `${state.atLineStart ? '' : '\r\n'}${lines.map((l) => `${l}\r\n`).join('')}`;
}

/** One frame as terminal text and the state after it. Frames that print nothing (turn, usage) return ''. */
export function renderFrame(frame: AiFrame, state: RenderState, options: RenderOptions): { text: string; state: RenderState } {
  const cols = Math.max(20, options.cols);
  const lines = (ls: readonly string[], next: Partial<RenderState> = {}) => ({ text: block(state, ls), state: { ...state, atLineStart: true, col: 0, inWord: false, ...next } });
  switch (frame.type) {
    case 'user':
      return lines([`${PROMPT_ANSI}${sanitize(frame.text).replace(/\n/g, ' ')}`], { usage: null });
    case 'turn':
      return { text: '', state };
    case 'text': {
      const text = sanitize(frame.text);
      if (!text) return { text: '', state };
      const wrapped = wrapText(text, state, options.wrap ? cols : Number.MAX_SAFE_INTEGER);
      return { text: crlf(wrapped.text), state: { ...state, atLineStart: wrapped.text.endsWith('\n'), col: wrapped.col, inWord: wrapped.inWord } };
    }
    case 'tool_call': {
      const head = `▸ tool ${sanitize(frame.name)}`;
      const waiting = frame.status === 'pending_approval' ? ' awaiting approval' : '';
      const args = argumentsText(frame.arguments, Math.max(10, cols - width(head) - width(frame.risk) - width(waiting) - 6));
      if (frame.status === 'refused') {
        return lines([paint(ANSI.red, `${head} ${args} [${frame.risk}] refused${frame.reason ? `: ${sanitize(frame.reason)}` : ''}`)]);
      }
      if (frame.status === 'pending_approval') {
        return lines([`${ANSI.dim}${ANSI.cyan}${head} ${args}${ANSI.reset}${ANSI.dim} [${frame.risk}]${ANSI.reset}${paint(ANSI.yellow, waiting)}`]);
      }
      return lines([`${ANSI.dim}${ANSI.cyan}${head} ${args}${ANSI.reset}${ANSI.dim} [${frame.risk}]${ANSI.reset}`]);
    }
    case 'tool_result':
      return frame.ok
        ? lines([`  ${paint(ANSI.green, '✓')} ${paint(ANSI.dim, `${formatSize(frame.size)}${frame.truncated ? ' (truncated)' : ''}`)}`])
        : lines([`  ${paint(ANSI.red, `✗ ${sanitize(frame.error ?? 'failed').replace(/\n/g, ' ')}`)}`]);
    case 'findings':
      return lines([...renderFindings(frame.findings, cols, options.wrap === true), '']);
    case 'notice':
      return lines(sanitize(frame.text).split('\n').map((l, i) => paint(ANSI.yellow, `${i === 0 ? (frame.level === 'warn' ? '⚠ ' : 'ℹ ') : '  '}${l}`)));
    case 'usage':
      return { text: '', state: { ...state, usage: { input: frame.inputTokens, output: frame.outputTokens } } };
    case 'error':
      return lines([paint(ANSI.red, `✗ ${sanitize(frame.code)}: ${sanitize(frame.message).replace(/\n/g, ' ')}${frame.retryable ? ' (retryable)' : ''}`)]);
    case 'end':
      return lines([paint(ANSI.dim, endLine(frame.stopReason, state.usage)), ''], { usage: null });
    case 'action':
      return lines([actionLine(frame.action, options.timeText ?? utcTime)]);
    case 'terminated':
      return lines([paint(ANSI.banner, ` ■ Session terminated by ${sanitize(frame.by)} ■ `), paint(ANSI.red, 'The transcript is kept; this session takes no more messages.')]);
  }
}

/** Many frames, in order (a replayed transcript). */
export function renderFrames(frames: readonly AiFrame[], state: RenderState, options: RenderOptions): { text: string; state: RenderState } {
  let text = '';
  let next = state;
  for (const frame of frames) {
    const out = renderFrame(frame, next, options);
    text += out.text;
    next = out.state;
  }
  return { text, state: next };
}

/** A line of the console's own (a refused send, a lost connection): yellow notes, red errors. */
export function noteLine(kind: 'note' | 'error', text: string, state: RenderState): { text: string; state: RenderState } {
  return { text: block(state, [paint(kind === 'note' ? ANSI.yellow : ANSI.red, text)]), state: { ...state, atLineStart: true, col: 0, inWord: false } };
}
