/**
 * The built-in commands that change things: `scale <env> <service> <replicas>`, `deploy <env> <service> <version>`,
 * `rollback <env> <service>`. Each reads where the service stands and what the deployments API's preflight says,
 * then proposes its one change (an action): a production change waits for a click on Approve; elsewhere, what the
 * approval table lets through runs at once. No model is needed; the findings say what became of it.
 */
import type { ActTool, CommandDef, CommandOutcome, RunTool } from '../tools/types.ts';
import { attempt, environmentAndService, facts, table, when, type Fact, type Section } from './parts.ts';

interface ServiceRead { environments: Array<{ name: string; version: string | null; replicas: number | null; health: string }> }
interface PreflightRead { allowed: boolean; checks: Array<{ safeguard: string; outcome: string; reason: string }> }

const VERSION = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** `1 replica`, `4 replicas`, `? replicas` (not known). */
const replicasText = (replicas: number | null): string => `${replicas ?? '?'} replica${replicas === 1 ? '' : 's'}`;

async function where(run: RunTool, service: string, environment: string): Promise<{ fact: Fact; now?: ServiceRead['environments'][number] }> {
  const read = await attempt<ServiceRead>(run, 'catalog_service', { service });
  if (!read.ok) return { fact: { label: 'Now', value: `not read: ${read.error}`, status: 'unknown' } };
  const now = read.value.environments.find((e) => e.name === environment);
  if (!now) return { fact: { label: 'Now', value: `${service} has no environment ${environment}`, status: 'bad' } };
  return { fact: { label: 'Now', value: `${now.version ?? 'no version'} · ${replicasText(now.replicas)} · ${now.health}`, status: now.health === 'healthy' ? 'ok' : 'warn' }, now };
}

interface Preflight { readonly section: Section; readonly blocks: readonly string[] }

async function preflight(run: RunTool, input: Record<string, unknown>): Promise<Preflight> {
  const read = await attempt<PreflightRead>(run, 'deployment_preflight', input);
  if (!read.ok) return { section: table('Preflight', ['Safeguard', 'Outcome', 'Why'], [], `not read: ${read.error}`), blocks: [] };
  return {
    section: table('Preflight', ['Safeguard', 'Outcome', 'Why'], read.value.checks.map((c) => [c.safeguard, c.outcome, c.reason]), read.value.allowed ? 'nothing blocks it' : 'a safeguard blocks it'),
    blocks: read.value.allowed ? [] : read.value.checks.filter((c) => c.outcome === 'block').map((c) => `${c.safeguard}: ${c.reason}`),
  };
}

/**
 * Proposes the change and says what became of it; nothing is proposed when the preflight says a safeguard blocks
 * it (an approval would only run into the route's refusal).
 */
async function propose(act: ActTool, tool: string, input: Record<string, unknown>, title: string, checks: Preflight, first: Fact[] | ((action: { arguments: Record<string, unknown> } | undefined) => Fact[])): Promise<CommandOutcome> {
  const sections = [checks.section];
  const factsOf = (action: { arguments: Record<string, unknown> } | undefined) => (typeof first === 'function' ? first(action) : first);
  if (checks.blocks.length) {
    return { findings: { title, sections: [facts('Change', [...factsOf(undefined), { label: 'Not proposed', value: `a safeguard blocks it: ${checks.blocks.join('; ')}. Resolve that first, then ask again.`, status: 'bad' }]), ...sections] } };
  }
  const outcome = await act(tool, input);
  const action = outcome.action;
  const status: Fact = outcome.pending
    ? { label: 'Approval', value: `waiting for your click on Approve beside the terminal (until ${when(action!.expiresAt)}); nothing has changed yet`, status: 'warn' }
    : outcome.ok
      ? { label: 'Done', value: outcome.message, status: 'ok' }
      : { label: action ? 'Failed' : 'Refused', value: outcome.message, status: 'bad' };
  return { findings: { title, sections: [facts('Change', [...factsOf(action), ...(action ? [{ label: 'Risk', value: action.risk.replace('_', ' '), status: action.risk === 'prod_mutation' ? 'warn' as const : 'ok' as const }] : []), status]), ...sections] } };
}

export const scaleCommand: CommandDef = {
  name: 'scale',
  usage: 'scale <env> <service> <replicas>',
  summary: "Set a service's replica count in an environment (a deployment record); production waits for your Approve.",
  parse(words) {
    if (words.length !== 3) return 'usage: scale <env> <service> <replicas>';
    const target = environmentAndService(words.slice(0, 2), 'scale <env> <service> <replicas>');
    if (typeof target === 'string') return target;
    const replicas = /^\d{1,3}$/.test(words[2]!) ? Number(words[2]) : NaN;
    if (!(replicas >= 0 && replicas <= 100)) return `replicas must be a whole number from 0 to 100, not ${words[2]}`;
    return { ...target, replicas: String(replicas) };
  },
  async plan(args, run, act) {
    const { service, environment } = args as { service: string; environment: string };
    const replicas = Number(args.replicas);
    const now = await where(run, service, environment);
    const checks = await preflight(run, { operation: 'scale', service, environment });
    return propose(act, 'scale_service', { service, environment, replicas }, `scale ${service} in ${environment} to ${replicas}`, checks, [
      now.fact, { label: 'Proposed', value: `${replicasText(replicas)}${now.now?.replicas != null ? ` (from ${now.now.replicas})` : ''}` },
    ]);
  },
};

export const deployCommand: CommandDef = {
  name: 'deploy',
  usage: 'deploy <env> <service> <version>',
  summary: 'Deploy an image tag with all the safeguards (preflight first); production waits for your Approve.',
  parse(words) {
    if (words.length !== 3) return 'usage: deploy <env> <service> <version>';
    const target = environmentAndService(words.slice(0, 2), 'deploy <env> <service> <version>');
    if (typeof target === 'string') return target;
    if (!VERSION.test(words[2]!)) return `${words[2]} is not an image tag (letters, digits, . _ -)`;
    return { ...target, version: words[2]! };
  },
  async plan(args, run, act) {
    const { service, environment, version } = args as { service: string; environment: string; version: string };
    const now = await where(run, service, environment);
    const checks = await preflight(run, { operation: 'deploy', service, environment, version });
    return propose(act, 'deploy_service', { service, environment, version }, `deploy ${service} ${version} to ${environment}`, checks, [
      now.fact, { label: 'Proposed', value: `${version}${now.now?.version ? ` (from ${now.now.version})` : ''}` },
    ]);
  },
};

export const rollbackCommand: CommandDef = {
  name: 'rollback',
  usage: 'rollback <env> <service>',
  summary: 'Roll an environment back to its last known good version (a deployment record); production waits for your Approve.',
  parse: (words) => environmentAndService(words, 'rollback <env> <service>') as Record<string, string> | string,
  async plan(args, run, act) {
    const { service, environment } = args as { service: string; environment: string };
    const now = await where(run, service, environment);
    const checks = await preflight(run, { operation: 'rollback', service, environment });
    // The proposal carries the version it goes back to (the action binds the deployments API's pick).
    return propose(act, 'rollback_service', { service, environment }, `rollback ${service} in ${environment}`, checks, (action) => {
      const version = action?.arguments.version;
      return [now.fact, {
        label: 'Proposed',
        value: typeof version === 'string' ? `${version}${now.now?.version ? ` (from ${now.now.version})` : ''}: the last known good version` : 'the last known good version (the deployments API picks it)',
      }];
    });
  },
};
