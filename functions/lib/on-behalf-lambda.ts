/**
 * The AWS side of calling Apollo's routes as a person (on-behalf.ts): the route's context Lambda, invoked
 * synchronously by its fixed name `<prefix><context>` (APOLLO_API_FUNCTION_PREFIX, the `apollo-api-invoke` binding).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { answerOf, onBehalfEvent, resolveCall, type ApolloApi, type OnBehalf, type RouteAnswer, type RouteCall } from './on-behalf.ts';

/** AWS: the route's context Lambda, invoked synchronously (`<prefix><context>`, APOLLO_API_FUNCTION_PREFIX). */
export class LambdaApolloApi implements ApolloApi {
  constructor(private readonly prefix: string, private readonly client = new LambdaClient({})) {}

  async call(as: OnBehalf, call: RouteCall): Promise<RouteAnswer> {
    const { route } = resolveCall(call);
    const out = await this.client.send(new InvokeCommand({
      FunctionName: `${this.prefix}${route.context}`,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(JSON.stringify(onBehalfEvent(as, call))),
    }));
    const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
    if (out.FunctionError) throw new Error(`${route.context} failed: ${text.slice(0, 300)}`);
    return answerOf(JSON.parse(text) as APIGatewayProxyResult);
  }
}

/** From the environment: the Lambda adapter when APOLLO_API_FUNCTION_PREFIX is set, else none. */
export function apolloApiFromEnv(env: NodeJS.ProcessEnv = process.env): ApolloApi | undefined {
  return env.APOLLO_API_FUNCTION_PREFIX ? new LambdaApolloApi(env.APOLLO_API_FUNCTION_PREFIX) : undefined;
}
