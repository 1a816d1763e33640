import { Button, Callout, Card, Classes, Code, Elevation, FormGroup, InputGroup, NonIdealState, Spinner, Tag } from '@blueprintjs/core';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { WebConfig } from '../lib/config.ts';
import { issueLocalSession, listLocalUsers, type LocalUser } from '../lib/local-auth.ts';
import { useSession, useTheme, useUi } from '../lib/store.ts';
import type * as CognitoAuth from '../lib/cognito-auth.ts';
import type { SignInStep } from '../lib/cognito-auth.ts';

function SignInFrame({ children, subtitle }: { children: ReactNode; subtitle: ReactNode }) {
  const theme = useTheme();
  const toggleTheme = useUi((s) => s.toggleTheme);
  return (
    <div className="apollo-signin">
      <Button className="apollo-signin-theme" variant="minimal" icon={theme === 'dark' ? 'flash' : 'moon'} aria-label="Toggle theme" onClick={toggleTheme} />
      <Card elevation={Elevation.TWO} className="apollo-signin-card">
        <div className="apollo-signin-brand">
          <img src="/favicon.svg" alt="" width={40} height={40} />
          <div>
            <h1>Sign in to Apollo</h1>
            <p className={Classes.TEXT_MUTED}>{subtitle}</p>
          </div>
        </div>
        {children}
      </Card>
    </div>
  );
}

const ROLE_INTENT = { admin: 'danger', operator: 'warning', developer: 'primary', viewer: 'none' } as const;

function LocalSignIn() {
  const users = useQuery({ queryKey: ['local-users'], queryFn: listLocalUsers });
  const signedIn = useSession((s) => s.signedIn);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const choose = async (u: LocalUser) => {
    setBusy(u.user);
    setError(null);
    try {
      signedIn(u.user, await issueLocalSession(u.user));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  return (
    <SignInFrame subtitle="Local runtime: choose who you are. Credentials are short-lived and signed for that person's role.">
      {users.isPending && <div className="apollo-center"><Spinner size={24} /></div>}
      {users.isError && <Callout intent="danger" title="Could not list local users">{(users.error as Error).message}</Callout>}
      {error && <Callout intent="danger" icon="error" className="apollo-signin-error">{error}</Callout>}
      {users.data && users.data.length === 0 && <NonIdealState icon="people" title="No local users" description="Start the runtime once to seed the demo users." />}
      {users.data && users.data.length > 0 && (
        <ul className="apollo-signin-users" aria-label="People">
          {users.data.map((u) => {
            const unavailable = !u.enabled ? 'disabled' : !u.role ? 'no role' : null;
            return (
              <li key={u.user}>
                <button type="button" className="apollo-signin-user" disabled={unavailable !== null || busy !== null} onClick={() => void choose(u)} data-testid="sign-in-user" data-user={u.user}>
                  <span className="apollo-avatar" aria-hidden>{u.user.slice(0, 1).toUpperCase()}</span>
                  <span className="apollo-signin-user-text">
                    <span className="apollo-cell-strong">{u.user}</span>
                    <span className={`${Classes.TEXT_MUTED} apollo-small`}>{u.teams.length ? u.teams.map((t) => t.id).join(', ') : 'no team'}</span>
                  </span>
                  {busy === u.user ? <Spinner size={16} /> : <Tag minimal round intent={unavailable ? 'none' : ROLE_INTENT[u.role!]}>{unavailable ?? u.role}</Tag>}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </SignInFrame>
  );
}

function CognitoSignIn({ config }: { config: WebConfig }) {
  const signedIn = useSession((s) => s.signedIn);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [answer, setAnswer] = useState('');
  const [step, setStep] = useState<SignInStep | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: (c: typeof CognitoAuth) => Promise<SignInStep>) => {
    setBusy(true);
    setError(null);
    try {
      const cognito = await import('../lib/cognito-auth.ts');
      cognito.configureCognito(config);
      let next = await action(cognito);
      // MFA is TOTP for every web user: answer a selection at once.
      if (next.kind === 'mfa-selection') next = await cognito.answerChallenge('TOTP', username);
      if (next.kind === 'done') signedIn((await cognito.currentUser()) ?? username, null);
      else { setStep(next); setAnswer(''); }
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!step) void run((c) => c.startSignIn(username.trim(), password));
    else void run((c) => c.answerChallenge(answer.trim(), username));
  };
  return (
    <SignInFrame subtitle={`${config.stage} · ${config.region}. Multi-factor authentication (an authenticator app) is required.`}>
      <form onSubmit={submit} className="apollo-signin-form">
        {error && <Callout intent="danger" icon="error">{error}</Callout>}
        {!step && (
          <>
            <FormGroup label="Email" labelFor="si-user"><InputGroup id="si-user" type="email" autoComplete="username" value={username} onValueChange={setUsername} size="large" autoFocus /></FormGroup>
            <FormGroup label="Password" labelFor="si-pass"><InputGroup id="si-pass" type="password" autoComplete="current-password" value={password} onValueChange={setPassword} size="large" /></FormGroup>
          </>
        )}
        {step?.kind === 'totp-setup' && (
          <Callout intent="primary" icon="mobile-phone" title="Set up your authenticator app">
            <p>Add an account in your authenticator app with this key (or open the link on your phone), then enter the 6-digit code it shows.</p>
            <p><Code className="apollo-break">{step.secret}</Code></p>
            <p><a href={step.uri}>Open in authenticator</a></p>
          </Callout>
        )}
        {(step?.kind === 'totp-setup' || step?.kind === 'totp-code') && (
          <FormGroup label="Authenticator code" labelFor="si-code"><InputGroup id="si-code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9]{6}" value={answer} onValueChange={setAnswer} size="large" autoFocus /></FormGroup>
        )}
        {step?.kind === 'new-password' && (
          <FormGroup label="Choose a new password" labelFor="si-new" helperText="Your administrator created your account with a temporary password.">
            <InputGroup id="si-new" type="password" autoComplete="new-password" value={answer} onValueChange={setAnswer} size="large" autoFocus />
          </FormGroup>
        )}
        {step?.kind === 'unsupported' && <Callout intent="warning">This sign-in step ({step.step}) is not supported here; ask an admin.</Callout>}
        <Button type="submit" intent="primary" size="large" fill loading={busy} text={step ? 'Continue' : 'Sign in'} disabled={step?.kind === 'unsupported'} />
        {step && <Button variant="minimal" fill text="Start over" onClick={() => { setStep(null); setError(null); }} />}
      </form>
    </SignInFrame>
  );
}

export function SignInPage({ config }: { config: WebConfig }) {
  return config.mode === 'aws' ? <CognitoSignIn config={config} /> : <LocalSignIn />;
}
