/**
 * The audit log, fail closed and written ahead (ARCHITECTURE.md §1): an intent item is written
 * before a mutation (if that fails the mutation does not happen); the outcome is recorded on the
 * same item afterwards. Items are append-only: nothing here deletes.
 * Both moments are published live on the `audit` topic (`audit.entry`, the entry as
 * `GET /api/v1/audit/{id}` shows it): the intent while the mutation runs, the outcome once recorded,
 * to the subscribers read once for both (one Query per audited call).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeTime, monotonicFactory } from 'ulidx';
import type { AuditEntry } from '#schemas/index.ts';
import { markAuditDay } from './audit-days.ts';
import { config } from './config.ts';
import { audience, type Audience } from './realtime.ts';
import { db, putNew, type Item } from './table.ts';

const ulid = monotonicFactory();

export type AuditIntent = Omit<AuditEntry, 'id' | 'at' | 'outcome' | 'statusCode' | 'errorCode' | 'completedAt'>;
export interface AuditOutcome {
  readonly outcome: 'succeeded' | 'failed';
  readonly statusCode: number;
  readonly errorCode?: string;
  /** Set when the resource id is only known after the mutation (creates). */
  readonly resource?: { readonly type: string; readonly id: string };
  /** The entry's details once the mutation ran: the intent's with what it learned (the request an approval is for), replacing them. */
  readonly details?: unknown;
}

/** Where an audit entry lives: its id (a ULID) carries its time, so its key is derivable from it. */
export function auditKey(id: string): { PK: string; SK: string; at: string } {
  const at = new Date(decodeTime(id)).toISOString();
  return { PK: `AUDIT#${at.slice(0, 10)}`, SK: `${at}#${id}`, at };
}

export const resourcePartition = (type: string, id: string): string => `RES#${type}#${id}`;

/** Attributes of an audit item that are storage, not the entry. */
const INTERNAL = new Set(['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'entity', 'stage']);

/** Details above this (as JSON) are kept cut, saying so: an entry is one item (400 KB at most). */
export const MAX_DETAILS_CHARS = 16 * 1024;

/**
 * The details as JSON text: any JSON value holds (keys such as `constructor` or `__proto__` too),
 * where the table's attribute maps would refuse some, and the size is bounded.
 */
export function boundedJson(details: unknown): string {
  const json = JSON.stringify(details) ?? 'null';
  return json.length <= MAX_DETAILS_CHARS ? json : JSON.stringify({ truncated: true, originalLength: json.length, json: json.slice(0, MAX_DETAILS_CHARS) });
}

/** The entry as the API shows it (`GET /api/v1/audit/{id}`, searches, the live `audit` topic). */
export function toAuditEntry(item: Record<string, unknown>): AuditEntry {
  const entry = Object.fromEntries(Object.entries(item).filter(([k]) => !INTERNAL.has(k) && k !== 'detailsJson'));
  if (typeof item.detailsJson === 'string') entry.details = JSON.parse(item.detailsJson) as unknown;
  return entry as unknown as AuditEntry;
}

export const AUDIT_TOPIC = 'audit';
export const AUDIT_EVENT = 'audit.entry';
/** Intents awaiting their outcome in this container; older ones are dropped (their outcome then reads subscribers again). */
const MAX_AWAITING_OUTCOME = 64;

export class AuditLog {
  /** Who heard an intent, so its outcome reaches the same subscribers without another Query. */
  private readonly audiences = new Map<string, Audience>();

  /** Records the intent; throws if it cannot (the caller must then not mutate). */
  async recordIntent(intent: AuditIntent): Promise<string> {
    const id = ulid();
    const { PK, SK, at } = auditKey(id);
    const { details, ...rest } = intent;
    const item: Item = {
      PK,
      SK,
      GSI1PK: `ACTOR#${intent.actor}`,
      GSI1SK: SK,
      ...(intent.resourceId ? { GSI2PK: resourcePartition(intent.resourceType, intent.resourceId), GSI2SK: SK } : {}),
      entity: 'audit',
      ...rest,
      ...(details === undefined ? {} : { detailsJson: boundedJson(details) }),
      id,
      at,
      outcome: 'pending',
      stage: config().stage,
    };
    await markAuditDay(at.slice(0, 10));
    await putNew(item, 'audit entry already exists');
    // Not awaited: published while the mutation runs; the outcome's publish waits for it.
    const listeners = audience(AUDIT_TOPIC);
    void listeners.send(AUDIT_EVENT, toAuditEntry(item));
    this.audiences.set(id, listeners);
    if (this.audiences.size > MAX_AWAITING_OUTCOME) this.audiences.delete(this.audiences.keys().next().value!);
    return id;
  }

  async recordOutcome(id: string, outcome: AuditOutcome): Promise<void> {
    const { PK, SK } = auditKey(id);
    const names: Record<string, string> = { '#o': 'outcome', '#s': 'statusCode', '#c': 'completedAt' };
    const values: Record<string, unknown> = { ':o': outcome.outcome, ':s': outcome.statusCode, ':c': new Date().toISOString() };
    const sets = ['#o = :o', '#s = :s', '#c = :c'];
    if (outcome.errorCode) { names['#e'] = 'errorCode'; values[':e'] = outcome.errorCode; sets.push('#e = :e'); }
    if (outcome.details !== undefined) { names['#d'] = 'detailsJson'; values[':d'] = boundedJson(outcome.details); sets.push('#d = :d'); }
    if (outcome.resource) {
      names['#r'] = 'resourceId'; names['#g'] = 'GSI2PK'; names['#gs'] = 'GSI2SK';
      values[':r'] = outcome.resource.id; values[':g'] = resourcePartition(outcome.resource.type, outcome.resource.id); values[':gs'] = SK;
      sets.push('#r = :r', '#g = :g', '#gs = :gs');
    }
    const { Attributes } = await db.send(new UpdateCommand({
      TableName: config().tableName,
      Key: { PK, SK },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      // The whole entry comes back with the write (no extra read) for the live publish.
      ReturnValues: 'ALL_NEW',
    }));
    const listeners = this.audiences.get(id) ?? audience(AUDIT_TOPIC);
    this.audiences.delete(id);
    if (Attributes) await listeners.send(AUDIT_EVENT, toAuditEntry(Attributes));
  }
}

export const auditLog = new AuditLog();
