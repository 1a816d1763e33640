/**
 * The deployments context: deploy, rollback, promote, scale and restart (each a deployment record run by
 * the deployment state machine, ./steps.ts), one deployment, its cancel, the history and the versions.
 */
import { createApiHandler, json, type ApiRequest } from '#lib/http';
import validators from '#schemas/validators/deployments.gen.cjs';
import { idempotency } from '#lib/idempotency';
import type { DeploymentCaller } from './operations.ts';
import { deploy, preflight, promote, restart, rollback, scale } from './operations.ts';
import { allLocks, lockEnvironment, unlockEnvironment } from './locks.ts';
import { createFreeze, endFreeze, listFreezes } from './freezes.ts';
import { deleteWindow, listWindows, putWindow } from './windows.ts';
import { cancel, decideCanary, getDeployment, history, toDeployment, versions } from './read.ts';
import { canaryResponse, deleteCanaryOverrides, putCanaryOverrides } from './canary.ts';
import type { DeploymentRecord } from './records.ts';
import { deploymentStats } from './stats.ts';

const callerOf = (req: ApiRequest<unknown, unknown>): DeploymentCaller => ({ principal: req.identity.principal, role: req.identity.role });

async function created(req: ApiRequest<unknown, unknown>, record: DeploymentRecord) {
  req.audit.resourceId ??= record.id;
  return json(201, await toDeployment(record, callerOf(req)), { Location: `/api/v1/deployments/${record.id}` });
}

export const handler = createApiHandler('deployments', {
  'POST /api/v1/deployments': async (req) => {
    const record = await deploy(req.body, callerOf(req));
    req.audit.resourceId = record.id;
    return created(req, record);
  },
  'GET /api/v1/deployments/history': async (req) => json(200, await history(req.query)),
  'POST /api/v1/deployments/preflight': async (req) => json(200, await preflight(req.body, callerOf(req))),
  'GET /api/v1/deployments/locks': async () => json(200, { items: await allLocks() }),
  'PUT /api/v1/services/{id}/environments/{env}/lock': async (req) => json(200, await lockEnvironment(req.params.id, req.params.env, req.body, req.identity.principal)),
  'DELETE /api/v1/services/{id}/environments/{env}/lock': async (req) => {
    await unlockEnvironment(req.params.id, req.params.env);
    return { status: 204 };
  },
  'GET /api/v1/deployments/stats': async (req) => json(200, await deploymentStats(req.query)),
  'GET /api/v1/deployments/freezes': async () => json(200, { items: await listFreezes() }),
  'POST /api/v1/deployments/freezes': async (req) => {
    const freeze = await createFreeze(req.body, req.identity.principal);
    req.audit.resourceId = freeze.id;
    return json(201, freeze, { Location: `/api/v1/deployments/freezes/${freeze.id}` });
  },
  'DELETE /api/v1/deployments/freezes/{id}': async (req) => json(200, await endFreeze(req.params.id, req.identity.principal)),
  'GET /api/v1/deployments/windows': async () => json(200, { items: await listWindows() }),
  'PUT /api/v1/deployments/windows/{env}': async (req) => json(200, await putWindow(req.params.env, req.body, req.identity.principal)),
  'DELETE /api/v1/deployments/windows/{env}': async (req) => {
    await deleteWindow(req.params.env);
    return { status: 204 };
  },
  'GET /api/v1/deployments/versions': async (req) => json(200, await versions(req.query)),
  'GET /api/v1/deployments/{id}': async (req) => json(200, await getDeployment(req.params.id, callerOf(req))),
  'POST /api/v1/deployments/{id}/cancel': async (req) => json(200, await cancel(req.params.id, req.body, callerOf(req))),
  'POST /api/v1/deployments/{id}/canary': async (req) => json(200, await decideCanary(req.params.id, req.body, callerOf(req))),
  'GET /api/v1/services/{id}/canary': async (req) => json(200, await canaryResponse(req.params.id)),
  'PUT /api/v1/services/{id}/canary': async (req) => {
    await putCanaryOverrides(req.params.id, req.body, req.identity.principal);
    return json(200, await canaryResponse(req.params.id));
  },
  'DELETE /api/v1/services/{id}/canary': async (req) => {
    await deleteCanaryOverrides(req.params.id);
    return { status: 204 };
  },
  'POST /api/v1/services/{id}/rollback': async (req) => created(req, await rollback(req.params.id, req.body, callerOf(req))),
  'POST /api/v1/services/{id}/promote': async (req) => created(req, await promote(req.params.id, req.body, callerOf(req))),
  'POST /api/v1/services/{id}/scale': async (req) => created(req, await scale(req.params.id, req.body, callerOf(req))),
  'POST /api/v1/services/{id}/restart': async (req) => created(req, await restart(req.params.id, req.body, callerOf(req))),
}, { validators, idempotency });
