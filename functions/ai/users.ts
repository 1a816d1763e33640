/**
 * The AI console's hard limits per person (ARCHITECTURE.md §6):
 *
 *   AIUSER#<principal> / SETTINGS        the sandbox (read-only) state: absent → APOLLO_AI_SANDBOX_NEW_USERS
 *   AIUSAGE#<yyyy-mm-dd> / <principal>   tokens, cost (micro-dollars) and turns that day (UTC): one Query lists a day
 *   RATE#ai-turns#<principal> / <window> messages in a one-minute window (#lib/rate-limit)
 *
 * A new message is refused (429 with when it resets) over the rate, or once the session's or the day's budget
 * is spent; a running turn stops itself when it spends the rest (turn.ts), keeping what it said. A turn stopped
 * before asking the model (what was left could not pay for the message) notes the tokens it needed
 * (`shortTokens`, on the day's usage or the session): until more than that is left, a question is refused too.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AiSandboxPut, AiSession, AiUser, AiUserList } from '#schemas/index.ts';
import { ForbiddenError, NotFoundError, TooManyRequestsError } from '#shared/errors';
import { roleHas, type Role } from '#shared/permissions';
import { directoryUser } from '#functions/identity/public';
import { takeAllowance } from '#lib/rate-limit';
import { db, getItem, queryAll, tableName, type Item } from '#lib/table';
import { aiConfig, costUsd, type AiConfig } from './config.ts';
import { listSessions, sessionShortTokens } from './records.ts';

const MICROS = 1_000_000;

export interface UserCaller { readonly principal: string; readonly role: Role | null }

interface SettingsItem extends Item { sandbox: AiUser['sandbox'] }
interface UsageItem extends Item { principal: string; inputTokens?: number; outputTokens?: number; costMicros?: number; turns?: number; shortTokens?: number }

const settingsKey = (principal: string) => ({ PK: `AIUSER#${principal}`, SK: 'SETTINGS' });
const usageKey = (date: string, principal: string) => ({ PK: `AIUSAGE#${date}`, SK: principal });
const today = (now = Date.now()) => new Date(now).toISOString().slice(0, 10);
/** When the daily budgets start again (midnight UTC). */
export const nextMidnight = (now = Date.now()) => new Date(Math.floor(now / 86_400_000) * 86_400_000 + 86_400_000).toISOString();

function budgetsOf(config: AiConfig): AiUser['budgets'] {
  return {
    sessionTokens: config.sessionTokens, sessionCostUsd: config.sessionCostCents / 100,
    dailyTokens: config.dailyTokens, dailyCostUsd: config.dailyCostCents / 100, turnsPerMinute: config.turnsPerMinute,
  };
}

function defaultSandbox(): AiUser['sandbox'] {
  return { enabled: aiConfig().sandboxNewUsers, changedBy: null, changedAt: null };
}

export async function sandboxOf(principal: string): Promise<AiUser['sandbox']> {
  return (await getItem<SettingsItem>(settingsKey(principal), { consistent: true }))?.sandbox ?? defaultSandbox();
}

export interface DayUsage { date: string; inputTokens: number; outputTokens: number; costUsd: number; turns: number }

function toDay(date: string, item: UsageItem | undefined): DayUsage {
  return { date, inputTokens: item?.inputTokens ?? 0, outputTokens: item?.outputTokens ?? 0, costUsd: (item?.costMicros ?? 0) / MICROS, turns: item?.turns ?? 0 };
}

async function readDay(principal: string, now: number): Promise<{ day: DayUsage; shortTokens: number | undefined }> {
  const date = today(now);
  const item = await getItem<UsageItem>(usageKey(date, principal), { consistent: true });
  return { day: toDay(date, item), shortTokens: item?.shortTokens };
}

export async function usageToday(principal: string, now = Date.now()): Promise<DayUsage> {
  return (await readDay(principal, now)).day;
}

/** A turn stopped before asking the model: the day's budget could not pay the message's `tokens`. */
export async function noteDayShort(principal: string, tokens: number, now = Date.now()): Promise<void> {
  await db.send(new UpdateCommand({
    TableName: tableName(), Key: usageKey(today(now), principal), UpdateExpression: 'SET principal = :p, shortTokens = :t',
    ExpressionAttributeValues: { ':p': principal, ':t': tokens },
  }));
}

/** Whether a message of `tokens` input would pass what is left (the same test a turn makes before asking). */
function cannotPay(leftTokens: number, leftUsd: number, tokens: number | undefined, config: AiConfig): boolean {
  return tokens !== undefined && (tokens > leftTokens || costUsd({ inputTokens: tokens, outputTokens: 0 }, config) > leftUsd);
}

/** Adds a turn's tokens to its day (the day the turn ended). */
export async function addUsage(principal: string, usage: { inputTokens: number; outputTokens: number }, now = Date.now()): Promise<void> {
  await db.send(new UpdateCommand({
    TableName: tableName(), Key: usageKey(today(now), principal),
    UpdateExpression: 'SET principal = :p ADD inputTokens :in, outputTokens :out, costMicros :cost, turns :one',
    ExpressionAttributeValues: { ':p': principal, ':in': usage.inputTokens, ':out': usage.outputTokens, ':cost': Math.round(costUsd(usage) * MICROS), ':one': 1 },
  }));
}

async function userOf(principal: string, now = Date.now()): Promise<AiUser> {
  const [sandbox, day] = await Promise.all([sandboxOf(principal), usageToday(principal, now)]);
  return { principal, sandbox, today: day, resetsAt: nextMidnight(now), budgets: budgetsOf(aiConfig()) };
}

/** Yourself, or anyone for ai:admin (404 otherwise: whether someone used the console is theirs). */
export async function aiUser(principal: string, caller: UserCaller): Promise<AiUser> {
  const wanted = principal.toLowerCase();
  if (wanted !== caller.principal && !roleHas(caller.role, 'ai:admin')) throw new NotFoundError(`no AI console standing of ${principal} is yours to read`);
  return userOf(wanted);
}

/** Who used the console on a day, with their usage and sandbox. */
export async function aiUsers(date: string | undefined): Promise<AiUserList> {
  const day = date ?? today();
  const items = await queryAll<UsageItem>({ partition: `AIUSAGE#${day}` }, 1_000);
  const config = aiConfig();
  const users = await Promise.all(items.map(async (item) => ({
    principal: item.principal, sandbox: await sandboxOf(item.principal), today: toDay(day, item), resetsAt: nextMidnight(Date.parse(`${day}T00:00:00Z`)), budgets: budgetsOf(config),
  })));
  return { date: day, items: users.sort((a, b) => b.today.costUsd - a.today.costUsd || a.principal.localeCompare(b.principal)) };
}

/**
 * Whether Apollo knows `principal` as a person: in the directory (where this deployment has one), or the owner of an
 * AI session (someone signed in through IAM Identity Center is in no web directory, yet uses the console).
 */
async function isKnownPerson(principal: string): Promise<boolean> {
  const person = await directoryUser(principal);
  if (person !== undefined) return true;
  return (await listSessions(principal, 1)).items.length > 0;
}

/** ai:admin puts someone in the sandbox or lifts it; your own sandbox is not yours to lift. */
export async function setSandbox(principal: string, body: AiSandboxPut, caller: UserCaller): Promise<AiUser> {
  const who = principal.toLowerCase();
  if (!/^[^\s/]{2,256}$/.test(who) || !(await isKnownPerson(who))) {
    throw new NotFoundError(`${principal} is not a person of the directory, nor has an AI session`, { details: [{ path: '/path/principal', message: 'no such person' }] });
  }
  if (who === caller.principal && !body.enabled && !roleHas(caller.role, 'ai:admin')) throw new ForbiddenError('your own sandbox is lifted by an AI admin');
  const sandbox: AiUser['sandbox'] = { enabled: body.enabled, changedBy: caller.principal, changedAt: new Date().toISOString(), reason: body.reason };
  await db.send(new UpdateCommand({
    TableName: tableName(), Key: settingsKey(who), UpdateExpression: 'SET sandbox = :s, principal = :p', ExpressionAttributeValues: { ':s': sandbox, ':p': who },
  }));
  return userOf(who);
}

/** One message: within the per-person rate, else 429 with when to try again. */
export function takeTurnAllowance(principal: string, now = Date.now()): Promise<void> {
  return takeAllowance({
    kind: 'ai-turns', principal, limit: aiConfig().turnsPerMinute,
    message: (limit, wait) => `at most ${limit} AI console messages a minute (APOLLO_AI_TURNS_PER_MINUTE); try again in ${wait} s`,
  }, now);
}

/** What is left of a session's and its owner's day's budgets (tokens, dollars), the tighter of the two. */
export interface Allowance {
  readonly tokens: number;
  readonly usd: number;
  /** Which budget is the tighter one, for the message that stops a turn. */
  readonly limitedBy: 'session' | 'day';
}

export function allowanceOf(session: Pick<AiSession, 'usage'>, day: DayUsage, config: AiConfig = aiConfig()): Allowance {
  const sessionTokens = config.sessionTokens - session.usage.inputTokens - session.usage.outputTokens;
  const sessionUsd = config.sessionCostCents / 100 - (session.usage.costUsd ?? 0);
  const dayTokens = config.dailyTokens - day.inputTokens - day.outputTokens;
  const dayUsd = config.dailyCostCents / 100 - day.costUsd;
  // The tighter is the one with less left (a 2,000-token session budget binds before a day with 1.9M left); when
  // tokens and dollars disagree, the one nearer its end.
  const sessionTighter = (sessionTokens <= dayTokens) === (sessionUsd <= dayUsd)
    ? sessionTokens <= dayTokens
    : Math.min(sessionTokens / config.sessionTokens, sessionUsd / (config.sessionCostCents / 100)) <= Math.min(dayTokens / config.dailyTokens, dayUsd / (config.dailyCostCents / 100));
  return { tokens: Math.min(sessionTokens, dayTokens), usd: Math.min(sessionUsd, dayUsd), limitedBy: sessionTighter ? 'session' : 'day' };
}

/**
 * Before a model turn: 429 when the owner's day's or the session's budget is spent, or what is left of it could not
 * pay for the message a turn last stopped before sending (the day first: it has a reset time).
 */
export async function requireBudget(session: Pick<AiSession, 'id' | 'usage'>, principal: string, now = Date.now()): Promise<void> {
  const config = aiConfig();
  const [{ day, shortTokens }, sessionShort] = await Promise.all([readDay(principal, now), sessionShortTokens(session.id)]);
  const dayLeft = config.dailyTokens - day.inputTokens - day.outputTokens;
  const daySpent = dayLeft <= 0 || day.costUsd >= config.dailyCostCents / 100;
  if (daySpent || cannotPay(dayLeft, config.dailyCostCents / 100 - day.costUsd, shortTokens, config)) {
    const resetsAt = nextMidnight(now);
    const why = daySpent
      ? `${principal} used today's AI budget (${config.dailyTokens.toLocaleString('en')} tokens or $${(config.dailyCostCents / 100).toFixed(2)} a day)`
      : `what is left of ${principal}'s AI budget today (${dayLeft.toLocaleString('en')} of ${config.dailyTokens.toLocaleString('en')} tokens, $${Math.max(0, config.dailyCostCents / 100 - day.costUsd).toFixed(2)}) cannot pay for a question to the model (about ${shortTokens!.toLocaleString('en')} tokens)`;
    throw new TooManyRequestsError(`${why}; it resets at ${resetsAt}. Built-in commands still print their findings`, {
      retryAfterSeconds: Math.max(1, Math.ceil((Date.parse(resetsAt) - now) / 1000)), details: [{ path: '/user/usage', message: `resets at ${resetsAt}` }],
    });
  }
  const sessionLeft = config.sessionTokens - session.usage.inputTokens - session.usage.outputTokens;
  const sessionUsdLeft = config.sessionCostCents / 100 - (session.usage.costUsd ?? 0);
  if (sessionLeft <= 0 || sessionUsdLeft <= 0 || cannotPay(sessionLeft, sessionUsdLeft, sessionShort, config)) {
    const why = sessionLeft <= 0 || sessionUsdLeft <= 0
      ? `AI session ${session.id} used its budget (${config.sessionTokens.toLocaleString('en')} tokens or $${(config.sessionCostCents / 100).toFixed(2)})`
      : `what is left of AI session ${session.id}'s budget (${sessionLeft.toLocaleString('en')} of ${config.sessionTokens.toLocaleString('en')} tokens) cannot pay for a question to the model (about ${sessionShort!.toLocaleString('en')} tokens)`;
    // A session's budget never resets: no Retry-After (waiting will not help), unlike the day's and the rate's.
    throw new TooManyRequestsError(`${why}: start a new session to go on. Built-in commands still print their findings`, {
      retryAfterSeconds: null, details: [{ path: '/session/usage', message: `${session.usage.inputTokens + session.usage.outputTokens} tokens, $${(session.usage.costUsd ?? 0).toFixed(4)}` }],
    });
  }
}
