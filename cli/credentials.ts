/**
 * The credentials a run signs with. AWS: the default Node chain (`fromNodeProviderChain`: env,
 * SSO, shared profiles, process, web identity, ECS and EC2 metadata), `--profile` or AWS_PROFILE picking a
 * profile. Local: the local runtime's role key from `$APOLLO_HOME/credentials.json`, or a short
 * session for a person in its directory (`--user`), asked of its loopback sign-in helper.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { CredentialProvider, Credentials } from '#shared/api-client';
import type { AuthConfig } from './config.ts';
import { CliError, EXIT } from './exit.ts';

export interface CredentialOptions {
  readonly endpoint: string;
  /** `--profile`: overrides the configured auth with that AWS profile. */
  readonly profile?: string;
  readonly fetch?: typeof fetch;
}

export function credentialProvider(auth: AuthConfig, options: CredentialOptions): CredentialProvider {
  if (options.profile || auth.kind === 'aws') return awsChain(options.profile ?? (auth.kind === 'aws' ? auth.profile : undefined));
  if (auth.user) return localSession(options.endpoint, auth.user, options.fetch ?? fetch);
  const file = join(auth.home, 'credentials.json');
  const role = auth.role;
  return async () => {
    if (!existsSync(file)) {
      throw new CliError(`no local credentials in ${file}`, EXIT.auth, 'start the local runtime once with `npm start` (it creates them), or run `apollo configure --local` where you run it');
    }
    const keys = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, { accessKeyId: string; secretAccessKey: string } | undefined>)[role];
    if (!keys) throw new CliError(`${file} has no key for the role ${role}`, EXIT.auth);
    return { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
  };
}

function awsChain(profile: string | undefined): CredentialProvider {
  const chain = fromNodeProviderChain(profile ? { profile } : {});
  return async () => {
    try {
      return await chain();
    } catch (error) {
      const where = profile ? `the profile ${profile}` : 'the default chain (AWS_* variables, AWS_PROFILE, ~/.aws/config and credentials, SSO, web identity, instance metadata)';
      throw new CliError(`no AWS credentials from ${where}: ${(error as Error).message}`, EXIT.auth, 'sign in (`aws sso login --profile …`) or pass --profile; `apollo configure --local` for the local runtime');
    }
  };
}

/** A session for `user` from the local runtime's sign-in helper (loopback only), kept until it expires. */
function localSession(endpoint: string, user: string, fetchFn: typeof fetch): CredentialProvider {
  let session: (Credentials & { expiration: Date }) | undefined;
  return async () => {
    if (session && session.expiration.getTime() - Date.now() > 60_000) return session;
    let res: Response;
    try {
      res = await fetchFn(`${endpoint.replace(/\/$/, '')}/local/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
    } catch (error) {
      throw new CliError(`nothing answers at ${endpoint} (${(error as Error).message})`, EXIT.failure, 'is the local runtime running? `npm start` in the checkout');
    }
    const body = (await res.json().catch(() => ({}))) as { accessKeyId?: string; secretAccessKey?: string; sessionToken?: string; expiration?: string; message?: string };
    if (!res.ok || !body.accessKeyId || !body.secretAccessKey) {
      throw new CliError(`the local runtime gave no session for ${user}: ${body.message ?? `HTTP ${res.status}`}`, res.status === 404 ? EXIT.notFound : EXIT.auth);
    }
    session = { accessKeyId: body.accessKeyId, secretAccessKey: body.secretAccessKey, sessionToken: body.sessionToken, expiration: new Date(body.expiration ?? Date.now() + 3_600_000) };
    return session;
  };
}
