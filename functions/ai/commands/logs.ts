/** `logs <env> <service> [--since=1h]`: a service's error groups over the window and its last lines; then the model's reading of them. */
import type { ErrorGroupsAnswer } from '../tools/logs.ts';
import type { CommandDef, CommandOutcome, RunTool } from '../tools/types.ts';
import { attempt, environmentAndService, sinceMinutes, table, when, type Section } from './parts.ts';

const USAGE = 'logs <env> <service> [--since=1h]';
const LAST_LINES = 20;

interface LinesRead { source: string; lines: Array<{ at: string; level?: string; message: string }> }

function parse(words: readonly string[]): Record<string, string> | string {
  const rest: string[] = [];
  let since = '1h';
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word.startsWith('--since=')) since = word.slice('--since='.length);
    else if (word === '--since' && words[i + 1]) since = words[++i]!;
    else if (word.startsWith('--')) return `unknown option ${word} (usage: ${USAGE})`;
    else rest.push(word);
  }
  const minutes = sinceMinutes(since);
  if (typeof minutes === 'string') return minutes;
  const target = environmentAndService(rest, USAGE);
  return typeof target === 'string' ? target : { ...target, sinceMinutes: String(minutes), since };
}

async function plan(args: Record<string, string>, run: RunTool): Promise<CommandOutcome> {
  const { environment, service, since } = args as { environment: string; service: string; since: string };
  const minutes = Number(args.sinceMinutes);
  const to = new Date(args.at ? Date.parse(args.at) : Date.now()).toISOString();
  const sections: Section[] = [];
  const groups = await attempt<ErrorGroupsAnswer>(run, 'error_groups', { service, environment, sinceMinutes: minutes, to });
  if (groups.ok) {
    const g = groups.value;
    sections.push(table(`Errors and warnings (last ${since})`, ['Count', 'Level', 'Message', 'First seen', 'Last seen'],
      g.groups.map((x) => [x.count, x.level, x.message, when(x.firstSeen), when(x.lastSeen)]),
      `${g.linesRead} lines read from ${g.source}${g.complete ? '' : ' (not all of the window\'s)'}${g.groupsLeftOut ? `; ${g.groupsLeftOut} smaller groups not shown` : ''}`));
  } else {
    sections.push(table(`Errors and warnings (last ${since})`, ['Count', 'Level', 'Message', 'First seen', 'Last seen'], [], `not read: ${groups.error}`));
  }
  const lines = await attempt<LinesRead>(run, 'logs_search', { service, environment, sinceMinutes: Math.min(minutes, 15), to, limit: LAST_LINES, newest: true });
  sections.push(lines.ok
    ? table('Last lines', ['Time', 'Level', 'Message'], lines.value.lines.map((l) => [l.at.slice(11, 19), l.level ?? null, l.message]), `from ${lines.value.source}, secrets masked`)
    : table('Last lines', ['Time', 'Level', 'Message'], [], `not read: ${lines.error}`));
  return {
    findings: { title: `logs ${environment} ${service} --since=${since}`, sections },
    prompt: `Above are ${service}'s log findings in ${environment} over the last ${since}. Say in a few lines what stands out (the dominant errors, when they started and stopped, whether they cluster in time), what they most likely mean, and which read tool would confirm it. Do not change anything.`,
  };
}

export const logsCommand: CommandDef = {
  name: 'logs',
  usage: USAGE,
  summary: 'A service\'s errors and warnings grouped by message over a window (5m to 24h, default 1h) and its last lines.',
  parse,
  plan,
};
