/**
 * Where the CLI points and how it signs: one JSON file written by `apollo configure`
 * ($APOLLO_CONFIG, else $XDG_CONFIG_HOME/apollo/config.json, else ~/.config/apollo/config.json).
 * It holds no secret: AWS credentials come from the default chain at each run; local ones are read
 * from the local runtime's own credentials file, which stays where `npm start` put it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isRole, type Role } from '#shared/permissions';
import { CliError, EXIT } from './exit.ts';

export type Env = Readonly<Record<string, string | undefined>>;

export type AuthConfig =
  /** SigV4 with the default AWS credential chain (env, profiles, SSO, IMDS, web identity), or this profile. */
  | { readonly kind: 'aws'; readonly profile?: string }
  /** The local runtime's keys: one role's long-term key, or a session for a person in its directory. */
  | { readonly kind: 'local'; readonly home: string; readonly role: Role; readonly user?: string };

export interface CliConfig {
  /** The API's base URL (`ApiUrl` of the stack, or `http://127.0.0.1:3000`). */
  readonly endpoint: string;
  readonly region: string;
  /** The WebSocket API (`RealtimeUrl`); `--wait` and `--follow` listen on it. */
  readonly realtimeUrl?: string;
  readonly auth: AuthConfig;
  /** The CloudFormation stack it was read from, when it was. */
  readonly stack?: string;
}

export function configPath(env: Env): string {
  if (env.APOLLO_CONFIG) return resolve(env.APOLLO_CONFIG);
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'apollo', 'config.json');
}

export function readConfig(env: Env): CliConfig | undefined {
  const path = configPath(env);
  if (!existsSync(path)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CliError(`${path} is not JSON (${(error as Error).message})`, EXIT.usage, 'run `apollo configure` again to rewrite it');
  }
  return checkConfig(parsed, path);
}

export function writeConfig(env: Env, config: CliConfig): string {
  const path = configPath(env);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  return path;
}

function checkConfig(value: unknown, path: string): CliConfig {
  const c = value as Partial<CliConfig> | null;
  const bad = (what: string) => new CliError(`${path}: ${what}`, EXIT.usage, 'run `apollo configure` again to rewrite it');
  if (!c || typeof c !== 'object') throw bad('must be an object');
  if (typeof c.endpoint !== 'string' || !/^https?:\/\//.test(c.endpoint)) throw bad('endpoint must be an http(s) URL');
  if (typeof c.region !== 'string' || !c.region) throw bad('region is missing');
  const auth = c.auth as Partial<AuthConfig> | undefined;
  if (!auth || (auth.kind !== 'aws' && auth.kind !== 'local')) throw bad('auth.kind must be aws or local');
  if (auth.kind === 'local' && (typeof auth.home !== 'string' || !isRole(auth.role))) throw bad('a local auth names the runtime home and a role');
  return c as CliConfig;
}

/** The local runtime as `npm start` runs it here: the same PORT, APOLLO_HOME and region, defaults included. */
export function localRuntime(env: Env, cwd: string): { endpoint: string; realtimeUrl: string; home: string; region: string } {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new CliError(`PORT=${env.PORT} is not a port`, EXIT.usage);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    realtimeUrl: `ws://127.0.0.1:${port}/realtime`,
    home: resolve(cwd, env.APOLLO_HOME ?? '.apollo'),
    region: env.APOLLO_LOCAL_REGION ?? 'us-east-1',
  };
}

/** `http(s)://host/stage` → `ws(s)://host/realtime` for the local runtime's shape; AWS stacks give RealtimeUrl. */
export function realtimeUrlFor(config: CliConfig): string | undefined {
  if (config.realtimeUrl) return config.realtimeUrl;
  if (config.auth.kind === 'local') return `${config.endpoint.replace(/^http/, 'ws').replace(/\/$/, '')}/realtime`;
  return undefined;
}
