/**
 * Every change the AI console can make is one Apollo route: the route exists, its path parameters are filled, and the
 * body the action sends is one the route's own schema accepts (an action whose body the route refused would only fail
 * after someone approved it).
 */
import { describe, expect, it } from 'vitest';
import type { SchemaName } from '#schemas/index.ts';
import deployments from '#schemas/validators/deployments.gen.cjs';
import incidents from '#schemas/validators/incidents.gen.cjs';
import requests from '#schemas/validators/requests.gen.cjs';
import services from '#schemas/validators/services.gen.cjs';
import { ROUTES, routeKey } from '#shared/routes';
import { describeErrors, validatorFor, type Validators } from '#lib/validation';
import { ACTIONS, executePermission, needsApproval } from './actions.ts';

const VALIDATORS: Record<string, Validators> = { deployments, incidents, requests, services } as Record<string, Validators>;
const SESSION = '01JABCDEFGHJKMNPQRSTVWXYZ0';

/** A call the model could make of each action, with its optional fields too. */
const SAMPLES: Record<string, Record<string, unknown>> = {
  scale_service: { service: 'core-service', environment: 'prod', replicas: 4, reason: 'the pool is exhausted' },
  restart_service: { service: 'core-service', environment: 'staging' },
  deploy_service: { service: 'core-service', environment: 'staging', version: 'v1.0.5' },
  rollback_service: { service: 'core-service', environment: 'prod', version: 'v1.0.2', reason: 'errors since v1.0.3' },
  open_pull_request: { service: 'core-service', title: 'fix: pool size', description: 'Why.', branch: 'ai/pool', message: 'fix: pool size', files: [{ path: 'src/main/resources/application.yml', content: 'a: 1\n' }] },
  submit_request: { offeringId: 's3-bucket', fields: { bucket_name: 'exports' }, team: 'payments', note: 'for invoices' },
  add_incident_timeline_entry: { incidentId: SESSION, content: 'p99 rose with the deploy', type: 'action' },
  open_incident: { title: 'billing p99 above 2 s', severity: 'critical', affectedServices: ['billing-service'], affectedEnvironments: ['prod'], description: 'seen in the console' },
};

describe('the AI console\'s actions', () => {
  it.each(ACTIONS.map((a) => [a.name, a] as const))('%s calls a route that accepts what it sends', (name, action) => {
    const input = SAMPLES[name];
    expect(input, `a sample call of ${name}`).toBeDefined();
    const route = ROUTES.find((r) => routeKey(r) === action.route);
    expect(route, action.route).toBeDefined();
    const { params, body } = action.request(input!, SESSION);
    // Every {param} of the path is filled, and nothing else is.
    expect(Object.keys(params ?? {}).sort()).toEqual([...route!.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort());
    const validate = validatorFor(VALIDATORS[route!.context]!, 'body', route!.bodySchema as SchemaName);
    expect(validate(body), JSON.stringify(describeErrors(validate.errors ?? [], '/body'))).toBe(true);
    expect(action.summary(input!)).not.toBe('');
  });

  it('asks the route\'s own rule before proposing where the route has one (the owning team, the request\'s team and form)', () => {
    expect(ACTIONS.filter((a) => a.check).map((a) => a.name)).toEqual(['open_pull_request', 'submit_request']);
  });

  it('holds production and infrastructure changes for a click even when typed; anything the model asks for always', () => {
    expect(needsApproval('safe_mutation', 'command')).toBe(false);
    expect(needsApproval('prod_mutation', 'command')).toBe(true);
    expect(needsApproval('infrastructure', 'command')).toBe(true);
    expect(needsApproval('read', 'model')).toBe(true);
    expect(executePermission('prod_mutation')).toBe('ai:sessions:execute:dangerous');
    expect(executePermission('infrastructure')).toBe('ai:sessions:execute:all');
    expect(executePermission('safe_mutation')).toBe('ai:sessions:execute:safe');
  });
});
