/**
 * The CLI's test harness: the real local runtime in-process (local/testing/harness.ts), the CLI run
 * in-process against it (`main(argv, io)`: signed HTTP, real WebSocket), one configuration per local
 * role in a temporary HOME, every API response checked against its route's schema on the way.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ROLES, type Role } from '#shared/permissions';
import { checkResponse } from '../local/testing/response-schemas.ts';
import { fetchChecked, startHarness, type Harness } from '../local/testing/harness.ts';
import type { CliConfig } from './config.ts';
import { main } from './main.ts';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (run with `-o json`). */
  json<T = unknown>(): T;
}

export interface RunOptions {
  readonly role?: Role;
  /** Sign as this person of the local directory (a session from the runtime's sign-in helper). */
  readonly user?: string;
  readonly stdin?: string;
  /** Pretend stdin and stderr are a terminal (prompts, the spinner). */
  readonly tty?: boolean;
  readonly env?: Record<string, string | undefined>;
}

export interface CliHarness {
  readonly h: Harness;
  /** A temporary HOME; its configurations and the runtime's credentials file live in it. */
  readonly home: string;
  run(argv: readonly string[], options?: RunOptions): Promise<CliRun>;
  close(): Promise<void>;
}

/** A stream that collects what is written to it. */
export function sink(isTTY = false): { write(chunk: string): boolean; isTTY: boolean; text: () => string } {
  let text = '';
  return { isTTY, write: (chunk: string) => { text += chunk; return true; }, text: () => text };
}

export async function startCliHarness(existing?: Harness): Promise<CliHarness> {
  const h = existing ?? await startHarness();
  const home = mkdtempSync(join(tmpdir(), 'apollo-cli-'));
  const runtimeHome = join(home, 'runtime');
  // The runtime in tests keeps its keys in memory: the CLI reads them from a file, as from `npm start`'s.
  mkdirSync(runtimeHome, { recursive: true });
  writeFileSync(join(runtimeHome, 'credentials.json'), JSON.stringify(h.runtime.credentials.roles), { mode: 0o600 });
  const configFor = (role: Role, user?: string): string => {
    const path = join(home, `config-${user ?? role}.json`);
    const config: CliConfig = {
      endpoint: h.runtime.url, region: h.runtime.region, realtimeUrl: h.runtime.realtimeUrl,
      auth: { kind: 'local', home: runtimeHome, role, ...(user ? { user } : {}) },
    };
    writeFileSync(path, JSON.stringify(config));
    return path;
  };
  for (const role of ROLES) configFor(role);
  return {
    h,
    home,
    async run(argv, options = {}) {
      const stdout = sink(false);
      const stderr = sink(options.tty === true);
      const stdin = Object.assign(Readable.from(options.stdin === undefined ? [] : [options.stdin]), { isTTY: options.tty === true });
      const config = options.user ? configFor(options.role ?? 'developer', options.user) : join(home, `config-${options.role ?? 'developer'}.json`);
      const env = { HOME: home, APOLLO_CONFIG: config, ...options.env };
      const code = await main(argv, { stdout, stderr, stdin, env, cwd: home, fetch: fetchChecked });
      return {
        code,
        stdout: stdout.text(),
        stderr: stderr.text(),
        json<T>() {
          try {
            return JSON.parse(stdout.text()) as T;
          } catch {
            throw new Error(`stdout is not JSON (exit ${code}):\n${stdout.text()}\nstderr:\n${stderr.text()}`);
          }
        },
      };
    },
    async close() {
      rmSync(home, { recursive: true, force: true });
      if (!existing) await h.close();
    },
  };
}

/** Holds a `-o json` output to the schema of the route it came from (as the API answered it). */
export function expectRouteShape(method: string, pathname: string, body: unknown): void {
  checkResponse(method, pathname, 200, new Headers({ 'content-type': 'application/json' }), JSON.stringify(body));
}
