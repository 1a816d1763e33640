/** The secrets context: Secrets Manager per environment (as the caller), the metadata cache, the daily expiry job. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'secrets',
  summary: 'Secrets: AWS Secrets Manager per environment (apollo/<env>/<service>/<name>) through a role assumed with the caller as SourceIdentity; metadata cached for lists; masked values (last 4) for admins; rotation, history, rollback, deletion with recovery; the daily expiry job and compliance',
  // The stores are reached through the secrets role (sts:AssumeRole with SourceIdentity).
  bindings: ['secrets-stores'],
  heavy: [{
    what: '@aws-sdk/client-sts (AssumeRole with the caller as SourceIdentity) and @aws-sdk/client-secrets-manager, the catalog\'s references and the team members (Cognito\'s user directory), and client-eventbridge (notifications)',
    neededBy: 'every /api/v1/secrets/{env}/{service}/{secret} route (each reaches the environment\'s Secrets Manager as the caller) and GET /api/v1/secrets (a developer sees their teams\' services); rotate, update and rollback offer restarts to the teams',
  }],
  jobs: [{
    name: 'secret-expiry',
    description: 'Daily: lists every environment\'s secrets, refreshes their cached metadata, judges them by the rotation policy (overdue, due soon, unused), keeps the day\'s compliance, tells owning teams (and Slack), and opens an incident for an overdue secret of a critical production service',
    schedule: 'cron(0 6 * * ? *)',
    runAtLocalStart: true,
    timeoutSeconds: 300,
    bindings: ['secrets-stores'],
    run: async () => {
      const { runSecretExpiry } = await import('./expiry.ts');
      const result = await runSecretExpiry();
      return { result, summary: { secrets: result.secrets, overdue: result.overdue, dueSoon: result.dueSoon, percent: result.compliance.percent, failures: result.failures.length } };
    },
  }],
  local: async (runtime) => {
    const { configureSecretsLocal } = await import('./local.ts');
    return configureSecretsLocal(runtime);
  },
};
