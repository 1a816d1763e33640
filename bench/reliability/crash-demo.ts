/**
 * The runtime the fulfilment, deployment and AI crash scenarios share (one first start with its demo seed, then a
 * restart per scenario, instead of a fresh home each): `npm start` with the demo organisation on its own fake GitHub
 * (its GitOps repository kept in $APOLLO_HOME/github-gitops.json) and the SIMULATED Argo CD, short rollouts and
 * canary analyses, and the outside providers in THIS process, so what they were asked survives each kill:
 * - the DNS API and webhook receiver the dns-record offering calls (APOLLO_FAKES_URL: local/fakes/integrations.ts);
 * - the model (ANTHROPIC_BASE_URL: a FakeAnthropic, scripted by the scenario);
 * - the package registries the AI console's dependency tool asks (APOLLO_MAVEN_REPOSITORY_URL, APOLLO_NPM_REGISTRY_URL).
 * Each can hold the calls a scenario names, until the scenario has killed the runtime. A scenario acquires it and
 * releases it at its end; it is closed a moment after the last release (the next crash scenario takes it over).
 */
import type { IncomingMessage } from 'node:http';
import { FakeAnthropic } from '../../local/fakes/anthropic-server.ts';
import { ensureLocalIntegrationSecrets, INTEGRATIONS_PATH, IntegrationFakes } from '../../local/fakes/integrations.ts';
import { CrashLab, serve } from './crash-lab.ts';
import type { ScenarioContext } from './scenario.ts';

/** Calls held by a provider until released: the scenario kills the runtime while they wait. */
export class Gate {
  private rule: ((req: IncomingMessage) => boolean) | undefined;
  private readonly waiting: Array<() => void> = [];
  /** How many calls it let through or held since it was made. */
  seen = 0;

  /** Holds every call `rule` matches from now on. */
  hold(rule: (req: IncomingMessage) => boolean): void {
    this.rule = rule;
  }

  get held(): number {
    return this.waiting.length;
  }

  /** Stops holding, and answers the held calls (to a dead runtime, whose socket is gone: the provider acts anyway). */
  release(): void {
    this.rule = undefined;
    for (const answer of this.waiting.splice(0)) answer();
  }

  /** Answers now, or holds. */
  pass(req: IncomingMessage, answer: () => void): void {
    this.seen++;
    if (this.rule?.(req)) this.waiting.push(answer);
    else answer();
  }
}

export interface DemoLab {
  readonly lab: CrashLab;
  readonly fakes: IntegrationFakes;
  readonly dns: Gate;
  readonly model: FakeAnthropic;
  readonly registry: Gate;
  /** How many checks a canary analysis makes (APOLLO_CANARY_ITERATIONS). */
  readonly canaryIterations: number;
  /** Registry requests heard, path by path. */
  readonly registryPaths: string[];
  /** Set per acquisition: where the shared runtime's progress lines go. */
  log: (line: string) => void;
}

interface Held { demo: DemoLab; close(): Promise<void>; closeProviders(): Promise<void>; idle?: NodeJS.Timeout; busy: boolean }
let current: Held | undefined;

/** The rollout and analysis knobs: long enough to be caught mid-way, short enough to keep the group in budget. */
const knobs = (smoke: boolean) => ({ podMs: smoke ? 800 : 1_200, canaryIntervalSeconds: 1, canaryIterations: smoke ? 2 : 3 });

async function make(ctx: ScenarioContext): Promise<Held> {
  let log = ctx.log;
  const { podMs, canaryIntervalSeconds, canaryIterations } = knobs(ctx.smoke);
  const lab = new CrashLab({
    name: 'crash-demo',
    log: (line) => log(line),
    env: {
      APOLLO_ARGOCD_SIM_POD_MS: String(podMs),
      APOLLO_DEPLOY_POLL_SECONDS: '1',
      APOLLO_CANARY_INTERVAL_S: String(canaryIntervalSeconds),
      APOLLO_CANARY_ITERATIONS: String(canaryIterations),
      APOLLO_GITHUB_FAKE_RUN_MS: '300',
    },
  });
  const closers: Array<() => Promise<void>> = [() => lab.close()];
  try {
    // The DNS provider shares the runtime's keys: made in its home before it first starts.
    const fakes = new IntegrationFakes(await ensureLocalIntegrationSecrets(lab.home));
    const dns = new Gate();
    const provider = await serve((req, res, body) => {
      const path = (req.url ?? '/').split('?')[0]!;
      dns.pass(req, () => { if (!fakes.handle(req, res, path, body)) res.writeHead(404).end(); });
    });
    closers.push(() => provider.close());
    const model = await FakeAnthropic.start();
    closers.push(() => model.close().catch(() => undefined));
    const registry = new Gate();
    const registryPaths: string[] = [];
    // A registry that knows no package (each lookup is that dependency's error): only when it answers matters here.
    const registryServer = await serve((req, res) => {
      registryPaths.push(req.url ?? '/');
      registry.pass(req, () => { res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}'); });
    });
    closers.push(() => registryServer.close());
    Object.assign(lab.env, {
      APOLLO_FAKES_URL: `${provider.url}${INTEGRATIONS_PATH.slice(0, -1)}`,
      ANTHROPIC_BASE_URL: model.url,
      ANTHROPIC_API_KEY: model.apiKey,
      APOLLO_MAVEN_REPOSITORY_URL: `${registryServer.url}/maven2`,
      APOLLO_NPM_REGISTRY_URL: `${registryServer.url}/npm`,
    });
    await lab.start();
    const demo: DemoLab = {
      lab, fakes, dns, model, registry, registryPaths, canaryIterations,
      get log() { return log; },
      set log(next) { log = next; },
    };
    return {
      demo, busy: false,
      close: async () => {
        dns.release();
        registry.release();
        for (const close of closers) await close().catch(() => undefined);
      },
      closeProviders: async () => {
        for (const close of closers.slice(1)) await close().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => undefined);
    throw error;
  }
}

/** The shared runtime, running (started on first use; started again if a scenario left it dead). */
export async function acquireDemo(ctx: ScenarioContext): Promise<DemoLab> {
  if (current?.idle) clearTimeout(current.idle);
  if (current && (current.busy || !current.demo.lab.running)) {
    // Left busy by a scenario that timed out, or dead: not trusted; a new one.
    const old = current;
    current = undefined;
    await old.close();
  }
  current ??= await make(ctx);
  current.busy = true;
  current.demo.log = ctx.log;
  return current.demo;
}

/**
 * The shared runtime's home for a scenario that needs the runtime configured otherwise (its own GitHub): the runtime
 * is killed (a crash like any other) and its providers closed, and the scenario starts it again on that home with its
 * settings, owning it from then on (no second first start and demo seed). Undefined when there is none to take.
 */
export async function takeOverDemo(ctx: ScenarioContext): Promise<CrashLab | undefined> {
  const held = current;
  if (!held || held.busy || !held.demo.lab.running) return undefined;
  if (held.idle) clearTimeout(held.idle);
  current = undefined;
  const { lab } = held.demo;
  held.demo.log = ctx.log;
  await lab.kill();
  held.demo.dns.release();
  held.demo.registry.release();
  await held.closeProviders();
  for (const key of Object.keys(lab.env)) delete lab.env[key];
  return lab;
}

/** Done with it: closed in a moment unless the next crash scenario takes it (a runtime replaced meanwhile is not touched). */
export function releaseDemo(demo: DemoLab): void {
  const held = current;
  if (!held || held.demo !== demo) return;
  held.busy = false;
  held.demo.dns.release();
  held.demo.registry.release();
  held.demo.model.reset();
  held.idle = setTimeout(() => {
    if (current === held) current = undefined;
    void held.close();
  }, 1_500);
}
