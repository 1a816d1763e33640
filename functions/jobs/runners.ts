/**
 * The job a `{ job: <name> }` event names, from the contexts' descriptors (functions/contexts.ts):
 * a job is declared once, with its schedule and its run, by the context it belongs to.
 */
import { NotFoundError } from '#shared/errors';
import type { ContextJob } from '#lib/context';
import { JOBS, jobNamed } from '#functions/contexts';

export function jobRunner(name: string): ContextJob {
  const found = jobNamed(name);
  if (!found) throw new NotFoundError(`no job named "${name}"; the jobs are ${JOBS.map((j) => j.name).join(', ')}`, { details: [{ path: '/job', message: 'unknown job' }] });
  return found;
}
