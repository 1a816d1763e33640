/**
 * What starting a catalog refresh needs (POST /api/v1/catalog/refresh, the GitHub push webhook): the
 * settings and where the run goes. The run itself (GitHub, the document checks) is refresh-run.ts,
 * in the jobs Lambda, so the Lambdas that only start one don't carry it.
 */
import { runStarter } from '#lib/github/runs';
import { readCatalogRefreshConfig } from './refresh-config.ts';

/** The jobs Lambda's job that runs a refresh (functions/offerings/context.ts). */
export const REFRESH_JOB = 'catalog-refresh';

export const refreshStart = /* @__PURE__ */ runStarter(readCatalogRefreshConfig, REFRESH_JOB, 'the catalog refresh');
