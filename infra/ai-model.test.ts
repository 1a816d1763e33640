/**
 * The AI console's model settings (CDK context `aiProvider`, `anthropicKeySecretArn`, `aiModel…`): the ai API
 * Lambda and the jobs Lambda (where turns run) are told them and may read exactly that key, or invoke Bedrock's
 * models of the region; a wrong one fails synth; none: no setting, no permission.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ApolloStack } from './apollo-stack.ts';
import { lambdaEnv, roleStatements, testApp, WEB_DIST_FIXTURE } from './testing.ts';

type Ai = NonNullable<ConstructorParameters<typeof ApolloStack>[2]['ai']>;
const KEY = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:apollo/anthropic-AbCdEf';

function made(id: string, ai: Ai | undefined) {
  const stack = new ApolloStack(testApp(), `Apollo-${id}`, { stage: id, webDist: WEB_DIST_FIXTURE, ...(ai ? { ai } : {}) });
  const template = Template.fromStack(stack);
  const of = (fn: string) => ({ env: lambdaEnv(template, id, fn), statements: roleStatements(stack, template, fn) });
  return { api: of('ai'), jobs: of('jobs') };
}

describe('the AI console\'s model (ai-model)', () => {
  it('anthropic: the key\'s secret, read by the API and the jobs Lambda, and nothing of Bedrock', () => {
    const { api, jobs } = made('aianthropic', { provider: 'anthropic', anthropicKeySecretArn: KEY, model: 'claude-sonnet-5-5' });
    for (const fn of [api, jobs]) {
      expect(fn.env).toMatchObject({ APOLLO_ANTHROPIC_KEY_SECRET_ARN: KEY, APOLLO_AI_MODEL: 'claude-sonnet-5-5' });
      const reads = fn.statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).flatMap((s) => [s.Resource].flat());
      expect(reads).toContain(KEY);
      expect(fn.statements.flatMap((s) => [s.Action].flat()).some((a) => String(a).startsWith('bedrock:'))).toBe(false);
    }
    expect(api.env.APOLLO_JOBS_FUNCTION).toEqual(expect.anything());
  });

  it('bedrock: the provider, and InvokeModelWithResponseStream on the region\'s models', () => {
    const { jobs } = made('aibedrock', { provider: 'bedrock', model: 'global.anthropic.claude-sonnet-5-5' });
    expect(jobs.env).toMatchObject({ APOLLO_AI_PROVIDER: 'bedrock', APOLLO_AI_MODEL: 'global.anthropic.claude-sonnet-5-5' });
    expect(jobs.statements.flatMap((s) => [s.Action].flat())).toEqual(expect.arrayContaining(['bedrock:InvokeModelWithResponseStream']));
  });

  it('none: no model setting and no permission for it', () => {
    const { jobs } = made('ainone', undefined);
    expect(Object.keys(jobs.env).filter((k) => k.startsWith('APOLLO_AI_') || k.startsWith('ANTHROPIC'))).toEqual([]);
  });

  it.each([
    [{ provider: 'openai' }, 'aiProvider must be anthropic or bedrock'],
    [{ provider: 'anthropic' }, 'aiProvider anthropic needs anthropicKeySecretArn'],
    [{ anthropicKeySecretArn: 'apollo/anthropic' }, 'anthropicKeySecretArn must be a Secrets Manager secret ARN'],
  ])('refuses %j at synth', (ai, message) => {
    expect(() => made('aibad', ai as Ai)).toThrow(message);
  });
});
