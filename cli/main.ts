/**
 * `apollo`: Apollo's command line for people, scripts and CI. Every call is SigV4-signed through the
 * shared typed client; `--wait` and `--follow` listen on the realtime API. `main` runs one command
 * line and answers its exit code (it never calls process.exit: tests run it in-process).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ApiError } from '#shared/api-client';
import { registerAi } from './commands/ai.ts';
import { registerApprovals } from './commands/approvals.ts';
import { registerAudit } from './commands/audit.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerConfigure } from './commands/configure.ts';
import { registerCosts } from './commands/costs.ts';
import { registerDeployments } from './commands/deployments.ts';
import { registerIncidents } from './commands/incidents.ts';
import { registerLogs } from './commands/logs.ts';
import { registerOfferings } from './commands/offerings.ts';
import { registerRequests } from './commands/requests.ts';
import { registerSecrets } from './commands/secrets.ts';
import { registerServices } from './commands/services.ts';
import { registerSystem } from './commands/system.ts';
import { Cli, type GlobalOptions, type Io } from './context.ts';
import { CliError, EXIT, EXIT_HELP, exitCodeOf } from './exit.ts';
import { OUTPUT_FORMATS } from './output.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function buildProgram(io: Io): { program: Command; cli: Cli } {
  const program = new Command('apollo');
  const cli = new Cli(io, () => program.opts<GlobalOptions>());
  program
    .description('Apollo from the command line: services, requests, deployments, secrets, costs, incidents and the AI agent, signed with your AWS credentials (SigV4).')
    .version(VERSION, '-V, --version')
    .addOption(new Option('-o, --output <format>', 'how results print (default: APOLLO_OUTPUT, then table)').choices(OUTPUT_FORMATS).default(io.env.APOLLO_OUTPUT ?? 'table', 'table'))
    .option('--endpoint <url>', 'the API base URL (default: APOLLO_ENDPOINT, then the configuration)')
    .option('--region <region>', 'the region to sign for (default: APOLLO_REGION, the configuration, AWS_REGION)')
    .option('--profile <name>', 'sign with this AWS profile (default: the configuration, then the default credential chain)')
    .option('--no-color', 'no colour (also when NO_COLOR is set or output is not a terminal)')
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(s),
    })
    .addHelpText('after', [
      '',
      'Start here:',
      '  $ apollo configure --local          # the local runtime (`npm start`), with its developer key',
      '  $ apollo configure --stack Apollo --region eu-west-1   # a deployed stack, read with CloudFormation',
      '  $ apollo services list',
      '  $ apollo requests submit dns-record -f environment=dev -f name=api -f value=api.lb.example.com --wait',
      '  $ apollo deploy core-service staging v1.4.2 --wait',
      '',
      EXIT_HELP,
    ].join('\n'));

  registerConfigure(program, cli);
  registerSystem(program, cli);
  registerServices(program, cli);
  registerOfferings(program, cli);
  registerRequests(program, cli);
  registerApprovals(program, cli);
  registerDeployments(program, cli);
  registerSecrets(program, cli);
  registerCosts(program, cli);
  registerIncidents(program, cli);
  registerLogs(program, cli);
  registerAi(program, cli);
  registerAudit(program, cli);
  registerCompletion(program, cli);
  return { program, cli };
}

export function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

/** Runs one command line (`argv` without `node apollo`); answers the exit code. */
export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const { program, cli } = buildProgram(io);
  cli.argv = argv;
  try {
    if (io.env.APOLLO_OUTPUT !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(io.env.APOLLO_OUTPUT)) {
      throw new CliError(`APOLLO_OUTPUT=${io.env.APOLLO_OUTPUT} is not an output format: ${OUTPUT_FORMATS.join(', ')}`, EXIT.usage);
    }
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    printError(cli, error);
    return exitCodeOf(error);
  }
}

function printError(cli: Cli, error: unknown): void {
  const style = cli.style;
  if (error instanceof ApiError) {
    cli.note(`${style.red('error:')} ${error.message} (HTTP ${error.status} ${error.code})`);
    for (const d of error.details) cli.note(`  ${d.path}: ${d.message}`);
    if (error.status === 403 && error.code === 'AccessDeniedException') cli.note('  your role does not hold the permission this route needs: `apollo me` lists yours; an admin changes roles');
    if (error.requestId) cli.note(style.dim(`  request id ${error.requestId}`));
    return;
  }
  if (error instanceof CliError) {
    cli.note(`${style.red('error:')} ${error.message}`);
    if (error.hint) cli.note(`  ${error.hint}`);
    return;
  }
  // Our own bug or something unforeseen: the message, never a stack (APOLLO_DEBUG=1 shows it).
  cli.note(`${style.red('error:')} ${(error as Error)?.message ?? String(error)}`);
  if (cli.io.env.APOLLO_DEBUG) cli.note(String((error as Error)?.stack ?? ''));
}
