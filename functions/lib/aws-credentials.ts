/**
 * The SDK's default credential chain (environment, web identity, the Lambda's role…) for a SigV4 signer,
 * borrowed from a CloudWatch client (a dependency already) rather than a direct import of the provider
 * package, and made on first use (nothing at cold start).
 */
import type { AwsCredentialIdentityProvider } from '@smithy/types';

export function defaultCredentials(region: string): AwsCredentialIdentityProvider {
  let provider: Promise<AwsCredentialIdentityProvider> | undefined;
  return async () => {
    provider ??= import('@aws-sdk/client-cloudwatch').then(({ CloudWatchClient }) => {
      const client = new CloudWatchClient({ region });
      return () => client.config.credentials();
    });
    return (await provider)();
  };
}
