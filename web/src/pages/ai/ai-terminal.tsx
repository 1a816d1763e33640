/**
 * The session's terminal (xterm.js, fitted to its container, links clickable): frames from the feed are written as
 * terminal-render.ts draws them, and the prompt line (line-editor.ts) sits below the output whenever the output ends
 * a line (while text streams mid-line, typing goes on and shows at the next line end). A hidden <pre> mirrors what
 * was written without colours, for tests and screen readers.
 */
import { FitAddon } from '@xterm/addon-fit';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useRef } from 'react';
import type { AiFrame } from '../../../../schemas/types.gen.ts';
import { historyKey, readHistory } from './ai-rules.ts';
import type { FrameFeed } from './frame-feed.ts';
import { applyInput, drawPrompt, emptyLine, type LineState } from './line-editor.ts';
import { INITIAL_RENDER, clockTime, noteLine, plainText, renderFrames, type RenderState } from './terminal-render.ts';

/** What a send came to: sent, refused because a turn runs (409), or another error's message. */
export type SendOutcome = { kind: 'sent' } | { kind: 'busy' } | { kind: 'error'; message: string };

export interface AiTerminalProps {
  readonly sessionId: string;
  readonly feed: FrameFeed;
  /** The session takes no more messages (terminated): no prompt. */
  readonly disabled: boolean;
  readonly status: string;
  send(text: string): Promise<SendOutcome>;
}

const THEME = {
  background: '#1c2127', foreground: '#e5e8eb', cursor: '#8abbff', selectionBackground: '#2d72d266',
  black: '#1c2127', red: '#fa999c', green: '#72ca9b', yellow: '#fbd065', blue: '#8abbff', magenta: '#d69fd6', cyan: '#68c1ee', white: '#e5e8eb',
  brightBlack: '#8f99a8', brightRed: '#fa999c', brightGreen: '#72ca9b', brightYellow: '#fbd065', brightBlue: '#8abbff', brightMagenta: '#d69fd6', brightCyan: '#68c1ee', brightWhite: '#ffffff',
};

export function AiTerminal({ sessionId, feed, disabled, status, send }: AiTerminalProps) {
  const host = useRef<HTMLDivElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const mirror = useRef<HTMLPreElement>(null);
  const latest = useRef({ disabled, send });
  latest.current = { disabled, send };
  const redrawRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    const container = host.current!;
    const term = new Terminal({ cursorBlink: true, fontSize: 13, fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', scrollback: 10_000, theme: THEME, convertEol: false });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.loadAddon(new WebLinksAddon());
    term.open(container);
    try { fit.fit(); } catch { /* not laid out yet */ }

    let render: RenderState = INITIAL_RENDER;
    let line: LineState = emptyLine(readHistory(sessionStorage.getItem(historyKey(sessionId))));
    let promptShown = false;
    let promptRow = 0;
    let lastSeq = -1;
    let sending = false;

    const mark = () => { if (box.current) box.current.dataset.lastSeq = String(lastSeq); };
    const hidePrompt = () => {
      if (!promptShown) return;
      term.write(drawPrompt(line, term.cols, promptRow, true).text);
      promptShown = false;
      promptRow = 0;
    };
    const showPrompt = () => {
      if (latest.current.disabled || !render.atLineStart) return;
      const drawn = drawPrompt(line, term.cols, promptShown ? promptRow : 0);
      term.write(drawn.text);
      promptShown = true;
      promptRow = drawn.cursorRow;
    };
    // The mirror gets the text as sent (no line breaks put in at this terminal's width), so a phrase is findable whole.
    let mirrored: RenderState = INITIAL_RENDER;
    const output = (text: string, plain: string) => {
      if (mirror.current) mirror.current.textContent += plainText(plain);
      if (!text) return;
      hidePrompt();
      term.write(text);
    };
    const print = (frames: readonly AiFrame[]) => {
      const out = renderFrames(frames, render, { cols: term.cols, wrap: true, timeText: clockTime });
      const plain = renderFrames(frames, mirrored, { cols: term.cols, timeText: clockTime });
      render = out.state;
      mirrored = plain.state;
      output(out.text, plain.text);
      for (const f of frames) lastSeq = Math.max(lastSeq, f.seq);
      mark();
      showPrompt();
    };
    const note = (kind: 'note' | 'error', text: string) => {
      const out = noteLine(kind, text, render);
      const plain = noteLine(kind, text, mirrored);
      render = out.state;
      mirrored = plain.state;
      output(out.text, plain.text);
      showPrompt();
    };
    const replay = (frames: readonly AiFrame[]) => {
      // A full reset (RIS, written: term.reset() acts at once, before writes still queued — a prompt drawn before the
      // history arrived then showed up again after it) also turns bracketed paste off: turn it on again.
      term.write('\x1bc\x1b[?2004h');
      if (mirror.current) mirror.current.textContent = '';
      render = INITIAL_RENDER;
      mirrored = INITIAL_RENDER;
      promptShown = false;
      promptRow = 0;
      lastSeq = -1;
      print(frames);
    };
    redrawRef.current = () => { if (latest.current.disabled) hidePrompt(); else showPrompt(); };

    term.write('\x1b[?2004h');
    replay(feed.frames);
    const off = feed.subscribe((event) => (event.kind === 'replay' ? replay(event.frames) : print(event.frames)));

    const submit = async (text: string) => {
      sessionStorage.setItem(historyKey(sessionId), JSON.stringify(line.history));
      sending = true;
      const outcome = await latest.current.send(text).catch((error: unknown) => ({ kind: 'error' as const, message: (error as Error).message }));
      sending = false;
      if (outcome.kind === 'sent') return;
      // Not sent: the line comes back (unless something else was typed meanwhile) to send again.
      if (!line.buffer) line = { ...line, buffer: text, cursor: text.length };
      if (outcome.kind === 'busy') note('note', 'A turn is still running: wait for it to end, then press Enter again.');
      else note('error', `Not sent: ${outcome.message}`);
    };

    const input = term.onData((data) => {
      if (latest.current.disabled) return;
      const { state, effects } = applyInput(line, data);
      line = state;
      for (const effect of effects) {
        if (effect.kind === 'clear-screen') {
          hidePrompt();
          term.write('\x1b[H\x1b[2J\x1b[3J');
          render = { ...render, atLineStart: true, col: 0, inWord: false };
        } else if (effect.kind === 'submit' && !sending) {
          void submit(effect.text);
        }
      }
      if (promptShown || render.atLineStart) showPrompt();
    });

    const observer = new ResizeObserver(() => {
      try { fit.fit(); } catch { return; }
      // The prompt's rows moved with the new width: draw it again from a fresh line start.
      if (promptShown) { promptRow = 0; showPrompt(); }
    });
    observer.observe(container);
    if (!latest.current.disabled) term.focus();

    return () => {
      observer.disconnect();
      input.dispose();
      off();
      term.dispose();
    };
  }, [feed, sessionId]);

  // Terminated while open: the prompt goes.
  useEffect(() => { redrawRef.current(); }, [disabled]);

  return (
    <div ref={box} className="apollo-ai-terminal" data-testid="ai-terminal" data-status={status} data-last-seq="-1">
      <div className="apollo-ai-xterm-frame"><div ref={host} className="apollo-ai-xterm" /></div>
      <pre ref={mirror} data-testid="ai-transcript-text" className="apollo-ai-mirror" aria-hidden />
    </div>
  );
}
