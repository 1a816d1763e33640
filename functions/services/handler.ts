/** The services context: the service catalog's HTTP routes. Ownership: the owning team, or `catalog:manage`. */
import type { ContextRouteKey } from '#shared/routes';
import { createApiHandler, etag, json, type ApiRequest, type RouteImpls } from '#lib/http';
import validators from '#schemas/validators/services.gen.cjs';
import { idempotency } from '#lib/idempotency';
import { inputAt } from '#lib/input-errors';
import { dependencyGraph, replaceDependencies } from './dependencies.ts';
import { discoveryRoutes } from './discovery-routes.ts';
import { deleteEnvironment, listEnvironments, putEnvironment } from './environments.ts';
import { openServiceChange } from './changes.ts';
import { announcingChanges } from './events.ts';
import { listServices } from './list.ts';
import { createRunbook, deleteRunbook, listRunbooks, updateRunbook } from './runbooks.ts';
import { serviceHealth } from './service-health.ts';
import { deregisterService, findService, getService, registerService, requireServiceOwner, updateService, type ServiceRecord } from './services.ts';
import { catalogSnapshot } from './snapshot.ts';

/** The catalog's own routes: every services route but discovery's. */
type ServiceRouteKey = Exclude<ContextRouteKey<'services'>, `${string} /api/v1/discovery/${string}`>;

/** The caller must be in the service's team (or hold catalog:manage); returns the service. */
const requireOwner = (req: ApiRequest<unknown, unknown, { readonly id: string }>, id = req.params.id): Promise<ServiceRecord> => requireServiceOwner(id, req.requireOwnerOr);

const catalogRoutes = {
  'GET /api/v1/services': async (req) => json(200, listServices(await catalogSnapshot(), req.query)),
  'POST /api/v1/services': async (req) => {
    await req.requireOwnerOr('catalog:manage', { team: req.body.team });
    const tombstone = await findService(req.body.name);
    if (tombstone?.deregisteredAt) await req.requireOwnerOr('catalog:manage', { team: tombstone.team });
    const service = await inputAt('/body', () => registerService(req.body, req.identity.principal, { reviveDeregistered: Boolean(tombstone?.deregisteredAt) }));
    req.audit.resourceId = service.id;
    return json(201, service, { etag: etag(service.version), location: `/api/v1/services/${service.id}` });
  },
  'GET /api/v1/services/{id}': async (req) => {
    const service = await getService(req.params.id);
    return json(200, service, { etag: etag(service.version) });
  },
  'PUT /api/v1/services/{id}': async (req) => {
    await requireOwner(req);
    if (req.body.team) await req.requireOwnerOr('catalog:manage', { team: req.body.team });
    const service = await inputAt('/body', () => updateService(req.params.id, req.ifMatch!, req.body, req.identity.principal));
    return json(200, service, { etag: etag(service.version) });
  },
  'DELETE /api/v1/services/{id}': async (req) => {
    await requireOwner(req);
    const service = await deregisterService(req.params.id, req.ifMatch!, req.identity.principal);
    return json(200, service, { etag: etag(service.version) });
  },
  'GET /api/v1/services/{id}/environments': async (req) => json(200, { items: await listEnvironments(req.params.id), nextCursor: null }),
  'PUT /api/v1/services/{id}/environments/{env}': async (req) => {
    await requireOwner(req);
    const { environment, created } = await putEnvironment(req.params.id, req.params.env, req.body, req.identity.principal, req.ifMatch);
    return json(created ? 201 : 200, environment, { etag: etag(environment.version) });
  },
  'DELETE /api/v1/services/{id}/environments/{env}': async (req) => {
    await requireOwner(req);
    await deleteEnvironment(req.params.id, req.params.env, req.identity.principal);
    return { status: 204 };
  },
  'GET /api/v1/services/{id}/dependencies': async (req) => json(200, await dependencyGraph(req.params.id, req.query.depth ?? 10)),
  'PUT /api/v1/services/{id}/dependencies': async (req) => {
    await requireOwner(req);
    return json(200, await inputAt('/body', () => replaceDependencies(req.params.id, req.body.dependencies, req.identity.principal)));
  },
  'GET /api/v1/services/{id}/runbooks': async (req) => json(200, { items: await listRunbooks(req.params.id), nextCursor: null }),
  'POST /api/v1/services/{id}/runbooks': async (req) => {
    await requireOwner(req);
    const runbook = await createRunbook(req.params.id, req.body, req.identity.principal);
    req.audit.details = { runbookId: runbook.id };
    return json(201, runbook, { etag: etag(runbook.version), location: `/api/v1/services/${runbook.serviceId}/runbooks/${runbook.id}` });
  },
  'PUT /api/v1/services/{id}/runbooks/{runbookId}': async (req) => {
    await requireOwner(req);
    const runbook = await updateRunbook(req.params.id, req.params.runbookId, req.ifMatch!, req.body, req.identity.principal);
    return json(200, runbook, { etag: etag(runbook.version) });
  },
  'DELETE /api/v1/services/{id}/runbooks/{runbookId}': async (req) => {
    await requireOwner(req);
    await deleteRunbook(req.params.id, req.params.runbookId, req.ifMatch!);
    return { status: 204 };
  },
  'POST /api/v1/services/{id}/changes': async (req) => {
    const service = await requireOwner(req);
    const { change } = await inputAt('/body', () => openServiceChange(service, req.body, { principal: req.identity.principal, ...(req.onBehalf ? { source: 'ai' as const, aiSessionId: req.onBehalf.aiSessionId } : { source: 'user' as const }) }, { idempotencyKey: req.headers['idempotency-key'] }));
    req.audit.details = { changeId: change.id, pullRequest: change.pullRequest.number, branch: change.branch };
    return json(201, change);
  },
  'GET /api/v1/services/{id}/health': async (req) => json(200, await serviceHealth(req.params.id)),
} satisfies RouteImpls<ServiceRouteKey>;

export const handler = createApiHandler('services', { ...announcingChanges(catalogRoutes), ...discoveryRoutes }, { validators, idempotency });
