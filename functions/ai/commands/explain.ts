/**
 * `explain <resource>`: what a service, `deployment/<service>` or an environment is, from the catalog (facts, no
 * model needed for them); the model then says it in a few sentences.
 */
import type { CommandDef, CommandOutcome, RunTool } from '../tools/types.ts';
import { attempt, ENVIRONMENT_NAME, facts, SERVICE_SLUG, table, text, when, type Section } from './parts.ts';

const USAGE = 'explain <service> | deployment/<service> | <env>';
/** Words read as an environment first (a service may be named like one; then the service is tried too). */
const ENVIRONMENT_WORD = /^(?:prod|production|staging|stage|dev|development|qa|test|uat|preprod|sandbox)$/;

interface ServiceRead {
  id: string; displayName: string; description: string; team: string; tier: string; language: string; framework: string; repository: string; healthStatus: string;
  environments: Array<{ name: string; cluster: string; namespace: string; version: string | null; replicas: number | null; health: string; lastDeployedAt: string | null; lastDeployedBy: string | null }>;
  dependencies: Array<{ serviceId: string; type: string }>;
  runbooks: Array<{ title: string; trigger: string }>;
}
interface DependenciesRead { dependents: Array<{ serviceId: string; impact: string }>; impact: string }
interface EnvironmentRead { environment: string; services: Array<{ service: string; team: string; tier: string; cluster: string; namespace: string; version: string | null; health: string }>; leftOut?: number; clusters: string[]; health: Record<string, number> }
interface DeploymentsRead { deployments: Array<{ operation: string; environment: string; status: string; version: string | null; by: string; at: string }> }

function parse(words: readonly string[]): Record<string, string> | string {
  if (words.length !== 1) return `usage: ${USAGE}`;
  const word = words[0]!.toLowerCase();
  const deployment = /^(?:deployment|deploy)\/(.+)$/.exec(word);
  if (deployment) return SERVICE_SLUG.test(deployment[1]!) ? { kind: 'deployment', name: deployment[1]! } : `${deployment[1]} is not a service name (usage: ${USAGE})`;
  if (ENVIRONMENT_WORD.test(word)) return { kind: 'environment', name: word };
  if (SERVICE_SLUG.test(word)) return { kind: 'service', name: word };
  return `${word} is neither a service nor an environment name (usage: ${USAGE})`;
}

function serviceSections(s: ServiceRead): Section[] {
  return [
    facts(s.displayName, [
      { label: 'Service', value: s.id }, { label: 'What', value: s.description || '(no description)' }, { label: 'Team', value: s.team },
      { label: 'Tier', value: s.tier }, { label: 'Stack', value: [s.language, s.framework].filter(Boolean).join(' / ') || 'unknown' },
      { label: 'Repository', value: s.repository || 'none' },
      { label: 'Health', value: s.healthStatus, status: s.healthStatus === 'healthy' ? 'ok' : s.healthStatus === 'down' ? 'bad' : s.healthStatus === 'degraded' ? 'warn' : 'unknown' },
    ]),
    table('Environments', ['Environment', 'Cluster', 'Namespace', 'Version', 'Replicas', 'Health', 'Last deployed'],
      s.environments.map((e) => [e.name, e.cluster, e.namespace, e.version, e.replicas, e.health, e.lastDeployedAt ? `${when(e.lastDeployedAt)}${e.lastDeployedBy ? ` by ${e.lastDeployedBy}` : ''}` : null])),
  ];
}

async function plan(args: Record<string, string>, run: RunTool): Promise<CommandOutcome> {
  const { kind, name } = args as { kind: 'service' | 'deployment' | 'environment'; name: string };
  if (kind === 'environment') {
    const env = await attempt<EnvironmentRead>(run, 'catalog_environment', { environment: name });
    if (env.ok && env.value.services.length) {
      const e = env.value;
      return {
        findings: { title: `explain ${name}`, sections: [
          facts(`The ${name} environment`, [
            { label: 'Services', value: String(e.services.length + (e.leftOut ?? 0)) },
            { label: 'Clusters', value: e.clusters.join(', ') },
            { label: 'Health', value: Object.entries(e.health).filter(([, n]) => n > 0).map(([h, n]) => `${n} ${h}`).join(', '), status: e.health.down ? 'bad' : e.health.degraded ? 'warn' : 'ok' },
          ]),
          table('Services', ['Service', 'Team', 'Tier', 'Cluster', 'Namespace', 'Version', 'Health'], e.services.map((s) => [s.service, s.team, s.tier, s.cluster, s.namespace, s.version, s.health]), e.leftOut ? `${e.leftOut} more not shown` : undefined),
        ] },
        prompt: `Above is what the catalog knows of the ${name} environment. Explain it to the user in three or four sentences: what runs there, where, and what needs attention.`,
      };
    }
    if (!ENVIRONMENT_NAME.test(name) || !SERVICE_SLUG.test(name)) return notFound(name, env.ok ? 'no service has it' : env.error);
  }
  const service = await attempt<ServiceRead>(run, 'catalog_service', { service: name });
  if (!service.ok) return notFound(name, service.error);
  const s = service.value;
  if (kind === 'deployment') {
    const history = await attempt<DeploymentsRead>(run, 'deployment_history', { service: name, limit: 10 });
    return {
      findings: { title: `explain deployment/${name}`, sections: [
        ...serviceSections(s).slice(1),
        history.ok
          ? table('Recent deployments', ['When', 'Environment', 'Operation', 'Version', 'Who', 'Status'], history.value.deployments.map((d) => [when(d.at), d.environment, d.operation, d.version, d.by, d.status]))
          : table('Recent deployments', ['When', 'Environment', 'Operation', 'Version', 'Who', 'Status'], [], `not read: ${history.error}`),
      ] },
      prompt: `Above is how ${name} is deployed (its Kubernetes Deployment in each environment, through GitOps) and its recent deployments. Explain in a few sentences what runs where and what changed lately.`,
    };
  }
  const deps = await attempt<DependenciesRead>(run, 'catalog_dependencies', { service: name, depth: 2 });
  const sections = serviceSections(s);
  sections.push(table('Depends on', ['Service', 'Type'], s.dependencies.map((d) => [d.serviceId, d.type])));
  if (deps.ok) sections.push(table('Depended on by', ['Service', 'If it fails'], deps.value.dependents.map((d) => [d.serviceId, d.impact]), deps.value.impact));
  if (s.runbooks.length) sections.push(table('Runbooks', ['Title', 'Alert'], s.runbooks.map((r) => [r.title, r.trigger])));
  return {
    findings: { title: `explain ${name}`, sections },
    prompt: `Above is what the catalog knows of ${name}. Explain to the user in a few sentences what it does, who owns it, where it runs and what depends on it.`,
  };
}

function notFound(name: string, why: string): CommandOutcome {
  return { findings: { title: `explain ${name}`, sections: [text('Not found', `${name}: ${why}`)] }, prompt: `${name} was not found in the catalog (${why}). Say so in one sentence.` };
}

export const explainCommand: CommandDef = {
  name: 'explain',
  usage: USAGE,
  summary: 'What a service, its deployment or an environment is, from the catalog.',
  parse,
  plan,
};
