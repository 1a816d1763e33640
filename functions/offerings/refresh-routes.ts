/**
 * The catalog refresh's HTTP routes (served by the offerings Lambda): start a refresh (or join the
 * one already running over the same files), read its job.
 */
import { json, type RouteImpls } from '#lib/http';
import { startOrJoinRun } from '#lib/job-routes';
import type { ContextRouteKey } from '#shared/routes';
import { catalogRepoName } from './refresh-config.ts';
import { refreshStart } from './refresh-start.ts';
import { createRefreshJob, findActiveRefreshJob, getRefreshJob, listRefreshJobs } from './refresh-jobs.ts';

export const refreshRoutes = {
  'POST /api/v1/catalog/refresh': async (req) => {
    const deps = refreshStart.getOr503();
    const repo = catalogRepoName(deps.config);
    return startOrJoinRun(req, {
      what: 'catalog refresh',
      location: (id) => `/api/v1/catalog-refresh/jobs/${id}`,
      active: () => findActiveRefreshJob(repo, req.body.paths),
      create: () => createRefreshJob({ trigger: 'manual', repo, directory: deps.config.directory, requestedBy: req.identity.principal, ...(req.body.paths ? { paths: req.body.paths } : {}) }),
      dispatcher: deps.dispatcher,
    });
  },
  'GET /api/v1/catalog-refresh/jobs': async (req) => json(200, await listRefreshJobs(req.query.limit ?? 50, req.query.cursor)),
  'GET /api/v1/catalog-refresh/jobs/{id}': async (req) => json(200, await getRefreshJob(req.params.id)),
} satisfies Partial<RouteImpls<ContextRouteKey<'offerings'>>>;
