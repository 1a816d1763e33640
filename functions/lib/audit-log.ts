/**
 * The audit log, fail closed and written ahead (ARCHITECTURE.md §1): an intent item is written
 * before a mutation (if that fails the mutation does not happen); the outcome is recorded on the
 * same item afterwards. Items are append-only: nothing here deletes.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { decodeTime, monotonicFactory } from 'ulidx';
import type { AuditEntry } from '#schemas/index.ts';
import { markAuditDay } from './audit-days.ts';
import { config } from './config.ts';
import { db, putNew, type Item } from './table.ts';

const ulid = monotonicFactory();

export type AuditIntent = Omit<AuditEntry, 'id' | 'at' | 'outcome' | 'statusCode' | 'errorCode' | 'completedAt'>;
export interface AuditOutcome {
  readonly outcome: 'succeeded' | 'failed';
  readonly statusCode: number;
  readonly errorCode?: string;
  /** Set when the resource id is only known after the mutation (creates). */
  readonly resource?: { readonly type: string; readonly id: string };
}

/** Where an audit entry lives: its id (a ULID) carries its time, so its key is derivable from it. */
export function auditKey(id: string): { PK: string; SK: string; at: string } {
  const at = new Date(decodeTime(id)).toISOString();
  return { PK: `AUDIT#${at.slice(0, 10)}`, SK: `${at}#${id}`, at };
}

export const resourcePartition = (type: string, id: string): string => `RES#${type}#${id}`;

export class AuditLog {
  /** Records the intent; throws if it cannot (the caller must then not mutate). */
  async recordIntent(intent: AuditIntent): Promise<string> {
    const id = ulid();
    const { PK, SK, at } = auditKey(id);
    const item: Item = {
      PK,
      SK,
      GSI1PK: `ACTOR#${intent.actor}`,
      GSI1SK: SK,
      ...(intent.resourceId ? { GSI2PK: resourcePartition(intent.resourceType, intent.resourceId), GSI2SK: SK } : {}),
      entity: 'audit',
      ...intent,
      id,
      at,
      outcome: 'pending',
      stage: config().stage,
    };
    await markAuditDay(at.slice(0, 10));
    await putNew(item, 'audit entry already exists');
    return id;
  }

  async recordOutcome(id: string, outcome: AuditOutcome): Promise<void> {
    const { PK, SK } = auditKey(id);
    const names: Record<string, string> = { '#o': 'outcome', '#s': 'statusCode', '#c': 'completedAt' };
    const values: Record<string, unknown> = { ':o': outcome.outcome, ':s': outcome.statusCode, ':c': new Date().toISOString() };
    const sets = ['#o = :o', '#s = :s', '#c = :c'];
    if (outcome.errorCode) { names['#e'] = 'errorCode'; values[':e'] = outcome.errorCode; sets.push('#e = :e'); }
    if (outcome.resource) {
      names['#r'] = 'resourceId'; names['#g'] = 'GSI2PK'; names['#gs'] = 'GSI2SK';
      values[':r'] = outcome.resource.id; values[':g'] = resourcePartition(outcome.resource.type, outcome.resource.id); values[':gs'] = SK;
      sets.push('#r = :r', '#g = :g', '#gs = :gs');
    }
    await db.send(new UpdateCommand({
      TableName: config().tableName,
      Key: { PK, SK },
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }));
  }
}

export const auditLog = new AuditLog();
