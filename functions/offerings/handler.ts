/**
 * The offerings context: the self-service catalog's HTTP routes. Everyone with catalog:read browses
 * what the offerings' access rules let them see; each offering says whether they may request it.
 */
import { createApiHandler, json, type ApiRequest } from '#lib/http';
import validators from '#schemas/validators/offerings.gen.cjs';
import { idempotency } from '#lib/idempotency';
import type { Caller } from './shapes.ts';
import { refreshRoutes } from './refresh-routes.ts';
import { offeringsDeps } from './deps.ts';
import * as catalog from './service.ts';
import { previewForm, testVariables, validateCatalogItem } from './studio.ts';

async function callerOf(req: ApiRequest<unknown, unknown>): Promise<Caller> {
  return { principal: req.identity.principal, role: req.identity.role, teams: (await req.teams()).map((m) => m.teamId) };
}

export const handler = createApiHandler('offerings', {
  'GET /api/v1/catalog': async (req) => json(200, await catalog.listCatalog(req.query, await callerOf(req))),
  'GET /api/v1/catalog/search': async (req) => json(200, await catalog.searchCatalog(req.query, await callerOf(req))),
  'GET /api/v1/catalog/{category}': async (req) =>
    json(200, await catalog.listCategory(req.params.category, req.query, await callerOf(req))),
  'GET /api/v1/catalog/items/{item_id}': async (req) => json(200, await catalog.getOffering(req.params.item_id, await callerOf(req))),
  'GET /api/v1/catalog/items/{item_id}/source': async (req) => json(200, await catalog.getSource(req.params.item_id, await callerOf(req))),
  'GET /api/v1/catalog/items/{item_id}/schema': async (req) => json(200, await catalog.getForm(req.params.item_id, await callerOf(req))),
  'GET /api/v1/catalog/items/{item_id}/options/{field_id}': async (req) =>
    json(200, await catalog.getOptions(req.params.item_id, req.params.field_id, req.query, await callerOf(req))),
  'GET /api/v1/catalog/validation/{item_id}': async (req) => json(200, await catalog.getValidationReport(req.params.item_id, await callerOf(req))),
  'POST /api/v1/validate/catalog-item': async (req) => json(200, validateCatalogItem(req.body, await callerOf(req))),
  'POST /api/v1/preview/form': async (req) => json(200, await previewForm(req.body, await callerOf(req), offeringsDeps())),
  'POST /api/v1/test/variables': async (req) => json(200, testVariables(req.body, await callerOf(req))),
  // Loaded on first use: the dry run carries the state machine engine and the action executors.
  'POST /api/v1/simulate/fulfillment': async (req) => json(200, await (await import('./simulate.ts')).simulateFulfillment(req.body, await callerOf(req))),
  ...refreshRoutes,
}, { validators, idempotency });
