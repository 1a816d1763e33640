import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { identify } from './identity.ts';
import { LambdaApolloApi } from './on-behalf-lambda.ts';
import { onBehalfEvent, onBehalfOf } from './on-behalf.ts';

const AS = { principal: 'dana@example.com', role: 'operator' as const, aiSessionId: '01JEX4MPQE0000000000000000', actionId: 'a'.repeat(64) };
const SCALE = { route: 'POST /api/v1/services/{id}/scale', params: { id: 'core-service' }, body: { environment: 'prod', replicas: 4 } };

describe('a route called as a person', () => {
  it('is the gateway event of that route with the person as the session of their Apollo role, marked for the audit', async () => {
    const event = onBehalfEvent(AS, SCALE, '123456789012');
    expect(event).toMatchObject({ resource: '/api/v1/services/{id}/scale', path: '/api/v1/services/core-service/scale', httpMethod: 'POST', pathParameters: { id: 'core-service' } });
    expect(JSON.parse(event.body!)).toEqual(SCALE.body);
    expect(event.headers['idempotency-key']).toBe(`ai-${'a'.repeat(60)}`);
    expect(onBehalfOf(event)).toEqual({ aiSessionId: AS.aiSessionId, actionId: AS.actionId });
    // The identity the handler reads is the person's, with their role: nothing more.
    expect(await identify(event.requestContext.identity)).toMatchObject({ principal: 'dana@example.com', role: 'operator', kind: 'iam', accountId: '123456789012' });
    // A gateway event never carries the marker.
    expect(onBehalfOf({ requestContext: { ...event.requestContext, apolloOnBehalf: undefined } as never })).toBeUndefined();
    expect(() => onBehalfEvent(AS, { route: 'POST /api/v1/nowhere' })).toThrow('no route');
    expect(() => onBehalfEvent(AS, { route: SCALE.route })).toThrow('needs the parameter id');
  });

  it('in AWS invokes the route\'s context function by its name and reads its answer; a function error is an error', async () => {
    const lambda = mockClient(LambdaClient);
    lambda.on(InvokeCommand).resolvesOnce({ StatusCode: 200, Payload: Buffer.from(JSON.stringify({ statusCode: 201, body: JSON.stringify({ id: 'dep-1' }) })) as never })
      .resolvesOnce({ StatusCode: 200, FunctionError: 'Unhandled', Payload: Buffer.from('{"errorMessage":"boom"}') as never });
    const api = new LambdaApolloApi('apollo-prod-', new LambdaClient({}));
    expect(await api.call(AS, SCALE)).toEqual({ statusCode: 201, body: { id: 'dep-1' } });
    const input = lambda.commandCalls(InvokeCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'apollo-prod-deployments', InvocationType: 'RequestResponse' });
    expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString('utf8'))).toMatchObject({ resource: '/api/v1/services/{id}/scale', requestContext: { apolloOnBehalf: { aiSessionId: AS.aiSessionId } } });
    await expect(api.call(AS, SCALE)).rejects.toThrow('deployments failed: {"errorMessage":"boom"}');
    lambda.restore();
  });
});
