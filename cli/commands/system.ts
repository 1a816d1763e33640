/** `apollo me`, `apollo openapi`, `apollo health`: who you are, the API's contract, Apollo's own health. */
import type { Command } from 'commander';
import type { Cli } from '../context.ts';

export function registerSystem(program: Command, cli: Cli): void {
  program
    .command('me')
    .description('Who you sign in as: principal, role, teams and permissions')
    .addHelpText('after', '\nExamples:\n  $ apollo me\n  $ apollo me -o json | jq -r .role')
    .action(async () => {
      const me = (await cli.request('GET /api/v1/me')).body;
      cli.print(me, {
        kind: 'fields',
        fields: [
          ['principal', me.principal], ['role', me.role], ['kind', me.kind], ['arn', me.principalArn],
          ['teams', me.teams.map((t) => `${t.id} (${t.role})`)], ['permissions', me.permissions],
        ],
      });
    });

  program
    .command('openapi')
    .description('The API as an OpenAPI 3.1 document (JSON by default; -o yaml)')
    .addHelpText('after', '\nExamples:\n  $ apollo openapi > apollo-openapi.json\n  $ apollo openapi -o yaml')
    .action(async () => {
      const doc = (await cli.request('GET /api/v1/openapi.json')).body;
      // A document, not a table: JSON unless YAML is asked for.
      cli.print(doc, { kind: 'text', text: JSON.stringify(doc, null, 2) });
    });

  program
    .command('health')
    .description('Apollo\'s own health: each component and integration')
    .addHelpText('after', '\nExamples:\n  $ apollo health')
    .action(async () => {
      const health = (await cli.request('GET /api/v1/health')).body;
      cli.print(health, {
        kind: 'table',
        rows: health.components,
        columns: [
          { header: 'component', value: (c) => c.name },
          { header: 'status', value: (c) => c.status },
          { header: 'critical', value: (c) => (c.critical ? 'yes' : 'no') },
          { header: 'latency', value: (c) => `${Math.round(c.latencyMs)} ms` },
          { header: 'detail', value: (c) => c.message },
        ],
        empty: 'no components reported',
        footer: `overall: ${health.status} (checked ${health.checkedAt})`,
      });
    });
}
