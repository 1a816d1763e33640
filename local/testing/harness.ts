/**
 * Integration-test harness: the real local runtime (in-memory dynalite, the gateway, the handlers)
 * on a free loopback port, and signing clients for each local role.
 */
import { ApiClient } from '#shared/api-client';
import type { Role } from '#shared/permissions';
import { startRuntime, type Runtime } from '../runtime.ts';

export interface Harness {
  readonly runtime: Runtime;
  client(role: Role, options?: { now?: () => Date }): ApiClient;
  /** A client for short-lived session credentials, as the web app uses. */
  sessionClient(role: Role): ApiClient;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const runtime = await startRuntime({ port: 0 });
  return {
    runtime,
    client: (role, options = {}) => new ApiClient({ baseUrl: runtime.url, region: runtime.region, credentials: runtime.credentials.roles[role], now: options.now }),
    sessionClient: (role) => {
      const s = runtime.credentials.issueSession(role);
      return new ApiClient({ baseUrl: runtime.url, region: runtime.region, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken } });
    },
    close: () => runtime.close(),
  };
}
