/** The app's view of the one signing client: calls that throw a RequestError naming the route they hit. */
import { ApiClient, ApiError, type CallOptions, type CredentialProvider } from '../../../shared/api-client.ts';
import { RealtimeClient } from '../../../shared/realtime-client.ts';
import { apiBaseUrl, realtimeUrl, type WebConfig } from './config.ts';
import { useRealtimeState } from './store.ts';

/** An API error that remembers which call failed, so a 403 can name the route's permission. */
export class RequestError extends ApiError {
  constructor(error: ApiError, readonly method: string, readonly path: string) {
    super(error.status, error.code, error.message, error.details, error.requestId);
    this.name = 'RequestError';
  }
}

export interface Api {
  call<T>(method: string, path: string, options?: CallOptions): Promise<{ body: T; headers: Headers }>;
  get<T>(path: string, query?: CallOptions['query']): Promise<T>;
}

export interface Services {
  readonly config: WebConfig;
  readonly api: Api;
  readonly realtime: RealtimeClient;
}

/** The gateway refused the credentials themselves (not a permission): renewing them may help. */
const isStaleCredentials = (error: unknown): boolean =>
  error instanceof ApiError && error.status === 403 &&
  (error.code === 'UnrecognizedClientException' || error.code === 'ExpiredTokenException' || /security token included in the request is (invalid|expired)/.test(error.message));

/**
 * `renewCredentials` replaces credentials the gateway no longer knows (a runtime started with a
 * fresh APOLLO_HOME, an expired session): the call is retried once with the new ones.
 */
export function createServices(config: WebConfig, credentials: CredentialProvider, renewCredentials?: () => Promise<void>): Services {
  const client = new ApiClient({ baseUrl: apiBaseUrl(config), region: config.region, credentials });
  // Calls refused together (a page's queries) share one renewal.
  let renewing: Promise<void> | undefined;
  const renew = () => (renewing ??= renewCredentials!().finally(() => { renewing = undefined; }));
  const api: Api = {
    async call<T>(method: string, path: string, options: CallOptions = {}) {
      const attempt = async (renewed: boolean): Promise<{ body: T; headers: Headers }> => {
        try {
          const response = await client.call<T>(method, path, options);
          return { body: response.body, headers: response.headers };
        } catch (error) {
          if (!renewed && renewCredentials && isStaleCredentials(error)) {
            await renew();
            return attempt(true);
          }
          if (error instanceof ApiError) throw new RequestError(error, method, path);
          throw error;
        }
      };
      return attempt(false);
    },
    async get<T>(path: string, query?: CallOptions['query']) {
      return (await api.call<T>('GET', path, { query })).body;
    },
  };
  const realtime = new RealtimeClient({ url: realtimeUrl(config), region: config.region, credentials });
  realtime.onStateChange((state) => useRealtimeState.getState().setState(state));
  return { config, api, realtime };
}
