/**
 * The shared HTTP runtime, called as Lambda calls it (no gateway in front): the handler checks
 * permissions again on its own (deny by default), maps named errors, and never leaks internals.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { createRoutesHandler as CreateRoutesHandler } from './http.ts';
import { routesOf } from '#shared/routes';
import validators from '#schemas/validators/audit.gen.cjs';
import assumedRole from './fixtures/assumed-role-event.json' with { type: 'json' };

process.env.TABLE_NAME ??= 'apollo-unit';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.APOLLO_RUNTIME = 'local';

let createRoutesHandler: typeof CreateRoutesHandler;
beforeAll(async () => {
  ({ createRoutesHandler } = await import('./http.ts'));
});

const context = { awsRequestId: 'lambda-request', functionName: 'apollo-unit', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

function event(overrides: Partial<APIGatewayProxyEvent> & { userArn?: string } = {}): APIGatewayProxyEvent {
  const base = structuredClone(assumedRole) as unknown as APIGatewayProxyEvent;
  const { userArn, ...rest } = overrides;
  if (userArn) base.requestContext.identity.userArn = userArn;
  return { ...base, ...rest };
}

const call = async (handler: unknown, e: APIGatewayProxyEvent) =>
  (await (handler as (e: APIGatewayProxyEvent, c: Context) => Promise<APIGatewayProxyResult>)(e, context));


/** The audit context's own two routes (the request audit trail's are left out: these tests name their handlers). */
const auditRoutes = () => routesOf('audit').filter((r) => r.path === '/api/v1/audit' || r.path === '/api/v1/audit/{id}');
describe('createApiHandler', () => {
  it('refuses at cold start a context whose handlers and route table disagree', () => {
    expect(() => createRoutesHandler(auditRoutes(), { 'GET /api/v1/audit': async () => ({ status: 200 }) }, { validators })).toThrow(
      'routes without a handler [GET /api/v1/audit/{id}], handlers without a route []',
    );
  });

  it('refuses at cold start a route whose body or query has no validator in the module given', () => {
    const impls = { 'GET /api/v1/audit': async () => ({ status: 200 }), 'GET /api/v1/audit/{id}': async () => ({ status: 200 }) };
    expect(() => createRoutesHandler(auditRoutes(), impls, { validators: {} })).toThrow('no validator given for [GET /api/v1/audit query audit-query]');
  });

  it('refuses at cold start an idempotent route without the idempotency middleware', () => {
    const routes = [{ ...auditRoutes()[1]!, idempotent: true }];
    expect(() => createRoutesHandler(routes, { 'GET /api/v1/audit/{id}': async () => ({ status: 200 }) }, { validators })).toThrow('need the idempotency middleware');
  });

  it("denies a caller without the route's permission even when IAM let them through", async () => {
    const handler = createRoutesHandler(auditRoutes(), {
      'GET /api/v1/audit': async () => ({ status: 200, body: { items: [], nextCursor: null } }),
      'GET /api/v1/audit/{id}': async () => ({ status: 200, body: {} }),
    }, { validators });
    const res = await call(handler, event({ httpMethod: 'GET', path: '/api/v1/audit', resource: '/api/v1/audit', body: null }));
    expect(res.statusCode).toBe(403);
    expect(JSON.parse(res.body)).toEqual({
      error: {
        code: 'Forbidden',
        message: 'alice@corp.example (role operator) lacks the permission audit:read needed for GET /api/v1/audit',
        details: [{ path: '/permission', message: 'audit:read' }],
      },
      requestId: '5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    });
    expect(res.headers).toMatchObject({ 'access-control-allow-origin': '*', 'content-type': 'application/json' });
  });

  it("exposes to the web app (another origin in AWS) what an export's answer says in its headers: file name and entry count", async () => {
    const { cors } = await import('./http/outer.ts');
    const request: { response: APIGatewayProxyResult } = { response: { statusCode: 200, body: 'at,id\r\n', headers: { 'content-disposition': 'attachment; filename="a.csv"' } } };
    await (cors().after as unknown as (r: typeof request) => Promise<void> | void)(request);
    const exposed = String(request.response.headers?.['access-control-expose-headers']).split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['etag', 'x-amzn-requestid', 'retry-after', 'content-disposition', 'x-apollo-entries', 'x-apollo-truncated']));
  });

  it('denies a session of a role that is not an Apollo role', async () => {
    const handler = createRoutesHandler(auditRoutes(), {
      'GET /api/v1/audit': async () => ({ status: 200, body: {} }),
      'GET /api/v1/audit/{id}': async () => ({ status: 200, body: {} }),
    }, { validators });
    const res = await call(handler, event({ httpMethod: 'GET', path: '/api/v1/audit', resource: '/api/v1/audit', body: null, userArn: 'arn:aws:sts::111122223333:assumed-role/PowerUser/mallory' }));
    expect(res.statusCode).toBe(403);
  });

  it('answers an unexpected failure with a plain 500: no message, no stack, the request id', async () => {
    const handler = createRoutesHandler(auditRoutes(), {
      'GET /api/v1/audit': async () => { throw new Error('connection string postgres://secret@db leaked?'); },
      'GET /api/v1/audit/{id}': async () => ({ status: 200, body: {} }),
    }, { validators });
    const admin = 'arn:aws:sts::111122223333:assumed-role/ApolloAdmin-prod/root-cause@corp.example';
    const res = await call(handler, event({ httpMethod: 'GET', path: '/api/v1/audit', resource: '/api/v1/audit', body: null, userArn: admin }));
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'InternalError', message: 'internal error', details: [] }, requestId: '5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' });
  });

  it('answers a path it does not serve with 404 and a wrong method with 405', async () => {
    const handler = createRoutesHandler(auditRoutes(), {
      'GET /api/v1/audit': async () => ({ status: 200, body: {} }),
      'GET /api/v1/audit/{id}': async () => ({ status: 200, body: {} }),
    }, { validators });
    const missing = await call(handler, event({ httpMethod: 'GET', path: '/api/v1/nothing', resource: '/api/v1/nothing', body: null }));
    expect(missing.statusCode).toBe(404);
    const wrong = await call(handler, event({ httpMethod: 'DELETE', path: '/api/v1/audit', resource: '/api/v1/audit', body: null }));
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers).toMatchObject({ allow: 'GET' });
  });
});
