/**
 * Local sign-in (config mode `local`): the runtime lists its directory's people on loopback and
 * issues one-hour session credentials for the role a person has there now. No long-lived key ever
 * reaches the browser.
 */
import type { Credentials } from '../../../shared/api-client.ts';
import { useSession, type StoredCredentials } from './store.ts';

export interface LocalUser {
  readonly user: string;
  readonly role: 'viewer' | 'developer' | 'operator' | 'admin' | null;
  readonly enabled: boolean;
  readonly teams: ReadonlyArray<{ id: string; role: string }>;
}

async function json<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => ({}))) as T & { message?: string };
  if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
  return body;
}

export async function listLocalUsers(): Promise<LocalUser[]> {
  const body = await json<{ items: LocalUser[] }>(await fetch('/local/users', { headers: { accept: 'application/json' } }));
  return body.items;
}

export async function issueLocalSession(user: string): Promise<StoredCredentials> {
  const response = await fetch('/local/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
  const body = await json<StoredCredentials>(response);
  return { accessKeyId: body.accessKeyId, secretAccessKey: body.secretAccessKey, sessionToken: body.sessionToken, expiration: body.expiration };
}

const REFRESH_BEFORE_MS = 5 * 60_000;

/** Credentials for the signing clients; renewed (for the user's current role) shortly before they expire. */
export async function localCredentials(): Promise<Credentials> {
  const { user, credentials } = useSession.getState();
  if (!user) throw new Error('not signed in');
  let current = credentials;
  if (!current || (current.expiration && Date.parse(current.expiration) - Date.now() < REFRESH_BEFORE_MS)) {
    current = await issueLocalSession(user);
    useSession.getState().setCredentials(current);
  }
  return { ...current, expiration: current.expiration ? new Date(current.expiration) : undefined };
}

/** New session credentials for the signed-in person (the old ones were refused). */
export async function renewLocalCredentials(): Promise<void> {
  const { user } = useSession.getState();
  if (!user) throw new Error('not signed in');
  useSession.getState().setCredentials(await issueLocalSession(user));
}
