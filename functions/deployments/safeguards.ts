/**
 * The safeguards a deployment meets, in one place: the environment's locks, freezes, the deployment window
 * and the dependency check. The same evaluation answers the preflight (before anyone presses Deploy), the
 * request (refused with 409 before anything starts) and the workflow's Safeguards state (after an approval
 * and while queued for a window: what changed meanwhile counts).
 *
 * Locks, freezes and windows stop changes of version (deploy, promote); rollback, scale and restart always
 * run: they are how incidents end. How a block is passed: a freeze by an exception (the asker's reason, then an
 * admin's approval), a window by queueing until it opens or an admin's override with a reason (audited with
 * the request), the dependency check in production by acknowledging it; a lock only by unlocking.
 */
import type { DeploymentSafeguardCheck } from '#schemas/index.ts';
import { roleHas, type Role } from '#shared/permissions';
import { catalogSnapshot } from '#functions/services/public';
import { blockingLocks, LOCK_BLOCKS, lockRefusal } from './locks.ts';
import { freezesCovering, freezeText } from './freezes.ts';
import { windowOf } from './windows.ts';
import { dependencyIssues } from './dependency-check.ts';
import type { Operation } from './records.ts';

export interface SafeguardAsk {
  readonly operation: Operation;
  readonly service: string;
  readonly environment: string;
  readonly imageTag?: string | null;
  /** promote: where the version comes from (what it was verified with there). */
  readonly fromEnvironment?: string | null;
  readonly production: boolean;
  readonly principal: string;
  readonly role: Role | null | string;
  readonly override?: { readonly reason: string } | null;
  readonly acknowledge?: readonly string[] | null;
  readonly outsideWindow?: 'refuse' | 'queue' | null;
  /** Inside the workflow, past its approval: a freeze exception it asked for was approved. */
  readonly exceptionApproved?: boolean;
}

export interface SafeguardVerdict {
  readonly checks: DeploymentSafeguardCheck[];
  /** The first block: the refusal's reason. */
  readonly blocked?: DeploymentSafeguardCheck;
  /** Outside its window and queued: when the window opens. */
  readonly queueUntil?: string;
  /** It passes a freeze by an exception, which an admin approves before it runs. */
  readonly needsException: boolean;
  /** What the asker's override passed (recorded with the reason). */
  readonly overridden: string[];
}

const changesVersion = (operation: Operation): boolean => LOCK_BLOCKS.includes(operation);
const isAdmin = (role: SafeguardAsk['role']): boolean => typeof role === 'string' && roleHas(role as Role, 'deployments:govern');
const mayOverrideIncidentLock = (role: SafeguardAsk['role']): boolean => typeof role === 'string' && roleHas(role as Role, 'incidents:manage');

export async function evaluateSafeguards(ask: SafeguardAsk, now = Date.now()): Promise<SafeguardVerdict> {
  const checks: DeploymentSafeguardCheck[] = [];
  const overridden: string[] = [];
  let queueUntil: string | undefined;
  let needsException = false;
  const version = changesVersion(ask.operation);
  const anyTime = `${ask.operation} runs at any time: it is how incidents end`;

  const locks = await blockingLocks(ask.service, ask.environment, ask.operation);
  // An open critical incident's lock yields to an operator's override with a reason (audited, on the record);
  // a person's manual lock only to unlocking.
  const manual = locks.find((l) => l.source !== 'incident');
  const incident = locks.find((l) => l.source === 'incident');
  if (manual) checks.push({ safeguard: 'lock', outcome: 'block', reason: lockRefusal(manual) });
  else if (incident && ask.override && mayOverrideIncidentLock(ask.role)) {
    overridden.push('lock');
    checks.push({ safeguard: 'lock', outcome: 'warn', reason: lockRefusal(incident), override: 'operator', overridden: `incident lock overridden by ${ask.principal}: ${ask.override.reason}` });
  } else if (incident) checks.push({ safeguard: 'lock', outcome: 'block', reason: `${lockRefusal(incident)}; an operator may override it with a reason`, override: 'operator' });
  else checks.push({ safeguard: 'lock', outcome: 'pass', reason: version ? 'not locked' : `${ask.operation} runs even when the environment is locked` });

  if (!version) {
    checks.push({ safeguard: 'freeze', outcome: 'pass', reason: anyTime }, { safeguard: 'window', outcome: 'pass', reason: anyTime }, { safeguard: 'dependencies', outcome: 'pass', reason: `${ask.operation} keeps the version it runs` });
    return verdict(checks, undefined, false, overridden);
  }

  const team = (await catalogSnapshot()).get(ask.service)?.team;
  const [freeze] = await freezesCovering(team, ask.environment, now);
  if (!freeze) checks.push({ safeguard: 'freeze', outcome: 'pass', reason: 'no freeze' });
  else if (ask.override && ask.exceptionApproved) {
    overridden.push('freeze');
    checks.push({ safeguard: 'freeze', outcome: 'pass', reason: `frozen by ${freezeText(freeze)}`, override: 'approval', overridden: `exception approved: ${ask.override.reason}` });
  } else if (ask.override) {
    needsException = true;
    overridden.push('freeze');
    checks.push({ safeguard: 'freeze', outcome: 'warn', reason: `frozen by ${freezeText(freeze)}`, override: 'approval', overridden: `exception asked: ${ask.override.reason}; an admin approves it before it runs` });
  } else {
    checks.push({ safeguard: 'freeze', outcome: 'block', reason: `frozen by ${freezeText(freeze)}; ask for an exception with a reason (an admin approves it)`, override: 'approval' });
  }

  const window = await windowOf(ask.environment, now);
  if (!window) checks.push({ safeguard: 'window', outcome: 'pass', reason: `${ask.environment} has no deployment window: any time` });
  else if (window.open) checks.push({ safeguard: 'window', outcome: 'pass', reason: `inside the window (${window.summary}) until ${window.closesAt}` });
  else {
    const outside = `outside the deployment window (${window.summary})${window.opensAt ? `; it opens at ${window.opensAt}` : '; it has no opening in the next week'}`;
    const opensAt = window.opensAt ? { opensAt: window.opensAt } : {};
    if (ask.override && isAdmin(ask.role)) {
      overridden.push('window');
      checks.push({ safeguard: 'window', outcome: 'warn', reason: outside, override: 'admin', overridden: `admin override by ${ask.principal}: ${ask.override.reason}`, ...opensAt });
    } else if (ask.outsideWindow === 'queue' && window.opensAt) {
      queueUntil = window.opensAt;
      checks.push({ safeguard: 'window', outcome: 'warn', reason: outside, override: 'queue', overridden: `queued until ${window.opensAt}`, ...opensAt });
    } else {
      const how = ask.override ? `; only an admin may override a window (${ask.principal} is ${ask.role ?? 'no role'})` : window.opensAt ? '; queue it to run when the window opens, or an admin overrides it with a reason' : '; an admin overrides it with a reason';
      checks.push({ safeguard: 'window', outcome: 'block', reason: `${outside}${how}`, override: window.opensAt ? 'queue' : 'admin', ...opensAt });
    }
  }

  const issues = await dependencyIssues(ask.service, ask.environment, ask.imageTag, ask.fromEnvironment);
  if (!issues.length) checks.push({ safeguard: 'dependencies', outcome: 'pass', reason: 'its runtime dependencies are up, at the versions it was verified with' });
  else {
    const text = issues.map((i) => i.message).join('; ');
    if (!ask.production) checks.push({ safeguard: 'dependencies', outcome: 'warn', reason: text });
    else if (ask.acknowledge?.includes('dependencies')) {
      overridden.push('dependencies');
      checks.push({ safeguard: 'dependencies', outcome: 'warn', reason: text, override: 'acknowledge', overridden: `acknowledged by ${ask.principal}` });
    } else checks.push({ safeguard: 'dependencies', outcome: 'block', reason: `${text}; in production, acknowledge it to deploy anyway`, override: 'acknowledge' });
  }
  return verdict(checks, queueUntil, needsException, overridden);
}

function verdict(checks: DeploymentSafeguardCheck[], queueUntil: string | undefined, needsException: boolean, overridden: string[]): SafeguardVerdict {
  const blocked = checks.find((c) => c.outcome === 'block');
  return { checks, ...(blocked ? { blocked } : {}), ...(queueUntil && !blocked ? { queueUntil } : {}), needsException, overridden };
}

/** A refusal in one sentence per block. */
export const refusalOf = (v: SafeguardVerdict): string => v.checks.filter((c) => c.outcome === 'block').map((c) => c.reason).join('; ');
