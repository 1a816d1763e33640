import { afterEach, describe, expect, it } from 'vitest';
import { AnthropicModel } from './anthropic-model.ts';
import { describeModelSetup, modelFromEnv, readModelConfig, resetModelFromEnv } from './model-config.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:apollo/anthropic-AbCdEf';

afterEach(() => {
  resetModelFromEnv();
});

describe('readModelConfig', () => {
  it('has no model when neither a key, a key secret nor Bedrock is configured', () => {
    expect(readModelConfig({})).toBeUndefined();
    expect(readModelConfig({ ANTHROPIC_BASE_URL: 'http://127.0.0.1:9' })).toBeUndefined();
  });

  it('reads the Anthropic API with a key from the environment, a current Sonnet for everything by default', () => {
    expect(readModelConfig({ ANTHROPIC_API_KEY: 'sk-ant-1' })).toEqual({
      provider: 'anthropic',
      key: { kind: 'env', apiKey: 'sk-ant-1' },
      baseURL: 'https://api.anthropic.com',
      models: { default: 'claude-sonnet-5-5', large: 'claude-sonnet-5-5', small: 'claude-sonnet-5-5' },
      maxAttempts: 4,
      timeoutMs: 60_000,
    });
  });

  it('reads the key secret, the base URL, the model tiers and the tries', () => {
    expect(readModelConfig({
      APOLLO_ANTHROPIC_KEY_SECRET_ARN: SECRET_ARN,
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:4010/',
      APOLLO_AI_MODEL: 'claude-sonnet-5-5',
      APOLLO_AI_MODEL_LARGE: 'claude-opus-5-5',
      APOLLO_AI_MODEL_SMALL: 'claude-haiku-5-5',
      APOLLO_AI_MAX_ATTEMPTS: '2',
      APOLLO_AI_TIMEOUT_MS: '30000',
    })).toEqual({
      provider: 'anthropic',
      key: { kind: 'secret', secretArn: SECRET_ARN },
      baseURL: 'http://127.0.0.1:4010',
      models: { default: 'claude-sonnet-5-5', large: 'claude-opus-5-5', small: 'claude-haiku-5-5' },
      maxAttempts: 2,
      timeoutMs: 30_000,
    });
  });

  it('reads Bedrock: the region, Bedrock\'s model ids', () => {
    expect(readModelConfig({ APOLLO_AI_PROVIDER: 'bedrock', AWS_REGION: 'eu-central-1', APOLLO_AI_MODEL_LARGE: 'global.anthropic.claude-opus-5-5' })).toEqual({
      provider: 'bedrock',
      region: 'eu-central-1',
      baseURL: undefined,
      models: { default: 'global.anthropic.claude-sonnet-5-5', large: 'global.anthropic.claude-opus-5-5', small: 'global.anthropic.claude-sonnet-5-5' },
      maxAttempts: 4,
      timeoutMs: 60_000,
    });
  });

  it.each([
    [{ APOLLO_AI_PROVIDER: 'openai' }, 'APOLLO_AI_PROVIDER must be anthropic or bedrock, not "openai"'],
    [{ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'localhost:4010' }, 'ANTHROPIC_BASE_URL must be an http(s) URL, not "localhost:4010"'],
    [{ APOLLO_ANTHROPIC_KEY_SECRET_ARN: 'apollo/anthropic' }, 'APOLLO_ANTHROPIC_KEY_SECRET_ARN must be a Secrets Manager secret ARN, not "apollo/anthropic"'],
    [{ ANTHROPIC_API_KEY: 'k', APOLLO_AI_MAX_ATTEMPTS: '0' }, 'APOLLO_AI_MAX_ATTEMPTS must be a whole number from 1 to 10, not "0"'],
    [{ ANTHROPIC_API_KEY: 'k', APOLLO_AI_MODEL: 'claude sonnet' }, 'APOLLO_AI_MODEL must be a model id without spaces, not "claude sonnet"'],
  ])('fails fast on a malformed setting: %o', (env, message) => {
    expect(() => readModelConfig(env)).toThrow(message);
  });
});

describe('modelFromEnv', () => {
  it('is undefined without a model, and the setup message says what to set', () => {
    expect(modelFromEnv({})).toBeUndefined();
    const setup = describeModelSetup();
    for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'APOLLO_ANTHROPIC_KEY_SECRET_ARN', 'APOLLO_AI_PROVIDER=bedrock', 'APOLLO_AI_FAKE_MODEL=1']) expect(setup).toContain(name);
  });

  it('builds the adapter once, for Anthropic or Bedrock', () => {
    const model = modelFromEnv({ ANTHROPIC_API_KEY: 'sk-ant-1', APOLLO_AI_MODEL_LARGE: 'claude-opus-5-5' });
    expect(model).toBeInstanceOf(AnthropicModel);
    expect([model?.source, model?.modelFor('debug'), model?.modelFor('logs')]).toEqual(['anthropic', 'claude-opus-5-5', 'claude-sonnet-5-5']);
    expect(modelFromEnv({})).toBe(model);
    resetModelFromEnv();
    expect(modelFromEnv({ APOLLO_AI_PROVIDER: 'bedrock' })?.source).toBe('bedrock');
  });
});
