import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManagerIntegrationSecrets } from './secrets-manager.ts';

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

const client = () => new SecretsManagerClient({ region: 'us-east-1' });

describe('SecretsManagerIntegrationSecrets', () => {
  it('reads <prefix><name> and caches it for five minutes', async () => {
    // Prepare
    let now = 1_000_000;
    sm.on(GetSecretValueCommand, { SecretId: 'apollo/prod/integrations/dns_api_token' }).resolvesOnce({ SecretString: 'tok-1' }).resolves({ SecretString: 'tok-2' });
    const secrets = new SecretsManagerIntegrationSecrets('apollo/prod/integrations/', { client: client(), now: () => now });

    // Act
    const first = await secrets.get('dns_api_token');
    now += 4 * 60_000;
    const cached = await secrets.get('dns_api_token');
    now += 61_000;
    const refreshed = await secrets.get('dns_api_token');

    // Assess
    expect([first, cached, refreshed]).toEqual(['tok-1', 'tok-1', 'tok-2']);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('answers undefined for a secret that does not exist, and asks again next time', async () => {
    sm.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    const secrets = new SecretsManagerIntegrationSecrets('apollo/prod/integrations/', { client: client() });
    expect(await secrets.get('missing')).toBeUndefined();
    expect(await secrets.get('missing')).toBeUndefined();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('throws (without the value) when Secrets Manager fails otherwise', async () => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    const secrets = new SecretsManagerIntegrationSecrets('apollo/prod/integrations/', { client: client() });
    await expect(secrets.get('dns_api_token')).rejects.toThrow('reading the secret apollo/prod/integrations/dns_api_token failed (AccessDeniedException)');
  });

  it('never leaves the prefix: a name with a slash is not looked up', async () => {
    const secrets = new SecretsManagerIntegrationSecrets('apollo/prod/integrations/', { client: client() });
    expect(await secrets.get('../github')).toBeUndefined();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('is configured by APOLLO_INTEGRATION_SECRETS_PREFIX', () => {
    expect(SecretsManagerIntegrationSecrets.fromEnvironment({ APOLLO_INTEGRATION_SECRETS_PREFIX: 'apollo/dev/integrations/' }, client()).prefix).toBe('apollo/dev/integrations/');
    expect(() => SecretsManagerIntegrationSecrets.fromEnvironment({})).toThrow('missing environment variable APOLLO_INTEGRATION_SECRETS_PREFIX');
  });
});
