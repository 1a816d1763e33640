/**
 * AWS sign-in (config mode `aws`): Amplify Auth against the Cognito user pool, MFA (TOTP) required
 * for every web user; identity-pool credentials from fetchAuthSession() sign every API call.
 * Amplify keeps its tokens in this tab's memory (not localStorage, its default): another tab continues
 * the session only when this one hands it over (session-handoff.ts), and closing the last tab forgets it.
 * Loaded only in AWS mode (dynamic import), so the local build path never pays for Amplify.
 */
import { Amplify } from 'aws-amplify';
import { confirmSignIn, fetchAuthSession, getCurrentUser, signIn, signOut, type SignInOutput } from 'aws-amplify/auth';
import { CognitoAWSCredentialsAndIdentityIdProvider, cognitoUserPoolsTokenProvider, DefaultIdentityIdStore } from 'aws-amplify/auth/cognito';
import type { KeyValueStorageInterface } from 'aws-amplify/utils';
import type { Credentials } from '../../../shared/api-client.ts';
import type { WebConfig } from './config.ts';

/** Amplify's key-value storage, held in this tab's memory only. */
export class TabMemoryStorage implements KeyValueStorageInterface {
  private readonly entries = new Map<string, string>();
  async setItem(key: string, value: string): Promise<void> { this.entries.set(key, value); }
  async getItem(key: string): Promise<string | null> { return this.entries.get(key) ?? null; }
  async removeItem(key: string): Promise<void> { this.entries.delete(key); }
  async clear(): Promise<void> { this.entries.clear(); }
  snapshot(): Record<string, string> { return Object.fromEntries(this.entries); }
  replaceWith(entries: Readonly<Record<string, string>>): void {
    this.entries.clear();
    for (const [key, value] of Object.entries(entries)) this.entries.set(key, value);
  }
}

const tabMemory = new TabMemoryStorage();
const credentialsProvider = new CognitoAWSCredentialsAndIdentityIdProvider(new DefaultIdentityIdStore(tabMemory));
let configured = false;

export function configureCognito(config: WebConfig): void {
  if (configured || !config.auth) return;
  const auth = { Cognito: { userPoolId: config.auth.userPoolId, userPoolClientId: config.auth.userPoolClientId, identityPoolId: config.auth.identityPoolId } };
  cognitoUserPoolsTokenProvider.setAuthConfig(auth);
  cognitoUserPoolsTokenProvider.setKeyValueStorage(tabMemory);
  Amplify.configure({ Auth: auth }, { Auth: { tokenProvider: cognitoUserPoolsTokenProvider, credentialsProvider } });
  configured = true;
}

/** What another tab needs to resume this session: Amplify's entries (tokens, sign-in details), or null when signed out. */
export function cognitoSessionEntries(): Record<string, string> | null {
  const entries = tabMemory.snapshot();
  return Object.keys(entries).some((key) => key.endsWith('.refreshToken') || key.endsWith('.accessToken')) ? entries : null;
}

/** Continues the session another tab handed over; the signed-in user's name, or null when the tokens do not hold one. */
export async function resumeCognitoSession(entries: Readonly<Record<string, string>>): Promise<string | null> {
  tabMemory.replaceWith(entries);
  await credentialsProvider.clearCredentials();
  const user = await currentUser();
  if (!user) await forgetCognitoSession();
  return user;
}

/** Forgets this tab's tokens and credentials without calling Cognito (another tab signed out, and revoked them). */
export async function forgetCognitoSession(): Promise<void> {
  await credentialsProvider.clearCredentialsAndIdentityId();
  tabMemory.replaceWith({});
}

/** What the sign-in form shows next. */
export type SignInStep =
  | { kind: 'done' }
  | { kind: 'totp-code' }
  | { kind: 'totp-setup'; secret: string; uri: string }
  | { kind: 'new-password' }
  | { kind: 'mfa-selection' }
  | { kind: 'unsupported'; step: string };

export function nextStep(output: SignInOutput, username: string): SignInStep {
  const step = output.nextStep;
  switch (step.signInStep) {
    case 'DONE':
      return { kind: 'done' };
    case 'CONFIRM_SIGN_IN_WITH_TOTP_CODE':
      return { kind: 'totp-code' };
    case 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP':
      return { kind: 'totp-setup', secret: step.totpSetupDetails.sharedSecret, uri: step.totpSetupDetails.getSetupUri('Apollo', username).toString() };
    case 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED':
      return { kind: 'new-password' };
    case 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION':
    case 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION':
      return { kind: 'mfa-selection' };
    default:
      return { kind: 'unsupported', step: step.signInStep };
  }
}

export async function startSignIn(username: string, password: string): Promise<SignInStep> {
  return nextStep(await signIn({ username, password }), username);
}

/** Answers the current challenge: a TOTP code, a new password, or `TOTP` for an MFA (setup) selection. */
export async function answerChallenge(answer: string, username: string): Promise<SignInStep> {
  return nextStep(await confirmSignIn({ challengeResponse: answer }), username);
}

/** The signed-in user's name (email), or null when nobody is signed in. */
export async function currentUser(): Promise<string | null> {
  try {
    const user = await getCurrentUser();
    return user.signInDetails?.loginId ?? user.username;
  } catch {
    return null;
  }
}

export async function cognitoCredentials(): Promise<Credentials> {
  const session = await fetchAuthSession();
  const c = session.credentials;
  if (!c) throw new Error('no identity-pool credentials: sign in again');
  return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration };
}

/** Fresh identity-pool credentials (the gateway refused the cached ones). */
export async function renewCognitoCredentials(): Promise<void> {
  await fetchAuthSession({ forceRefresh: true });
}

export async function cognitoSignOut(): Promise<void> {
  await signOut();
  await forgetCognitoSession();
}
