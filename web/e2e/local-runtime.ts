/**
 * The local runtime as a child process (`tsx local/start.ts`), so a test can kill it and start it
 * again on the same port and APOLLO_HOME, as a person restarting `npm start` would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { ApiClient } from '../../shared/api-client.ts';
import type { Role } from '../../shared/permissions.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class LocalApollo {
  readonly home = mkdtempSync(join(tmpdir(), 'apollo-e2e-'));
  private child: ChildProcess | undefined;
  private output = '';

  /** `env`: more settings for the runtime's process (e.g. APOLLO_AI_FAKE_MODEL=1). */
  constructor(readonly port: number, private readonly env: Readonly<Record<string, string>> = {}) {}

  /** A signing client with the runtime's long-term key for a role (as the README's curl uses). */
  client(role: Role): ApiClient {
    const roles = JSON.parse(readFileSync(join(this.home, 'credentials.json'), 'utf8')) as Record<Role, { accessKeyId: string; secretAccessKey: string }>;
    return new ApiClient({ baseUrl: this.url, region: 'us-east-1', credentials: roles[role] });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.output = '';
    const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['local/start.ts'], {
      cwd: ROOT,
      // Canary analysis in seconds (8 checks a second apart, 2 failed roll back): a test's deploy ends in moments, and a
      // push made once it is under way lands well inside its analysis on a busy CI machine.
      env: { APOLLO_CANARY_INTERVAL_S: '1', APOLLO_CANARY_ITERATIONS: '8', APOLLO_CANARY_THRESHOLD: '2', ...process.env, ...this.env, PORT: String(this.port), HOST: '127.0.0.1', APOLLO_HOME: this.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`runtime did not start in 60 s:\n${this.output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (this.output.includes('Apollo is running at')) { clearTimeout(timer); resolve(); }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => { this.output += chunk.toString(); });
      child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`runtime exited (${code}):\n${this.output}`)); });
    });
  }

  /** Stops the runtime (SIGTERM, then SIGKILL after 5 s) and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.home, { recursive: true, force: true });
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface LocalApolloFixture {
  /** The file's runtime (its own port and APOLLO_HOME). */
  readonly apollo: LocalApollo;
  readonly browser: Browser;
}

/**
 * For a test file: starts its own local runtime on a free port and Chromium before its tests (and
 * makes test-results/ for screenshots), and disposes both after. Read the getters inside tests.
 */
export function useLocalApollo(options: { env?: Readonly<Record<string, string>> } = {}): LocalApolloFixture {
  let apollo: LocalApollo | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    mkdirSync(join(ROOT, 'test-results'), { recursive: true });
    apollo = new LocalApollo(await freePort(), options.env);
    await apollo.start();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await apollo?.dispose();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useLocalApollo: read inside a test, after beforeAll has started the runtime');
    return value;
  };
  return {
    get apollo() { return started(apollo); },
    get browser() { return started(browser); },
  };
}

export async function newContext(browser: Browser, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1, colorScheme: options.colorScheme ?? 'light', locale: 'en-GB', timezoneId: 'UTC' });
}

/** Opens `path` and signs in as `user` on the local sign-in page; resolves once the shell shows their role. */
export async function signIn(context: BrowserContext, baseUrl: string, user: string, path = '/'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(baseUrl + path);
  await page.locator(`[data-testid="sign-in-user"][data-user="${user}"]`).click();
  await page.getByTestId('user-role').filter({ hasText: /\w/ }).waitFor();
  return page;
}

/** The navigation's labels, without their badges (the Approvals count). */
export const navLabels = (page: Page): Promise<string[]> => page.locator('nav[aria-label="Areas"] ul a .apollo-nav-label').allInnerTexts();

export async function screenshot(page: Page, name: string): Promise<void> {
  // Let transitions (drawers, toasts, skeleton fades) settle before the picture.
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(ROOT, 'test-results', `${name}.png`), fullPage: false });
}
