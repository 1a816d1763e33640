import type { SignInOutput } from 'aws-amplify/auth';
import { defaultStorage } from 'aws-amplify/utils';
import { describe, expect, it } from 'vitest';
import { cognitoSessionEntries, configureCognito, currentUser, forgetCognitoSession, nextStep, resumeCognitoSession } from './cognito-auth.ts';
import type { WebConfig } from './config.ts';

const output = (nextStep: unknown) => ({ isSignedIn: false, nextStep }) as SignInOutput;

describe('nextStep (what the sign-in form asks next)', () => {
  it('maps the steps of a TOTP-required user pool', () => {
    expect(nextStep(output({ signInStep: 'DONE' }), 'a@corp')).toEqual({ kind: 'done' });
    expect(nextStep(output({ signInStep: 'CONFIRM_SIGN_IN_WITH_TOTP_CODE' }), 'a@corp')).toEqual({ kind: 'totp-code' });
    expect(nextStep(output({ signInStep: 'CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED' }), 'a@corp')).toEqual({ kind: 'new-password' });
    expect(nextStep(output({ signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SELECTION', allowedMFATypes: ['TOTP'] }), 'a@corp')).toEqual({ kind: 'mfa-selection' });
    expect(nextStep(output({ signInStep: 'CONTINUE_SIGN_IN_WITH_MFA_SETUP_SELECTION', allowedMFATypes: ['TOTP', 'EMAIL'] }), 'a@corp')).toEqual({ kind: 'mfa-selection' });
  });

  it('gives TOTP set-up the shared secret and an otpauth link named for Apollo and the user', () => {
    const totpSetupDetails = { sharedSecret: 'JBSWY3DPEHPK3PXP', getSetupUri: (app: string, account?: string) => new URL(`otpauth://totp/${app}:${account}?secret=JBSWY3DPEHPK3PXP&issuer=${app}`) };
    expect(nextStep(output({ signInStep: 'CONTINUE_SIGN_IN_WITH_TOTP_SETUP', totpSetupDetails }), 'a@corp')).toEqual({
      kind: 'totp-setup', secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/Apollo:a@corp?secret=JBSWY3DPEHPK3PXP&issuer=Apollo',
    });
  });

  it('names a step the form does not handle rather than pretending', () => {
    expect(nextStep(output({ signInStep: 'CONFIRM_SIGN_IN_WITH_SMS_CODE' }), 'a@corp')).toEqual({ kind: 'unsupported', step: 'CONFIRM_SIGN_IN_WITH_SMS_CODE' });
  });
});

describe('a Cognito session handed to another tab', () => {
  const config = { mode: 'aws', region: 'eu-west-1', stage: 'prod', apiUrl: 'https://api.invalid', realtimeUrl: 'wss://ws.invalid', auth: { userPoolId: 'eu-west-1_AbCdEfGhI', userPoolClientId: 'client123', identityPoolId: 'eu-west-1:11111111-2222-3333-4444-555555555555' } } as WebConfig;
  const part = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const jwt = (payload: Record<string, unknown>) => `${part({ alg: 'RS256', kid: 'k' })}.${part(payload)}.c2lnbmF0dXJl`;
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const prefix = 'CognitoIdentityServiceProvider.client123';
  // What Amplify keeps for a signed-in user (the signature is never checked in the browser; these tokens are not expired, so nothing calls Cognito).
  const handed = {
    [`${prefix}.LastAuthUser`]: 'a1b2',
    [`${prefix}.a1b2.accessToken`]: jwt({ sub: 'a1b2', username: 'a1b2', exp, iat: exp - 3600, token_use: 'access' }),
    [`${prefix}.a1b2.idToken`]: jwt({ sub: 'a1b2', 'cognito:username': 'a1b2', email: 'alice@corp.example', exp, iat: exp - 3600, token_use: 'id' }),
    [`${prefix}.a1b2.refreshToken`]: 'opaque-refresh-token',
    [`${prefix}.a1b2.clockDrift`]: '0',
    [`${prefix}.a1b2.signInDetails`]: JSON.stringify({ loginId: 'alice@corp.example', authFlowType: 'USER_SRP_AUTH' }),
  };

  it('resumes from the entries the signed-in tab holds in memory, hands the same ones on, and forgets them', async () => {
    configureCognito(config);
    expect(cognitoSessionEntries()).toBeNull();
    expect(await currentUser()).toBeNull();

    expect(await resumeCognitoSession(handed)).toBe('alice@corp.example');
    expect(cognitoSessionEntries()).toEqual(handed);
    // Nothing reached Amplify's default storage (localStorage in a browser).
    for (const key of Object.keys(handed)) expect(await defaultStorage.getItem(key)).toBeNull();

    await forgetCognitoSession();
    expect(cognitoSessionEntries()).toBeNull();
    expect(await currentUser()).toBeNull();
  });

  it('refuses entries that hold no session', async () => {
    configureCognito(config);
    expect(await resumeCognitoSession({ [`${prefix}.LastAuthUser`]: 'a1b2' })).toBeNull();
    expect(cognitoSessionEntries()).toBeNull();
  });
});
