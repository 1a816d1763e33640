/**
 * The built-in commands (ARCHITECTURE.md §6): `debug`, `logs`, `costs`, `incident`, `explain`, `help`, `postmortem`, and the
 * ones that change things through an approval: `deploy`, `rollback`, `scale`, `upgrade`. A message whose first
 * word names one (optionally after a `/`) and whose words fit it is that command; anything else is a free question
 * for the model. A command whose words do not fit answers its usage problem, unless there are more words than it
 * takes: that is a question in plain words ("explain why the error rate rose").
 */
import type { CommandDef } from '../tools/types.ts';
import { deployCommand, rollbackCommand, scaleCommand } from './change.ts';
import { costsCommand } from './costs.ts';
import { debugCommand } from './debug.ts';
import { explainCommand } from './explain.ts';
import { helpCommand } from './help.ts';
import { incidentCommand } from './incident.ts';
import { logsCommand } from './logs.ts';
import { postmortemCommand } from './postmortem.ts';
import { upgradeCommand } from './upgrade.ts';

export const COMMANDS: readonly CommandDef[] = [debugCommand, logsCommand, costsCommand, incidentCommand, postmortemCommand, deployCommand, rollbackCommand, scaleCommand, upgradeCommand, explainCommand, helpCommand(() => COMMANDS)];

/** The most words each command takes; more is a free question. */
const MAX_WORDS: Readonly<Record<string, number>> = { debug: 2, logs: 4, costs: 2, incident: 1, postmortem: 1, deploy: 3, rollback: 2, scale: 3, upgrade: 2, explain: 1, help: 1 };

export type ParsedCommand = { readonly command: CommandDef; readonly args: Record<string, string> } | { readonly problem: string } | undefined;

export function parseCommand(text: string): ParsedCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const name = words[0]?.replace(/^\//, '').toLowerCase();
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) return undefined;
  const rest = words.slice(1);
  if (rest.length > (MAX_WORDS[command.name] ?? 0)) return undefined;
  const args = command.parse(rest);
  return typeof args === 'string' ? { problem: args } : { command, args };
}
