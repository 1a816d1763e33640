/**
 * The AI sessions' resolution rate (GET /api/v1/ai/stats; the design doc's success metric, > 60 %): of the
 * sessions created in a range whose owner said how they ended, the share resolved — overall, per built-in command
 * run in them (`question` for free questions) and per the owner's first team. One index Query per status
 * partition over the range; sessions are few next to requests.
 */
import type { AiSession, AiStats, AiStatsQuery } from '#schemas/index.ts';
import { ValidationError } from '#shared/errors';
import { membershipsOf } from '#lib/memberships';
import { sessionsCreated } from './records.ts';

const DAY_MS = 86_400_000;
type Bucket = AiStats['overall'];

function bucket(key: string, sessions: readonly AiSession[]): Bucket {
  const said = sessions.filter((s) => s.outcome);
  const count = (value: string) => said.filter((s) => s.outcome!.value === value).length;
  const resolved = count('resolved');
  return {
    key, sessions: sessions.length, withOutcome: said.length, resolved, escalated: count('escalated'), failed: count('failed'),
    resolutionRate: said.length ? Math.round((resolved / said.length) * 1000) / 1000 : null,
  };
}

function grouped(sessions: readonly AiSession[], keysOf: (s: AiSession) => readonly string[]): Bucket[] {
  const groups = new Map<string, AiSession[]>();
  for (const session of sessions) for (const key of keysOf(session)) groups.set(key, [...(groups.get(key) ?? []), session]);
  return [...groups.entries()].map(([key, list]) => bucket(key, list)).sort((a, b) => b.sessions - a.sessions || a.key.localeCompare(b.key));
}

export async function aiStats(query: AiStatsQuery, now = Date.now()): Promise<AiStats> {
  const to = query.to ?? new Date(now).toISOString();
  const from = query.from ?? new Date(Date.parse(to) - 30 * DAY_MS).toISOString();
  if (!(from < to)) throw new ValidationError('the range is empty: from must be before to', { details: [{ path: '/query/from', message: 'must be before to' }] });
  if (Date.parse(to) - Date.parse(from) > 366 * DAY_MS) throw new ValidationError('the range spans more than a year', { details: [{ path: '/query/from', message: 'at most 366 days before to' }] });
  const sessions = await sessionsCreated(from, to);
  const teams = new Map<string, string>();
  await Promise.all([...new Set(sessions.map((s) => s.owner))].map(async (owner) => {
    teams.set(owner, (await membershipsOf(owner))[0]?.teamId ?? 'no team');
  }));
  return {
    from, to, overall: bucket('all', sessions),
    byCommand: grouped(sessions, (s) => (s.commands?.length ? s.commands : [])),
    byTeam: grouped(sessions, (s) => [teams.get(s.owner) ?? 'no team']),
  };
}
