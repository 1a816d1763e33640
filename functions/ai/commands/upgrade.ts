/**
 * `upgrade <env> <service>` (the design doc's "Check for dependency updates, create upgrade PR"): reads where the
 * service runs, then its repository's dependency manifests against their package registries (repo_dependencies),
 * prints each dependency's current and latest version and the kind of update, and proposes one pull request with
 * the patch and minor updates made (through POST /api/v1/services/{id}/changes, as the user, with Apollo's GitHub
 * credentials). Major updates are listed, in the findings and the pull request's description, and left to a person.
 * Nothing to update: it says so and proposes nothing. No model is needed.
 */
import { createHash } from 'node:crypto';
import type { DependencyRow, ManifestReport } from '../tools/dependencies.ts';
import type { ActTool, CommandDef, CommandOutcome, RunTool } from '../tools/types.ts';
import { UPDATE_RANK } from '../manifests/versions.ts';
import { attempt, environmentAndService, facts, table, text, when, type Fact, type Section } from './parts.ts';

interface ServiceRead { repository: string | null; environments: Array<{ name: string; version: string | null }> }
interface DependenciesRead { repository?: string; branch?: string; manifests: ManifestReport[]; problem?: string }

/** The pull request's description stays under the action's 20,000 characters. */
const MAX_DESCRIPTION = 19_000;
const MAX_LISTED = 80;

const ecosystemName = (m: ManifestReport): string => (m.ecosystem === 'maven' ? 'Maven' : 'npm');
const current = (r: DependencyRow): string => `${r.current}${r.via ? ` (${r.via})` : ''}`;
const order = (r: DependencyRow): number => (r.error ? 0.5 : UPDATE_RANK[r.update]);

function dependencyTable(m: ManifestReport): Section {
  const rows = [...m.dependencies].sort((a, b) => order(b) - order(a)).slice(0, MAX_LISTED)
    .map((r) => [r.name, current(r), r.error ? `not read: ${r.error}` : r.latest ?? (r.note ?? '—'), r.error ? 'unknown' : r.update]);
  const c = m.counts;
  const note = m.problem
    ? `not read: ${m.problem}`
    : [`${c.major} major`, `${c.minor} minor`, `${c.patch} patch`, `${c.none} up to date or not compared`, ...(c.failed ? [`${c.failed} not read`] : []),
      ...(m.leftOut ? [`${m.leftOut} more not asked`] : []), ...(m.managedElsewhere?.length ? [`${m.managedElsewhere.length} with no version here (the parent or a BOM manages them)`] : []),
      `latest stable versions from ${m.registry}`].join(' · ');
  return table(`Dependencies (${m.path}, ${ecosystemName(m)})`, ['Dependency', 'Current', 'Latest', 'Update'], rows, note);
}

const mdRow = (cells: string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;

function description(service: string, command: string, manifests: readonly ManifestReport[]): string {
  const parts: string[] = [`Patch and minor dependency updates for ${service}, proposed by Apollo's AI console (\`${command}\`) from the latest stable versions the package registries name. Review the changelogs and let CI run before merging.`];
  for (const m of manifests) {
    const applied = m.proposed?.applied ?? [];
    const majors = m.dependencies.filter((r) => r.update === 'major');
    const failed = m.dependencies.filter((r) => r.error);
    parts.push(`### ${m.path} (${ecosystemName(m)})`);
    if (applied.length) parts.push(['Updated here:', '', mdRow(['Dependency', 'From', 'To', 'Update']), mdRow(['---', '---', '---', '---']), ...applied.slice(0, MAX_LISTED).map((a) => mdRow([a.name, a.from, a.to, a.update]))].join('\n'));
    if (majors.length) parts.push(['Major updates, **not** made here (they may break: each needs a person and its migration notes):', '', mdRow(['Dependency', 'Current', 'Latest']), mdRow(['---', '---', '---']), ...majors.slice(0, MAX_LISTED).map((r) => mdRow([r.name, current(r), r.latest ?? '']))].join('\n'));
    if (m.proposed?.notApplied.length) parts.push(['Not made:', ...m.proposed.notApplied.map((n) => `- ${n.name}: ${n.reason}`)].join('\n'));
    if (failed.length) parts.push(['Not checked (the registry did not say):', ...failed.slice(0, MAX_LISTED).map((r) => `- ${r.name}: ${r.error}`)].join('\n'));
  }
  const whole = parts.join('\n\n');
  return whole.length > MAX_DESCRIPTION ? `${whole.slice(0, MAX_DESCRIPTION)}\n\n… (cut)` : whole;
}

async function where(run: RunTool, service: string, environment: string): Promise<Fact[]> {
  const read = await attempt<ServiceRead>(run, 'catalog_service', { service });
  if (!read.ok) return [{ label: 'Service', value: `not read: ${read.error}`, status: 'unknown' }];
  const env = read.value.environments.find((e) => e.name === environment);
  return [
    { label: 'Repository', value: read.value.repository ?? 'none in the catalog', status: read.value.repository ? 'ok' : 'bad' },
    env
      ? { label: `Running in ${environment}`, value: `${env.version ?? 'no version'} (the pull request reaches it through the usual build and deploy)` }
      : { label: environment, value: `${service} has no environment ${environment}`, status: 'warn' },
  ];
}

async function plan(args: Record<string, string>, run: RunTool, act: ActTool): Promise<CommandOutcome> {
  const { service, environment } = args as { service: string; environment: string };
  const command = `upgrade ${environment} ${service}`;
  const first = await where(run, service, environment);
  const read = await attempt<DependenciesRead>(run, 'repo_dependencies', { service, propose: 'minor' });
  if (!read.ok || read.value.problem) {
    const why = read.ok ? read.value.problem! : read.error;
    return { findings: { title: command, sections: [facts('Service', first), text('Dependencies', `not read: ${why}`), facts('Upgrade', [{ label: 'Proposed', value: 'nothing: the dependencies could not be read', status: 'unknown' }])] } };
  }
  const { manifests } = read.value;
  const tables = manifests.map(dependencyTable);
  const files = manifests.filter((m) => m.proposed?.applied.length).map((m) => ({ path: m.path, content: m.proposed!.content }));
  const applied = manifests.flatMap((m) => m.proposed?.applied ?? []);
  const majors = manifests.reduce((n, m) => n + m.counts.major, 0);
  const serviceFacts = [...first, ...(read.value.branch ? [{ label: 'Base', value: `${read.value.repository ?? ''} ${read.value.branch}`.trim() }] : [])];
  if (!files.length) {
    const notMade = manifests.flatMap((m) => m.proposed?.notApplied ?? []);
    const failed = manifests.reduce((n, m) => n + m.counts.failed, 0);
    const nothing: Fact = notMade.length
      ? { label: 'Not made', value: `the patch and minor updates could not be made in the manifest: ${notMade.map((n) => `${n.name}: ${n.reason}`).join('; ')}`, status: 'warn' }
      : majors
        ? { label: 'Nothing to update', value: `no patch or minor update; ${majors} major update${majors === 1 ? '' : 's'} above need${majors === 1 ? 's' : ''} a person (not proposed)`, status: 'warn' }
        : { label: 'Nothing to update', value: `every dependency checked is at its latest stable version${failed ? ` (${failed} not read: see above)` : ''}`, status: failed ? 'warn' : 'ok' };
    return { findings: { title: command, sections: [facts('Service', serviceFacts), ...tables, facts('Upgrade', [nothing, { label: 'Proposed', value: 'nothing' }])] } };
  }
  const digest = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 8);
  const title = `chore(deps): ${applied.length} patch and minor dependency update${applied.length === 1 ? '' : 's'} for ${service}`;
  const outcome = await act('open_pull_request', {
    service, title, description: description(service, command, manifests), branch: `apollo/upgrade-${service}-${digest}`,
    message: `${title}\n\n${applied.slice(0, 40).map((a) => `- ${a.name} ${a.from} -> ${a.to}`).join('\n')}`, files,
  });
  const action = outcome.action;
  const status: Fact = outcome.pending
    ? { label: 'Approval', value: `waiting for your click on Approve beside the terminal (until ${when(action!.expiresAt)}); nothing is opened yet`, status: 'warn' }
    : outcome.ok
      ? { label: 'Done', value: action?.result?.resource ? `pull request #${action.result.resource.id} opened: ${action.result.resource.href}` : outcome.message, status: 'ok' }
      : { label: action ? 'Failed' : 'Refused', value: outcome.message, status: 'bad' };
  return {
    findings: { title: command, sections: [facts('Service', serviceFacts), ...tables, facts('Upgrade', [
      { label: 'Proposed', value: `one pull request: ${applied.length} patch and minor update${applied.length === 1 ? '' : 's'} in ${files.map((f) => f.path).join(', ')}` },
      ...(majors ? [{ label: 'Not proposed', value: `${majors} major update${majors === 1 ? '' : 's'} (listed above and in the pull request's description): each needs a person`, status: 'warn' as const }] : []),
      status,
    ])] },
  };
}

export const upgradeCommand: CommandDef = {
  name: 'upgrade',
  usage: 'upgrade <env> <service>',
  summary: "Check a service's dependencies (pom.xml, package.json) for updates and propose one pull request with the patch and minor ones.",
  parse: (words) => environmentAndService(words, 'upgrade <env> <service>') as Record<string, string> | string,
  plan,
};
