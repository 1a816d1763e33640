/**
 * One run of the CLI: its streams and environment (injected, so tests run it in-process), the
 * global flags, and what commands share: the configured signing client, the realtime client, output.
 */
import WebSocket from 'ws';
import { ApiClient, type ApiResponse, type CredentialProvider } from '#shared/api-client';
import { RealtimeClient, type SocketLike } from '#shared/realtime-client';
import type { RouteKey } from '#shared/routes';
import { readConfig, realtimeUrlFor, type CliConfig, type Env } from './config.ts';
import { credentialProvider } from './credentials.ts';
import { CliError, EXIT } from './exit.ts';
import { COLOUR, PLAIN, renderParts, Spinner, type OutputFormat, type Style, type View, type Writer } from './output.ts';

export interface Io {
  readonly stdout: Writer & { readonly isTTY?: boolean };
  readonly stderr: Writer & { readonly isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: Env;
  readonly cwd: string;
  /** Tests pass one that checks responses against their schemas. */
  readonly fetch?: typeof fetch;
}

export interface GlobalOptions {
  readonly output: OutputFormat;
  readonly endpoint?: string;
  readonly region?: string;
  readonly profile?: string;
  /** `--no-color` sets it false. */
  readonly color: boolean;
}

function isLoopback(endpoint: string): boolean {
  try {
    return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

export class Cli {
  /** The command line as given (a paged table's footer repeats it with the next cursor). */
  argv: readonly string[] = [];
  private configured: CliConfig | undefined;
  private client: ApiClient | undefined;
  private provider: CredentialProvider | undefined;

  constructor(readonly io: Io, readonly globals: () => GlobalOptions) {}

  get format(): OutputFormat {
    return this.globals().output;
  }

  get style(): Style {
    const { env, stdout } = this.io;
    return this.globals().color && stdout.isTTY && env.NO_COLOR === undefined && env.TERM !== 'dumb' ? COLOUR : PLAIN;
  }

  /** The configuration with this run's flags and APOLLO_* variables over the file's. */
  config(): CliConfig {
    if (this.configured) return this.configured;
    const { env } = this.io;
    const g = this.globals();
    const file = readConfig(env);
    const endpoint = g.endpoint ?? env.APOLLO_ENDPOINT ?? file?.endpoint;
    if (!endpoint) {
      throw new CliError('Apollo is not configured', EXIT.usage, 'run `apollo configure --local` (the local runtime) or `apollo configure --stack <name>` (a deployed stack), or set APOLLO_ENDPOINT');
    }
    const region = g.region ?? env.APOLLO_REGION ?? file?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) throw new CliError('no region: pass --region, set APOLLO_REGION, or run `apollo configure`', EXIT.usage);
    // Another endpoint than the file's keeps the file's credentials, except that the local runtime's keys
    // are only ever sent to a loopback address: anywhere else signs with the AWS chain.
    const auth = file && (file.endpoint === endpoint || file.auth.kind === 'aws' || isLoopback(endpoint)) ? file.auth : { kind: 'aws' as const };
    const realtimeUrl = env.APOLLO_REALTIME_URL ?? (file && file.endpoint === endpoint ? file.realtimeUrl : undefined);
    this.configured = { endpoint, region, auth, ...(realtimeUrl ? { realtimeUrl } : {}), ...(file?.stack ? { stack: file.stack } : {}) };
    return this.configured;
  }

  api(): ApiClient {
    if (this.client) return this.client;
    const config = this.config();
    const credentials = this.credentials();
    const fetchFn = this.io.fetch ?? fetch;
    this.client = new ApiClient({
      baseUrl: config.endpoint,
      region: config.region,
      credentials,
      fetch: async (input, init) => {
        try {
          return await fetchFn(input, init);
        } catch (error) {
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          throw new CliError(`nothing answers at ${config.endpoint} (${cause?.code ?? cause?.message ?? (error as Error).message})`, EXIT.failure,
            config.auth.kind === 'local' ? 'is the local runtime running? `npm start` in the checkout' : 'check the endpoint (`apollo configure --show`) and your network');
        }
      },
    });
    return this.client;
  }

  /** Calls one route of the table (typed from it); throws ApiError for 400 and above. */
  request: ApiClient['request'] = ((key: RouteKey, ...rest: unknown[]) => (this.api().request as (k: RouteKey, ...r: unknown[]) => Promise<ApiResponse>)(key, ...rest)) as ApiClient['request'];

  /** One provider for the API and the realtime client: a local session or an SSO token is fetched once a run. */
  private credentials(): CredentialProvider {
    if (this.provider) return this.provider;
    const config = this.config();
    this.provider = credentialProvider(config.auth, { endpoint: config.endpoint, profile: this.globals().profile, ...(this.io.fetch ? { fetch: this.io.fetch } : {}) });
    return this.provider;
  }

  /** A realtime connection (for --wait and --follow); undefined when the configuration names none. */
  realtime(): RealtimeClient | undefined {
    const config = this.config();
    const url = realtimeUrlFor(config);
    if (!url) return undefined;
    return new RealtimeClient({ url, region: config.region, credentials: this.credentials(), WebSocket: WebSocket as unknown as new (url: string) => SocketLike, minDelayMs: 500, maxDelayMs: 5_000 });
  }

  /** Prints a result on stdout in the chosen format (a table's footer, a note for people, on stderr). */
  print<T>(data: unknown, view: View<T>): void {
    const { out, footer } = renderParts(this.format, data, view, this.style);
    this.io.stdout.write(out);
    if (footer) this.io.stderr.write(footer);
  }

  /** A line for people on stderr (progress, hints): scripts reading stdout never see it. */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  spinner(): Spinner {
    return new Spinner(this.io.stderr, this.io.stderr.isTTY === true && this.format === 'table');
  }
}
