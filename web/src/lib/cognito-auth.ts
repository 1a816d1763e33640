/**
 * AWS sign-in (config mode `aws`): Amplify Auth against the Cognito user pool, MFA (TOTP) required
 * for every web user; identity-pool credentials from fetchAuthSession() sign every API call.
 * Loaded only in AWS mode (dynamic import), so the local build path never pays for Amplify.
 */
import { Amplify } from 'aws-amplify';
import { confirmSignIn, fetchAuthSession, getCurrentUser, signIn, signOut, type SignInOutput } from 'aws-amplify/auth';
import type { Credentials } from '../../../shared/api-client.ts';
import type { WebConfig } from './config.ts';

let configured = false;

export function configureCognito(config: WebConfig): void {
  if (configured || !config.auth) return;
  Amplify.configure({
    Auth: { Cognito: { userPoolId: config.auth.userPoolId, userPoolClientId: config.auth.userPoolClientId, identityPoolId: config.auth.identityPoolId } },
  });
  configured = true;
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
}
