/**
 * Discovery's HTTP routes (served by the services Lambda): start a sync (or join the one already
 * running over the same scope), read its job.
 */
import { json, type RouteImpls } from '#lib/http';
import { startOrJoinRun } from '#lib/job-routes';
import type { ContextRouteKey } from '#shared/routes';
import { discoveryStart } from './discovery-start.ts';
import { createJob, findActiveJob, getJob, listJobs } from './discovery-jobs.ts';

export const discoveryRoutes = {
  'POST /api/v1/discovery/sync': async (req) => {
    const deps = discoveryStart.getOr503();
    return startOrJoinRun(req, {
      what: 'discovery run',
      location: (id) => `/api/v1/discovery/jobs/${id}`,
      active: () => findActiveJob(req.body.repositories),
      create: () => createJob({ trigger: 'manual', org: deps.config.org, requestedBy: req.identity.principal, repositories: req.body.repositories }),
      dispatcher: deps.dispatcher,
    });
  },
  'GET /api/v1/discovery/jobs': async (req) => json(200, await listJobs(req.query.limit ?? 50, req.query.cursor)),
  'GET /api/v1/discovery/jobs/{id}': async (req) => json(200, await getJob(req.params.id)),
} satisfies Partial<RouteImpls<ContextRouteKey<'services'>>>;
