import { describe, expect, it } from 'vitest';
import type { Secret } from '../../../../schemas/types.gen.ts';
import { addressOf, attentionOf, attentionText, listKey, listsNamed, needsList, resolveReferences, secretPath, tagOf, type SecretReference } from './secret-references.ts';

const where = { environment: 'prod', service: 'core-service' };

const secret = (name: string, status: Secret['status'], statusReason: string) =>
  ({ environment: 'prod', service: 'core-service', name, secretName: `apollo/prod/core-service/${name}`, status, statusReason });

const refs: SecretReference[] = [
  { name: 'DB_PASSWORD', secretId: 'apollo/prod/core-service/db-password', key: 'password' },
  { name: 'DB_USER', secretId: 'apollo/prod/core-service/db-password', key: 'username' },
  { name: 'REDIS_AUTH', secretId: 'apollo/prod/core-service/redis-auth' },
  { name: 'KAFKA_KEY', secretId: 'apollo/prod/core-service/kafka-key' },
  { name: 'SHARED_TOKEN', secretId: 'apollo/prod/auth-service/shared-token' },
  { name: 'VAULT_TOKEN', secretId: 'vault:kv/core/token' },
];

const list = [
  secret('db-password', 'overdue', 'last changed 120 days ago; the policy is every 90 days (database)'),
  secret('redis-auth', 'ok', 'rotated 20 days ago; next due in 70 days'),
  secret('paypal-key', 'unused', 'not read for 100 days'),
];

describe('secret references', () => {
  it('reads apollo/<env>/<service>/<name> as an address and anything else as not Apollo’s', () => {
    expect(addressOf('apollo/prod/core-service/db-password')).toEqual({ environment: 'prod', service: 'core-service', name: 'db-password' });
    expect(addressOf('apollo/dev/a1/tls.cert_v2')).toEqual({ environment: 'dev', service: 'a1', name: 'tls.cert_v2' });
    for (const id of ['vault:kv/core/token', 'apollo/prod/core-service', 'apollo/prod/core-service/db/password', 'apollo/Prod/core-service/x', 'arn:aws:secretsmanager:us-east-1:1:secret:apollo/prod/core-service/x', ' apollo/prod/core-service/x', 'apollo/prod/-core/x']) {
      expect(addressOf(id), id).toBeNull();
    }
    expect(secretPath({ environment: 'prod', service: 'core-service', name: 'db-password' })).toBe('/secrets/prod/core-service/db-password');
  });

  it('fetches the list only where a reference names this service’s secret in this environment', () => {
    expect(needsList(refs, where)).toBe(true);
    expect(needsList(refs.slice(4), where)).toBe(false);
    expect(needsList([], where)).toBe(false);
  });

  it('resolves each reference, in order, to its status, missing, another’s, or not managed', () => {
    const resolved = resolveReferences(refs, where, list, true);
    expect(resolved.map((r) => [r.reference.name, r.kind, r.kind === 'found' ? r.secret.status : undefined])).toEqual([
      ['DB_PASSWORD', 'found', 'overdue'],
      ['DB_USER', 'found', 'overdue'],
      ['REDIS_AUTH', 'found', 'ok'],
      ['KAFKA_KEY', 'missing', undefined],
      ['SHARED_TOKEN', 'elsewhere', undefined],
      ['VAULT_TOKEN', 'unmanaged', undefined],
    ]);
    expect(resolved.map(tagOf)).toEqual([
      { label: 'overdue', intent: 'danger', minimal: false, reason: 'last changed 120 days ago; the policy is every 90 days (database)', status: 'overdue' },
      { label: 'overdue', intent: 'danger', minimal: false, reason: 'last changed 120 days ago; the policy is every 90 days (database)', status: 'overdue' },
      { label: 'ok', intent: 'success', minimal: false, reason: 'rotated 20 days ago; next due in 70 days', status: 'ok' },
      { label: 'missing', intent: 'danger', minimal: false, reason: 'No secret named apollo/prod/core-service/kafka-key in prod: create it, or fix the reference', status: 'missing' },
      { label: 'auth-service · prod', intent: 'none', minimal: true, reason: "Another service's or environment's secret: its status shows on its own page", status: 'elsewhere' },
      { label: 'not managed by Apollo', intent: 'none', minimal: true, reason: 'Not of the form apollo/<env>/<service>/<name>: Apollo neither keeps nor checks it', status: 'unmanaged' },
    ]);
  });

  it('judges a shared secret (another service\'s or environment\'s) against its own list when that was read', () => {
    expect(listsNamed(refs)).toEqual([{ environment: 'prod', service: 'core-service' }, { environment: 'prod', service: 'auth-service' }]);
    const shared = { ...secret('shared-token', 'overdue', 'overdue by 3 days'), service: 'auth-service', secretName: 'apollo/prod/auth-service/shared-token' };
    const read = (secrets: typeof list, visible: boolean) => new Map([[listKey({ environment: 'prod', service: 'auth-service' }), { secrets, visible }]]);
    const sharedRef = (others: ReturnType<typeof read>) => resolveReferences(refs, where, list, true, others).find((r) => r.reference.name === 'SHARED_TOKEN')!;
    expect(sharedRef(read([shared], false))).toMatchObject({ kind: 'found', address: { service: 'auth-service', name: 'shared-token' }, secret: { status: 'overdue', statusReason: 'overdue by 3 days' } });
    // Whoever sees every service's secrets: not in the list is missing; else an empty list proves nothing.
    expect(sharedRef(read([], true)).kind).toBe('missing');
    expect(sharedRef(read([], false)).kind).toBe('hidden');
    expect(sharedRef(new Map()).kind).toBe('elsewhere');
    // The page's flag counts it.
    expect(attentionOf([{ environment: 'prod', references: resolveReferences(refs, where, list, true, read([shared], true)) }]).lines).toContain('prod: SHARED_TOKEN (apollo/prod/auth-service/shared-token) overdue');
  });

  it('colours every status as the secrets pages do: due soon orange, unused grey, scheduled deletion red', () => {
    const statuses: Secret['status'][] = ['ok', 'due-soon', 'overdue', 'unused', 'scheduled-deletion'];
    const resolved = resolveReferences(statuses.map((s) => ({ name: s, secretId: `apollo/prod/core-service/${s}` })), where, statuses.map((s) => secret(s, s, `because ${s}`)), true);
    expect(resolved.map(tagOf).map((t) => [t.label, t.intent, t.minimal])).toEqual([
      ['ok', 'success', false], ['due soon', 'warning', false], ['overdue', 'danger', false], ['unused', 'none', true], ['scheduled deletion', 'danger', false],
    ]);
  });

  it('says “not visible”, not “missing”, when the caller cannot see the service’s secrets and the list came back empty', () => {
    const resolved = resolveReferences(refs, where, [], false);
    expect(resolved.map((r) => r.kind)).toEqual(['hidden', 'hidden', 'hidden', 'hidden', 'elsewhere', 'unmanaged']);
    expect(attentionOf([{ environment: 'prod', references: resolved }])).toEqual({ count: 0, lines: [] });
    // Whoever may see them: an empty list means the secrets do not exist.
    expect(resolveReferences(refs.slice(0, 1), where, [], true).map((r) => r.kind)).toEqual(['missing']);
    // A list that did come back is believed.
    expect(resolveReferences(refs.slice(0, 1), where, list, false).map((r) => r.kind)).toEqual(['found']);
  });

  it('counts the distinct secrets missing or overdue across environments, and only those', () => {
    const prod = resolveReferences(refs, where, list, true);
    const staging = resolveReferences(
      [{ name: 'DB_PASSWORD', secretId: 'apollo/staging/core-service/db-password' }, { name: 'REDIS_AUTH', secretId: 'apollo/staging/core-service/redis-auth' }],
      { environment: 'staging', service: 'core-service' },
      [{ ...secret('db-password', 'due-soon', 'due in 5 days'), environment: 'staging', secretName: 'apollo/staging/core-service/db-password' },
        { ...secret('redis-auth', 'scheduled-deletion', 'deleted on 1 Jan'), environment: 'staging', secretName: 'apollo/staging/core-service/redis-auth' }],
      true,
    );
    expect(attentionOf([{ environment: 'prod', references: prod }, { environment: 'staging', references: staging }])).toEqual({
      count: 2,
      lines: [
        'prod: DB_PASSWORD (apollo/prod/core-service/db-password) overdue',
        'prod: KAFKA_KEY (apollo/prod/core-service/kafka-key) missing',
      ],
    });
    expect(attentionText(2)).toBe('2 secrets need attention');
    expect(attentionText(1)).toBe('1 secret needs attention');
  });
});
