/**
 * Discovery's HTTP routes (served by the services Lambda): start a sync (or join the one already
 * running over the same scope), read its job.
 */
import type { DiscoverySync, ListQuery } from '#schemas/index.ts';
import { json, type ApiRequest, type RouteImpl } from '#lib/http';
import { startOrJoinRun } from '#lib/job-routes';
import { discoveryDepsOr503 } from './discovery-deps.ts';
import { createJob, findActiveJob, getJob, listJobs } from './discovery-jobs.ts';

export const discoveryRoutes: Record<string, RouteImpl> = {
  'POST /api/v1/discovery/sync': async (req: ApiRequest<DiscoverySync>) => {
    const deps = discoveryDepsOr503();
    return startOrJoinRun(req, {
      what: 'discovery run',
      location: (id) => `/api/v1/discovery/jobs/${id}`,
      active: () => findActiveJob(req.body.repositories),
      create: () => createJob({ trigger: 'manual', org: deps.config.org, requestedBy: req.identity.principal, repositories: req.body.repositories }),
      dispatcher: deps.dispatcher,
    });
  },
  'GET /api/v1/discovery/jobs': async (req: ApiRequest<undefined, ListQuery>) => json(200, await listJobs(req.query.limit ?? 50, req.query.cursor)),
  'GET /api/v1/discovery/jobs/{id}': async (req) => json(200, await getJob(req.params.id!)),
};
