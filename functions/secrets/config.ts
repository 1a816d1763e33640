/** The secrets context's settings, read once (cold start), failing fast on a malformed value. */
import { envInteger } from '#lib/config';

export interface SecretsConfig {
  /** Due within this many days counts as due soon (APOLLO_SECRETS_DUE_SOON_DAYS). @default 14 */
  readonly dueSoonDays: number;
  /** Not read for this many days counts as unused (APOLLO_SECRETS_UNUSED_DAYS). @default 90 */
  readonly unusedDays: number;
  /** Where the expiry job also posts its summary (APOLLO_SECRETS_SLACK_WEBHOOK_URL, a Slack incoming webhook). @default none */
  readonly slackWebhookUrl: string | undefined;
}

export function readSecretsConfig(env: NodeJS.ProcessEnv = process.env): SecretsConfig {
  const slack = env.APOLLO_SECRETS_SLACK_WEBHOOK_URL || undefined;
  if (slack && !/^https:\/\/hooks\.slack\.com\/services\/\S+$/.test(slack) && !/^http:\/\/127\.0\.0\.1:\d+\//.test(slack)) {
    throw new Error('APOLLO_SECRETS_SLACK_WEBHOOK_URL must be a Slack incoming webhook (https://hooks.slack.com/services/…)');
  }
  return {
    dueSoonDays: envInteger(env, 'APOLLO_SECRETS_DUE_SOON_DAYS', 14, 1, 365),
    unusedDays: envInteger(env, 'APOLLO_SECRETS_UNUSED_DAYS', 90, 7, 3650),
    slackWebhookUrl: slack,
  };
}

let cached: SecretsConfig | undefined;
export function secretsConfig(): SecretsConfig {
  cached ??= readSecretsConfig();
  return cached;
}
