import type { SignInOutput } from 'aws-amplify/auth';
import { describe, expect, it } from 'vitest';
import { nextStep } from './cognito-auth.ts';

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
