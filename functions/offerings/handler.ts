/**
 * The offerings context: the self-service catalog's HTTP routes. Everyone with catalog:read browses
 * what the offerings' access rules let them see; each offering says whether they may request it.
 */
import type { CatalogCategoryQuery, CatalogListQuery, CatalogSearchQuery } from '#schemas/index.ts';
import { createApiHandler, json, type ApiRequest } from '#lib/http';
import type { Caller } from './shapes.ts';
import { refreshRoutes } from './refresh-routes.ts';
import * as catalog from './service.ts';

async function callerOf(req: ApiRequest<unknown, unknown>): Promise<Caller> {
  return { principal: req.identity.principal, role: req.identity.role, teams: (await req.teams()).map((m) => m.teamId) };
}

export const handler = createApiHandler('offerings', {
  'GET /api/v1/catalog': async (req: ApiRequest<undefined, CatalogListQuery>) => json(200, await catalog.listCatalog(req.query, await callerOf(req))),
  'GET /api/v1/catalog/search': async (req: ApiRequest<undefined, CatalogSearchQuery>) => json(200, await catalog.searchCatalog(req.query, await callerOf(req))),
  'GET /api/v1/catalog/{category}': async (req: ApiRequest<undefined, CatalogCategoryQuery>) =>
    json(200, await catalog.listCategory(req.params.category!, req.query, await callerOf(req))),
  'GET /api/v1/catalog/items/{item_id}': async (req) => json(200, await catalog.getOffering(req.params.item_id!, await callerOf(req))),
  ...refreshRoutes,
});
