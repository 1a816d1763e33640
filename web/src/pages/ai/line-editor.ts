/**
 * The terminal's prompt line as a pure state machine: xterm's input (keys, escape sequences, pastes) in, the line's
 * state and what to do (send, clear the screen) out; `drawPrompt` turns the state into the ANSI that redraws it,
 * wrapped lines included.
 */
import { PROMPT, PROMPT_ANSI } from './terminal-render.ts';

/** The API's limit on a message (ai-message-create.schema.json). */
export const MAX_LINE = 8000;
/** Lines kept in the history. */
export const MAX_HISTORY = 200;

export interface LineState {
  readonly buffer: string;
  /** Insertion point, 0…buffer.length (in UTF-16 units; the line holds no control characters). */
  readonly cursor: number;
  /** Sent lines, oldest first. */
  readonly history: readonly string[];
  /** Which history entry is shown (null: the line being typed). */
  readonly historyIndex: number | null;
  /** The line being typed, kept while browsing the history. */
  readonly draft: string;
}

export const emptyLine = (history: readonly string[] = []): LineState => ({ buffer: '', cursor: 0, history, historyIndex: null, draft: '' });

export type Key =
  | { kind: 'insert'; text: string }
  | { kind: 'enter' | 'backspace' | 'delete' | 'left' | 'right' | 'home' | 'end' | 'up' | 'down' | 'cancel' | 'clear-screen' | 'word-left' | 'word-right' | 'kill-line' | 'kill-before' | 'kill-word' | 'ignore' };

export type Effect = { kind: 'submit'; text: string } | { kind: 'clear-screen' } | { kind: 'cancel' } | null;

const SEQUENCES: Record<string, Key['kind']> = {
  '\x1b[D': 'left', '\x1bOD': 'left',
  '\x1b[C': 'right', '\x1bOC': 'right',
  '\x1b[A': 'up', '\x1bOA': 'up',
  '\x1b[B': 'down', '\x1bOB': 'down',
  '\x1b[H': 'home', '\x1bOH': 'home', '\x1b[1~': 'home', '\x1b[7~': 'home',
  '\x1b[F': 'end', '\x1bOF': 'end', '\x1b[4~': 'end', '\x1b[8~': 'end',
  '\x1b[3~': 'delete',
  '\x1b[1;5D': 'word-left', '\x1bb': 'word-left',
  '\x1b[1;5C': 'word-right', '\x1bf': 'word-right',
};

const CONTROLS: Record<string, Key['kind']> = {
  '\r': 'enter', '\n': 'enter',
  '\x7f': 'backspace', '\b': 'backspace',
  '\x01': 'home', '\x05': 'end',
  '\x02': 'left', '\x06': 'right',
  '\x10': 'up', '\x0e': 'down',
  '\x03': 'cancel', '\x0c': 'clear-screen',
  '\x0b': 'kill-line', '\x15': 'kill-before', '\x17': 'kill-word',
  '\x04': 'delete',
};

/** A paste's text as one line: line breaks become spaces, other control characters go. */
// eslint-disable-next-line no-control-regex
const pasted = (text: string): string => text.replace(/\r\n|\r|\n|\t/g, ' ').replace(/[\x00-\x1f\x7f\u009b]/g, '');

/** xterm's onData string as keys: escape sequences, control characters, runs of text, bracketed pastes (one insert). */
export function parseInput(data: string): Key[] {
  const keys: Key[] = [];
  // A paste with line breaks inside (when bracketed paste is off) is one insert, never a send; typed text and Enter
  // in one chunk (a fast typist, a test) is still a send.
  if (!data.startsWith('\x1b') && !data.includes('\x1b[200~') && /[\r\n]/.test(data.replace(/(\r\n|\r|\n)$/, ''))) return [{ kind: 'insert', text: pasted(data) }];
  let i = 0;
  let text = '';
  const flush = () => { if (text) keys.push({ kind: 'insert', text }); text = ''; };
  while (i < data.length) {
    if (data.startsWith('\x1b[200~', i)) {
      flush();
      const end = data.indexOf('\x1b[201~', i + 6);
      const body = data.slice(i + 6, end < 0 ? data.length : end);
      keys.push({ kind: 'insert', text: pasted(body) });
      i = end < 0 ? data.length : end + 6;
      continue;
    }
    const ch = data[i]!;
    if (ch === '\x1b') {
      flush();
      const sequence = Object.keys(SEQUENCES).filter((s) => data.startsWith(s, i)).sort((a, b) => b.length - a.length)[0];
      if (sequence) {
        keys.push({ kind: SEQUENCES[sequence]! } as Key);
        i += sequence.length;
      } else {
        // An unknown sequence: skip a CSI's parameters and final byte, or the escape alone.
        // eslint-disable-next-line no-control-regex
        const csi = /^\x1b\[[0-?]*[ -/]*[@-~]/.exec(data.slice(i));
        keys.push({ kind: 'ignore' });
        i += csi ? csi[0].length : 1;
      }
      continue;
    }
    const control = CONTROLS[ch];
    if (control) {
      flush();
      keys.push({ kind: control } as Key);
    } else if (ch >= ' ' && ch !== '\x7f' && ch !== '\u009b') {
      text += ch;
    } else {
      flush();
      keys.push({ kind: 'ignore' });
    }
    i += 1;
  }
  flush();
  return keys;
}

const withBuffer = (state: LineState, buffer: string, cursor: number): LineState => ({ ...state, buffer, cursor: Math.max(0, Math.min(cursor, buffer.length)) });

const wordLeft = (buffer: string, cursor: number): number => {
  let i = cursor;
  while (i > 0 && buffer[i - 1] === ' ') i -= 1;
  while (i > 0 && buffer[i - 1] !== ' ') i -= 1;
  return i;
};

const wordRight = (buffer: string, cursor: number): number => {
  let i = cursor;
  while (i < buffer.length && buffer[i] === ' ') i += 1;
  while (i < buffer.length && buffer[i] !== ' ') i += 1;
  return i;
};

/** Adds a sent line to the history (not a blank one, not the same as the last), the oldest dropped past MAX_HISTORY. */
export function remember(history: readonly string[], line: string): string[] {
  if (!line.trim() || history.at(-1) === line) return [...history];
  return [...history, line].slice(-MAX_HISTORY);
}

/** One key: the next state and what the console should do. */
export function applyKey(state: LineState, key: Key): { state: LineState; effect: Effect } {
  const { buffer, cursor } = state;
  const same = { state, effect: null };
  switch (key.kind) {
    case 'insert': {
      const room = MAX_LINE - buffer.length;
      const text = key.text.slice(0, Math.max(0, room));
      if (!text) return same;
      return { state: { ...withBuffer(state, buffer.slice(0, cursor) + text + buffer.slice(cursor), cursor + text.length), historyIndex: null }, effect: null };
    }
    case 'backspace':
      return cursor === 0 ? same : { state: withBuffer(state, buffer.slice(0, cursor - 1) + buffer.slice(cursor), cursor - 1), effect: null };
    case 'delete':
      return cursor >= buffer.length ? same : { state: withBuffer(state, buffer.slice(0, cursor) + buffer.slice(cursor + 1), cursor), effect: null };
    case 'left': return { state: withBuffer(state, buffer, cursor - 1), effect: null };
    case 'right': return { state: withBuffer(state, buffer, cursor + 1), effect: null };
    case 'home': return { state: withBuffer(state, buffer, 0), effect: null };
    case 'end': return { state: withBuffer(state, buffer, buffer.length), effect: null };
    case 'word-left': return { state: withBuffer(state, buffer, wordLeft(buffer, cursor)), effect: null };
    case 'word-right': return { state: withBuffer(state, buffer, wordRight(buffer, cursor)), effect: null };
    case 'kill-line': return { state: withBuffer(state, buffer.slice(0, cursor), cursor), effect: null };
    case 'kill-before': return { state: withBuffer(state, buffer.slice(cursor), 0), effect: null };
    case 'kill-word': {
      const from = wordLeft(buffer, cursor);
      return { state: withBuffer(state, buffer.slice(0, from) + buffer.slice(cursor), from), effect: null };
    }
    case 'up': {
      if (state.history.length === 0 || state.historyIndex === 0) return same;
      const index = state.historyIndex === null ? state.history.length - 1 : state.historyIndex - 1;
      const line = state.history[index]!;
      return { state: { ...state, buffer: line, cursor: line.length, historyIndex: index, draft: state.historyIndex === null ? buffer : state.draft }, effect: null };
    }
    case 'down': {
      if (state.historyIndex === null) return same;
      const index = state.historyIndex + 1;
      if (index >= state.history.length) return { state: { ...state, buffer: state.draft, cursor: state.draft.length, historyIndex: null, draft: '' }, effect: null };
      const line = state.history[index]!;
      return { state: { ...state, buffer: line, cursor: line.length, historyIndex: index }, effect: null };
    }
    case 'cancel':
      return { state: emptyLine(state.history), effect: { kind: 'cancel' } };
    case 'clear-screen':
      return { state, effect: { kind: 'clear-screen' } };
    case 'enter': {
      const text = buffer.trim();
      if (!text) return { state: emptyLine(state.history), effect: null };
      return { state: emptyLine(remember(state.history, text)), effect: { kind: 'submit', text } };
    }
    case 'ignore':
      return same;
  }
}

/** A whole onData chunk: the state after it and the effects in order (a paste then Enter in one chunk sends once). */
export function applyInput(state: LineState, data: string): { state: LineState; effects: Exclude<Effect, null>[] } {
  let next = state;
  const effects: Exclude<Effect, null>[] = [];
  for (const key of parseInput(data)) {
    const out = applyKey(next, key);
    next = out.state;
    if (out.effect) effects.push(out.effect);
  }
  return { state: next, effects };
}

/**
 * The ANSI that redraws the prompt line: back to where it began (it may wrap: `cursorRow` rows down is where the
 * cursor was left), erase to the end of the screen, write the prompt and the line, put the cursor at its place.
 * Returns the row (from the prompt's first) the cursor is left on, for the next redraw.
 */
export function drawPrompt(state: Pick<LineState, 'buffer' | 'cursor'>, cols: number, cursorRow: number, disabled = false): { text: string; cursorRow: number } {
  const c = Math.max(1, cols);
  const back = `\r${cursorRow > 0 ? `\x1b[${cursorRow}A` : ''}\x1b[J`;
  if (disabled) return { text: back, cursorRow: 0 };
  const total = PROMPT.length + state.buffer.length;
  // Exactly filling the last column leaves the cursor pending a wrap: a space and a backspace put it on the next row.
  const wrap = total > 0 && total % c === 0 ? ' \b' : '';
  const endRow = Math.floor(total / c);
  const target = PROMPT.length + state.cursor;
  const row = Math.floor(target / c);
  const col = target % c;
  const up = endRow - row > 0 ? `\x1b[${endRow - row}A` : '';
  return { text: `${back}${PROMPT_ANSI}${state.buffer}${wrap}${up}\x1b[${col + 1}G`, cursorRow: row };
}
