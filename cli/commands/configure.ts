/**
 * `apollo configure`: points the CLI at the local runtime (`--local`: the same PORT and APOLLO_HOME as
 * `npm start`), at a deployed stack (`--stack`: its outputs through CloudFormation DescribeStacks), or
 * at a URL; then checks who it signs as with GET /api/v1/me.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { Command } from 'commander';
import { Option } from 'commander';
import { ApiError } from '#shared/api-client';
import { ROLES, type Role } from '#shared/permissions';
import { configPath, localRuntime, readConfig, writeConfig, type CliConfig } from '../config.ts';
import type { Cli } from '../context.ts';
import { CliError, EXIT } from '../exit.ts';

interface ConfigureOptions {
  readonly local?: boolean;
  readonly role: Role;
  readonly user?: string;
  readonly stack?: string;
  readonly url?: string;
  readonly realtimeUrl?: string;
  readonly show?: boolean;
}

/** Tests swap the CloudFormation client for a mocked one. */
export const cloudFormation = { client: (region: string, profile: string | undefined) => new CloudFormationClient({ region, credentials: fromNodeProviderChain(profile ? { profile } : {}) }) };

export function registerConfigure(program: Command, cli: Cli): void {
  program
    .command('configure')
    .description('Point the CLI at Apollo: the local runtime, a deployed stack, or a URL (writes ~/.config/apollo/config.json; no secrets)')
    .option('--local', 'the local runtime: http://127.0.0.1:$PORT (default 3000), keys from $APOLLO_HOME/credentials.json (default .apollo)')
    .addOption(new Option('--role <role>', 'with --local: sign with this role\'s key').choices(ROLES).default('developer'))
    .option('--user <email>', 'with --local: sign as this person of the local directory (a one-hour session from the runtime)')
    .option('--stack <name>', 'a deployed stack: its ApiUrl and RealtimeUrl outputs (CloudFormation DescribeStacks with your AWS credentials)')
    .option('--url <endpoint>', 'the API base URL itself (with --region; signed with your AWS credentials)')
    .option('--realtime-url <url>', 'with --url: the WebSocket API (for --wait and --follow)')
    .option('--show', 'print the configuration in use and who it signs as')
    .addHelpText('after', [
      '',
      'Examples:',
      '  $ apollo configure --local',
      '  $ apollo configure --local --user dana@apollo.local',
      '  $ apollo configure --stack Apollo --region eu-west-1 --profile platform',
      '  $ apollo configure --url https://abc123.execute-api.eu-west-1.amazonaws.com/prod --region eu-west-1',
      '  $ apollo configure --show',
    ].join('\n'))
    .action(async (options: ConfigureOptions) => {
      const chosen = [options.local, options.stack, options.url, options.show].filter(Boolean).length;
      if (chosen !== 1) throw new CliError('say one of --local, --stack <name>, --url <endpoint> or --show', EXIT.usage);
      if (options.show) return show(cli);
      const config = options.local ? configureLocal(cli, options) : options.stack ? await configureStack(cli, options.stack) : configureUrl(cli, options);
      const path = writeConfig(cli.io.env, config);
      cli.note(`wrote ${path}`);
      await whoAmI(cli, config, true);
    });
}

function configureLocal(cli: Cli, options: ConfigureOptions): CliConfig {
  const local = localRuntime(cli.io.env, cli.io.cwd);
  return {
    endpoint: local.endpoint, region: local.region, realtimeUrl: local.realtimeUrl,
    auth: { kind: 'local', home: local.home, role: options.role, ...(options.user ? { user: options.user.trim().toLowerCase() } : {}) },
  };
}

function configureUrl(cli: Cli, options: ConfigureOptions): CliConfig {
  const g = cli.globals();
  let url: URL;
  try {
    url = new URL(options.url!);
  } catch {
    throw new CliError(`--url ${options.url} is not a URL`, EXIT.usage);
  }
  if (!/^https?:$/.test(url.protocol)) throw new CliError('--url must be http(s)', EXIT.usage);
  const region = g.region ?? cli.io.env.AWS_REGION ?? cli.io.env.AWS_DEFAULT_REGION ?? /execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url.host)?.[1];
  if (!region) throw new CliError('with --url, say --region (the API\'s region)', EXIT.usage);
  return { endpoint: url.toString().replace(/\/$/, ''), region, ...(options.realtimeUrl ? { realtimeUrl: options.realtimeUrl } : {}), auth: { kind: 'aws', ...(g.profile ? { profile: g.profile } : {}) } };
}

async function configureStack(cli: Cli, stack: string): Promise<CliConfig> {
  const g = cli.globals();
  const region = g.region ?? cli.io.env.AWS_REGION ?? cli.io.env.AWS_DEFAULT_REGION;
  if (!region) throw new CliError('with --stack, say --region (or set AWS_REGION)', EXIT.usage);
  let outputs: Record<string, string>;
  try {
    const answer = await cloudFormation.client(region, g.profile).send(new DescribeStacksCommand({ StackName: stack }));
    outputs = Object.fromEntries((answer.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
  } catch (error) {
    const e = error as Error & { name?: string };
    if (e instanceof CliError) throw e;
    if (e.name === 'ValidationError') throw new CliError(`no stack ${stack} in ${region}: ${e.message}`, EXIT.notFound);
    if (/credential|token|AccessDenied|Unrecognized|expired/i.test(`${e.name} ${e.message}`)) throw new CliError(`CloudFormation refused: ${e.message}`, EXIT.auth, 'sign in (`aws sso login`) or pass --profile');
    throw new CliError(`CloudFormation DescribeStacks failed: ${e.message}`, EXIT.failure);
  }
  if (!outputs.ApiUrl) throw new CliError(`stack ${stack} has no ApiUrl output: is it an Apollo stack?`, EXIT.notFound);
  return {
    endpoint: outputs.ApiUrl.replace(/\/$/, ''), region, stack,
    ...(outputs.RealtimeUrl ? { realtimeUrl: outputs.RealtimeUrl } : {}),
    auth: { kind: 'aws', ...(g.profile ? { profile: g.profile } : {}) },
  };
}

async function show(cli: Cli): Promise<void> {
  const file = readConfig(cli.io.env);
  if (!file) throw new CliError(`no configuration at ${configPath(cli.io.env)}`, EXIT.usage, 'run `apollo configure --local` or `apollo configure --stack <name>`');
  await whoAmI(cli, cli.config(), false);
}

/** Signs one call to say who the configuration is; on the local runtime a stopped runtime is only a warning. */
async function whoAmI(cli: Cli, config: CliConfig, afterWrite: boolean): Promise<void> {
  const auth = config.auth.kind === 'local'
    ? `local runtime keys in ${config.auth.home} (${config.auth.user ? `as ${config.auth.user}` : `role ${config.auth.role}`})`
    : `AWS credentials (${config.auth.profile ? `profile ${config.auth.profile}` : 'the default chain'})`;
  let me: { principal: string; role: string; teams: Array<{ id: string }> } | undefined;
  let problem: string | undefined;
  let hint: string | undefined;
  try {
    me = (await cli.request('GET /api/v1/me')).body as typeof me;
  } catch (error) {
    if (!afterWrite) throw error;
    problem = error instanceof ApiError ? `${error.message} (HTTP ${error.status})` : (error as Error).message;
    hint = error instanceof CliError ? error.hint : undefined;
  }
  const data = { ...config, ...(me ? { principal: me.principal, role: me.role, teams: me.teams.map((t) => t.id) } : {}), configPath: configPath(cli.io.env) };
  cli.print(data, {
    kind: 'fields',
    fields: [
      ['endpoint', config.endpoint], ['region', config.region], ['realtime', config.realtimeUrl ?? '- (--wait and --follow poll)'],
      ['credentials', auth], ...(config.stack ? [['stack', config.stack] as const] : []),
      ['signed in as', me ? `${me.principal} (${me.role}${me.teams.length ? `; teams ${me.teams.map((t) => t.id).join(', ')}` : ''})` : '-'],
    ],
  });
  if (problem) {
    cli.note(`warning: the configuration is saved, but the check failed: ${problem}`);
    if (hint) cli.note(`  ${hint}`);
  }
}
