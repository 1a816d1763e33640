/**
 * The ownership hook over the real table: a caller without the stronger permission passes when they
 * own the resource or belong to its owning team, and only then.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRoutesHandler } from '#lib/http';
import type { RouteDef } from '#shared/routes';
import { writeMember } from '../../functions/identity/adapters/dynamo-store.ts';
import assumedRole from '../../functions/lib/fixtures/assumed-role-event.json' with { type: 'json' };
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); });

// Developers may edit a thing of their own team's; editing anyone's needs catalog:manage (admin).
const route: RouteDef = { method: 'PUT', path: '/things/{id}', context: 'identity', auth: 'iam', permission: 'services:write', summary: 'edit a thing' };
const handler = createRoutesHandler([route], {
  'PUT /things/{id}': async (req) => {
    await req.requireOwnerOr('catalog:manage', { principal: 'owner@corp.example', team: req.params.id });
    return { status: 200, body: { teams: await req.teams() } };
  },
}) as unknown as (e: APIGatewayProxyEvent, c: Context) => Promise<APIGatewayProxyResult>;

function callAs(role: string, principal: string, team: string) {
  const event = structuredClone(assumedRole) as unknown as APIGatewayProxyEvent;
  Object.assign(event, { httpMethod: 'PUT', resource: route.path, path: `/things/${team}`, pathParameters: { id: team }, body: null });
  event.requestContext.identity.userArn = `arn:aws:sts::111122223333:assumed-role/Apollo${role}-prod/${principal}`;
  return handler(event, { awsRequestId: 'x', getRemainingTimeInMillis: () => 5000 } as unknown as Context);
}

it('lets members of the owning team and the owner through, and admins; nobody else', async () => {
  await writeMember({ teamId: 'payments', principal: 'member@corp.example', role: 'member', addedAt: '2026-11-24T00:00:00.000Z', addedBy: 'test' });

  const member = await callAs('Developer', 'member@corp.example', 'payments');
  expect(member.statusCode).toBe(200);
  expect(JSON.parse(member.body)).toEqual({ teams: [{ teamId: 'payments', role: 'member' }] });

  expect((await callAs('Developer', 'owner@corp.example', 'growth')).statusCode).toBe(200);
  expect((await callAs('Admin', 'someone@corp.example', 'growth')).statusCode).toBe(200);

  const outsider = await callAs('Developer', 'member@corp.example', 'growth');
  expect(outsider.statusCode).toBe(403);
  expect(JSON.parse(outsider.body).error.message).toBe('member@corp.example is neither the owner nor in team growth and lacks the permission catalog:manage');

  expect((await callAs('Viewer', 'member@corp.example', 'payments')).statusCode).toBe(403);
});
