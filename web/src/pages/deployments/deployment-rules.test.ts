import { describe, expect, it } from 'vitest';
import type { DeploymentSummary, EnvironmentLock, Me } from '../../../../schemas/types.gen.ts';
import {
  allowance, approvalComment, approvalEndedWhy, approvalState, askFieldOf, blockingCheck, cancelEffect, checkLock, rollbackRows, askOf, changeText, checkAsk, fakeKind, formInitialFromSearch,
  historyFiltersFromSearch, lockAllowance, lockedByText, locksOn, matchesHistory, nextEnvironment, permissionFor, preflightOf, previousEnvironment,
  searchFromHistoryFilters, sortEnvironments, type AskValues,
} from './deployment-rules.ts';

const me = (role: Me['role'], permissions: string[]): Pick<Me, 'role' | 'permissions'> => ({ role, permissions });
const developer = me('developer', ['deployments:read', 'deployments:create:non-prod']);
const operator = me('operator', ['deployments:read', 'deployments:create:non-prod', 'deployments:create:prod']);

const values = (over: Partial<AskValues> = {}): AskValues => ({
  operation: 'deploy', service: 'core-service', environment: 'staging', imageTag: 'v1.5.0', from: '', replicas: '', reason: '', ...over,
});

describe('who may ask', () => {
  it('reads the route table: production needs deployments:create:prod, the rest :non-prod', () => {
    expect(permissionFor('POST /api/v1/deployments', { environment: 'prod' })).toBe('deployments:create:prod');
    expect(permissionFor('POST /api/v1/deployments', { environment: 'staging' })).toBe('deployments:create:non-prod');
    expect(permissionFor('POST /api/v1/services/{id}/promote', { from: 'staging', to: 'prod' })).toBe('deployments:create:prod');
    expect(permissionFor('POST /api/v1/services/{id}/promote', { from: 'dev', to: 'staging' })).toBe('deployments:create:non-prod');
    expect(permissionFor('POST /api/v1/services/{id}/rollback', { environment: 'production' })).toBe('deployments:create:prod');
  });

  it('says why a developer may not promote to prod, and lets an operator', () => {
    const body = { from: 'staging', to: 'prod' };
    expect(allowance(developer, 'POST /api/v1/services/{id}/promote', body)).toEqual({
      allowed: false, needs: 'deployments:create:prod', why: 'prod needs deployments:create:prod; your role developer does not have it (operator and admin do).',
    });
    expect(allowance(operator, 'POST /api/v1/services/{id}/promote', body).allowed).toBe(true);
    expect(allowance(developer, 'POST /api/v1/deployments', { environment: 'staging' }).allowed).toBe(true);
    // Before GET /me answers the API decides.
    expect(allowance(undefined, 'POST /api/v1/deployments', { environment: 'prod' }).allowed).toBe(true);
  });
});

describe('the form', () => {
  it('checks the tag, that it is a change, the replicas and the reason before sending', () => {
    expect(checkAsk(values())).toEqual({});
    expect(checkAsk(values({ imageTag: '' }))).toEqual({ imageTag: 'Pick a version or type a tag.' });
    expect(checkAsk(values({ imageTag: '-bad' })).imageTag).toMatch(/does not start with/);
    expect(checkAsk(values(), { imageTag: 'v1.5.0' })).toEqual({ imageTag: 'staging runs v1.5.0 already.' });
    expect(checkAsk(values({ operation: 'scale', replicas: '501' }))).toEqual({ replicas: 'A whole number from 0 to 500.' });
    expect(checkAsk(values({ operation: 'scale', replicas: '2.5' }))).toEqual({ replicas: 'A whole number from 0 to 500.' });
    expect(checkAsk(values({ operation: 'scale', replicas: '3' }), { replicas: 3 })).toEqual({ replicas: 'It runs 3 already.' });
    expect(checkAsk(values({ operation: 'scale', replicas: '0' }), { replicas: 3 })).toEqual({});
    expect(checkAsk(values({ reason: 'ok' }))).toEqual({ reason: 'At least 3 characters, or none.' });
    expect(checkAsk(values({ operation: 'restart', imageTag: '' }))).toEqual({});
    expect(checkAsk(values({ service: '', environment: '' }))).toEqual({ service: 'Pick a service.', environment: 'Pick an environment.' });
  });

  it('checks a promote: two environments, a tag to take, not the one already there', () => {
    const promote = values({ operation: 'promote', environment: 'prod', from: 'staging', imageTag: '' });
    expect(checkAsk(promote, { imageTag: 'v1.4.1', fromTag: 'v1.5.0' })).toEqual({});
    expect(checkAsk(promote, { imageTag: 'v1.5.0', fromTag: 'v1.5.0' })).toEqual({ environment: 'prod runs v1.5.0 already.' });
    expect(checkAsk(promote, { imageTag: 'v1.4.1' })).toEqual({ from: 'staging runs no known tag.' });
    expect(checkAsk({ ...promote, from: 'prod' }, { fromTag: 'v1' })).toEqual({ environment: 'Promote to another environment.' });
  });

  it('makes the call each operation needs, from the UI', () => {
    expect(askOf(values({ reason: ' Ship it ' }))).toEqual({
      key: 'POST /api/v1/deployments', service: 'core-service',
      body: { service: 'core-service', environment: 'staging', imageTag: 'v1.5.0', reason: 'Ship it', initiatedVia: 'ui' },
    });
    expect(askOf(values({ operation: 'promote', from: 'staging', environment: 'prod' })).body).toEqual({ from: 'staging', to: 'prod', initiatedVia: 'ui' });
    expect(askOf(values({ operation: 'rollback', imageTag: '' })).body).toEqual({ environment: 'staging', initiatedVia: 'ui' });
    expect(askOf(values({ operation: 'scale', replicas: '6' })).body).toEqual({ environment: 'staging', replicas: 6, initiatedVia: 'ui' });
    expect(askOf(values({ operation: 'restart' }))).toMatchObject({ key: 'POST /api/v1/services/{id}/restart', body: { environment: 'staging', initiatedVia: 'ui' } });
  });

  it('puts the API\u2019s refusals on the field their path names (a promote\u2019s to is its environment)', () => {
    expect(askFieldOf('/body/imageTag')).toBe('imageTag');
    expect(askFieldOf('/body/to')).toBe('environment');
    expect(askFieldOf('/body/from')).toBe('from');
    expect(askFieldOf('/query/environment')).toBe('environment');
    expect(askFieldOf('/body/initiatedVia')).toBeUndefined();
    expect(askFieldOf('/headers/idempotency-key')).toBeUndefined();
  });

  it('reads its prefill from the URL', () => {
    expect(formInitialFromSearch('?deploy=core-service&env=prod&op=promote&source=staging')).toEqual({ operation: 'promote', service: 'core-service', environment: 'prod', from: 'staging' });
    expect(formInitialFromSearch('?op=explode&deploy=core-service')).toEqual({ service: 'core-service' });
  });
});

describe('environments', () => {
  it('go from the first stop to production, and promotion goes one up', () => {
    expect(sortEnvironments(['prod', 'dev', 'staging', 'qa'])).toEqual(['dev', 'qa', 'staging', 'prod']);
    expect(nextEnvironment(['prod', 'dev', 'staging'], 'staging')).toBe('prod');
    expect(nextEnvironment(['prod', 'dev', 'staging'], 'dev')).toBe('staging');
    expect(nextEnvironment(['prod', 'dev', 'staging'], 'prod')).toBeUndefined();
    expect(previousEnvironment(['prod', 'dev', 'staging'], 'prod')).toBe('staging');
    expect(previousEnvironment(['prod', 'dev', 'staging'], 'dev')).toBeUndefined();
  });
});

describe('in words', () => {
  const d = { operation: 'deploy', imageTag: 'v1.5.0', previousImageTag: 'v1.4.2', replicas: 3, previousReplicas: 3, fromEnvironment: null } as const;
  it('says what a deployment changes', () => {
    expect(changeText(d)).toBe('v1.4.2 → v1.5.0');
    expect(changeText({ ...d, operation: 'promote', fromEnvironment: 'staging' })).toBe('v1.4.2 → v1.5.0 from staging');
    expect(changeText({ ...d, previousImageTag: null })).toBe('v1.5.0');
    expect(changeText({ ...d, operation: 'scale', replicas: 6 })).toBe('3 → 6 replicas');
    expect(changeText({ ...d, operation: 'restart' })).toBe('restart of v1.5.0');
  });

  it('labels the outside systems that say they are fakes or simulations', () => {
    expect(fakeKind('GitHub apollo-demo/gitops (LOCAL FAKE)')).toBe('local fake');
    expect(fakeKind('SIMULATED Argo CD (local)')).toBe('simulated');
    expect(fakeKind('Argo CD https://argocd.corp')).toBeNull();
    expect(fakeKind(undefined)).toBeNull();
  });
});

describe('the history\u2019s filters', () => {
  it('live in the URL, keep its other parameters and drop what the API would refuse', () => {
    const filters = historyFiltersFromSearch('?service=core-service&status=failed&operation=nope&from=2026-11-01T00:00:00.000Z&to=garbage&deploy=x');
    expect(filters).toEqual({ service: 'core-service', status: 'failed', from: '2026-11-01T00:00:00.000Z' });
    expect(searchFromHistoryFilters({ environment: 'prod', initiatedBy: 'dana@apollo.local' }, '?deploy=core-service&service=old')).toBe('?deploy=core-service&environment=prod&initiatedBy=dana%40apollo.local');
    expect(searchFromHistoryFilters({})).toBe('');
  });

  it('take a live deployment as the API would', () => {
    const summary = { id: 'X', service: 'core-service', environment: 'prod', status: 'in_progress', operation: 'promote', initiatedBy: 'operator@apollo.local', createdAt: '2026-11-25T10:00:00.000Z' } as DeploymentSummary;
    expect(matchesHistory(summary, {})).toBe(true);
    expect(matchesHistory(summary, { service: 'core-service', environment: 'prod', operation: 'promote' })).toBe(true);
    expect(matchesHistory(summary, { status: 'failed' })).toBe(false);
    expect(matchesHistory(summary, { from: '2026-11-25T10:00:00.000Z', to: '2026-11-25T11:00:00.000Z' })).toBe(true);
    expect(matchesHistory(summary, { to: '2026-11-25T10:00:00.000Z' })).toBe(false);
    expect(matchesHistory(summary, { initiatedBy: 'dana@apollo.local' })).toBe(false);
  });
});

describe('an approval on a deployment\u2019s page', () => {
  it('is the record\u2019s, pending while it waits, and what ended the deployment when it ended waiting', () => {
    expect(approvalState({ status: 'in_progress', approval: { required: false } })).toBeUndefined();
    expect(approvalState({ status: 'in_progress', approval: { required: true } })).toBeUndefined();
    expect(approvalState({ status: 'awaiting_approval', approval: { required: true } })).toBe('pending');
    expect(approvalState({ status: 'succeeded', approval: { required: true, status: 'approved' } })).toBe('approved');
    expect(approvalState({ status: 'cancelled', approval: { required: true, status: 'pending' } })).toBe('cancelled');
    expect(approvalState({ status: 'rejected', approval: { required: true, status: 'pending' } })).toBe('rejected');
    expect(approvalState({ status: 'expired', approval: { required: true, status: 'pending' } })).toBe('expired');
    expect(approvalState({ status: 'awaiting_approval', approval: null })).toBeUndefined();
  });

  it('says why it ended with nobody deciding: the cancel with its reason, the refusal or failure, or the deadline', () => {
    const waited = { required: true, status: 'cancelled' as const, expiresAt: '2026-12-07T10:00:00.000Z' };
    expect(approvalEndedWhy({ status: 'cancelled', approval: waited, cancel: { by: 'operator@apollo.local', at: '2026-12-06T10:00:00.000Z', reason: 'wrong build' }, error: null }))
      .toBe('the deployment was cancelled by operator@apollo.local: wrong build');
    expect(approvalEndedWhy({ status: 'failed', approval: waited, cancel: null, error: 'GitHub answered 502' })).toBe('the deployment failed: GitHub answered 502');
    expect(approvalEndedWhy({ status: 'refused', approval: waited, cancel: null, error: 'prod is locked' })).toBe('the deployment was refused: prod is locked');
    expect(approvalEndedWhy({ status: 'expired', approval: { ...waited, status: 'expired' }, cancel: null, error: null })).toBe('nobody decided by 2026-12-07T10:00:00.000Z');
    expect(approvalEndedWhy({ status: 'expired', approval: { ...waited, status: 'expired' }, cancel: null, error: null }, (iso) => iso.slice(0, 10))).toBe('nobody decided by 2026-12-07');
    expect(approvalEndedWhy({ status: 'awaiting_approval', approval: { ...waited, status: 'pending' }, cancel: null, error: null })).toBeUndefined();
    expect(approvalEndedWhy({ status: 'rejected', approval: { ...waited, status: 'rejected' }, cancel: null, error: null })).toBeUndefined();
  });
});

describe('what cancelling does', () => {
  const d = { operation: 'deploy', initiatedVia: 'ui', gitCommit: null } as const;
  const gitops = { kind: 'GitHub', repository: 'apollo-demo/gitops', path: 'apps/core-service/prod/values.yaml' };
  it('closes a pull request still open, puts back a commit, and otherwise stops', () => {
    expect(cancelEffect({ ...d, gitops: { ...gitops, pullRequest: { number: 7, url: 'http://x/pull/7', state: 'open' } } })).toBe('close-pull-request');
    expect(cancelEffect({ ...d, gitCommit: 'abc1234', gitops: { ...gitops, pullRequest: { number: 7, url: 'http://x/pull/7', state: 'merged' } } })).toBe('revert');
    expect(cancelEffect({ ...d, gitCommit: 'abc1234', gitops })).toBe('revert');
    expect(cancelEffect({ ...d, gitops })).toBe('stop');
    expect(cancelEffect({ ...d, operation: 'restart', gitCommit: 'abc1234' })).toBe('stop');
    // A change someone made in Git is theirs to change back.
    expect(cancelEffect({ ...d, initiatedVia: 'gitops', gitCommit: 'abc1234', gitops })).toBe('stop');
  });
});

describe('the history rows that offer a rollback', () => {
  type Row = Parameters<typeof rollbackRows>[0][number];
  const row = (id: string, over: Partial<Row> = {}): Row => ({ id, operation: 'deploy', service: 'core-service', environment: 'prod', status: 'succeeded', gitCommit: 'abc1234', ...over });
  it('are the newest deploy, promote or rollback that succeeded or failed in Git, one per service and environment', () => {
    expect(rollbackRows([
      row('9', { operation: 'scale' }),
      row('8', { status: 'cancelled' }),
      row('7', { operation: 'promote' }),
      row('6'),
      row('5', { environment: 'staging', status: 'failed' }),
      row('4', { environment: 'staging' }),
      row('3', { environment: 'dev', status: 'failed', gitCommit: null }),
      row('2', { environment: 'dev', operation: 'rollback' }),
      row('1', { service: 'billing', environment: 'dev', status: 'rejected' }),
    ])).toEqual(new Set(['7', '5', '2']));
  });

  it('are none where a deployment is under way', () => {
    expect(rollbackRows([row('2', { status: 'in_progress' }), row('1')])).toEqual(new Set());
    expect(rollbackRows([row('2', { status: 'awaiting_approval', environment: 'staging' }), row('1')])).toEqual(new Set(['1']));
  });
});

describe('what the approver said', () => {
  const line = (stage: 'approval' | 'merge', message: string) => ({ stage, message });
  it('is read from the approval\u2019s lines, the newest first', () => {
    expect(approvalComment([line('approval', 'awaiting approval by an operator other than sam@apollo.local until 2026-12-05T15:00:00.000Z'), line('approval', 'approved by dana@apollo.local: ship it')])).toBe('ship it');
    expect(approvalComment([line('approval', 'rejected: not on a Friday')])).toBe('not on a Friday');
    expect(approvalComment([line('approval', 'approved by dana@apollo.local'), line('merge', 'merged pull request #7 as abc1234')])).toBeUndefined();
    expect(approvalComment([])).toBeUndefined();
  });
});

describe('safeguards before Deploy', () => {
  it('asks the preflight for the target environment, with the tag once it is one', () => {
    expect(preflightOf(values())).toEqual({ operation: 'deploy', service: 'core-service', environment: 'staging', imageTag: 'v1.5.0' });
    expect(preflightOf(values({ imageTag: '-bad' }))).toEqual({ operation: 'deploy', service: 'core-service', environment: 'staging' });
    // A promote names its source: the API checks the version it runs there.
    expect(preflightOf(values({ operation: 'promote', from: 'staging', environment: 'prod', imageTag: '' }))).toEqual({ operation: 'promote', service: 'core-service', environment: 'prod', from: 'staging' });
    expect(preflightOf(values({ operation: 'promote', from: '', environment: 'prod', imageTag: 'v1.5.0' }))).toEqual({ operation: 'promote', service: 'core-service', environment: 'prod' });
    expect(preflightOf(values({ operation: 'scale', replicas: '3' }))).toEqual({ operation: 'scale', service: 'core-service', environment: 'staging' });
    expect(preflightOf(values({ environment: '' }))).toBeNull();
    expect(preflightOf(values({ service: '' }))).toBeNull();
  });

  it('names the first check that blocks', () => {
    const checks = [
      { safeguard: 'permission', outcome: 'pass', reason: 'you hold deployments:create:non-prod' },
      { safeguard: 'lock', outcome: 'block', reason: 'core-service staging is locked by ops: migration' },
      { safeguard: 'running', outcome: 'block', reason: 'another one runs' },
    ] as const;
    expect(blockingCheck({ checks: [...checks] })?.reason).toBe('core-service staging is locked by ops: migration');
    expect(blockingCheck({ checks: [checks[0]] })).toBeUndefined();
    expect(blockingCheck(undefined)).toBeUndefined();
  });
});

describe('environment locks', () => {
  const lock = (over: Partial<EnvironmentLock> = {}): EnvironmentLock => ({
    service: 'core-service', environment: 'staging', reason: 'Database migration', lockedBy: 'operator@apollo.local', lockedAt: '2026-12-05T10:00:00.000Z',
    expiresAt: null, source: 'manual', blocks: ['deploy', 'promote'], ...over,
  });

  it('finds the locks on one environment and says who placed them', () => {
    const all = [lock(), lock({ environment: 'prod' }), lock({ service: 'web', environment: 'staging' })];
    expect(locksOn(all, 'core-service', 'staging')).toEqual([all[0]]);
    expect(locksOn(undefined, 'core-service', 'staging')).toEqual([]);
    expect(lockedByText(lock())).toBe('operator@apollo.local');
    expect(lockedByText(lock({ source: 'incident', lockedBy: 'apollo', incidentId: 'INC-42' }))).toBe('incident INC-42');
  });

  it('lets operators and admins lock (deployments:policy), says why not to a developer, and leaves an incident\'s lock to its incident', () => {
    expect(lockAllowance(me('operator', ['deployments:policy']))).toEqual({ allowed: true, needs: 'deployments:policy', why: '' });
    expect(lockAllowance(developer)).toEqual({
      allowed: false, needs: 'deployments:policy', why: 'Locking needs deployments:policy; your role developer does not have it (operator and admin do).',
    });
    expect(lockAllowance(undefined).allowed).toBe(true);
    expect(lockAllowance(me('admin', ['deployments:policy']), { source: 'incident', incidentId: 'INC-42' })).toMatchObject({
      allowed: false, why: 'Incident INC-42 placed this lock; it lifts when the incident is resolved.',
    });
  });

  it('asks for a reason and an end in the future', () => {
    const now = Date.parse('2026-12-05T10:00:00.000Z');
    expect(checkLock({ reason: 'Database migration', until: '' }, now)).toEqual({});
    expect(checkLock({ reason: '  x ', until: '' }, now).reason).toMatch(/at least 3/);
    expect(checkLock({ reason: 'Migration', until: '2026-12-04T09:00' }, now).until).toBe('The end must be in the future.');
    expect(checkLock({ reason: 'Migration', until: '2026-12-07T09:00' }, now)).toEqual({});
  });
});
