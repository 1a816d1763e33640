/** The descriptors agree with the route table, the topics and the files that implement them. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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

  it('declare jobs with unique names and schedules the scheduler and EventBridge both read', () => {
    expect(new Set(JOBS.map((j) => j.name)).size).toBe(JOBS.length);
    for (const job of JOBS) {
      const parsed = parseSchedule(job.schedule);
      expect(nextRun(parsed, new Date('2026-11-24T12:00:00Z')).getTime(), job.name).toBeGreaterThan(Date.parse('2026-11-24T12:00:00Z'));
      expect(job.timeoutSeconds, job.name).toBeLessThanOrEqual(900);
    }
  });

  it('publish only topics that exist, and every topic has a publisher', () => {
    const published = DESCRIPTORS.flatMap((d) => d.topics ?? []);
    for (const kind of published) expect(TOPICS.map((t) => t.kind)).toContain(kind);
    for (const topic of TOPICS) expect(published, topic.kind).toContain(topic.kind);
  });
});
