import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '#shared/errors';
import { putItem } from '#lib/table';
import { invoke } from '#local/lambda';
import { startRuntime, type Runtime } from '#local/runtime';
import { FileAuditArchive } from './adapters/file-audit-archive.ts';
import { configureJobs } from './deps.ts';

const DAY_MS = 86_400_000;
const dayBefore = (n: number): string => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
const keyOf = (day: string) => `audit/${day.slice(0, 4)}/${day.slice(5, 7)}/${day.slice(8)}.ndjson`;

let runtime: Runtime;
let dir: string;

beforeAll(async () => {
  runtime = await startRuntime({ port: 0 });
  dir = await mkdtemp(join(tmpdir(), 'apollo-jobs-'));
  configureJobs({ archive: new FileAuditArchive(dir) });
});

afterAll(async () => {
  await runtime.close();
  await rm(dir, { recursive: true, force: true });
});

describe('jobs handler', () => {
  it('runs the audit export named by the scheduled event and returns its summary', async () => {
    // Prepare
    const yesterday = dayBefore(1);
    const id = '01KAZZZZZZZZZZZZZZZZZZZZZZ';
    await putItem({
      PK: `AUDIT#${yesterday}`, SK: `${yesterday}T12:00:00.000Z#${id}`, entity: 'audit', stage: 'local',
      id, at: `${yesterday}T12:00:00.000Z`, actor: 'system:seed', actorType: 'system', action: 'teams.create', resourceType: 'team', requestId: 'r1', outcome: 'succeeded',
    });

    // Act
    const result = await invoke('jobs', { job: 'audit-export' });

    // Assess
    const days = [8, 7, 6, 5, 4, 3, 2, 1].map(dayBefore);
    expect(result).toEqual({ exported: days.map((day) => ({ day, key: keyOf(day), count: day === yesterday ? 1 : 0 })), skipped: [] });
    expect(await readFile(join(dir, keyOf(yesterday)), 'utf8')).toBe(
      `{"id":"${id}","at":"${yesterday}T12:00:00.000Z","actor":"system:seed","actorType":"system","action":"teams.create","resourceType":"team","requestId":"r1","outcome":"succeeded"}\n`,
    );
  });

  it('refuses a job it does not know, naming the ones it does', async () => {
    // Act
    const result = invoke('jobs', { job: 'invoice-export' });

    // Assess
    await expect(result).rejects.toBeInstanceOf(NotFoundError);
    await expect(result).rejects.toThrow('no job named "invoice-export"; the jobs are audit-sweep, health-poll, discovery-sync, catalog-refresh, approval-escalation, incident-alarm, incident-postmortem, ai-turn, ai-sweep, secret-expiry, cost-ingest, audit-export');
  });

  it.each([[{}], [null], [{ job: 7 }]])('refuses the event %j, saying what a job event is', async (event) => {
    // Act
    const result = invoke('jobs', event);

    // Assess
    await expect(result).rejects.toBeInstanceOf(ValidationError);
    await expect(result).rejects.toThrow('a job event is {"job": "<name>"}');
  });

  it('does not mistake an inherited property for a job', async () => {
    // Act
    const result = invoke('jobs', { job: 'toString' });

    // Assess
    await expect(result).rejects.toBeInstanceOf(NotFoundError);
  });
});
