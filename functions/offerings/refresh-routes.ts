/**
 * The catalog refresh's HTTP routes (served by the offerings Lambda): start a refresh (or join the
 * one already running over the same files), read its job.
 */
import type { CatalogRefresh, ListQuery } from '#schemas/index.ts';
import { ServiceUnavailableError } from '#shared/errors';
import { json, type ApiRequest, type RouteImpl } from '#lib/http';
import { logger } from '#lib/observability';
import { catalogRepoName } from './refresh-config.ts';
import { catalogRefreshDepsOr503 } from './refresh-deps.ts';
import { createRefreshJob, findActiveRefreshJob, getRefreshJob, listRefreshJobs } from './refresh-jobs.ts';

const jobLocation = (id: string): string => `/api/v1/catalog-refresh/jobs/${id}`;

export const refreshRoutes: Record<string, RouteImpl> = {
  'POST /api/v1/catalog/refresh': async (req: ApiRequest<CatalogRefresh>) => {
    const deps = catalogRefreshDepsOr503();
    const repo = catalogRepoName(deps.config);
    const active = await findActiveRefreshJob(repo, req.body.paths);
    if (active) {
      req.audit.resourceId = active.id;
      return json(202, { job: active }, { location: jobLocation(active.id) });
    }
    const job = await createRefreshJob({ trigger: 'manual', repo, directory: deps.config.directory, requestedBy: req.identity.principal, ...(req.body.paths ? { paths: req.body.paths } : {}) });
    req.audit.resourceId = job.id;
    try {
      await deps.dispatcher.dispatch(job.id);
    } catch (error) {
      logger.error('catalog refresh not started', { error: error as Error, jobId: job.id });
      throw new ServiceUnavailableError('the catalog refresh could not be started; retry shortly', { cause: error });
    }
    return json(202, { job }, { location: jobLocation(job.id) });
  },
  'GET /api/v1/catalog-refresh/jobs': async (req: ApiRequest<undefined, ListQuery>) => json(200, await listRefreshJobs(req.query.limit ?? 50, req.query.cursor)),
  'GET /api/v1/catalog-refresh/jobs/{id}': async (req) => json(200, await getRefreshJob(req.params.id!)),
};
