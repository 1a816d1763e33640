/**
 * Faults (issue 24): DynamoDB throttling and timeouts injected at the handlers' client, and the outside systems
 * Apollo calls made slow, hanging, failing or answering garbage: bounded retries, circuits that open and close,
 * users told why, state consistent. Each scenario runs in a process of its own (faults-child.ts) with the local
 * runtime in that process (its handlers' own modules and clients, where the faults are injected), and judges it
 * from outside: signed API calls, counts at loopback servers, state read back.
 *
 *   dynamodb-throttling-timeouts  faults-dynamo.ts   throttled and hung attempts, then a full outage: API answers, teams, requests
 *   rest-action-target            faults-actions.ts  a request action's REST target: timeouts, retries, the circuit open and closed
 *   ai-model                      faults-ai.ts       the AI console's model: each turn ends, bounded, saying why
 *   health-checks                 faults-health.ts   the health poll against sick endpoints: bounded, once each, the reason shown
 *   github-discovery              faults-github.ts   discovery through a proxy before the fake GitHub: bounded, saying why, catalog kept
 *   logs-provider                 faults-logs.ts     a service's logs through a proxy before the fake Axiom: 503/429 with the reason, bounded
 *   pagerduty-sync                faults-pagerduty.ts  acknowledge/resolve while PagerDuty misbehaves: bounded, Apollo's change kept, syncError says why, again re-sends
 *   argocd-sync                   faults-argocd.ts     a deployment's Argo CD step through a proxy per service: failed with the reason, bounded, environment freed, redeploy works
 *   cost-sources                  faults-costs.ts      cost ingest with OpenCost (proxy) and Cost Explorer (SDK middleware) failing: partial/failed saying why, nothing half-written
 *   terraform-run                 faults-terraform.ts  a Terraform action through a proxy per case: bounded, Retry-After kept, says why; a lost answer's run reused; retry completes
 *   jira-ticket                   faults-jira.ts       a manual request's ticket through a proxy per case: bounded, says why, tried again spaced; a lost answer's ticket found, not doubled
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from './faults-child.ts';
import type { Check, Scenario, ScenarioContext } from './scenario.ts';

const CHILD = fileURLToPath(new URL('./faults-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs scenario `name` in a child process; kills it (by its pid) when it outlives `timeoutMs`. */
function inChild(name: string, timeoutMs: number): (ctx: ScenarioContext) => Promise<Check[]> {
  return (ctx) => new Promise<Check[]>((resolve, reject) => {
    const child = fork(CHILD, [name, ...(ctx.smoke ? ['--smoke'] : [])], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, APOLLO_DYNAMO_TIMEOUT_MS: '2000' } });
    const stderr: string[] = [];
    let checks: Check[] | undefined;
    let failure: string | undefined;
    child.stderr!.on('data', (chunk: Buffer) => { stderr.push(...chunk.toString('utf8').split('\n').filter((l) => l.trim() && !/NodeVersionSupportWarning|node >=22|upgrade to node|a\.co\/|trace-warnings|versions published|To continue receiving|and security updates/.test(l))); stderr.splice(0, Math.max(0, stderr.length - 20)); });
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'log') ctx.log(message.line);
      else if (message.type === 'checks') checks = message.checks;
      else failure = message.message;
    });
    const timer = setTimeout(() => { failure = `killed after ${timeoutMs / 1000} s`; child.kill('SIGKILL'); }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (checks) resolve(checks);
      else reject(new Error(failure ?? `the scenario's process exited ${signal ?? code} without its checks: ${stderr.slice(-5).join(' | ')}`));
    });
  });
}

const scenario = (name: string, timeoutMs: number): Scenario => ({ group: 'faults', name, timeoutMs: timeoutMs + 5_000, run: inChild(name, timeoutMs) });

export const scenarios: Scenario[] = [
  scenario('dynamodb-throttling-timeouts', 90_000),
  scenario('rest-action-target', 60_000),
  scenario('ai-model', 45_000),
  scenario('health-checks', 30_000),
  scenario('github-discovery', 60_000),
  scenario('logs-provider', 30_000),
  scenario('pagerduty-sync', 45_000),
  scenario('argocd-sync', 90_000),
  scenario('cost-sources', 45_000),
  scenario('terraform-run', 60_000),
  scenario('jira-ticket', 60_000),
];
