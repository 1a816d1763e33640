/** The descriptors agree with the route table, the topics and the files that implement them. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isDispatchedJob, isEventJob, isScheduledJob } from '#shared/jobs';
import { nextRun, parseSchedule } from '#shared/schedule';
import { CONTEXTS } from '#shared/routes';
import { TOPICS } from '#shared/topics';
import { API_DESCRIPTORS, DESCRIPTORS, JOBS } from './contexts.ts';

describe('the context descriptors', () => {
  it('cover every context of the route table, each with its handler, and name each function once', () => {
    expect(API_DESCRIPTORS.map((d) => d.name)).toEqual([...CONTEXTS]);
    expect(new Set(DESCRIPTORS.map((d) => d.name)).size).toBe(DESCRIPTORS.length);
    for (const d of DESCRIPTORS) {
      expect(existsSync(new URL(`./${d.name}/handler.ts`, import.meta.url)), `functions/${d.name}/handler.ts`).toBe(true);
      expect(existsSync(new URL(`./${d.name}/context.ts`, import.meta.url)), `functions/${d.name}/context.ts`).toBe(true);
      for (const source of Object.values(d.files ?? {})) expect(existsSync(new URL(`../${source}`, import.meta.url)), source).toBe(true);
    }
  });

  it('declare jobs with unique names and schedules the scheduler and EventBridge both read, or event patterns', () => {
    expect(new Set(JOBS.map((j) => j.name)).size).toBe(JOBS.length);
    for (const job of JOBS) {
      if (isScheduledJob(job)) {
        const parsed = parseSchedule(job.schedule);
        expect(nextRun(parsed, new Date('2026-11-24T12:00:00Z')).getTime(), job.name).toBeGreaterThan(Date.parse('2026-11-24T12:00:00Z'));
      } else if (isDispatchedJob(job)) {
        // Handed work by the API: no rule, never run at local start.
        expect(job.runAtLocalStart, job.name).toBeFalsy();
      } else {
        // A pattern EventBridge accepts: a source, each field a list of values; never run at local start.
        expect(job.eventPattern.source.length, job.name).toBeGreaterThan(0);
        for (const values of [job.eventPattern.source, job.eventPattern['detail-type'] ?? []]) expect(values.every((v) => typeof v === 'string' && v.length > 0), job.name).toBe(true);
        expect(job.runAtLocalStart, job.name).toBeFalsy();
      }
      expect(job.timeoutSeconds, job.name).toBeLessThanOrEqual(900);
    }
    expect(JOBS.filter(isEventJob).map((j) => [j.name, j.eventPattern])).toContainEqual(['incident-alarm', { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'] }]);
  });

  it('publish only topics that exist, and every topic has a publisher', () => {
    const published = DESCRIPTORS.flatMap((d) => d.topics ?? []);
    for (const kind of published) expect(TOPICS.map((t) => t.kind)).toContain(kind);
    for (const topic of TOPICS) expect(published, topic.kind).toContain(topic.kind);
  });
});

describe('reading another context', () => {
  it('goes through its public.ts only, one way for every context', () => {
    const root = fileURLToPath(new URL('.', import.meta.url));
    const names = new Set(DESCRIPTORS.map((d) => d.name));
    const contextOf = (file: string): string | undefined => {
      const [first] = relative(root, file).split(sep);
      return first && names.has(first) ? first : undefined;
    };
    const violations: string[] = [];
    for (const name of names) {
      const files = readdirSync(join(root, name), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
      for (const file of files.map((f) => join(root, name, f))) {
        for (const [, spec] of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
          const target = spec!.startsWith('#functions/') ? join(root, `${spec!.slice('#functions/'.length)}.ts`) : spec!.startsWith('.') ? resolve(dirname(file), spec!) : undefined;
          const other = target && contextOf(target);
          if (other && other !== name && target !== join(root, other, 'public.ts')) violations.push(`${relative(root, file)} imports ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
