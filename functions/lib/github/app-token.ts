/**
 * GitHub App authentication without a dependency: an RS256 JWT signed with node:crypto (issued 60 s
 * in the past for clock drift, valid 9 minutes: GitHub allows 10), exchanged for an installation
 * token, which is cached until five minutes before it expires.
 */
import { createSign } from 'node:crypto';

export function appJwt(appId: string | number, privateKey: string, now = Date.now()): string {
  const seconds = Math.floor(now / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ iat: seconds - 60, exp: seconds + 540, iss: String(appId) })}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
}

export interface InstallationToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** Whether a cached installation token is still good for at least five minutes. */
export const isFresh = (token: InstallationToken | undefined, now = Date.now()): token is InstallationToken =>
  token !== undefined && token.expiresAt - now > 5 * 60_000;
