/**
 * Demo data: twelve weeks of self-service request history for the demo teams, so a team page's analytics and the
 * platform's usage and performance stats show believable numbers on a fresh `npm start`. Each request is a record
 * like any other (its offering as stored by the catalog seed, a log line saying it is demo history) and is counted
 * into the analytics aggregates by the same functions a real transition uses (functions/requests/stats.ts).
 *
 * What quota offerings provisioned in this history has since been deprovisioned (the quotas start empty: nothing
 * here holds a team's quota), and the history stops the day before the seed, so today belongs to real requests.
 */
import type { CatalogItemV2 } from '#schemas/index.ts';
import { putItem } from '#lib/table';
import { getCurrent } from '../functions/offerings/adapters/dynamo-store.ts';
import { createRequest, recordDurations, type RequestRecord } from '../functions/requests/records.ts';
import { applyWrites, deprovisionedWrites, endedWrites, foldWrites, submittedWrites, type StatsWrite } from '../functions/requests/stats.ts';
import { durationSeconds } from '../functions/requests/plan.ts';
import { randomOf, ulidOf } from './demo-deployments.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
export const HISTORY_DAYS = 84;
const DEMO_NOTE = 'demo history (seeded by npm start)';

/**
 * Who asks, per team, and how many requests a working day brings on average. The people are the local directory's
 * demo engineers (DEMO_ENGINEERS, seeded with it), not the sign-in users: their "My requests" start empty.
 */
const TEAMS: Record<string, { people: string[]; perDay: number }> = {
  payments: { people: ['maya@apollo.local', 'tom@apollo.local'], perDay: 1.4 },
  growth: { people: ['lena@apollo.local', 'omar@apollo.local'], perDay: 1.1 },
  data: { people: ['ivan@apollo.local'], perDay: 0.6 },
  platform: { people: ['ruth@apollo.local'], perDay: 0.5 },
};

/** The engineers behind the history, for the local directory (developers who have never signed in here), with their team. */
export const DEMO_ENGINEERS: ReadonlyArray<{ readonly user: string; readonly team: string }> = Object.entries(TEAMS).flatMap(([team, t]) => t.people.map((user) => ({ user, team })));

/** How often each offering is asked for, how long its work takes (minutes, low–high), and whether it waits for approval. */
const OFFERINGS: Record<string, { weight: number; workMinutes: [number, number]; approval: number }> = {
  'dns-record': { weight: 30, workMinutes: [0.3, 2], approval: 0 },
  'feature-environment': { weight: 20, workMinutes: [6, 18], approval: 0 },
  'postgresql-database': { weight: 15, workMinutes: [9, 28], approval: 0.6 },
  's3-bucket': { weight: 15, workMinutes: [5, 16], approval: 0.5 },
  'new-microservice-repository': { weight: 12, workMinutes: [1, 4], approval: 0 },
  'access-request': { weight: 8, workMinutes: [30, 300], approval: 1 },
};
const ENVIRONMENTS = ['dev', 'dev', 'staging', 'prod'];

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (random: () => number, [low, high]: [number, number]): number => low + (high - low) * random() ** 1.6;

function pickOffering(random: () => number): string {
  const total = Object.values(OFFERINGS).reduce((s, o) => s + o.weight, 0);
  let roll = random() * total;
  for (const [id, o] of Object.entries(OFFERINGS)) { roll -= o.weight; if (roll < 0) return id; }
  return 'dns-record';
}

/** Seeds the history back from `now`. Returns how many requests it wrote. */
export async function seedDemoRequestHistory(now = Date.now()): Promise<number> {
  const documents = new Map<string, CatalogItemV2>();
  for (const id of Object.keys(OFFERINGS)) {
    const current = await getCurrent(id);
    if (current) documents.set(id, current.document as CatalogItemV2);
  }
  if (!documents.size) return 0;
  const today = Math.floor(now / DAY) * DAY;
  const writes = new Map<string, StatsWrite>();
  /** Completed requests' run times (from the start of their actions), per offering: the estimates' past runs. */
  const durations = new Map<string, Array<{ at: number; ms: number }>>();
  let written = 0;
  for (let back = HISTORY_DAYS; back >= 1; back--) {
    const dayStart = today - back * DAY;
    const weekday = new Date(dayStart).getUTCDay();
    const busy = weekday === 0 || weekday === 6 ? 0.15 : 1;
    for (const [team, { people, perDay }] of Object.entries(TEAMS)) {
      const random = randomOf(`requests:${team}:${dayStart}`);
      // Adoption grows over the weeks: the oldest weeks see about half today's demand.
      const demand = perDay * busy * (0.5 + 0.5 * (1 - back / HISTORY_DAYS));
      let count = 0;
      for (let expected = demand; expected > 0; expected -= 1) if (random() < Math.min(1, expected)) count++;
      for (let n = 0; n < count; n++) {
        const offeringId = pickOffering(random);
        const doc = documents.get(offeringId);
        if (!doc) continue;
        const shape = OFFERINGS[offeringId]!;
        const createdAt = Math.floor(dayStart + (8 + random() * 9) * 3_600_000);
        const id = ulidOf(createdAt, `request:${team}:${dayStart}:${n}`);
        const requester = pick(random, people);
        const environment = pick(random, ENVIRONMENTS);
        const asksApproval = random() < shape.approval;
        const approvalMs = asksApproval ? between(random, [8, 360]) * MINUTE : null;
        const rejected = asksApproval && random() < 0.12;
        const roll = random();
        const outcome: 'completed' | 'failed' | 'cancelled' = rejected ? 'failed' : roll < 0.87 ? 'completed' : roll < 0.96 ? 'failed' : 'cancelled';
        const queueMs = between(random, [0.05, 3]) * MINUTE;
        const firstAction = 'actions' in doc.fulfillment ? doc.fulfillment.actions?.[0]?.id ?? null : null;
        const workMs = between(random, shape.workMinutes) * MINUTE;
        const endedAt = Math.floor(createdAt + (approvalMs ?? 0) + queueMs + (outcome === 'completed' ? workMs : workMs * random()));
        if (endedAt >= now) continue;
        // An automated offering fails in an action, a manual one in its ticket ("Manual fulfilment failed" on an automated
        // offering was a draw of this random number): the draw stays, so the rest of the history is as it was.
        if (!rejected && outcome === 'failed') random();
        const reason = rejected ? 'approval-rejected' : outcome === 'failed' ? (firstAction ? 'action-failed' : 'manual-failed') : undefined;
        const failedAction = reason === 'action-failed' ? firstAction : null;
        const holdsQuota = Boolean(doc.quota) && outcome === 'completed';
        const deprovisionedAt = holdsQuota ? Math.min(endedAt + between(random, [1, 12]) * DAY, now - 3_600_000) : null;
        const iso = (ms: number): string => new Date(ms).toISOString();
        const status = deprovisionedAt ? 'deprovisioned' : outcome;
        const record: RequestRecord = {
          id,
          offering: { id: offeringId, name: doc.metadata.name, version: doc.metadata.version, category: doc.metadata.category, owner: doc.metadata.owner },
          requester, requesterRole: 'developer', team, priority: 'normal', status, progress: outcome === 'completed' ? 100 : 40,
          fulfillment: doc.fulfillment.type, currentAction: null, approvalId: null,
          createdAt: iso(createdAt), updatedAt: iso(deprovisionedAt ?? endedAt), completedAt: iso(endedAt), eta: null,
          error: reason ? { code: reason, message: `${DEMO_NOTE}: ${reason}`, ...(failedAction ? { action: failedAction } : {}) } : null,
          fields: { name: `${team}-${offeringId.split('-')[0]}-${n + 1}`, environment },
          note: DEMO_NOTE, secretFieldIds: [], message: `${DEMO_NOTE}: ${status}`, generation: 1, run: 1, retries: 0,
          expectedMs: durationSeconds(doc.metadata.sla?.fulfillmentTime, 1800) * 1000,
          ...(deprovisionedAt ? { deprovisionedAt: iso(deprovisionedAt) } : {}),
          version: 1,
        };
        try {
          await createRequest({ ...record, statsMarks: { submitted: iso(now), 'end-1': iso(now), ...(deprovisionedAt ? { deprovisioned: iso(now) } : {}) } } as RequestRecord, doc, {});
        } catch (error) {
          if ((error as Error).name === 'ConflictError') continue; // written by a run that stopped half-way: counted then
          throw error;
        }
        await putItem({ PK: `REQ#${id}`, SK: `LOG#${id}`, at: iso(createdAt), message: `${DEMO_NOTE}: ${status}`, severity: 'info', kind: 'log' });
        written++;
        foldWrites(writes, submittedWrites(record));
        const slaMs = doc.metadata.sla ? durationSeconds(doc.metadata.sla.fulfillmentTime, 0) * 1000 : null;
        foldWrites(writes, endedWrites(record, {
          outcome, at: iso(endedAt),
          ...(reason ? { reason } : {}), ...(failedAction ? { action: failedAction } : {}),
          ...(approvalMs !== null ? { approvalMs } : {}),
          ...(outcome === 'completed' ? {
            slaMs,
            phases: { totalMs: endedAt - createdAt, fulfilMs: endedAt - createdAt - (approvalMs ?? 0), approvalMs, actionsMs: firstAction ? { [firstAction]: workMs } : {} },
          } : {}),
        }));
        if (deprovisionedAt) foldWrites(writes, deprovisionedWrites(record, iso(deprovisionedAt)));
        if (outcome === 'completed') durations.set(offeringId, [...(durations.get(offeringId) ?? []), { at: endedAt, ms: workMs }]);
      }
    }
  }
  await applyWrites([...writes.values()]);
  // What a real completion records (functions/requests/step-runner.ts), so a new request's ETA and the studio's dry run
  // expect the history's times rather than the SLA ("no past runs yet" beside a team page of completed ones).
  for (const [offeringId, runs] of durations) await recordDurations(offeringId, runs.sort((a, b) => a.at - b.at).map((r) => r.ms));
  return written;
}
