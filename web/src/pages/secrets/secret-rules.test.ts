import { describe, expect, it } from 'vitest';
import type { Secret } from '../../../../schemas/types.gen.ts';
import {
  addressFromPath, CATEGORIES, CATEGORY_NOUN, complianceIntent, hrefOfSecretName, complianceRows, createBody, createProblems, dueText, filtersFromSearch, groupSecrets, percentText, powersOf, recoveryProblem, detailsChanges, detailsFormOf, detailsProblems,
  rollbackBlocked, rotatesItself, searchOf, secretHref, tabFromSearch, visibleCharacters, withoutMasked, type CreateForm,
} from './secret-rules.ts';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const DAY = 86_400_000;

function secret(over: Partial<Secret> = {}): Secret {
  const environment = over.environment ?? 'prod';
  const service = over.service ?? 'auth-service';
  const name = over.name ?? 'jwt-signing-key';
  return {
    environment, service, name, secretName: `apollo/${environment}/${service}/${name}`, category: 'internal', description: '', owner: 'platform',
    rotationDays: 30, rotationPolicy: 'every 30 days (internal)', expiresAt: null, createdAt: '2026-01-01T00:00:00Z', lastChangedAt: '2026-11-01T00:00:00Z',
    lastRotatedAt: '2026-11-01T00:00:00Z', lastAccessedAt: '2026-12-04T00:00:00Z', nextRotationDue: '2026-12-01T00:00:00Z', status: 'ok', statusReason: '',
    deletionDate: null, rotationLambda: false, currentVersionId: 'v2', referencedBy: [], production: environment === 'prod',
    ...over,
  };
}

const form = (over: Partial<CreateForm> = {}): CreateForm => ({
  environment: 'prod', service: 'auth-service', name: 'db-password', category: 'database', generate: false, hasValue: true, owner: '', rotationDays: '', description: '', expiresAt: '', ...over,
});

describe('the list URL', () => {
  it('reads the filters the API takes and drops the rest', () => {
    // Prepare
    const search = '?environment=prod&service=auth-service&category=internal&due=overdue&owner=x&tab=expiring';
    // Act / Assess
    expect(filtersFromSearch(search)).toEqual({ environment: 'prod', service: 'auth-service', category: 'internal', due: 'overdue' });
    expect(filtersFromSearch('?environment=Prod&service=-bad&category=password&due=late')).toEqual({});
    expect(filtersFromSearch('?due=scheduled-deletion')).toEqual({ due: 'scheduled-deletion' });
  });

  it('keeps the tab, the list being the default', () => {
    expect(tabFromSearch('?tab=expiring')).toBe('expiring');
    expect(tabFromSearch('?tab=audit')).toBe('audit');
    expect(tabFromSearch('?tab=nope')).toBe('list');
    expect(searchOf('list', {})).toBe('');
    expect(searchOf('expiring', { environment: 'prod' })).toBe('?tab=expiring&environment=prod');
    expect(searchOf('list', { due: 'overdue', environment: 'dev' })).toBe('?environment=dev&due=overdue');
  });
});

describe('a secret address', () => {
  it('goes to its page and back', () => {
    const href = secretHref({ environment: 'prod', service: 'auth-service', name: 'jwt.signing_key-2' });
    expect(href).toBe('/secrets/prod/auth-service/jwt.signing_key-2');
    expect(addressFromPath(href)).toEqual({ environment: 'prod', service: 'auth-service', name: 'jwt.signing_key-2' });
  });

  it('opens from its name in the store', () => {
    expect(hrefOfSecretName('apollo/prod/core-service/db-password')).toBe('/secrets/prod/core-service/db-password');
    expect(hrefOfSecretName('apollo/prod/core-service')).toBeNull();
    expect(hrefOfSecretName('other/prod/core-service/db-password')).toBeNull();
  });

  it('is not one for other paths or names the API would refuse', () => {
    expect(addressFromPath('/secrets')).toBeNull();
    expect(addressFromPath('/secrets/prod/auth-service')).toBeNull();
    expect(addressFromPath('/secrets/prod/auth-service/a/b')).toBeNull();
    expect(addressFromPath('/secrets/PROD/auth-service/key')).toBeNull();
    expect(addressFromPath('/secrets/prod/auth-service/.hidden')).toBeNull();
    expect(addressFromPath('/secrets/prod/auth-service/%E0%A4%A')).toBeNull();
  });
});

describe('the tree', () => {
  it('puts production first, services by name, the worst secrets first', () => {
    // Prepare
    const items = [
      secret({ environment: 'dev', service: 'core-service', name: 'db-password', category: 'database' }),
      secret({ environment: 'prod', service: 'core-service', name: 'a-key', status: 'ok' }),
      secret({ environment: 'prod', service: 'core-service', name: 'z-key', status: 'overdue' }),
      secret({ environment: 'prod', service: 'auth-service', name: 'jwt-signing-key', status: 'unused', simulated: true }),
      secret({ environment: 'staging', service: 'core-service', name: 'db-password', status: 'due-soon' }),
    ];
    // Act
    const groups = groupSecrets(items);
    // Assess
    expect(groups.map((g) => g.environment)).toEqual(['prod', 'staging', 'dev']);
    const prod = groups[0]!;
    expect(prod).toMatchObject({ production: true, simulated: true, count: 3, attention: 2, byStatus: { ok: 1, overdue: 1, unused: 1 } });
    expect(prod.services.map((s) => s.service)).toEqual(['auth-service', 'core-service']);
    expect(prod.services[1]!.secrets.map((s) => s.name)).toEqual(['z-key', 'a-key']);
    expect(groups[2]).toMatchObject({ production: false, simulated: false, attention: 0 });
  });

  it('is empty for no secrets', () => {
    expect(groupSecrets([])).toEqual([]);
  });
});

describe('when a rotation is due', () => {
  it('says it in days', () => {
    const at = (days: number) => new Date(NOW + days * DAY).toISOString();
    expect(dueText(secret({ nextRotationDue: at(12) }), NOW)).toBe('in 12 days');
    expect(dueText(secret({ nextRotationDue: at(1) }), NOW)).toBe('tomorrow');
    expect(dueText(secret({ nextRotationDue: at(0) }), NOW)).toBe('today');
    expect(dueText(secret({ nextRotationDue: at(-1) }), NOW)).toBe('1 day overdue');
    expect(dueText(secret({ nextRotationDue: at(-4) }), NOW)).toBe('4 days overdue');
  });

  it('says why there is no date', () => {
    expect(dueText(secret({ nextRotationDue: null, category: 'certificate' }), NOW)).toBe('before it expires');
    expect(dueText(secret({ nextRotationDue: null, category: 'oauth', rotationDays: null }), NOW)).toBe('on compromise only');
    expect(dueText(secret({ status: 'scheduled-deletion' }), NOW)).toBe('not while scheduled for deletion');
  });
});

describe('values never shown', () => {
  it('counts what a masked form shows', () => {
    expect(visibleCharacters('••••abcd')).toBe(4);
    expect(visibleCharacters('••••')).toBe(0);
    expect(visibleCharacters('••••abcdef')).toBe(6);
  });

  it('drops the masked value from metadata kept in the cache', () => {
    const copy = withoutMasked(secret({ masked: '••••abcd' }));
    expect('masked' in copy).toBe(false);
    expect(copy.name).toBe('jwt-signing-key');
  });

  it('knows which secrets make their own new value', () => {
    expect(rotatesItself({ category: 'internal', rotationLambda: false })).toBe(true);
    expect(rotatesItself({ category: 'database', rotationLambda: true })).toBe(true);
    expect(rotatesItself({ category: 'api-key', rotationLambda: false })).toBe(false);
  });

  it('names a category as a sentence says it', () => {
    expect(CATEGORIES.map((c) => `${CATEGORY_NOUN[c]} secret`)).toEqual(['A database secret', 'An API key secret', 'An OAuth secret', 'An internal secret', 'A certificate secret']);
  });
});

describe('rolling back', () => {
  const version = (stages: string[]) => ({ versionId: 'v1', stages, createdAt: null, createdBy: null });
  it('is possible to an earlier version only', () => {
    expect(rollbackBlocked(version(['AWSPREVIOUS']), secret())).toBeNull();
    expect(rollbackBlocked(version([]), secret())).toBeNull();
    expect(rollbackBlocked(version(['AWSCURRENT']), secret())).toMatch(/current/);
    expect(rollbackBlocked(version(['AWSPENDING']), secret())).toMatch(/rotation/);
    expect(rollbackBlocked(version(['AWSPREVIOUS']), secret({ status: 'scheduled-deletion' }))).toMatch(/Restore/);
  });
});

describe('the create form', () => {
  it('accepts a typed value or a generated one', () => {
    expect(createProblems(form())).toEqual({});
    expect(createProblems(form({ generate: true, hasValue: false, owner: 'platform', rotationDays: '60' }))).toEqual({});
  });

  it('says what is wrong, field by field', () => {
    expect(createProblems(form({ environment: '', service: 'Bad', name: '-x', hasValue: false, owner: 'a b', rotationDays: '0' }))).toEqual({
      environment: expect.any(String), service: expect.any(String), name: expect.any(String), value: expect.any(String), owner: expect.any(String), rotationDays: expect.any(String),
    });
    expect(createProblems(form({ rotationDays: '3651' }))).toHaveProperty('rotationDays');
    expect(createProblems(form({ rotationDays: '1.5' }))).toHaveProperty('rotationDays');
  });

  it('sends the value only when not generating, and only what was filled in', () => {
    expect(createBody(form({ owner: ' platform ', rotationDays: '90', description: ' DB ' }), 's3cret')).toEqual({ category: 'database', value: 's3cret', owner: 'platform', rotationDays: 90, description: 'DB' });
    expect(createBody(form({ generate: true, category: 'internal' }), 'typed-then-switched')).toEqual({ category: 'internal', generate: true });
  });

  it('needs an expiry for a certificate, and sends it as midnight UTC', () => {
    expect(createProblems(form({ category: 'certificate' }))).toEqual({ expiresAt: expect.stringMatching(/certificate/) });
    expect(createProblems(form({ category: 'certificate', expiresAt: '2027-13-45' }))).toHaveProperty('expiresAt');
    expect(createProblems(form({ category: 'certificate', expiresAt: '2027-03-01' }))).toEqual({});
    expect(createBody(form({ category: 'certificate', expiresAt: '2027-03-01' }), 'pem')).toEqual({ category: 'certificate', value: 'pem', expiresAt: '2027-03-01T00:00:00.000Z' });
  });

  it('checks the recovery window', () => {
    expect(recoveryProblem('7')).toBeNull();
    expect(recoveryProblem('30')).toBeNull();
    expect(recoveryProblem('6')).not.toBeNull();
    expect(recoveryProblem('31')).not.toBeNull();
    expect(recoveryProblem('ten')).not.toBeNull();
  });
});

describe('compliance', () => {
  it('shapes the history for the chart', () => {
    const rows = complianceRows([{ date: '2026-12-04', total: 3, onSchedule: 2, percent: 66.6667 }, { date: '2026-12-05', total: 0, onSchedule: 0, percent: null }]);
    expect(rows.map((r) => [r.date, r.percent, r.total])).toEqual([['2026-12-04', 66.7, 3], ['2026-12-05', null, 0]]);
    expect(rows[0]!.label).toMatch(/4/);
  });

  it('says the figure and how far it is from the 100 % target', () => {
    expect(percentText(null)).toBe('—');
    expect(percentText(87.55)).toBe('87.6\u00a0%');
    expect(complianceIntent(100)).toBe('success');
    expect(complianceIntent(95)).toBe('warning');
    expect(complianceIntent(50)).toBe('danger');
    expect(complianceIntent(null)).toBe('none');
  });
});

describe("what a role allows", () => {
  it('gives admins every power, operators every service, developers their teams\' metadata', () => {
    expect(powersOf('admin')).toEqual({ metadata: true, write: true, reveal: true, all: true, audit: true });
    expect(powersOf('operator')).toEqual({ metadata: true, write: false, reveal: false, all: true, audit: false });
    expect(powersOf('developer')).toEqual({ metadata: true, write: false, reveal: false, all: false, audit: false });
    expect(powersOf('viewer')).toEqual({ metadata: false, write: false, reveal: false, all: false, audit: false });
    expect(powersOf(undefined)).toEqual({ metadata: false, write: false, reveal: false, all: false, audit: false });
  });
});

describe('editing the details', () => {
  it('sends only what changed; emptied rotation and expiry go back to none', () => {
    // Prepare
    const before = detailsFormOf(secret({ owner: 'platform', rotationDays: 60, description: 'JWT', expiresAt: '2027-01-01T00:00:00.000Z' }));
    // Act / Assess
    expect(before).toEqual({ owner: 'platform', rotationDays: '60', description: 'JWT', expiresAt: '2027-01-01' });
    expect(detailsChanges(before, before)).toBeNull();
    expect(detailsChanges(before, { ...before, owner: ' payments ' })).toEqual({ owner: 'payments' });
    expect(detailsChanges(before, { ...before, rotationDays: '', expiresAt: '' })).toEqual({ rotationDays: null, expiresAt: null });
    expect(detailsChanges(before, { ...before, rotationDays: '14', expiresAt: '2027-02-01', description: 'JWT signing' }))
      .toEqual({ rotationDays: 14, expiresAt: '2027-02-01T00:00:00.000Z', description: 'JWT signing' });
    expect(detailsChanges(before, { ...before, owner: '' })).toBeNull();
  });

  it("leaves the rotation empty when it is the category's policy", () => {
    expect(detailsFormOf(secret({ category: 'internal', rotationDays: 30 })).rotationDays).toBe('');
    expect(detailsFormOf(secret({ category: 'database', rotationDays: 30 })).rotationDays).toBe('30');
    expect(detailsFormOf(secret({ category: 'oauth', rotationDays: null })).rotationDays).toBe('');
  });

  it('checks the fields', () => {
    expect(detailsProblems({ owner: 'a b', rotationDays: '0', description: '', expiresAt: '' }, 'certificate')).toEqual({
      owner: expect.any(String), rotationDays: expect.any(String), expiresAt: expect.any(String),
    });
    expect(detailsProblems({ owner: '', rotationDays: '', description: '', expiresAt: '' }, 'oauth')).toEqual({});
  });
});
