import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ValidationError } from '#shared/errors';
import { auditLog } from '#lib/audit-log';
import { putItem } from '#lib/table';
import { startRuntime, type Runtime } from '#local/runtime';
import { S3AuditArchive } from './adapters/s3-audit-archive.ts';
import { FileAuditArchive } from './adapters/file-audit-archive.ts';
import { exportAuditDays } from './audit-export.ts';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/ApolloAdmin/alice@corp.example';
/** The export runs shortly after midnight on the 21st: the 20th is the newest closed day. */
const NOW = new Date('2026-11-21T00:15:00Z');
const WINDOW = ['2026-11-13', '2026-11-14', '2026-11-15', '2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20'];
const keyOf = (day: string) => `audit/${day.slice(0, 4)}/${day.slice(5, 7)}/${day.slice(8)}.ndjson`;

let runtime: Runtime;
let dir: string;
let archive: FileAuditArchive;
/** What the audit log holds on the 20th, as the archive must show it. */
let expected20th: string;
let expected19th: string;

/** Records an entry through the audit log as if the clock said `at`. */
async function recordAt(at: string, intent: Parameters<typeof auditLog.recordIntent>[0]): Promise<string> {
  vi.setSystemTime(new Date(at));
  return auditLog.recordIntent(intent);
}

beforeAll(async () => {
  runtime = await startRuntime({ port: 0 });
  vi.useFakeTimers({ toFake: ['Date'] });
  const lastOf19th = await recordAt('2026-11-19T23:59:59.999Z', {
    actor: 'system:seed', actorType: 'system', action: 'teams.create', resourceType: 'team', resourceId: 'data', requestId: 'req-0',
  });
  const created = await recordAt('2026-11-20T09:15:00.000Z', {
    actor: ALICE, actorType: 'user', actorRole: 'admin', action: 'teams.create', resourceType: 'team', resourceId: 'payments',
    details: { teamId: 'payments', body: { name: 'Payments', description: 'Checkout' } },
    sourceIp: '203.0.113.7', userAgent: 'apollo-cli/0.1.0', requestId: 'req-1',
  });
  vi.setSystemTime(new Date('2026-11-20T09:15:00.250Z'));
  await auditLog.recordOutcome(created, { outcome: 'succeeded', statusCode: 201 });
  const refused = await recordAt('2026-11-20T13:02:11.000Z', {
    actor: ALICE, actorType: 'user', actorRole: 'admin', action: 'teams.update', resourceType: 'team', resourceId: 'growth', requestId: 'req-2',
  });
  vi.setSystemTime(new Date('2026-11-20T13:02:11.100Z'));
  await auditLog.recordOutcome(refused, { outcome: 'failed', statusCode: 412, errorCode: 'PreconditionFailed' });
  const pending = await recordAt('2026-11-20T23:59:59.000Z', {
    actor: ALICE, actorType: 'ai', action: 'teams.delete', resourceType: 'team', resourceId: 'growth', aiSessionId: 'AI1', requestId: 'req-3',
  });
  await recordAt('2026-11-21T00:00:00.000Z', {
    actor: ALICE, actorType: 'user', action: 'teams.delete', resourceType: 'team', resourceId: 'data', requestId: 'req-4',
  });
  vi.useRealTimers();

  expected19th = `{"id":"${lastOf19th}","at":"2026-11-19T23:59:59.999Z","actor":"system:seed","actorType":"system","action":"teams.create","resourceType":"team","resourceId":"data","requestId":"req-0","outcome":"pending"}\n`;
  expected20th = [
    `{"id":"${created}","at":"2026-11-20T09:15:00.000Z","actor":"${ALICE}","actorType":"user","actorRole":"admin","action":"teams.create","resourceType":"team","resourceId":"payments","details":{"body":{"description":"Checkout","name":"Payments"},"teamId":"payments"},"sourceIp":"203.0.113.7","userAgent":"apollo-cli/0.1.0","requestId":"req-1","outcome":"succeeded","statusCode":201,"completedAt":"2026-11-20T09:15:00.250Z"}\n`,
    `{"id":"${refused}","at":"2026-11-20T13:02:11.000Z","actor":"${ALICE}","actorType":"user","actorRole":"admin","action":"teams.update","resourceType":"team","resourceId":"growth","requestId":"req-2","outcome":"failed","statusCode":412,"errorCode":"PreconditionFailed","completedAt":"2026-11-20T13:02:11.100Z"}\n`,
    `{"id":"${pending}","at":"2026-11-20T23:59:59.000Z","actor":"${ALICE}","actorType":"ai","action":"teams.delete","resourceType":"team","resourceId":"growth","aiSessionId":"AI1","requestId":"req-3","outcome":"pending"}\n`,
  ].join('');
});

afterAll(async () => {
  await runtime.close();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'apollo-audit-export-'));
  archive = new FileAuditArchive(dir);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const read = (day: string): Promise<string> => readFile(join(dir, keyOf(day)), 'utf8');

describe('exportAuditDays', () => {
  it('writes yesterday and the 7 days before it as NDJSON, one entry a line, oldest first', async () => {
    // Act
    const summary = await exportAuditDays(archive, { now: NOW });

    // Assess
    expect(summary).toEqual({
      exported: WINDOW.map((day) => ({ day, key: keyOf(day), count: day === '2026-11-20' ? 3 : day === '2026-11-19' ? 1 : 0 })),
      skipped: [],
    });
    expect(await read('2026-11-20')).toBe(expected20th);
    expect(await read('2026-11-19')).toBe(expected19th);
    expect(await read('2026-11-13')).toBe('');
  });

  it('skips every day on a second run and leaves the archive as it was', async () => {
    // Prepare
    await exportAuditDays(archive, { now: NOW });

    // Act
    const second = await exportAuditDays(archive, { now: NOW });

    // Assess
    expect(second).toEqual({ exported: [], skipped: WINDOW.map((day) => ({ day, key: keyOf(day), reason: 'already exported' })) });
    expect(await read('2026-11-20')).toBe(expected20th);
  });

  it('never overwrites a day that is already archived, and fills in the days that are not', async () => {
    // Prepare
    await archive.put(keyOf('2026-11-20'), 'the copy written first\n');

    // Act
    const summary = await exportAuditDays(archive, { now: NOW });

    // Assess
    expect(summary.skipped).toEqual([{ day: '2026-11-20', key: keyOf('2026-11-20'), reason: 'already exported' }]);
    expect(summary.exported.map((d) => d.day)).toEqual(WINDOW.slice(0, -1));
    expect(await read('2026-11-20')).toBe('the copy written first\n');
    expect(await read('2026-11-19')).toBe(expected19th);
  });

  it('reads a day across Query pages', async () => {
    // Act
    const summary = await exportAuditDays(archive, { now: NOW, day: '2026-11-20', pageSize: 2 });

    // Assess
    expect(summary.exported.at(-1)).toEqual({ day: '2026-11-20', key: keyOf('2026-11-20'), count: 3 });
    expect(await read('2026-11-20')).toBe(expected20th);
  });

  it('exports a given closed day and the 7 before it', async () => {
    // Act
    const summary = await exportAuditDays(archive, { now: NOW, day: '2026-11-19' });

    // Assess
    expect(summary.exported.map((d) => d.day)).toEqual(['2026-11-12', ...WINDOW.slice(0, -1)]);
    expect(await read('2026-11-19')).toBe(expected19th);
  });

  it('strips the table keys but keeps the entry fields of an item written by older code', async () => {
    // Prepare
    await putItem({
      PK: 'AUDIT#2026-11-10', SK: '2026-11-10T08:00:00.000Z#01KA0000000000000000000000', GSI1PK: `ACTOR#${ALICE}`, GSI1SK: '2026-11-10T08:00:00.000Z#01KA0000000000000000000000',
      entity: 'audit', stage: 'local', id: '01KA0000000000000000000000', at: '2026-11-10T08:00:00.000Z', actor: ALICE, actorType: 'user',
      action: 'teams.create', resourceType: 'team', requestId: 'req-old', outcome: 'succeeded', statusCode: 201,
    });

    // Act
    await exportAuditDays(archive, { now: NOW, day: '2026-11-10' });

    // Assess
    expect(await read('2026-11-10')).toBe(
      `{"id":"01KA0000000000000000000000","at":"2026-11-10T08:00:00.000Z","actor":"${ALICE}","actorType":"user","action":"teams.create","resourceType":"team","requestId":"req-old","outcome":"succeeded","statusCode":201}\n`,
    );
  });

  it.each([
    ['today', '2026-11-21', 'is not closed yet: only days before 2026-11-21 (UTC) can be exported'],
    ['the future', '2027-01-01', 'is not closed yet'],
    ['a non-date', '2026-02-30', 'is not a day (yyyy-mm-dd)'],
    ['another format', '20261120', 'is not a day (yyyy-mm-dd)'],
  ])('refuses %s and writes nothing', async (_what, day, message) => {
    // Act
    const result = exportAuditDays(archive, { now: NOW, day });

    // Assess
    await expect(result).rejects.toBeInstanceOf(ValidationError);
    await expect(result).rejects.toThrow(message);
    await expect(readFile(join(dir, keyOf('2026-11-20')))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports a day another run wrote between its check and its write (S3 412) as already exported', async () => {
    // Prepare
    const s3 = mockClient(S3Client);
    s3.on(HeadObjectCommand).rejects(new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'Not Found' }));
    s3.on(PutObjectCommand).resolves({});
    s3.on(PutObjectCommand, { Key: keyOf('2026-11-20') })
      .rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' }));

    // Act
    const summary = await exportAuditDays(new S3AuditArchive('apollo-audit'), { now: NOW }).finally(() => s3.restore());

    // Assess
    expect(summary.skipped).toEqual([{ day: '2026-11-20', key: keyOf('2026-11-20'), reason: 'already exported' }]);
    expect(summary.exported.map((d) => d.day)).toEqual(WINDOW.slice(0, -1));
  });
});
