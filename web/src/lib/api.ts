/** The app's view of the one signing client: calls that throw a RequestError naming the route they hit. */
import { ApiClient, ApiError, splitKey, type ApiResponse, type CredentialProvider, type RequestArgs, type RequestOptions } from '../../../shared/api-client.ts';
import { fillPath, type ResponseOf, type RouteKey } from '../../../shared/routes.ts';
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

/** Calls routes of the table, typed from it (see ApiClient.request). */
export interface Api {
  /** The whole answer: body and headers (an ETag, a Location). */
  request<K extends RouteKey>(key: K, ...args: RequestArgs<K>): Promise<{ body: ResponseOf<K>; headers: Headers }>;
  /** The body only. */
  read<K extends RouteKey>(key: K, ...args: RequestArgs<K>): Promise<ResponseOf<K>>;
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
    async request<K extends RouteKey>(key: K, ...args: RequestArgs<K>) {
      const attempt = async (renewed: boolean): Promise<ApiResponse<ResponseOf<K>>> => {
        try {
          return await client.request(key, ...args);
        } catch (error) {
          if (!renewed && renewCredentials && isStaleCredentials(error)) {
            await renew();
            return attempt(true);
          }
          if (error instanceof ApiError) {
            const { method, path } = splitKey(key);
            const params = (args[0] as RequestOptions<K> & { params?: Record<string, string> } | undefined)?.params ?? {};
            throw new RequestError(error, method, fillPath(path, params));
          }
          throw error;
        }
      };
      const { body, headers } = await attempt(false);
      return { body, headers };
    },
    async read<K extends RouteKey>(key: K, ...args: RequestArgs<K>) {
      return (await api.request(key, ...args)).body;
    },
  };
  const realtime = new RealtimeClient({ url: realtimeUrl(config), region: config.region, credentials });
  realtime.onStateChange((state) => useRealtimeState.getState().setState(state));
  return { config, api, realtime };
}
