/**
 * Budgets: a monthly amount for a service, a team (its services) or an environment, one per scope (its id is
 * `<type>.<id>`, so setting the same budget twice is a 409, never two). How the month goes against it is computed
 * on read from the month's roll-up (no Cost Explorer call): month to date, the month-end forecast by the trailing
 * 7 days' average, the burn-down, and a state (breached: spent more than the amount; at-risk: the forecast does).
 *
 *   BUDGET#<id> / META      GSI1 BUDGETS / <type>#<scope id>      (ARCHITECTURE.md §3)
 *
 * Alerts (default 80 % actual, 100 % actual, 100 % forecast) are checked after each ingest and when a budget is
 * set or changed; each fires once a month (a conditional write on the budget's `alertsSent`), through the
 * notifications module to the owning teams' members (and EventBridge in AWS).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CostBudget, CostBudgetCreate, CostBudgetList, CostBudgetListQuery, CostBudgetUpdate } from '#schemas/index.ts';
import { NotFoundError, ValidationError } from '#shared/errors';
import { notify } from '#lib/notifications';
import { logger } from '#lib/observability';
import { db, deleteVersioned, getItem, isConditionFailure, putNew, queryAll, tableName, updateVersioned, type Item } from '#lib/table';
import { teamMemberPrincipals } from '#functions/identity/public';
import { catalogEnvironments, catalogServices, type CatalogService } from './catalog.ts';
import { costsNow } from './clock.ts';
import { costMonths, type CostMonth } from './records.ts';
import { cents, daysInMonth, previousMonth, usd } from './rollup.ts';

type Scope = CostBudget['scope'];
type Alert = CostBudget['alerts'][number];

export const DEFAULT_ALERTS: readonly Alert[] = [{ percent: 80, basis: 'actual' }, { percent: 100, basis: 'actual' }, { percent: 100, basis: 'forecast' }];

interface BudgetRecord {
  readonly id: string;
  readonly scope: Scope;
  readonly monthlyAmount: number;
  readonly alerts: readonly Alert[];
  readonly description?: string;
  /** `<month>|<percent>|<basis>` → when it was sent. */
  readonly alertsSent: Readonly<Record<string, string>>;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly version: number;
}

export const budgetId = (scope: Scope): string => `${scope.type}.${scope.id}`;
const keyOf = (id: string) => ({ PK: `BUDGET#${id}`, SK: 'META' });

function recordOf(item: Item): BudgetRecord {
  const { PK: _p, SK: _s, GSI1PK: _g, GSI1SK: _gs, ...rest } = item;
  return rest as unknown as BudgetRecord;
}

// ---------------------------------------------------------------- the month against a budget

/** What a scope spent, day by day (cumulative), this month and last. */
interface Spend { readonly current: readonly number[]; readonly previous: readonly number[] }

function spendOf(scope: Scope, months: Map<string, CostMonth>, month: string, services: Map<string, CatalogService>): Spend {
  const pick = (m: CostMonth | undefined): readonly number[] => {
    if (!m) return [];
    if (scope.type === 'environment') return m.cumulativeByEnvironment[scope.id] ?? [];
    if (scope.type === 'service') return m.cumulativeByService[scope.id] ?? [];
    const mine = [...services.values()].filter((s) => s.team === scope.id).map((s) => m.cumulativeByService[s.id] ?? []);
    const length = Math.max(0, ...mine.map((c) => c.length));
    return Array.from({ length }, (_, i) => cents(mine.reduce((sum, c) => sum + (c[Math.min(i, c.length - 1)] ?? 0), 0)));
  };
  return { current: pick(months.get(month)), previous: pick(months.get(previousMonth(month))) };
}

/** Daily amounts from a cumulative series. */
const dailyOf = (cumulative: readonly number[]): number[] => cumulative.map((v, i) => v - (i ? cumulative[i - 1]! : 0));

/**
 * The month's end by the trailing average: spent so far plus the last 7 known days' average for each day left
 * (reaching into last month when this one has fewer than 7 days).
 */
export function trailingForecast(current: readonly number[], previous: readonly number[], month: string): number {
  const spent = current.at(-1) ?? 0;
  const left = daysInMonth(month) - current.length;
  const recent = [...dailyOf(previous), ...dailyOf(current)].slice(-7);
  const average = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : 0;
  return cents(spent + Math.max(0, average) * left);
}

function withStatus(record: BudgetRecord, spend: Spend, month: string, owners: readonly string[]): CostBudget {
  const monthToDate = cents(spend.current.at(-1) ?? 0);
  const forecast = trailingForecast(spend.current, spend.previous, month);
  const amount = record.monthlyAmount;
  const length = daysInMonth(month);
  const breachedBy = monthToDate > amount ? 'actual' as const : forecast > amount ? 'forecast' as const : null;
  const prefix = `${month}|`;
  return {
    id: record.id, scope: record.scope, monthlyAmount: amount, alerts: [...record.alerts],
    ...(record.description ? { description: record.description } : {}),
    owners: [...owners], month, monthToDate, forecast,
    percentUsed: Math.round((monthToDate / amount) * 1000) / 10,
    forecastPercent: Math.round((forecast / amount) * 1000) / 10,
    state: breachedBy === 'actual' ? 'breached' : breachedBy === 'forecast' ? 'at-risk' : 'ok',
    breachedBy,
    burnDown: spend.current.map((spent, i) => ({
      date: `${month}-${String(i + 1).padStart(2, '0')}`, spent: cents(spent), remaining: cents(amount - spent), ideal: cents(amount * (1 - (i + 1) / length)),
    })),
    alertsSent: Object.entries(record.alertsSent ?? {}).filter(([k]) => k.startsWith(prefix)).map(([k, at]) => {
      const [, percent, basis] = k.split('|') as [string, string, 'actual' | 'forecast'];
      return { percent: Number(percent), basis, at };
    }),
    createdAt: record.createdAt, createdBy: record.createdBy, updatedAt: record.updatedAt, version: record.version,
  };
}

/** The teams a budget's alerts go to. */
function ownersOf(scope: Scope, services: Map<string, CatalogService>): string[] {
  if (scope.type === 'team') return [scope.id];
  if (scope.type === 'service') return services.get(scope.id) ? [services.get(scope.id)!.team] : [];
  return [...new Set([...services.values()].filter((s) => s.environments.has(scope.id)).map((s) => s.team))].sort();
}

/** This month (UTC) and the context the statuses need: one Query of the months, the cached catalog. */
async function context(): Promise<{ month: string; months: Map<string, CostMonth>; services: Map<string, CatalogService> }> {
  const month = new Date(costsNow()).toISOString().slice(0, 7);
  const [months, services] = await Promise.all([costMonths(previousMonth(month), month), catalogServices()]);
  return { month, months, services };
}

async function present(record: BudgetRecord, ctx?: Awaited<ReturnType<typeof context>>): Promise<CostBudget> {
  const c = ctx ?? await context();
  return withStatus(record, spendOf(record.scope, c.months, c.month, c.services), c.month, ownersOf(record.scope, c.services));
}

// ---------------------------------------------------------------- routes

async function requireScope(scope: Scope): Promise<void> {
  if (scope.type === 'service') {
    if (!(await catalogServices()).has(scope.id)) throw new ValidationError(`no service ${scope.id} in the catalog`, { details: [{ path: '/body/scope/id', message: `is not a catalog service` }] });
  } else if (scope.type === 'environment') {
    const known = await catalogEnvironments();
    if (!known.includes(scope.id)) throw new ValidationError(`no environment ${scope.id}`, { details: [{ path: '/body/scope/id', message: `is not an environment of the catalog (${known.join(', ')})` }] });
  } else {
    const teams = new Set([...(await catalogServices()).values()].map((s) => s.team));
    const members = await teamMemberPrincipals(scope.id).catch(() => undefined);
    if (!teams.has(scope.id) && !members?.length) throw new ValidationError(`no team ${scope.id}`, { details: [{ path: '/body/scope/id', message: 'is not a team that owns a service or has members' }] });
  }
}

/** At most 10 alerts (the schema's own bound would make its generated type a union of tuples). */
function requireFewAlerts(alerts: readonly Alert[] | undefined): void {
  if (alerts && alerts.length > 10) throw new ValidationError('at most 10 alerts', { details: [{ path: '/body/alerts', message: `must NOT have more than 10 items (has ${alerts.length})` }] });
}

export async function createBudget(body: CostBudgetCreate, principal: string): Promise<CostBudget> {
  requireFewAlerts(body.alerts);
  await requireScope(body.scope);
  const id = budgetId(body.scope);
  const at = new Date(costsNow()).toISOString();
  const record: BudgetRecord = {
    id, scope: body.scope, monthlyAmount: body.monthlyAmount, alerts: body.alerts ?? [...DEFAULT_ALERTS],
    ...(body.description ? { description: body.description } : {}),
    alertsSent: {}, createdAt: at, createdBy: principal, updatedAt: at, version: 1,
  };
  await putNew({ ...keyOf(id), ...record, GSI1PK: 'BUDGETS', GSI1SK: `${body.scope.type}#${body.scope.id}` }, `${body.scope.type} ${body.scope.id} has a budget already (${id}): change it with PUT /api/v1/costs/budgets/${id}`);
  await alertBudget(record).catch((error: unknown) => logger.warn('budget alert check failed', { budget: id, error: error as Error }));
  return present(await readRecord(id));
}

async function readRecord(id: string): Promise<BudgetRecord> {
  const item = await getItem(keyOf(id), { consistent: true });
  if (!item) throw new NotFoundError(`no budget ${id}`);
  return recordOf(item);
}

export async function getBudget(id: string): Promise<CostBudget> {
  return present(await readRecord(id));
}

/** A scope's budget, if it has one (the service page shows it). */
export async function budgetOf(scope: Scope): Promise<CostBudget | null> {
  const item = await getItem(keyOf(budgetId(scope)));
  return item ? present(recordOf(item)) : null;
}

export async function updateBudget(id: string, version: number, body: CostBudgetUpdate, principal: string): Promise<CostBudget> {
  requireFewAlerts(body.alerts);
  await readRecord(id);
  const at = new Date(costsNow()).toISOString();
  const updated = recordOf(await updateVersioned(keyOf(id), version, {
    monthlyAmount: body.monthlyAmount, alerts: body.alerts, description: body.description === '' ? null : body.description, updatedAt: at, updatedBy: principal,
  }));
  await alertBudget(updated).catch((error: unknown) => logger.warn('budget alert check failed', { budget: id, error: error as Error }));
  return present(await readRecord(id));
}

export async function deleteBudget(id: string, version: number): Promise<void> {
  await readRecord(id);
  await deleteVersioned(keyOf(id), version);
}

export async function listBudgets(query: CostBudgetListQuery): Promise<CostBudgetList> {
  const items = await queryAll<Item>({ index: 'GSI1', partition: 'BUDGETS', ...(query.type ? { sortKey: { beginsWith: `${query.type}#` } } : {}) }, 2_000);
  const ctx = await context();
  const budgets = await Promise.all(items.map((i) => present(recordOf(i), ctx)));
  return { items: query.state ? budgets.filter((b) => b.state === query.state) : budgets };
}

// ---------------------------------------------------------------- alerts

/** Sends the alerts a budget has reached this month and not sent yet. Answers how many it sent. */
async function alertBudget(record: BudgetRecord, ctx?: Awaited<ReturnType<typeof context>>): Promise<number> {
  const budget = await present(record, ctx);
  let sent = 0;
  for (const alert of record.alerts) {
    // A forecast alert waits for 3 days of the month: before that it is last month's pace, not this one's.
    if (alert.basis === 'forecast' && budget.burnDown.length < 3) continue;
    const value = alert.basis === 'actual' ? budget.monthToDate : budget.forecast;
    if (value < record.monthlyAmount * alert.percent / 100) continue;
    const key = `${budget.month}|${alert.percent}|${alert.basis}`;
    if (!(await claimAlert(record.id, key))) continue;
    const members = (await Promise.all(budget.owners.map((t) => teamMemberPrincipals(t).catch(() => [] as string[])))).flat();
    const what = alert.basis === 'actual' ? `has spent ${usd(budget.monthToDate)}` : `is forecast to spend ${usd(budget.forecast)}`;
    await notify(members, {
      kind: 'cost.budget',
      title: `${record.scope.type} ${record.scope.id} ${what} of its ${usd(record.monthlyAmount)} budget for ${budget.month} (${alert.percent} % ${alert.basis} alert)`,
      body: `Month to date ${usd(budget.monthToDate)}, forecast ${usd(budget.forecast)}. The Costs page shows where it goes.`,
      link: record.scope.type === 'service' ? `/catalog/${record.scope.id}?tab=costs` : '/costs?tab=budgets',
      resource: { type: 'cost-budget', id: record.id },
    });
    sent++;
  }
  return sent;
}

/** Marks an alert of the month sent; false when it already was (another run got there first). */
async function claimAlert(id: string, key: string): Promise<boolean> {
  try {
    await db.send(new UpdateCommand({
      TableName: tableName(), Key: keyOf(id),
      UpdateExpression: 'SET alertsSent.#k = :at',
      ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(alertsSent.#k)',
      ExpressionAttributeNames: { '#k': key },
      ExpressionAttributeValues: { ':at': new Date(costsNow()).toISOString() },
    }));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Every budget's alerts, after an ingest. Answers how many were sent. */
export async function evaluateBudgetAlerts(_now: number): Promise<number> {
  const items = await queryAll<Item>({ index: 'GSI1', partition: 'BUDGETS' }, 2_000);
  if (!items.length) return 0;
  const ctx = await context();
  let sent = 0;
  for (const item of items) sent += await alertBudget(recordOf(item), ctx);
  return sent;
}
