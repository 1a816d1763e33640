/** The HTTP side of background runs (discovery syncs, catalog refreshes): start one, or join the one already going. */
import { ServiceUnavailableError } from '#shared/errors';
import { json, type ApiRequest, type ApiResult } from './http.ts';
import type { JobDispatcher } from './job-dispatch.ts';
import { logger } from './observability.ts';

export interface StartRun<R extends { readonly id: string }> {
  /** In words, for the log and the 503: 'discovery run'. */
  readonly what: string;
  /** Where the run is read (the 202's Location). */
  readonly location: (id: string) => string;
  /** A queued or running run over the same scope, which a second start joins. */
  readonly active: () => Promise<R | undefined>;
  readonly create: () => Promise<R>;
  readonly dispatcher: JobDispatcher;
}

/**
 * 202 with the run already going over the same scope, or with a new one handed to its runner; a
 * runner that could not be reached is a 503 (the queued run is picked up by the next scheduled one).
 */
export async function startOrJoinRun<R extends { readonly id: string }>(req: ApiRequest, start: StartRun<R>): Promise<ApiResult<{ job: R }>> {
  const active = await start.active();
  if (active) {
    req.audit.resourceId = active.id;
    return json(202, { job: active }, { location: start.location(active.id) });
  }
  const job = await start.create();
  req.audit.resourceId = job.id;
  try {
    await start.dispatcher.dispatch(job.id);
  } catch (error) {
    logger.error(`${start.what} not started`, { error: error as Error, jobId: job.id });
    throw new ServiceUnavailableError(`the ${start.what} could not be started; retry shortly`, { cause: error });
  }
  return json(202, { job }, { location: start.location(job.id) });
}
