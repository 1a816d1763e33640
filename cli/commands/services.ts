/** `apollo services list|get|register|edit|deps|health`: the service catalog. */
import { Option, type Command } from 'commander';
import type { Cli } from '../context.ts';
import { CliError, EXIT } from '../exit.ts';
import { ago, collect, intOption, nextPage, pages, readDocument } from '../helpers.ts';

const TIERS = ['critical', 'standard', 'experimental'] as const;

interface ServiceFlags {
  readonly name?: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly repository?: string;
  readonly team?: string;
  readonly tier?: string;
  readonly language?: string;
  readonly framework?: string;
  readonly tag?: string[];
  readonly file?: string;
}

function serviceOptions(command: Command): Command {
  return command
    .option('--display-name <text>', 'the name people read')
    .option('--description <text>', 'what it does')
    .option('--repository <url>', 'its repository (https://…)')
    .option('--team <id>', 'the owning team')
    .addOption(new Option('--tier <tier>', 'how critical it is').choices(TIERS))
    .option('--language <name>', 'e.g. typescript')
    .option('--framework <name>', 'e.g. express')
    .option('--tag <tag>', 'a tag (repeat for more)', collect)
    .option('-f, --file <path>', 'the fields from a JSON or YAML file (- for stdin); flags win over it');
}

async function bodyOf(cli: Cli, flags: ServiceFlags): Promise<Record<string, unknown>> {
  const base = flags.file ? (await readDocument(cli, flags.file)).value : {};
  if (base === null || typeof base !== 'object' || Array.isArray(base)) throw new CliError(`${flags.file} must hold an object of the service's fields`, EXIT.usage);
  const body: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  const set = (key: string, value: unknown) => { if (value !== undefined) body[key] = value; };
  set('displayName', flags.displayName);
  set('description', flags.description);
  set('repository', flags.repository);
  set('team', flags.team);
  set('tier', flags.tier);
  set('language', flags.language);
  set('framework', flags.framework);
  set('tags', flags.tag);
  return body;
}

export function registerServices(program: Command, cli: Cli): void {
  const services = program.command('services').alias('svc').description('The service catalog: every service, its owners, environments, dependencies and health');

  services
    .command('list')
    .alias('ls')
    .description('List and search services')
    .option('-q, --query <text>', 'typo-tolerant search over names, descriptions and tags')
    .option('--team <id>', 'owned by this team')
    .addOption(new Option('--tier <tier>', 'this tier').choices(TIERS))
    .option('--language <name>', 'written in this language')
    .addOption(new Option('--health <status>', 'this health').choices(['healthy', 'degraded', 'down', 'unknown']))
    .option('--environment <env>', 'with this environment')
    .option('--include-deregistered', 'deregistered ones too')
    .addOption(new Option('--sort <field>', 'sort by').choices(['name', 'lastDeployedAt']))
    .option('--limit <n>', 'at most this many per page', intOption('--limit', 1, 100))
    .option('--cursor <cursor>', 'the page after this cursor')
    .option('--all', 'every page')
    .addHelpText('after', '\nExamples:\n  $ apollo services list\n  $ apollo services list --team payments --tier critical\n  $ apollo services list -q checkout -o json')
    .action(async (o: { query?: string; team?: string; tier?: 'critical' | 'standard' | 'experimental'; language?: string; health?: 'healthy' | 'degraded' | 'down' | 'unknown'; environment?: string; includeDeregistered?: boolean; sort?: 'name' | 'lastDeployedAt'; limit?: number; cursor?: string; all?: boolean }) => {
      const { items, nextCursor, body } = await pages((cursor) => cli.request('GET /api/v1/services', {
        query: { q: o.query, team: o.team, tier: o.tier, language: o.language, health: o.health, environment: o.environment, includeDeregistered: o.includeDeregistered, sort: o.sort, limit: o.limit, cursor },
      }).then((r) => r.body), { all: o.all, cursor: o.cursor });
      cli.print(body, {
        kind: 'table', rows: items, empty: 'No services match.',
        columns: [
          { header: 'name', value: (s) => s.name },
          { header: 'team', value: (s) => s.team },
          { header: 'tier', value: (s) => s.tier },
          { header: 'health', value: (s) => s.healthStatus },
          { header: 'environments', value: (s) => s.environments.map((e) => e.name) },
          { header: 'deployed', value: (s) => ago(s.lastDeployedAt) },
        ],
        footer: nextPage(cli, nextCursor),
      });
    });

  services
    .command('get <service>')
    .description('One service: owners, environments with what they run, dependencies, runbooks')
    .addHelpText('after', '\nExamples:\n  $ apollo services get core-service\n  $ apollo services get core-service -o yaml')
    .action(async (id: string) => {
      const s = (await cli.request('GET /api/v1/services/{id}', { params: { id } })).body;
      cli.print(s, {
        kind: 'fields',
        fields: [
          ['name', s.name], ['display name', s.displayName], ['description', s.description], ['team', s.team], ['tier', s.tier],
          ['language', [s.language, s.framework].filter(Boolean).join(' / ')], ['repository', s.repository], ['tags', s.tags],
          ['health', s.healthStatus], ['source', s.source],
          ['environments', s.environments.map((e) => `${e.name}${e.deployment?.imageTag ? ` ${e.deployment.imageTag}` : ''}`)],
          ['depends on', s.dependencies.map((d) => d.serviceId)], ['runbooks', s.runbooks.map((r) => r.title)],
          ['version', s.version], ['updated', `${s.updatedAt} by ${s.updatedBy}`],
          ...(s.deregisteredAt ? [['deregistered', `${s.deregisteredAt} by ${s.deregisteredBy ?? '-'}`] as const] : []),
        ],
      });
    });

  serviceOptions(
    services
      .command('register <name>')
      .description('Register a service (your own team, or any with catalog:manage)'),
  )
    .addHelpText('after', '\nExamples:\n  $ apollo services register billing-api --team payments --tier critical --language go\n  $ apollo services register billing-api -f service.yaml')
    .action(async (name: string, flags: ServiceFlags) => {
      const body: Record<string, unknown> = { ...(await bodyOf(cli, flags)), name };
      if (!body.team) throw new CliError('say the owning team: --team <id>', EXIT.usage);
      const s = (await cli.request('POST /api/v1/services', { body: body as never })).body;
      cli.note(`registered ${s.name} for team ${s.team}`);
      cli.print(s, { kind: 'fields', fields: [['name', s.name], ['team', s.team], ['tier', s.tier], ['version', s.version]] });
    });

  serviceOptions(
    services
      .command('edit <service>')
      .description('Edit a service\'s fields (owning team or catalog:manage); only what you pass changes'),
  )
    .option('--if-version <n>', 'refuse unless it is still at this version (default: the version read just before)', intOption('--if-version', 1, Number.MAX_SAFE_INTEGER))
    .addHelpText('after', '\nExamples:\n  $ apollo services edit billing-api --tier standard --tag pci --tag billing\n  $ apollo services edit billing-api --description "Invoices and payments" --if-version 3')
    .action(async (id: string, flags: ServiceFlags & { ifVersion?: number }) => {
      const body = await bodyOf(cli, flags);
      if (Object.keys(body).length === 0) throw new CliError('nothing to change: pass a field flag or --file', EXIT.usage);
      const version = flags.ifVersion ?? (await cli.request('GET /api/v1/services/{id}', { params: { id } })).body.version;
      const s = (await cli.request('PUT /api/v1/services/{id}', { params: { id }, body: body as never, ifMatch: version })).body;
      cli.note(`updated ${s.name} (version ${s.version})`);
      cli.print(s, { kind: 'fields', fields: [['name', s.name], ['team', s.team], ['tier', s.tier], ['tags', s.tags], ['version', s.version]] });
    });

  services
    .command('deps <service>')
    .description('Its dependency graph: what it needs and what needs it, direct and transitive')
    .option('--depth <n>', 'hops to follow each way (1-20)', intOption('--depth', 1, 20))
    .addHelpText('after', '\nExamples:\n  $ apollo services deps core-service\n  $ apollo services deps core-service --depth 1 -o json')
    .action(async (id: string, o: { depth?: number }) => {
      const g = (await cli.request('GET /api/v1/services/{id}/dependencies', { params: { id }, query: { depth: o.depth } })).body;
      const rows = [
        ...g.dependsOn.map((d) => ({ direction: 'needs', ...d })),
        ...g.dependents.map((d) => ({ direction: 'needed by', ...d })),
      ];
      cli.print(g, {
        kind: 'table', rows, empty: `${id} has no dependencies either way.`,
        columns: [
          { header: 'direction', value: (r) => r.direction },
          { header: 'service', value: (r) => r.serviceId },
          { header: 'depth', value: (r) => r.depth },
          { header: 'type', value: (r) => r.type },
          { header: 'path', value: (r) => r.path.join(' → ') },
        ],
        footer: g.cycles.length ? `cycles: ${g.cycles.map((c) => c.join(' → ')).join('; ')}` : undefined,
      });
    });

  services
    .command('health <service>')
    .description('Its health now, per environment')
    .addHelpText('after', '\nExamples:\n  $ apollo services health core-service')
    .action(async (id: string) => {
      const h = (await cli.request('GET /api/v1/services/{id}/health', { params: { id } })).body;
      cli.print(h, {
        kind: 'table', rows: h.environments, empty: `${id} has no environments.`,
        columns: [
          { header: 'environment', value: (e) => e.name },
          { header: 'status', value: (e) => e.health.status },
          { header: 'checked', value: (e) => ago(e.health.checkedAt) },
          { header: 'detail', value: (e) => e.health.reason },
        ],
        footer: `overall: ${h.status}${h.reason ? ` (${h.reason})` : ''}`,
      });
    });
}
