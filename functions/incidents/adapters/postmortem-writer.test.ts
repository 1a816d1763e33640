/**
 * The API Lambda's postmortem writer: a model writes only when the model's settings name one and there is a jobs
 * Lambda to hand it to; the hand-over is an asynchronous invocation of the job incident-postmortem. Lambda is mocked.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LambdaPostmortemWriter } from './postmortem-writer.ts';

const lambda = mockClient(LambdaClient);
beforeEach(() => { lambda.reset(); });

describe('the API Lambda\'s postmortem writer', () => {
  it('says a model writes only with the model\'s settings and a jobs Lambda', async () => {
    expect(await new LambdaPostmortemWriter({ ANTHROPIC_API_KEY: 'k' }).configured()).toBe(false);
    expect(await new LambdaPostmortemWriter({ APOLLO_JOBS_FUNCTION: 'apollo-dev-jobs' }).configured()).toBe(false);
    expect(await new LambdaPostmortemWriter({ APOLLO_JOBS_FUNCTION: 'apollo-dev-jobs', APOLLO_ANTHROPIC_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:anthropic-AbCdEf' }).configured()).toBe(true);
    expect(await new LambdaPostmortemWriter({ APOLLO_JOBS_FUNCTION: 'apollo-dev-jobs', APOLLO_AI_PROVIDER: 'bedrock' }).configured()).toBe(true);
  });

  it('hands the writing to the jobs Lambda as an asynchronous invocation of incident-postmortem', async () => {
    // Prepare
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    // Act
    await new LambdaPostmortemWriter({ APOLLO_JOBS_FUNCTION: 'apollo-dev-jobs' }).dispatch('01JEX4MPQE0000000000000000/1');

    // Assess
    const [call] = lambda.commandCalls(InvokeCommand);
    expect({ ...call!.args[0].input, Payload: JSON.parse(Buffer.from(call!.args[0].input.Payload as Uint8Array).toString()) as unknown }).toEqual({
      FunctionName: 'apollo-dev-jobs', InvocationType: 'Event', Payload: { job: 'incident-postmortem', jobId: '01JEX4MPQE0000000000000000/1' },
    });
  });

  it('fails the hand-over when there is no jobs Lambda, or it does not take the invocation', async () => {
    await expect(new LambdaPostmortemWriter({}).dispatch('x/1')).rejects.toThrow('APOLLO_JOBS_FUNCTION is not set');
    lambda.on(InvokeCommand).resolves({ StatusCode: 500 });
    await expect(new LambdaPostmortemWriter({ APOLLO_JOBS_FUNCTION: 'apollo-dev-jobs' }).dispatch('x/1')).rejects.toThrow('answered 500');
  });
});
