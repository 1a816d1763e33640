/** The system context: Apollo's own health, version and metrics. */
import { createApiHandler, json } from '#lib/http';
import validators from '#schemas/validators/system.gen.cjs';
import { HealthChecker } from './health.ts';
import { systemDeps } from './deps.ts';

const { config } = systemDeps();

/** The base URL this call came through: the stage is part of it in API Gateway, not on a laptop. */
const serverUrl = (host: string): string => (config.runtime === 'local' ? `http://${host}` : `https://${host}/${config.stage}`);
const health = new HealthChecker(() => systemDeps().probes, config.healthCacheMs);
const readiness = new HealthChecker(() => systemDeps().probes.filter((p) => p.critical), Math.min(config.healthCacheMs, 5_000));

export const handler = createApiHandler('system', {
  'GET /api/v1/health': async () => {
    const result = await health.check();
    return json(result.status === 'down' ? 503 : 200, result, { 'cache-control': 'no-store' });
  },
  'GET /api/v1/health/ready': async () => {
    const result = await readiness.check();
    const down = result.components.filter((c) => c.status === 'down');
    return down.length
      ? json(503, { ready: false, reason: down.map((c) => `${c.name}: ${c.message ?? 'down'}`).join('; ') })
      : json(200, { ready: true });
  },
  'GET /api/v1/version': async () =>
    json(200, { version: config.version, commit: config.commit, buildTime: config.buildTime, stage: config.stage, region: config.region, runtime: config.runtime }),
  'GET /api/v1/openapi.json': async (req) => json(200, await systemDeps().openApi.document(serverUrl(req.headers.host ?? 'localhost')), { 'cache-control': 'no-cache' }),
  'GET /api/v1/metrics': async () => ({ status: 200, body: await systemDeps().metrics.render() }),
}, { validators });
