/** `incident <id>`: the incident, its timeline's last entries, its runbook and its services' errors in its window; then the model's reading. */
import type { ErrorGroupsAnswer } from '../tools/logs.ts';
import type { CommandDef, CommandOutcome, RunTool } from '../tools/types.ts';
import { attempt, facts, firstSteps, table, text, when, type Section } from './parts.ts';

const USAGE = 'incident <id>';
const TIMELINE_ROWS = 10;
const MAX_TARGETS = 3;

interface IncidentRead {
  id: string; title: string; severity: string; status: string; source: string; alert?: string; services: string[]; environments: string[];
  assignee: string | null; team: string | null; createdAt: string; acknowledgedAt?: string; resolvedAt?: string; description: string;
  window: { from: string; to: string };
  runbook: { serviceId: string; title: string; trigger: string; content: string } | null; runbookReason?: string;
  timeline: Array<{ at: string; type: string; actor: string; content: string }>;
}

function parse(words: readonly string[]): Record<string, string> | string {
  const id = words.length === 1 ? words[0]!.toUpperCase() : '';
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) return `usage: ${USAGE} (the incident's id, a ULID such as 01JEX4MPQE0000000000000000)`;
  return { id };
}

const SEVERITY: Record<string, 'bad' | 'warn' | 'ok'> = { critical: 'bad', high: 'bad', medium: 'warn', low: 'ok' };

async function plan(args: Record<string, string>, run: RunTool): Promise<CommandOutcome> {
  const read = await attempt<IncidentRead>(run, 'incident_get', { id: args.id! });
  if (!read.ok) return { findings: { title: `incident ${args.id}`, sections: [text('Not read', read.error)] }, prompt: `The incident ${args.id} could not be read: ${read.error}. Say so in one sentence.` };
  const i = read.value;
  const sections: Section[] = [facts('Incident', [
    { label: 'Title', value: i.title },
    { label: 'Severity', value: i.severity, status: SEVERITY[i.severity] ?? 'unknown' },
    { label: 'Status', value: i.status, status: i.status === 'resolved' ? 'ok' : 'bad' },
    { label: 'Alert', value: `${i.alert ?? 'none'} (${i.source})` },
    { label: 'Affected', value: `${i.services.join(', ') || 'none'} in ${i.environments.join(', ') || 'no environment'}` },
    { label: 'Assignee', value: i.assignee ?? 'nobody' },
    { label: 'Opened', value: when(i.createdAt) },
    ...(i.resolvedAt ? [{ label: 'Resolved', value: when(i.resolvedAt) }] : []),
  ])];
  const entries = i.timeline.slice(-TIMELINE_ROWS);
  sections.push(table('Timeline (last entries)', ['When', 'Type', 'Who', 'What'], entries.map((e) => [when(e.at), e.type, e.actor, e.content]), i.timeline.length > entries.length ? `${i.timeline.length - entries.length} earlier entries not shown` : undefined));
  sections.push(i.runbook
    ? text('Runbook', [`${i.runbook.title} (trigger ${i.runbook.trigger}, ${i.runbook.serviceId})`, ...firstSteps(i.runbook.content).map((s, n) => `${n + 1}. ${s}`)].join('\n'))
    : text('Runbook', i.runbookReason ?? 'no runbook matched'));
  // The services' errors over the incident's window (at most a day, ending at its resolution or now).
  const to = Date.parse(i.window.to);
  const minutes = Math.min(1440, Math.max(5, Math.ceil((to - Date.parse(i.window.from)) / 60_000)));
  const targets = i.services.flatMap((s) => i.environments.map((e) => ({ service: s, environment: e }))).slice(0, MAX_TARGETS);
  for (const target of targets) {
    const groups = await attempt<ErrorGroupsAnswer>(run, 'error_groups', { ...target, sinceMinutes: minutes, to: i.window.to });
    const title = `Errors of ${target.service} in ${target.environment} during the incident`;
    sections.push(groups.ok
      ? table(title, ['Count', 'Level', 'Message', 'First seen', 'Last seen'], groups.value.groups.slice(0, 8).map((g) => [g.count, g.level, g.message, when(g.firstSeen), when(g.lastSeen)]), `${groups.value.linesRead} lines from ${when(groups.value.from)} to ${when(groups.value.to)}`)
      : table(title, ['Count', 'Level', 'Message', 'First seen', 'Last seen'], [], `not read: ${groups.error}`));
  }
  return {
    findings: { title: `incident ${i.id}: ${i.title}`, sections },
    prompt: `Above are the findings of incident ${i.id} (${i.severity}, ${i.status}). Summarize where it stands, the most likely cause from the errors and the timeline (a deployment just before it?), and the next steps of its runbook that still apply. Offer numbered next steps; do not change anything until the user chooses.`,
  };
}

export const incidentCommand: CommandDef = {
  name: 'incident',
  usage: USAGE,
  summary: 'An incident: its status, the last entries of its timeline, its runbook and its services\' errors during it.',
  parse,
  plan,
};
