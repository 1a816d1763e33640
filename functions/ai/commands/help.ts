/** `help`: the built-in commands, and what the user's role may do in this console. */
import { isRole, roleHas, type Permission } from '#shared/permissions';
import { toolNamed } from '../tools/registry.ts';
import type { CommandDef, CommandOutcome, RunTool } from '../tools/types.ts';
import { attempt, facts, table, text } from './parts.ts';

/** The commands' plans, by the tools they read (a command is yours when every tool of it is). */
export const PLAN_TOOLS: Readonly<Record<string, readonly string[]>> = {
  debug: ['catalog_service', 'service_health', 'metrics_service', 'error_groups', 'deployment_history', 'service_runbooks'],
  logs: ['error_groups', 'logs_search'],
  incident: ['incident_get', 'error_groups'],
  postmortem: ['incident_postmortem', 'error_groups'],
  explain: ['catalog_service', 'catalog_dependencies', 'catalog_environment', 'deployment_history'],
  help: ['my_access'],
  deploy: ['catalog_service', 'deployment_preflight'],
  rollback: ['catalog_service', 'deployment_preflight'],
  scale: ['catalog_service', 'deployment_preflight'],
  upgrade: ['catalog_service', 'repo_dependencies'],
};

/** The commands that propose a change: also the permission of their change outside production. */
const CHANGE_PERMISSION: Readonly<Record<string, Permission>> = { deploy: 'deployments:create:non-prod', rollback: 'deployments:create:non-prod', scale: 'deployments:create:non-prod', upgrade: 'services:write' };

/** What the console may do on your behalf beyond reading, by the permission each kind of action needs. */
const ACTIONS: ReadonlyArray<{ readonly what: string; readonly permission: Permission }> = [
  { what: 'Ask questions and run the read tools (catalog, health, logs, metrics, traces, deployments, incidents)', permission: 'ai:sessions:create' },
  { what: 'Safe changes (outside production: deploy, rollback, scale, restart; pull requests, requests, incident notes): typed, they run at once; proposed by the model, they wait for your Approve', permission: 'ai:sessions:execute:safe' },
  { what: 'Production changes (deploy, rollback, scale, restart in production; critical incidents): always wait for your Approve', permission: 'ai:sessions:execute:dangerous' },
  { what: 'Infrastructure changes: always wait for your Approve', permission: 'ai:sessions:execute:all' },
];

interface AccessRead { principal: string; role: string | null; teams: string[] }

async function plan(args: Record<string, string>, run: RunTool, commands: readonly CommandDef[]): Promise<CommandOutcome> {
  const access = await attempt<AccessRead>(run, 'my_access', {});
  const role = access.ok && isRole(access.value.role) ? access.value.role : null;
  const mayRun = (name: string) => (PLAN_TOOLS[name] ?? []).every((tool) => { const def = toolNamed(tool); return def !== undefined && roleHas(role, def.permission); })
    && (!CHANGE_PERMISSION[name] || roleHas(role, CHANGE_PERMISSION[name]));
  const shown = args.command ? commands.filter((c) => c.name === args.command) : commands;
  return {
    findings: { title: args.command ? `help ${args.command}` : 'help', sections: [
      table('Commands', ['Command', 'What it does', 'You may'], shown.map((c) => [c.usage, c.summary, role ? (mayRun(c.name) ? 'yes' : 'no') : 'unknown'])),
      access.ok
        ? facts('You', [{ label: 'Who', value: access.value.principal }, { label: 'Role', value: role ?? 'none' }, { label: 'Teams', value: access.value.teams.join(', ') || 'none' }])
        : text('You', `not read: ${access.error}`),
      table('What your role may do here', ['Action', 'Needs', 'You may'], ACTIONS.map((a) => [a.what, a.permission, roleHas(role, a.permission) ? 'yes' : 'no'])),
      text('Anything else', 'Type a question in plain words (e.g. "why did core-service\'s error rate rise at 10:45?"): the model answers with the read tools, as you. A change it proposes waits for your click on Approve beside the terminal; typing "approve" approves nothing.'),
    ] },
    prompt: 'The user asked for help; the commands and what their role may do are above. Add at most two sentences suggesting where to start (e.g. `debug <env> <service>` for a service in trouble). Call no tools.',
  };
}

/** `help [command]`; `commands` is the registry it describes (passed in: the registry lists help too). */
export function helpCommand(commands: () => readonly CommandDef[]): CommandDef {
  return {
    name: 'help',
    usage: 'help [command]',
    summary: 'The commands, and what your role may do in this console.',
    parse: (words): Record<string, string> | string => {
      if (words.length === 0) return {};
      const name = words[0]!.toLowerCase();
      return words.length === 1 && commands().some((c) => c.name === name) ? { command: name } : `usage: help [${commands().map((c) => c.name).join(' | ')}]`;
    },
    plan: (args, run) => plan(args, run, commands()),
  };
}
