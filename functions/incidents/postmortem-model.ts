/**
 * The model writes an incident's postmortem draft (the jobs Lambda's dispatched job `incident-postmortem`, handed
 * `<incidentId>/<version>` by `POST …/postmortem`): from the draft drafted from the records, the incident and its
 * joined timeline, all given as untrusted data, it answers one JSON object (summary, impact, timeline, root cause,
 * action items) that must pass the same schema as a person's edit. It is saved as the next version,
 * `generatedByAI: true` with the model's name, only if the postmortem is still the version it was asked to follow
 * (a person's edit in between stands). A model that fails leaves the draft from the records, with why on it.
 * Either save is audited ahead (`incidents.postmortem.model-draft`, actor type ai, on behalf of who asked for the
 * draft): no audit entry, no save.
 */
import type { Postmortem, PostmortemUpdate } from '#schemas/index.ts';
import validators from '#schemas/validators/incidents.gen.cjs';
import { PreconditionFailedError } from '#shared/errors';
import { composeWithModel } from '#functions/ai/public';
import { auditLog } from '#lib/audit-log';
import { logger } from '#lib/observability';
import { publish } from '#lib/realtime';
import { describeErrors, validatorFor } from '#lib/validation';
import { INCIDENT_CHANGED, INCIDENT_TOPIC } from './lifecycle.ts';
import { postmortemFacts } from './postmortem-facts.ts';
import { readPostmortem, replacePostmortem, requireIncident } from './records.ts';
import { incidentTimeline } from './timeline.ts';

/** The job's timeout is 300 s; the model gets most of it, and the rest saves what happened. */
const WRITE_TIMEOUT_MS = 240_000;
const MAX_TOKENS = 8_192;
const TIMELINE_ENTRIES = 200;
const ERROR_CHARS = 2_000;

export type WriteOutcome = 'written' | 'failed' | 'skipped';

/** The model's answer was not a postmortem we can save: the message says what was wrong with it. */
export class ModelDraftError extends Error {
  override readonly name = 'ModelDraftError';
}

export const POSTMORTEM_SYSTEM = [
  'You write blameless incident postmortems for Apollo, a platform control plane, from the records you are given: the incident, its timeline, and a draft Apollo made from the same records by rules.',
  'Write only what the records say. Where they do not say (what customers saw, how many, why a change broke something), write "to be confirmed" rather than guessing. A deployment shortly before the incident is a candidate cause to confirm, not a finding.',
  'Answer with one JSON object and nothing else (no Markdown fence, no prose around it), with exactly these fields:',
  '{"summary": string (Markdown, a short paragraph), "impact": string (Markdown), "timeline": [{"at": ISO 8601 date-time taken from the records, "content": string up to 2000 characters}], "rootCause": string (Markdown), "actionItems": [{"title": string up to 500 characters, "owner": a principal named in the records or null, "due": "YYYY-MM-DD" or null, "done": false}]}.',
  'Keep the timeline to the entries that tell the story, in order. Name people only as the records name them.',
].join('\n');

/** The first JSON object of the model's text (a fence or a sentence around it is forgiven), checked as a person's edit is. */
export function parseModelDraft(text: string): Required<Omit<PostmortemUpdate, 'status'>> {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) throw new ModelDraftError('the model did not answer a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch (error) {
    throw new ModelDraftError(`the model's answer is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelDraftError('the model did not answer a JSON object');
  const { summary, impact, timeline, rootCause, actionItems } = value as Record<string, unknown>;
  const draft = { summary, impact, timeline, rootCause, actionItems };
  const missing = Object.entries(draft).filter(([, v]) => v === undefined).map(([k]) => k);
  if (missing.length) throw new ModelDraftError(`the model's draft lacks ${missing.join(', ')}`);
  const check = validatorFor(validators, 'body', 'postmortem-update');
  if (!check(draft)) {
    const problems = describeErrors(check.errors ?? [], '').slice(0, 5).map((d) => `${d.path || '/'} ${d.message}`);
    throw new ModelDraftError(`the model's draft does not fit a postmortem: ${problems.join('; ')}`);
  }
  return draft as Required<Omit<PostmortemUpdate, 'status'>>;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Runs the job `<incidentId>/<version>`; a postmortem no longer at that version, or no longer waiting for the model, is left alone. */
export async function writePostmortemWithModel(jobId: string): Promise<{ outcome: WriteOutcome; version?: number }> {
  const [incidentId = '', after = ''] = jobId.split('/');
  const version = Number(after);
  const current = incidentId ? await readPostmortem(incidentId, true) : undefined;
  if (!current || current.version !== version || current.modelDraft?.status !== 'writing') {
    logger.info('postmortem model draft skipped', { incidentId, version, current: current?.version, state: current?.modelDraft?.status });
    return { outcome: 'skipped' };
  }
  let next: Postmortem;
  let outcome: WriteOutcome;
  try {
    const incident = await requireIncident(incidentId, true);
    const { items } = await incidentTimeline(incidentId);
    const { incidentId: _id, modelDraft: _md, model: _m, version: _v, ...draft } = current;
    const composed = await composeWithModel({
      command: 'postmortem',
      system: POSTMORTEM_SYSTEM,
      facts: [
        { source: 'incident', content: JSON.stringify({ ...incident, description: clip(incident.description, 4_000) }) },
        { source: 'incident_timeline', content: JSON.stringify(items.slice(-TIMELINE_ENTRIES).map((e) => ({ at: e.at, type: e.type, actor: e.actor, content: clip(e.content, 500) }))) },
        { source: 'postmortem_facts', content: JSON.stringify(postmortemFacts(incident, items)) },
        { source: 'draft_from_records', content: JSON.stringify(draft) },
      ],
      prompt: `Write the postmortem of incident ${incidentId} from the records above, as the JSON object the system prompt describes.`,
      maxTokens: MAX_TOKENS,
      signal: AbortSignal.timeout(WRITE_TIMEOUT_MS),
    });
    if (!composed) throw new ModelDraftError('no model is configured any more');
    if (composed.stopReason === 'max_tokens') throw new ModelDraftError(`the model's answer was cut at ${MAX_TOKENS} tokens`);
    const written = parseModelDraft(composed.text);
    const now = new Date().toISOString();
    next = { ...current, ...written, generatedByAI: true, model: composed.model, modelDraft: { ...current.modelDraft, status: 'written', finishedAt: now, error: null }, updatedAt: now };
    outcome = 'written';
    logger.info('postmortem model draft written', { incidentId, model: composed.model, inputTokens: composed.inputTokens, outputTokens: composed.outputTokens });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    logger.warn('postmortem model draft failed', { incidentId, reason });
    next = { ...current, modelDraft: { ...current.modelDraft, status: 'failed', finishedAt: new Date().toISOString(), error: clip(reason, ERROR_CHARS) } };
    outcome = 'failed';
  }
  const auditId = await auditLog.recordIntent({
    actor: current.updatedBy, actorType: 'ai', action: 'incidents.postmortem.model-draft', resourceType: 'incident', resourceId: incidentId, requestId: jobId,
    details: { after: version, outcome, model: next.model, ...(next.modelDraft?.error ? { error: next.modelDraft.error } : {}) },
  });
  try {
    const saved = await replacePostmortem(next, version);
    await auditLog.recordOutcome(auditId, { outcome: 'succeeded', statusCode: 200 });
    await publish(INCIDENT_TOPIC(incidentId), INCIDENT_CHANGED, { postmortem: { version: saved.version, status: saved.status } });
    return { outcome, version: saved.version };
  } catch (error) {
    const edited = error instanceof PreconditionFailedError;
    await auditLog.recordOutcome(auditId, { outcome: 'failed', statusCode: edited ? 412 : 500, errorCode: (error as Error).name }).catch(() => undefined);
    // Edited (or drafted again) while the model wrote: that version stands.
    if (edited) {
      logger.info('postmortem changed while the model wrote: its draft is dropped', { incidentId, version });
      return { outcome: 'skipped' };
    }
    throw error;
  }
}
