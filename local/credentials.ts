/**
 * Local credentials: one long-term key per Apollo role, created on first start and kept in
 * `$APOLLO_HOME/credentials.json` (mode 600), plus short-lived session credentials (one hour) that
 * the runtime issues to the local sign-in page, kept in `$APOLLO_HOME/sessions.json` so a restart
 * doesn't sign everyone out. Principal ARNs are shaped like real assumed-role ARNs.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLES, type Role } from '#shared/permissions';
import type { CredentialRecord } from './gateway/sigv4.ts';

export const LOCAL_ACCOUNT_ID = '000000000000';
export const SESSION_SECONDS = 3600;

export interface RoleCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly principalArn: string;
}

export type CredentialsFile = Record<Role, RoleCredential>;

export interface SessionCredential extends RoleCredential {
  readonly sessionToken: string;
  readonly expiration: string;
  readonly role: Role;
}

const capitalised = (role: Role): string => role[0]!.toUpperCase() + role.slice(1);
export const localPrincipal = (role: Role): string => `${role}@apollo.local`;
export const localPrincipalArn = (role: Role, session = localPrincipal(role)): string =>
  `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/Apollo${capitalised(role)}/${session}`;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const keyId = (prefix: 'AKIA' | 'ASIA'): string => prefix + Array.from(randomBytes(16), (b) => BASE32[b % 32]).join('');
const secret = (): string => randomBytes(30).toString('base64').replace(/[+/]/g, 'A');

function writePrivate(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

export class LocalCredentialStore {
  readonly roles: CredentialsFile;
  readonly created: boolean;
  private readonly sessions = new Map<string, SessionCredential>();
  private readonly sessionsPath: string | undefined;

  /** `home` undefined: in memory only (tests). */
  constructor(home: string | undefined) {
    const file = home && join(home, 'credentials.json');
    if (file && existsSync(file)) {
      this.roles = JSON.parse(readFileSync(file, 'utf8')) as CredentialsFile;
      this.created = false;
    } else {
      this.roles = Object.fromEntries(
        ROLES.map((role) => [role, { accessKeyId: keyId('AKIA'), secretAccessKey: secret(), principalArn: localPrincipalArn(role) }]),
      ) as CredentialsFile;
      if (file) writePrivate(file, this.roles);
      this.created = true;
    }
    this.sessionsPath = home && join(home, 'sessions.json');
    if (this.sessionsPath && existsSync(this.sessionsPath)) {
      for (const s of JSON.parse(readFileSync(this.sessionsPath, 'utf8')) as SessionCredential[]) {
        if (Date.parse(s.expiration) > Date.now()) this.sessions.set(s.accessKeyId, s);
      }
    }
  }

  /**
   * Short-lived credentials for a local principal (the local sign-in page): a session of the
   * Apollo<Role> role named after the person, as an SSO or identity-pool session would be.
   */
  issueSession(role: Role, principal: string = localPrincipal(role)): SessionCredential {
    const session: SessionCredential = {
      accessKeyId: keyId('ASIA'),
      secretAccessKey: secret(),
      sessionToken: randomBytes(48).toString('base64'),
      expiration: new Date(Date.now() + SESSION_SECONDS * 1000).toISOString(),
      principalArn: localPrincipalArn(role, principal),
      role,
    };
    for (const [id, s] of this.sessions) if (Date.parse(s.expiration) <= Date.now()) this.sessions.delete(id);
    this.sessions.set(session.accessKeyId, session);
    if (this.sessionsPath) writePrivate(this.sessionsPath, [...this.sessions.values()]);
    return session;
  }

  lookup = (accessKeyId: string): CredentialRecord | undefined => {
    const session = this.sessions.get(accessKeyId);
    if (session) return { ...session, expiration: new Date(session.expiration) };
    return Object.values(this.roles).find((c) => c.accessKeyId === accessKeyId);
  };
}
