/**
 * Session hand-off between the tabs of one origin (BroadcastChannel 'apollo-session'), so a new tab, a middle-click
 * or a reload continues as the person already signed in elsewhere, while credentials stay in each tab's memory:
 * - a tab that starts without a session asks (`ask`), and the first signed-in tab to answer within ~300 ms wins;
 *   a tab alone gets no answer and shows the sign-in page;
 * - what crosses is what the new tab needs to continue: locally only the user name (the new tab asks the runtime
 *   for its own short-lived session), with Cognito the Amplify token entries the answering tab holds in memory;
 * - signing out in one tab tells the others, and they sign out too.
 * Messages of another shape are ignored. Pure (no React, no store), so it is unit-tested with Node's BroadcastChannel.
 */

export const SESSION_CHANNEL = 'apollo-session';

/** How long a starting tab waits for an answer before it asks for sign-in. */
export const ASK_TIMEOUT_MS = 300;

/** What a new tab needs to continue as the same person. */
export type HandedSession =
  | { readonly mode: 'local'; readonly user: string }
  | { readonly mode: 'aws'; readonly user: string; readonly tokens: Readonly<Record<string, string>> };

type Message =
  | { readonly type: 'ask'; readonly id: string }
  | { readonly type: 'answer'; readonly id: string; readonly session: HandedSession }
  | { readonly type: 'signed-out' };

export interface SessionHandoffOptions {
  /** This tab's session, for a tab that asks (null: not signed in here, so say nothing). */
  current(): HandedSession | null | Promise<HandedSession | null>;
  /** Another tab signed out: sign out here too. */
  onSignedOut(): void;
  /** The channel's name (tests use their own). */
  readonly name?: string;
}

export interface SessionHandoff {
  /** The session of another open tab, or null when none answers within `timeoutMs`. */
  ask(timeoutMs?: number): Promise<HandedSession | null>;
  /** Tells the other tabs that this person signed out. */
  announceSignedOut(): void;
  close(): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 320;

export function isHandedSession(v: unknown): v is HandedSession {
  if (!isRecord(v) || !isName(v.user)) return false;
  if (v.mode === 'local') return true;
  return v.mode === 'aws' && isRecord(v.tokens) && Object.values(v.tokens).every((t) => typeof t === 'string');
}

function parse(data: unknown): Message | null {
  if (!isRecord(data)) return null;
  if (data.type === 'signed-out') return { type: 'signed-out' };
  if (data.type === 'ask' && isName(data.id)) return { type: 'ask', id: data.id };
  if (data.type === 'answer' && isName(data.id) && isHandedSession(data.session)) return { type: 'answer', id: data.id, session: data.session };
  return null;
}

/** Joins the tabs' channel: answers their questions with `current()` and follows their sign-outs until closed. */
export function openSessionHandoff(options: SessionHandoffOptions): SessionHandoff {
  // Without BroadcastChannel every tab is alone: it asks for sign-in, as it would with no other tab open.
  if (typeof BroadcastChannel === 'undefined') return { ask: () => Promise.resolve(null), announceSignedOut: () => undefined, close: () => undefined };
  const channel = new BroadcastChannel(options.name ?? SESSION_CHANNEL);
  const waiting = new Map<string, (session: HandedSession | null) => void>();
  let closed = false;

  channel.onmessage = (event: MessageEvent) => {
    const message = parse(event.data);
    if (!message) return;
    if (message.type === 'signed-out') options.onSignedOut();
    else if (message.type === 'answer') waiting.get(message.id)?.(message.session);
    else {
      void Promise.resolve()
        .then(() => options.current())
        .then((session) => { if (session && !closed) channel.postMessage({ type: 'answer', id: message.id, session } satisfies Message); })
        .catch(() => undefined);
    }
  };

  return {
    ask(timeoutMs = ASK_TIMEOUT_MS) {
      if (closed) return Promise.resolve(null);
      const id = crypto.randomUUID();
      return new Promise((resolve) => {
        const done = (session: HandedSession | null) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(session);
        };
        const timer = setTimeout(() => done(null), timeoutMs);
        waiting.set(id, done);
        channel.postMessage({ type: 'ask', id } satisfies Message);
      });
    },
    announceSignedOut() {
      if (!closed) channel.postMessage({ type: 'signed-out' } satisfies Message);
    },
    close() {
      closed = true;
      for (const done of [...waiting.values()]) done(null);
      channel.close();
    },
  };
}
