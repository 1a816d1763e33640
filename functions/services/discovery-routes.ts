/**
 * Discovery's HTTP routes (served by the services Lambda): start a sync (or join the one already
 * running over the same scope), read its job.
 */
import type { DiscoverySync, ListQuery } from '#schemas/index.ts';
import { ServiceUnavailableError } from '#shared/errors';
import { json, type ApiRequest, type RouteImpl } from '#lib/http';
import { logger } from '#lib/observability';
import { discoveryDepsOr503 } from './discovery-deps.ts';
import { createJob, findActiveJob, getJob, listJobs } from './discovery-jobs.ts';

export const discoveryRoutes: Record<string, RouteImpl> = {
  'POST /api/v1/discovery/sync': async (req: ApiRequest<DiscoverySync>) => {
    const deps = discoveryDepsOr503();
    const active = await findActiveJob(req.body.repositories);
    if (active) {
      req.audit.resourceId = active.id;
      return json(202, { job: active }, { location: `/api/v1/discovery/jobs/${active.id}` });
    }
    const job = await createJob({ trigger: 'manual', org: deps.config.org, requestedBy: req.identity.principal, repositories: req.body.repositories });
    req.audit.resourceId = job.id;
    try {
      await deps.dispatcher.dispatch(job.id);
    } catch (error) {
      logger.error('discovery run not started', { error: error as Error, jobId: job.id });
      throw new ServiceUnavailableError('the discovery run could not be started; retry shortly', { cause: error });
    }
    return json(202, { job }, { location: `/api/v1/discovery/jobs/${job.id}` });
  },
  'GET /api/v1/discovery/jobs': async (req: ApiRequest<undefined, ListQuery>) => json(200, await listJobs(req.query.limit ?? 50, req.query.cursor)),
  'GET /api/v1/discovery/jobs/{id}': async (req) => json(200, await getJob(req.params.id!)),
};
