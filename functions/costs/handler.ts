/** The costs context: what the daily cost-ingest job stored (never Cost Explorer on a request), and budgets. */
import { createApiHandler, etag, json } from '#lib/http';
import { idempotency } from '#lib/idempotency';
import validators from '#schemas/validators/costs.gen.cjs';
import { createBudget, deleteBudget, getBudget, listBudgets, updateBudget } from './budgets.ts';
import { costAnomalies, costEnvironment, costForecast, costService, costSummary } from './queries.ts';
import { costRecommendations } from './recommendations.ts';

export const handler = createApiHandler('costs', {
  'GET /api/v1/costs/summary': async (req) => json(200, await costSummary(req.query)),
  'GET /api/v1/costs/environments/{env}': async (req) => json(200, await costEnvironment(req.params.env, req.query)),
  'GET /api/v1/costs/services/{id}': async (req) => json(200, await costService(req.params.id, req.query)),
  'GET /api/v1/costs/forecast': async () => json(200, await costForecast()),
  'GET /api/v1/costs/anomalies': async (req) => json(200, await costAnomalies(req.query)),
  'GET /api/v1/costs/recommendations': async (req) => json(200, await costRecommendations(req.query)),
  'GET /api/v1/costs/budgets': async (req) => json(200, await listBudgets(req.query)),
  'POST /api/v1/costs/budgets': async (req) => {
    const budget = await createBudget(req.body, req.identity.principal);
    req.audit.resourceId = budget.id;
    return json(201, budget, { location: `/api/v1/costs/budgets/${budget.id}`, etag: etag(budget.version) });
  },
  'GET /api/v1/costs/budgets/{id}': async (req) => {
    const budget = await getBudget(req.params.id);
    return json(200, budget, { etag: etag(budget.version) });
  },
  'PUT /api/v1/costs/budgets/{id}': async (req) => {
    const budget = await updateBudget(req.params.id, req.ifMatch!, req.body, req.identity.principal);
    return json(200, budget, { etag: etag(budget.version) });
  },
  'DELETE /api/v1/costs/budgets/{id}': async (req) => {
    await deleteBudget(req.params.id, req.ifMatch!);
    return { status: 204 };
  },
}, { validators, idempotency });
