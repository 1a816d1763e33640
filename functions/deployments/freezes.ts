/**
 * Freezes ("stop the line", `deployments:govern`): no deploys or promotes, org-wide or for one team's
 * services, in every environment or the ones named, from their start to their end. Rollback, scale and
 * restart still run. A deploy during one needs an exception: the asker gives a reason and an admin approves
 * (./safeguards.ts). Ending one early keeps it, with who ended it, for the record.
 *
 *   DEPLOYFREEZE#<id> / META   GSI1 FREEZES / <endsAt>#<id>   (in force: endsAt after now, one index Query)
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DeploymentFreeze, DeploymentFreezeCreate } from '#schemas/index.ts';
import { ConflictError, NotFoundError, ValidationError } from '#shared/errors';
import { db, getItem, putNew, queryAll, tableName, type Item } from '#lib/table';
import { publish } from '#lib/realtime';
import { DEPLOYMENTS_TOPIC, newDeploymentId } from './records.ts';

export const FREEZE_CHANGED = 'freeze.changed';
const MAX_DAYS = 90;
const KEEP_ENDED_DAYS = 30;

type FreezeItem = Item & Omit<DeploymentFreeze, 'state'>;

export const stateOf = (f: Pick<DeploymentFreeze, 'startsAt' | 'endsAt' | 'endedAt'>, now = Date.now()): DeploymentFreeze['state'] =>
  f.endedAt || Date.parse(f.endsAt) <= now ? 'ended' : Date.parse(f.startsAt) > now ? 'upcoming' : 'active';

const toFreeze = ({ PK: _p, SK: _s, GSI1PK: _g, GSI1SK: _gs, ...f }: FreezeItem, now = Date.now()): DeploymentFreeze => ({ ...(f as Omit<DeploymentFreeze, 'state'>), state: stateOf(f as Omit<DeploymentFreeze, 'state'>, now) });

export async function createFreeze(body: DeploymentFreezeCreate, by: string, now = new Date()): Promise<DeploymentFreeze> {
  const scope = body.scope ?? 'org';
  if (scope === 'team' && !body.team) throw new ValidationError('a team freeze names the team', { details: [{ path: '/body/team', message: 'required when scope is team' }] });
  if (scope === 'org' && body.team) throw new ValidationError('an org-wide freeze names no team', { details: [{ path: '/body/team', message: 'only with scope team' }] });
  const startsAt = body.startsAt ? new Date(body.startsAt) : now;
  const endsAt = new Date(body.endsAt);
  if (endsAt.getTime() <= now.getTime()) throw new ValidationError('a freeze must end in the future', { details: [{ path: '/body/endsAt', message: `${body.endsAt} has passed` }] });
  if (endsAt.getTime() <= startsAt.getTime()) throw new ValidationError('a freeze ends after it starts', { details: [{ path: '/body/endsAt', message: `must be after startsAt (${startsAt.toISOString()})` }] });
  if (endsAt.getTime() - Math.max(startsAt.getTime(), now.getTime()) > MAX_DAYS * 86_400_000) throw new ValidationError(`a freeze lasts at most ${MAX_DAYS} days`, { details: [{ path: '/body/endsAt', message: `at most ${MAX_DAYS} days after it starts` }] });
  const freeze: Omit<DeploymentFreeze, 'state'> = {
    id: newDeploymentId(), scope, team: scope === 'team' ? body.team! : null, environments: [...(body.environments ?? [])], reason: body.reason,
    startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), createdBy: by, createdAt: now.toISOString(), endedBy: null, endedAt: null,
  };
  await putNew({ PK: `DEPLOYFREEZE#${freeze.id}`, SK: 'META', GSI1PK: 'FREEZES', GSI1SK: `${freeze.endsAt}#${freeze.id}`, ...freeze }, 'that freeze exists');
  await publish(DEPLOYMENTS_TOPIC, FREEZE_CHANGED, { id: freeze.id, state: stateOf(freeze, now.getTime()) });
  return { ...freeze, state: stateOf(freeze, now.getTime()) };
}

/** Ends a freeze now (kept, with who ended it). An ended one: 409. */
export async function endFreeze(id: string, by: string, now = new Date()): Promise<DeploymentFreeze> {
  const item = await getItem<FreezeItem>({ PK: `DEPLOYFREEZE#${id}`, SK: 'META' }, { consistent: true });
  if (!item) throw new NotFoundError(`freeze ${id} not found`);
  if (stateOf(item, now.getTime()) === 'ended') throw new ConflictError(`freeze ${id} has ended already${item.endedBy ? ` (ended by ${item.endedBy})` : ''}`);
  const at = now.toISOString();
  // An upcoming freeze ended before it began ends at its start: it never froze anything.
  const endsAt = Date.parse(item.startsAt) > now.getTime() ? item.startsAt : at;
  await db.send(new UpdateCommand({
    TableName: tableName(), Key: { PK: item.PK, SK: 'META' },
    UpdateExpression: 'SET endedAt = :at, endedBy = :by, endsAt = :ends, GSI1SK = :gsk',
    ConditionExpression: 'attribute_exists(PK) AND endedAt = :null',
    ExpressionAttributeValues: { ':at': at, ':by': by, ':ends': endsAt, ':gsk': `${endsAt}#${id}`, ':null': null },
  }));
  await publish(DEPLOYMENTS_TOPIC, FREEZE_CHANGED, { id, state: 'ended' });
  return toFreeze({ ...item, endedAt: at, endedBy: by, endsAt }, now.getTime());
}

/** Freezes that end after `since` (one index Query; freezes are few). */
async function endingAfter(since: number): Promise<FreezeItem[]> {
  return queryAll<FreezeItem>({ index: 'GSI1', partition: 'FREEZES', sortKey: { between: [new Date(since).toISOString(), '~'] } }, 1000);
}

/** Upcoming, active, and recently ended freezes, soonest end first. */
export async function listFreezes(now = Date.now()): Promise<DeploymentFreeze[]> {
  return (await endingAfter(now - KEEP_ENDED_DAYS * 86_400_000)).map((f) => toFreeze(f, now));
}

/** The freezes in force now that cover this service's team and environment. */
export async function freezesCovering(team: string | undefined, environment: string, now = Date.now()): Promise<DeploymentFreeze[]> {
  return (await endingAfter(now)).map((f) => toFreeze(f, now))
    .filter((f) => f.state === 'active' && (f.scope === 'org' || f.team === team) && (f.environments.length === 0 || f.environments.includes(environment)));
}

export const freezeText = (f: DeploymentFreeze): string =>
  `${f.scope === 'org' ? 'an org-wide freeze' : `a freeze of team ${f.team}`}${f.environments.length ? ` (${f.environments.join(', ')})` : ''} by ${f.createdBy} until ${f.endsAt}: ${f.reason}`;
