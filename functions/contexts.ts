/**
 * Every context's descriptor (functions/lib/context.ts): the one list of them. Infra, the local
 * runtime, the jobs Lambda and the tests read this; nothing else names a context.
 */
import { CONTEXTS } from '#shared/routes';
import type { ContextDescriptor, ContextJob } from '#lib/context';
import { context as ai } from './ai/context.ts';
import { context as audit } from './audit/context.ts';
import { context as costs } from './costs/context.ts';
import { context as deployments } from './deployments/context.ts';
import { context as identity } from './identity/context.ts';
import { context as incidents } from './incidents/context.ts';
import { context as jobs } from './jobs/context.ts';
import { context as observability } from './observability/context.ts';
import { context as offerings } from './offerings/context.ts';
import { context as realtime } from './realtime/context.ts';
import { context as requests } from './requests/context.ts';
import { context as secrets } from './secrets/context.ts';
import { context as services } from './services/context.ts';
import { context as system } from './system/context.ts';
import { context as webhooks } from './webhooks/context.ts';

export const DESCRIPTORS: readonly ContextDescriptor[] = [system, audit, identity, services, offerings, requests, deployments, webhooks, observability, incidents, ai, secrets, costs, jobs, realtime];

/** The descriptors of the route table's contexts (each a REST Lambda), in the table's order. */
export const API_DESCRIPTORS: readonly ContextDescriptor[] = CONTEXTS.map((name) => {
  const found = DESCRIPTORS.find((d) => d.name === name);
  if (!found) throw new Error(`the route table's context ${name} has no functions/${name}/context.ts in functions/contexts.ts`);
  return found;
});

/** Every scheduled job, from every context. */
export const JOBS: readonly ContextJob[] = DESCRIPTORS.flatMap((d) => d.jobs ?? []);

export function descriptorOf(name: string): ContextDescriptor {
  const found = DESCRIPTORS.find((d) => d.name === name);
  if (!found) throw new Error(`no context ${name}`);
  return found;
}

export function jobNamed(name: string): ContextJob | undefined {
  return JOBS.find((job) => job.name === name);
}
