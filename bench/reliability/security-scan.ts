/**
 * The security sweep's scanner: every secret a local runtime holds (read from its APOLLO_HOME as an attacker with
 * the disk would, and from what it told its parent), and a search of captured text for them and for what looks like
 * a credential whatever its value (an AWS key id beside a secret key, an Authorization header's value, a GitHub or
 * Anthropic token, a private key).
 */
import { createDecipheriv } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KnownSecret {
  /** Where it comes from, for the finding (`integration secret dns_api_token`), never the value. */
  readonly name: string;
  readonly value: string;
}

export interface Finding {
  /** What was found (`integration secret dns_api_token`, `an Authorization header`). */
  readonly what: string;
  /** Where (`GET /api/v1/audit 200 body`, `log line 1234`). */
  readonly where: string;
}

/** Shorter values (a 4-character suffix shown on purpose, `true`) would match by chance. */
const MIN_SECRET_LENGTH = 8;

/** Every version's value in the LOCAL secret store (`secrets.json`, AES-256-GCM under `secrets.key`; local-store.ts). */
function localStoreValues(home: string): KnownSecret[] {
  const file = join(home, 'secrets.json');
  const keyFile = join(home, 'secrets.key');
  if (!existsSync(file) || !existsSync(keyFile)) return [];
  const key = readFileSync(keyFile);
  const state = JSON.parse(readFileSync(file, 'utf8')) as { secrets: Record<string, { name: string; versions: Array<{ versionId: string; iv: string; tag: string; data: string }> }> };
  const found: KnownSecret[] = [];
  for (const secret of Object.values(state.secrets)) {
    for (const v of secret.versions) {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(v.iv, 'base64'));
      decipher.setAAD(Buffer.from(`${secret.name}\n${v.versionId}`, 'utf8'));
      decipher.setAuthTag(Buffer.from(v.tag, 'base64'));
      const value = Buffer.concat([decipher.update(Buffer.from(v.data, 'base64')), decipher.final()]).toString('utf8');
      found.push({ name: `secret ${secret.name} (version ${v.versionId.slice(0, 8)})`, value });
      // A JSON secret (a database's) holds its fields' values too.
      try {
        const fields = JSON.parse(value) as unknown;
        if (fields && typeof fields === 'object') {
          for (const [field, inner] of Object.entries(fields)) if (typeof inner === 'string') found.push({ name: `secret ${secret.name} field ${field}`, value: inner });
        }
      } catch {
        // not JSON
      }
    }
  }
  return found;
}

/** The secrets of a local runtime's home: role keys, the integration secrets, the GitHub webhook secret, the secret store. */
export function secretsOfHome(home: string): KnownSecret[] {
  const found: KnownSecret[] = [];
  const roles = JSON.parse(readFileSync(join(home, 'credentials.json'), 'utf8')) as Record<string, { secretAccessKey: string }>;
  for (const [role, c] of Object.entries(roles)) found.push({ name: `the ${role} role's secret access key`, value: c.secretAccessKey });
  const sessions = join(home, 'sessions.json');
  if (existsSync(sessions)) {
    for (const s of JSON.parse(readFileSync(sessions, 'utf8')) as Array<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }>) {
      found.push({ name: `session ${s.accessKeyId}'s secret access key`, value: s.secretAccessKey }, { name: `session ${s.accessKeyId}'s session token`, value: s.sessionToken });
    }
  }
  const integration = join(home, 'integration-secrets.json');
  if (existsSync(integration)) {
    for (const [name, value] of Object.entries(JSON.parse(readFileSync(integration, 'utf8')) as Record<string, unknown>)) {
      if (typeof value === 'string') found.push({ name: `integration secret ${name}`, value });
    }
  }
  const webhook = join(home, 'github-webhook-secret');
  if (existsSync(webhook)) found.push({ name: 'the GitHub webhook secret', value: readFileSync(webhook, 'utf8').trim() });
  found.push(...localStoreValues(home));
  return found;
}

/** Credentials by their shape, whatever their value. */
const PATTERNS: ReadonlyArray<{ what: string; pattern: RegExp }> = [
  { what: 'an Authorization header with its value', pattern: /authorization["']?\s*[:=]\s*["']?\s*(bearer|basic|token|aws4-hmac-sha256)\s+[A-Za-z0-9._~+/=-]{8,}/i },
  { what: 'an X-Amz-Security-Token value', pattern: /x-amz-security-token["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{20,}/i },
  { what: 'a GitHub token', pattern: /\b(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})\b/ },
  { what: 'an Anthropic API key', pattern: /\bsk-ant-[A-Za-z0-9_-]{16,}/ },
  { what: 'a Slack token', pattern: /\bxox[abpr]-[A-Za-z0-9-]{10,}/ },
  { what: 'a private key', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
];

/**
 * A key id alone names a key (CloudTrail logs it); followed closely by a 40-character string of a secret key's
 * alphabet with upper and lower case letters in it (a Git SHA or a hex digest has no capitals), it is a credential.
 */
function keyIdWithSecret(text: string): boolean {
  for (const match of text.matchAll(/\b(AKIA|ASIA)[A-Z2-7]{16}\b/g)) {
    const after = text.slice(match.index + match[0].length, match.index + match[0].length + 200);
    for (const candidate of after.match(/(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g) ?? []) {
      if (/[A-Z]/.test(candidate) && /[a-z]/.test(candidate)) return true;
    }
  }
  return false;
}

/** Every known value and every credential-shaped string in `text`. */
export function scan(text: string, where: string, known: readonly KnownSecret[]): Finding[] {
  const findings: Finding[] = [];
  for (const secret of known) {
    if (secret.value.length >= MIN_SECRET_LENGTH && text.includes(secret.value)) findings.push({ what: secret.name, where });
  }
  for (const { what, pattern } of PATTERNS) if (pattern.test(text)) findings.push({ what, where });
  if (keyIdWithSecret(text)) findings.push({ what: 'an AWS access key id beside a secret key', where });
  return findings;
}

/** The known values, deduplicated (a value under two names is reported under the first). */
export function distinct(secrets: readonly KnownSecret[]): KnownSecret[] {
  const seen = new Set<string>();
  return secrets.filter((s) => s.value.length >= MIN_SECRET_LENGTH && !seen.has(s.value) && seen.add(s.value));
}
