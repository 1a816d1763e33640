import { describe, expect, it } from 'vitest';
import { applyInput, applyKey, drawPrompt, emptyLine, parseInput, remember, MAX_HISTORY, MAX_LINE, type LineState } from './line-editor.ts';
import { plainText } from './terminal-render.ts';

const type = (data: string, state: LineState = emptyLine()) => applyInput(state, data);

describe('the prompt line', () => {
  it('inserts typed text at the cursor, moves with left/right/home/end, deletes with backspace and delete', () => {
    let s = type('dbug').state;
    s = type('\x1b[D\x1b[D\x1b[De', s).state;
    expect(s).toMatchObject({ buffer: 'debug', cursor: 2 });
    s = type('\x1b[H', s).state;
    expect(s.cursor).toBe(0);
    s = type('\x7f', s).state;
    expect(s).toMatchObject({ buffer: 'debug', cursor: 0 });
    s = type('\x1b[3~', s).state;
    expect(s).toMatchObject({ buffer: 'ebug', cursor: 0 });
    s = type('\x1b[F\x7f', s).state;
    expect(s).toMatchObject({ buffer: 'ebu', cursor: 3 });
    s = type('\x1b[C\x1b[C', s).state;
    expect(s.cursor).toBe(3);
    s = type('\x01x\x05y', s).state;
    expect(s).toMatchObject({ buffer: 'xebuy', cursor: 5 });
  });

  it('sends the trimmed line on Enter, remembers it and starts a new one', () => {
    const out = type('  logs core  \r');
    expect(out.effects).toEqual([{ kind: 'submit', text: 'logs core' }]);
    expect(out.state).toEqual({ buffer: '', cursor: 0, history: ['logs core'], historyIndex: null, draft: '' });
    expect(type('   \r').effects).toEqual([]);
  });

  it('clears the line on ctrl-c and asks to clear the screen on ctrl-l (keeping the line)', () => {
    const c = type('half typed\x03');
    expect(c.state.buffer).toBe('');
    expect(c.effects).toEqual([{ kind: 'cancel' }]);
    const l = type('keep\x0c');
    expect(l.state.buffer).toBe('keep');
    expect(l.effects).toEqual([{ kind: 'clear-screen' }]);
  });

  it('walks the history with up/down and gives back the line being typed', () => {
    let s = emptyLine(['one', 'two']);
    s = type('dra', s).state;
    s = type('\x1b[A', s).state;
    expect(s).toMatchObject({ buffer: 'two', cursor: 3, historyIndex: 1 });
    s = type('\x1b[A\x1b[A', s).state;
    expect(s).toMatchObject({ buffer: 'one', historyIndex: 0 });
    s = type('\x1b[B', s).state;
    expect(s.buffer).toBe('two');
    s = type('\x1b[B', s).state;
    expect(s).toMatchObject({ buffer: 'dra', cursor: 3, historyIndex: null });
    s = type('\x1b[B', s).state;
    expect(s.buffer).toBe('dra');
  });

  it('keeps a history without blanks or repeats, at most MAX_HISTORY long', () => {
    expect(remember(['a'], 'a')).toEqual(['a']);
    expect(remember(['a'], '  ')).toEqual(['a']);
    const long = Array.from({ length: MAX_HISTORY }, (_, i) => `l${i}`);
    expect(remember(long, 'new')).toHaveLength(MAX_HISTORY);
    expect(remember(long, 'new').at(-1)).toBe('new');
  });

  it('takes a paste as one insert: line breaks become spaces and nothing is sent', () => {
    expect(parseInput('first line\r\nsecond\r')).toEqual([{ kind: 'insert', text: 'first line second ' }]);
    const bracketed = type('a\x1b[200~x\ny\x1b[201~b');
    expect(bracketed.state.buffer).toBe('ax yb');
    expect(bracketed.effects).toEqual([]);
  });

  it('ignores unknown sequences and control characters', () => {
    expect(type('a\x1b[15~b\x1b[1;2Pc\x07').state.buffer).toBe('abc');
  });

  it('deletes words and parts of the line (ctrl-w, ctrl-u, ctrl-k)', () => {
    let s = type('debug prod core').state;
    s = type('\x17', s).state;
    expect(s.buffer).toBe('debug prod ');
    s = type('\x1b[D\x1b[D\x15', s).state;
    expect(s).toMatchObject({ buffer: 'd ', cursor: 0 });
    s = type('\x0b', s).state;
    expect(s.buffer).toBe('');
  });

  it('stops at the API limit', () => {
    const s = applyKey(emptyLine(), { kind: 'insert', text: 'x'.repeat(MAX_LINE + 10) }).state;
    expect(s.buffer).toHaveLength(MAX_LINE);
  });
});

describe('drawing the prompt', () => {
  it('erases the old line, writes the prompt and the line, and puts the cursor in its place', () => {
    const out = drawPrompt({ buffer: 'debug', cursor: 2 }, 80, 0);
    expect(out.text.startsWith('\r\x1b[J')).toBe(true);
    expect(plainText(out.text)).toBe('apollo> debug');
    expect(out.text.endsWith('\x1b[11G')).toBe(true);
    expect(out.cursorRow).toBe(0);
  });

  it('goes back over wrapped rows and places the cursor on its row', () => {
    // 20 columns: "apollo> " (8) + 30 characters ends on row 1 (38 / 20); the cursor at 5 is row 0, column 13.
    const out = drawPrompt({ buffer: 'x'.repeat(30), cursor: 5 }, 20, 2);
    expect(out.text.startsWith('\r\x1b[2A\x1b[J')).toBe(true);
    expect(out.text.endsWith('\x1b[1A\x1b[14G')).toBe(true);
    expect(out.cursorRow).toBe(0);
  });

  it('moves past a pending wrap when the line fills the last column', () => {
    const out = drawPrompt({ buffer: 'x'.repeat(12), cursor: 12 }, 20, 0);
    expect(out.text).toContain(' \b');
    expect(out.cursorRow).toBe(1);
  });

  it('draws nothing when the prompt is disabled', () => {
    expect(drawPrompt({ buffer: 'x', cursor: 1 }, 80, 1, true)).toEqual({ text: '\r\x1b[1A\x1b[J', cursorRow: 0 });
  });
});
