/** The costs context: AWS Cost Explorer by Apollo's cost allocation tags, ingested daily; budgets; anomalies. */
import type { ContextDescriptor } from '#lib/context';

export const context: ContextDescriptor = {
  name: 'costs',
  summary: 'Costs: AWS Cost Explorer by the apollo:service and apollo:environment cost allocation tags, ingested daily (never on a request: Cost Explorer bills per call); summaries, an environment\'s allocation tree, a service\'s history, forecasts, anomalies joined to the deploys before them, budgets alerting through notifications',
  jobs: [{
    name: 'cost-ingest',
    description: 'Daily: fetches the days since the last run (and the last 3 again, which Cost Explorer revises) from Cost Explorer by environment and service, upserts the cost records and the day and month roll-ups, stores the forecast and Cost Explorer\'s anomalies (coverage and its recommendations weekly, or with {"refresh": true}), detects Apollo\'s own anomalies and sends the budgets\' alerts',
    schedule: 'cron(30 6 * * ? *)',
    runAtLocalStart: true,
    timeoutSeconds: 600,
    bindings: ['cost-explorer', 'notification-events'],
    run: async (event) => {
      const { runCostIngest } = await import('./ingest.ts');
      const result = await runCostIngest({ refresh: event.refresh === true });
      return { result, summary: { status: result.status, days: result.days, records: result.records, requests: result.requests, slowReads: result.slowReads, anomalies: result.anomalies, budgetAlerts: result.budgetAlerts, deleted: result.deleted } };
    },
  }],
  bindings: ['notification-events'],
  heavy: [{
    what: 'Powertools idempotency (with JMESPath), the catalog snapshot (minisearch) and the identity context\'s team members (Cognito\'s user directory), and client-eventbridge (notifications)',
    neededBy: 'POST /api/v1/costs/budgets (one Idempotency-Key → one budget; its scope must be a catalog service, team or environment; an alert it has reached goes to the owning team at once) and PUT /api/v1/costs/budgets/{id}',
  }],
  local: async (runtime) => {
    const { configureCostsLocal } = await import('./local.ts');
    return configureCostsLocal(runtime);
  },
};
