import { describe, expect, it } from 'vitest';
import type { DeploymentFreeze, Me } from '../../../../schemas/types.gen.ts';
import type { SafeguardCheck } from './deployment-rules.ts';
import {
  checkFreeze, checkWindow, choicesBody, freezeBodyOf, freezeFieldOf, freezeScopeText, governAllowance, hardBlock, mayOverrideWindow, NO_CHOICES, queuedText,
  reasonProblem, recordedChoices, refusalReasons, sortFreezes, wantsOverride, windowBodyOf, windowFieldOf, windowNowText, windowValuesOf, zonedTime, zoneInReason,
  type FreezeValues, type WindowValues,
} from './safeguard-rules.ts';

const me = (role: Me['role'], permissions: string[]): Pick<Me, 'role' | 'permissions'> => ({ role, permissions });
const admin = me('admin', ['deployments:read', 'deployments:govern', 'deployments:policy']);
const operator = me('operator', ['deployments:read', 'deployments:policy']);

describe('who governs freezes and windows', () => {
  it('reads the route table: deployments:govern, which admins hold', () => {
    expect(governAllowance(admin)).toEqual({ allowed: true, needs: 'deployments:govern', why: '' });
    expect(governAllowance(operator)).toEqual({
      allowed: false, needs: 'deployments:govern', why: 'Freezes and windows need deployments:govern; your role operator does not have it (admin does).',
    });
    expect(governAllowance(undefined).allowed).toBe(false);
    expect(mayOverrideWindow(admin)).toBe(true);
    expect(mayOverrideWindow(operator)).toBe(false);
  });
});

const NOW = Date.parse('2026-12-01T10:00:00.000Z');
const freeze = (over: Partial<DeploymentFreeze>): DeploymentFreeze => ({
  id: '01JFREEZE0000000000000000A', scope: 'org', team: null, environments: [], reason: 'Year end', startsAt: '2026-12-01T08:00:00.000Z', endsAt: '2026-12-05T08:00:00.000Z',
  createdBy: 'ada@apollo.local', createdAt: '2026-11-30T08:00:00.000Z', endedBy: null, endedAt: null, state: 'active', ...over,
});

describe('freezes', () => {
  it('lists active ones first, then upcoming by start, then ended by latest end', () => {
    const items = [
      freeze({ id: 'E1', state: 'ended', endsAt: '2026-11-20T00:00:00.000Z' }),
      freeze({ id: 'U2', state: 'upcoming', startsAt: '2026-12-20T00:00:00.000Z' }),
      freeze({ id: 'A1', state: 'active' }),
      freeze({ id: 'E2', state: 'ended', endsAt: '2026-11-28T00:00:00.000Z' }),
      freeze({ id: 'U1', state: 'upcoming', startsAt: '2026-12-10T00:00:00.000Z' }),
    ];
    expect(sortFreezes(items).map((f) => f.id)).toEqual(['A1', 'U1', 'U2', 'E2', 'E1']);
  });

  it('says what it freezes', () => {
    expect(freezeScopeText(freeze({}))).toBe('Org-wide, every environment');
    expect(freezeScopeText(freeze({ scope: 'team', team: 'payments', environments: ['prod'] }))).toBe('Team payments, prod');
    expect(freezeScopeText(freeze({ environments: ['dev', 'staging', 'prod'] }))).toBe('Org-wide, dev, staging and prod');
  });

  const values = (over: Partial<FreezeValues> = {}): FreezeValues => ({ scope: 'org', team: '', environments: [], reason: 'Year-end freeze', startsAt: '', endsAt: '2026-12-05T08:00', ...over });

  it('checks the dialog before sending: a team for a team freeze, a reason, an end in the future after the start, at most 90 days', () => {
    expect(checkFreeze(values(), NOW)).toEqual({});
    expect(checkFreeze(values({ scope: 'team' }), NOW)).toEqual({ team: 'Pick the team whose services it freezes.' });
    expect(checkFreeze(values({ reason: ' x ' }), NOW).reason).toMatch(/at least 3 characters/);
    expect(checkFreeze(values({ endsAt: '' }), NOW)).toEqual({ endsAt: 'When it ends.' });
    expect(checkFreeze(values({ endsAt: '2026-11-01T08:00' }), NOW)).toEqual({ endsAt: 'The end must be in the future.' });
    expect(checkFreeze(values({ startsAt: '2026-12-06T08:00' }), NOW)).toEqual({ endsAt: 'The end must be after the start.' });
    expect(checkFreeze(values({ endsAt: '2027-06-01T08:00' }), NOW)).toEqual({ endsAt: 'A freeze lasts at most 90 days.' });
  });

  it('sends local times as instants, the team only for a team freeze, the environments only when some are named', () => {
    const body = freezeBodyOf(values({ scope: 'team', team: 'payments', environments: ['prod'], reason: '  Migration  ', startsAt: '2026-12-02T18:00' }));
    expect(body).toEqual({
      scope: 'team', team: 'payments', environments: ['prod'], reason: 'Migration',
      startsAt: new Date('2026-12-02T18:00').toISOString(), endsAt: new Date('2026-12-05T08:00').toISOString(),
    });
    expect(freezeBodyOf(values({ team: 'left-over' }))).toEqual({ scope: 'org', reason: 'Year-end freeze', endsAt: new Date('2026-12-05T08:00').toISOString() });
  });

  it('puts the API\'s error paths on the fields', () => {
    expect(freezeFieldOf('/body/endsAt')).toBe('endsAt');
    expect(freezeFieldOf('/body/team')).toBe('team');
    expect(freezeFieldOf('/body/environments/0')).toBe('environments');
    expect(freezeFieldOf('/query/x')).toBeUndefined();
  });
});

describe('deployment windows', () => {
  const values = (over: Partial<WindowValues> = {}): WindowValues => ({
    environment: 'prod', timezone: 'Europe/Berlin', slots: [{ days: ['thu', 'mon'], start: '09:00', end: '16:00' }], description: '', ...over,
  });

  it('starts a new window at office hours in the browser\'s zone, and an existing one as it is', () => {
    expect(windowValuesOf('staging', undefined, 'America/New_York')).toEqual({
      environment: 'staging', timezone: 'America/New_York', slots: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }], description: '',
    });
    expect(windowValuesOf('prod', { timezone: 'UTC', slots: [{ days: ['sat'], start: '22:00', end: '02:00' }], description: null }, 'Europe/Berlin'))
      .toEqual({ environment: 'prod', timezone: 'UTC', slots: [{ days: ['sat'], start: '22:00', end: '02:00' }], description: '' });
  });

  it('checks the dialog: an environment, a known zone, days, HH:MM times, a slot that does not start as it ends', () => {
    expect(checkWindow(values(), ['Europe/Berlin', 'UTC'])).toEqual({});
    expect(checkWindow(values({ environment: '', timezone: 'Mars/Olympus' }), ['Europe/Berlin'])).toEqual({
      environment: 'Pick an environment.', timezone: 'Mars/Olympus is not a known time zone.',
    });
    expect(checkWindow(values({ slots: [{ days: [], start: '9:00', end: '09:00' }, { days: ['sun'], start: '10:00', end: '10:00' }] }))).toEqual({
      'slots.0.days': 'Pick at least one day.', 'slots.0.start': 'A time, HH:MM.', 'slots.1.end': 'It must end at another time than it starts.',
    });
    expect(checkWindow(values({ slots: [{ days: ['mon'], start: '22:00', end: '24:00' }] }))).toEqual({});
    expect(checkWindow(values({ slots: [] }))).toEqual({ slots: 'Add the hours it is open.' });
  });

  it('sends the days in the week\'s order, the description only when there is one', () => {
    expect(windowBodyOf(values())).toEqual({ timezone: 'Europe/Berlin', slots: [{ days: ['mon', 'thu'], start: '09:00', end: '16:00' }] });
    expect(windowBodyOf(values({ description: ' Office hours ' })).description).toBe('Office hours');
  });

  it('puts a slot\'s error path on its field', () => {
    expect(windowFieldOf('/body/slots/1/end')).toBe('slots.1.end');
    expect(windowFieldOf('/body/timezone')).toBe('timezone');
    expect(windowFieldOf('/body/slots')).toBe('slots');
    expect(windowFieldOf('/body/other')).toBeUndefined();
  });

  it('says times on the window\'s clock: "09:00 Mon"', () => {
    // Monday 7 Dec 2026, 08:00 UTC is 09:00 in Berlin and 03:00 in New York.
    expect(zonedTime('2026-12-07T08:00:00.000Z', 'Europe/Berlin')).toBe('09:00 Mon');
    expect(zonedTime('2026-12-07T08:00:00.000Z', 'America/New_York')).toBe('03:00 Mon');
    expect(windowNowText({ open: false, opensAt: '2026-12-07T08:00:00.000Z', closesAt: null, timezone: 'Europe/Berlin' })).toBe('Closed now, opens 09:00 Mon');
    expect(windowNowText({ open: true, opensAt: null, closesAt: '2026-12-03T15:00:00.000Z', timezone: 'Europe/Berlin' })).toBe('Open now, closes 16:00 Thu');
    expect(windowNowText({ open: false, opensAt: null, closesAt: null, timezone: 'UTC' })).toBe('Closed now, no opening in the next week');
  });

  it('says until when a deployment is queued, in the window\'s zone and, when it reads differently, the browser\'s', () => {
    expect(queuedText('2026-12-07T08:00:00.000Z', 'Europe/Berlin', 'Europe/Berlin')).toBe('Queued until 09:00 Mon (Europe/Berlin window)');
    expect(queuedText('2026-12-07T08:00:00.000Z', 'Europe/Berlin', 'UTC')).toBe('Queued until 09:00 Mon (Europe/Berlin window); 08:00 Mon your time');
    expect(queuedText('2026-12-07T08:00:00.000Z', undefined, 'UTC')).toBe('Queued until 08:00 Mon (its deployment window)');
    expect(queuedText(null, 'UTC')).toBe('Queued until its deployment window opens');
  });

  it('reads the window\'s zone from a check\'s reason', () => {
    expect(zoneInReason('outside the deployment window (Mon–Thu 09:00–16:00 Europe/Berlin); it opens at 2026-12-07T08:00:00.000Z')).toBe('Europe/Berlin');
    expect(zoneInReason('outside the deployment window (Sat 22:00–02:00 UTC)')).toBe('UTC');
    expect(zoneInReason('America/Argentina/Buenos_Aires')).toBeUndefined();
  });
});

const check = (over: Partial<SafeguardCheck> & Pick<SafeguardCheck, 'safeguard'>): SafeguardCheck => ({ outcome: 'block', reason: 'r', ...over });

describe('the deploy form\'s ways past a block', () => {
  const frozen = [check({ safeguard: 'freeze', override: 'approval' })];
  const closed = [check({ safeguard: 'window', override: 'queue', opensAt: '2026-12-07T08:00:00.000Z' })];

  it('asks for an override only where a check offers one and once its reason is one the API takes', () => {
    const asking = { ...NO_CHOICES, exception: true, reason: 'hotfix for INC-7' };
    expect(choicesBody(asking, frozen, false)).toEqual({ override: { reason: 'hotfix for INC-7' } });
    expect(choicesBody({ ...asking, reason: 'no' }, frozen, false)).toEqual({});
    // No freeze (it ended meanwhile): an override would be refused as having nothing to override.
    expect(choicesBody(asking, closed, false)).toEqual({});
    expect(wantsOverride(asking, frozen, false)).toBe(true);
    expect(wantsOverride(asking, closed, false)).toBe(false);
  });

  it('overrides a window only for an admin; queues and acknowledges as chosen', () => {
    const override = { ...NO_CHOICES, outsideWindow: 'override' as const, reason: 'customer outage' };
    expect(choicesBody(override, closed, true)).toEqual({ override: { reason: 'customer outage' } });
    expect(choicesBody(override, closed, false)).toEqual({});
    expect(choicesBody({ ...NO_CHOICES, outsideWindow: 'queue' }, closed, false)).toEqual({ outsideWindow: 'queue' });
    expect(choicesBody({ ...NO_CHOICES, acknowledge: true }, undefined, false)).toEqual({ acknowledge: ['dependencies'] });
    expect(choicesBody(NO_CHOICES, [...frozen, ...closed], true)).toEqual({});
  });

  it('keeps Deploy disabled only for a block no choice passes', () => {
    expect(hardBlock([...frozen, ...closed])).toBeUndefined();
    expect(hardBlock([...closed, check({ safeguard: 'lock' })])?.safeguard).toBe('lock');
    expect(hardBlock([check({ safeguard: 'running', outcome: 'pass' })])).toBeUndefined();
    expect(hardBlock(undefined)).toBeUndefined();
  });

  it('checks the override\'s reason as the schema does', () => {
    expect(reasonProblem('ok')).toBe('Say why (at least 3 characters).');
    expect(reasonProblem('fine')).toBeUndefined();
    expect(reasonProblem('a\u0007b c')).toBe('No control characters.');
  });

  it('reads a 409 refusal\'s reasons from its details, and nothing from other errors', () => {
    const details = [{ path: '/body/outsideWindow', message: 'window: outside the deployment window (Mon 09:00–10:00 UTC)' }];
    expect(refusalReasons({ status: 409, message: 'refused: outside the deployment window', details })).toEqual(['window: outside the deployment window (Mon 09:00–10:00 UTC)']);
    expect(refusalReasons({ status: 409, message: 'refused: locked', details: [] })).toEqual(['locked']);
    expect(refusalReasons({ status: 409, message: 'core-service staging runs v1 already', details: [] })).toBeUndefined();
    expect(refusalReasons({ status: 400, message: 'refused: x', details })).toBeUndefined();
  });

  it('says what the record\'s asker chose', () => {
    expect(recordedChoices({ checks: [], override: { reason: 'hotfix', by: 'ada@apollo.local', safeguards: ['freeze'] }, acknowledged: ['dependencies'], outsideWindow: 'queue' })).toEqual([
      'Override by ada@apollo.local (freeze): hotfix', 'Acknowledged: dependencies', 'Outside its window: queue until it opens',
    ]);
    expect(recordedChoices({ checks: [], outsideWindow: 'refuse' })).toEqual([]);
  });
});
