/**
 * `postmortem <incident-id>`: generates a postmortem from incident data. Its plan reads what a postmortem is written
 * from (the incident, its whole timeline, duration, time to acknowledge, the last change before it began, its
 * postmortem's state) and its services' errors during it; the findings print those, computed; then the model writes
 * the postmortem in the terminal from them. Nothing is saved: the incident's page (or POST …/postmortem) does that.
 */
import type { ErrorGroupsAnswer } from '../tools/logs.ts';
import type { PostmortemRead } from '../tools/postmortem.ts';
import type { CommandDef, CommandOutcome, RunTool } from '../tools/types.ts';
import { attempt, facts, table, text, when, type Fact, type Section } from './parts.ts';

const USAGE = 'postmortem <incident-id>';
/** The services' errors are read for this many service/environment pairs. */
const MAX_TARGETS = 2;

function parse(words: readonly string[]): Record<string, string> | string {
  const id = words.length === 1 ? words[0]!.toUpperCase() : '';
  if (!/^[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) return `usage: ${USAGE} (the incident's id, a ULID such as 01JEX4MPQE0000000000000000)`;
  return { id };
}

/** `45 min`, `3 h 5 min`. */
const minutes = (m: number): string => (m >= 120 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`);

function measures(r: PostmortemRead): Fact[] {
  const open = r.incident.resolvedAt === null;
  return [
    { label: 'Duration', value: `${minutes(r.durationMinutes)}${open ? ' so far (still open)' : ''}`, status: open ? 'bad' : 'ok' },
    { label: 'Time to acknowledge', value: r.ackMinutes === null ? 'not acknowledged' : `${minutes(r.ackMinutes)}${r.incident.acknowledgedBy ? ` (${r.incident.acknowledgedBy})` : ''}`, status: r.ackMinutes === null ? 'bad' : r.ackMinutes > 15 ? 'warn' : 'ok' },
    {
      label: 'Candidate change',
      value: r.candidateChange ? `${r.candidateChange.content}, ${when(r.candidateChange.at)}: ${minutes(r.candidateChange.minutesBefore)} before it began (to be confirmed)` : 'none: no deployment of its services preceded it in the records',
      status: r.candidateChange ? 'warn' : 'unknown',
    },
    ...(r.rollbacks.length ? [{ label: 'Rollbacks', value: r.rollbacks.map((b) => `${b.content} (${when(b.at)})`).join('; ') }] : []),
  ];
}

function postmortemState(p: PostmortemRead['postmortem'], id: string): string {
  if (!p) return `None yet. An operator drafts one on the incident's page (or POST /api/v1/incidents/${id}/postmortem).`;
  const by = p.modelDraft === 'writing' ? 'drafted from the records; the model is writing its draft now'
    : p.generatedByAI ? `written by ${p.model ?? 'the model'}` : 'drafted from the records';
  const failed = p.modelDraft === 'failed' ? ` The model could not write it: ${p.modelError ?? 'no reason given'}.` : '';
  return `${p.status === 'final' ? 'Final' : 'Draft'}, version ${p.version}, ${by}; last saved by ${p.updatedBy} ${when(p.updatedAt)}. `
    + `Action items: ${p.actionItemsDone} of ${p.actionItems} done.${failed}\nRoot cause as it stands: ${p.rootCause || '(empty)'}`;
}

async function plan(args: Record<string, string>, run: RunTool): Promise<CommandOutcome> {
  const read = await attempt<PostmortemRead>(run, 'incident_postmortem', { id: args.id! });
  if (!read.ok) return { findings: { title: `postmortem of incident ${args.id}`, sections: [text('Not read', read.error)] }, prompt: `The incident ${args.id} could not be read: ${read.error}. Say so in one sentence.` };
  const r = read.value;
  const i = r.incident;
  const sections: Section[] = [
    facts('Incident', [
      { label: 'Title', value: i.title },
      { label: 'Severity', value: i.severity, status: i.severity === 'critical' || i.severity === 'high' ? 'bad' : 'warn' },
      { label: 'Status', value: i.status, status: i.status === 'resolved' ? 'ok' : 'bad' },
      { label: 'Affected', value: r.where },
      { label: 'Alert', value: `${i.alert ?? 'none'} (${i.source})` },
      { label: 'Opened', value: when(i.createdAt) },
      ...(i.resolvedAt ? [{ label: 'Resolved', value: when(i.resolvedAt) }] : []),
    ]),
    facts('Measures', measures(r)),
    table('Timeline', ['When', 'Type', 'Who', 'What'], r.timeline.map((e) => [when(e.at), e.type, e.actor, e.content]), r.timelineLeftOut ? `${r.timelineLeftOut} earlier entries not shown` : undefined),
  ];
  // The services' errors over the incident (at most a day, ending at its resolution or now): evidence for the root cause.
  const to = i.resolvedAt ?? new Date().toISOString();
  const sinceMinutes = Math.min(1440, Math.max(5, r.durationMinutes + 5));
  for (const target of i.services.flatMap((service) => i.environments.map((environment) => ({ service, environment }))).slice(0, MAX_TARGETS)) {
    const groups = await attempt<ErrorGroupsAnswer>(run, 'error_groups', { ...target, sinceMinutes, to });
    const title = `Errors of ${target.service} in ${target.environment} during the incident`;
    sections.push(groups.ok
      ? table(title, ['Count', 'Level', 'Message', 'First seen', 'Last seen'], groups.value.groups.slice(0, 5).map((g) => [g.count, g.level, g.message, when(g.firstSeen), when(g.lastSeen)]), `${groups.value.linesRead} lines from ${when(groups.value.from)} to ${when(groups.value.to)}`)
      : table(title, ['Count', 'Level', 'Message', 'First seen', 'Last seen'], [], `not read: ${groups.error}`));
  }
  sections.push(text('Postmortem', postmortemState(r.postmortem, i.id)));
  const existing = r.postmortem
    ? `It has a postmortem already (${r.postmortem.status}, version ${r.postmortem.version}): after yours, say in a few lines where it differs from that one.`
    : 'It has no postmortem yet.';
  return {
    findings: { title: `postmortem of incident ${i.id}: ${i.title}`, sections },
    prompt: `Above are the records of incident ${i.id}. Write its postmortem here, blameless, in Markdown, with the sections Summary, Impact, Timeline (the entries that tell the story, with their times), Root cause and Action items (each with an owner from the records, or "owner to be named"). `
      + 'Use only what the findings say; where they do not say (what customers saw and how many, why a change broke something), write "to be confirmed". The candidate change is a candidate to confirm, not a finding; the errors during the incident are evidence for it or against it. '
      + `${existing} Do not save or change anything.`,
  };
}

export const postmortemCommand: CommandDef = {
  name: 'postmortem',
  usage: USAGE,
  summary: 'Generate postmortem from incident data: its duration, time to acknowledge, the change before it, its timeline and errors; then the model writes the postmortem here.',
  parse,
  plan,
};
