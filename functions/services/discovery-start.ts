/**
 * What starting a discovery sync needs (POST /api/v1/discovery/sync, the GitHub webhook): the
 * settings and where the run goes. The run itself (GitHub, manifests) is discovery-run.ts, in the
 * jobs Lambda, so the services and webhooks Lambdas don't carry it.
 */
import { runStarter } from '#lib/github/runs';
import { readDiscoveryConfig } from './discovery-config.ts';

/** The jobs Lambda's job that runs a sync (functions/services/context.ts). */
export const DISCOVERY_JOB = 'discovery-sync';

export const discoveryStart = /* @__PURE__ */ runStarter(readDiscoveryConfig, DISCOVERY_JOB, 'discovery');
