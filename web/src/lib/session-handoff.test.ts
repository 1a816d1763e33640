import { afterEach, describe, expect, it } from 'vitest';
import { isHandedSession, openSessionHandoff, type HandedSession, type SessionHandoff } from './session-handoff.ts';

// Each test has its own channel name; every tab (and raw channel) opened is closed after the test.
let name = '';
const opened: Array<{ close(): void }> = [];
afterEach(() => { opened.splice(0).forEach((c) => c.close()); });

interface Tab extends SessionHandoff { session: HandedSession | null; signedOutCount: number }

function tab(session: HandedSession | null = null): Tab {
  const t = { session, signedOutCount: 0 } as Tab;
  const handoff = openSessionHandoff({ name, current: () => t.session, onSignedOut: () => { t.signedOutCount += 1; t.session = null; } });
  Object.assign(t, { ask: handoff.ask, announceSignedOut: handoff.announceSignedOut, close: handoff.close });
  opened.push(t);
  return t;
}

function rawChannel(): BroadcastChannel {
  const channel = new BroadcastChannel(name);
  opened.push(channel);
  return channel;
}

const alice: HandedSession = { mode: 'local', user: 'alice@apollo.local' };
let n = 0;
const fresh = () => { name = `apollo-session-test-${crypto.randomUUID()}-${n++}`; };

describe('session hand-off between tabs', () => {
  it('gives a tab alone nothing once the wait is over', async () => {
    fresh();
    const started = Date.now();
    expect(await tab().ask(150)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it("hands a new tab the signed-in tab's session; a tab that is not signed in says nothing", async () => {
    fresh();
    tab(null);
    tab(alice);
    expect(await tab().ask()).toEqual(alice);
  });

  it('hands over what Amplify needs to resume with Cognito, token entries included', async () => {
    fresh();
    const cognito: HandedSession = { mode: 'aws', user: 'alice@corp.example', tokens: { 'CognitoIdentityServiceProvider.client.LastAuthUser': 'alice', 'CognitoIdentityServiceProvider.client.alice.refreshToken': 'r' } };
    tab(cognito);
    expect(await tab().ask()).toEqual(cognito);
  });

  it('answers as the tab is now, not as it was when it joined (a tab that signed out says nothing)', async () => {
    fresh();
    const first = tab(alice);
    first.session = null;
    expect(await tab().ask(150)).toBeNull();
    first.session = { mode: 'local', user: 'bob@apollo.local' };
    expect(await tab().ask()).toEqual({ mode: 'local', user: 'bob@apollo.local' });
  });

  it('signs the other tabs out when one signs out, not the tab that announced it', async () => {
    fresh();
    const [a, b, c] = [tab(alice), tab(alice), tab(alice)];
    a.announceSignedOut();
    await expect.poll(() => [a.signedOutCount, b.signedOutCount, c.signedOutCount]).toEqual([0, 1, 1]);
    // Nobody is left to hand the session to a new tab.
    a.session = null;
    expect(await tab().ask(150)).toBeNull();
  });

  it('ignores answers of another shape, or to another question', async () => {
    fresh();
    const raw = rawChannel();
    raw.onmessage = (event: MessageEvent<{ type: string; id: string }>) => {
      if (event.data.type !== 'ask') return;
      raw.postMessage({ type: 'answer', id: 'not-the-question', session: alice });
      raw.postMessage({ type: 'answer', id: event.data.id, session: { mode: 'local', user: '' } });
      raw.postMessage({ type: 'answer', id: event.data.id, session: { mode: 'aws', user: 'mallory', tokens: { a: 1 } } });
      raw.postMessage({ type: 'answer', id: event.data.id, session: { mode: 'root', user: 'mallory' } });
      raw.postMessage('signed-out');
    };
    const asker = tab();
    expect(await asker.ask(150)).toBeNull();
    expect(asker.signedOutCount).toBe(0);
  });

  it('stops answering once closed', async () => {
    fresh();
    tab(alice).close();
    expect(await tab().ask(150)).toBeNull();
  });

  it('checks the shape of a handed session', () => {
    expect(isHandedSession(alice)).toBe(true);
    expect(isHandedSession({ mode: 'aws', user: 'a@corp', tokens: {} })).toBe(true);
    expect(isHandedSession({ mode: 'aws', user: 'a@corp' })).toBe(false);
    expect(isHandedSession({ mode: 'local', user: 'x'.repeat(321) })).toBe(false);
    expect(isHandedSession(null)).toBe(false);
  });
});
