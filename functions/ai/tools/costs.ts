/** Costs, through the costs context's public module: what the daily cost ingest stored (never Cost Explorer itself). */
import { costRecommendations, costService, costSummary } from '#functions/costs/public';
import { defineTool } from './define.ts';
import { clip, ENVIRONMENT, objectSchema, SERVICE } from './input.ts';

export const costsService = defineTool<{ service: string; environment?: string; days?: number }>({
  name: 'costs_service',
  description: 'A service\'s cost: this month so far, last month to the same day, the month-end forecast, by environment and by resource type (ec2, ebs, elb, rds…), the last days\' daily cost, its anomalies (each with the deploys and requests the day before), its budget\'s state, and the recommendations for it with their monthly savings. From the daily cost ingest (AWS Cost Explorer by the apollo:service tag).',
  inputSchema: objectSchema({
    service: SERVICE,
    environment: ENVIRONMENT,
    days: { type: 'integer', minimum: 7, maximum: 90, description: 'Days of daily cost to include (default 14).' },
  }, ['service']),
  risk: 'read',
  permission: 'costs:read',
  timeoutMs: 15_000,
  outputLimit: 10_000,
  async run({ service, environment, days }) {
    const [cost, recommendations] = await Promise.all([
      costService(service, { days: 90, ...(environment ? { environment } : {}) }),
      costRecommendations({ service, ...(environment ? { environment } : {}) }),
    ]);
    return {
      service: cost.service, team: cost.team, environment: cost.environment, dataThrough: cost.dataThrough, simulated: cost.simulated,
      monthToDate: cost.monthToDate, lastMonthToDate: cost.lastMonthToDate, changePercent: cost.changePercent, lastMonth: cost.lastMonth, forecast: cost.forecast,
      byEnvironment: cost.byEnvironment, byResourceType: cost.byResourceType,
      daily: cost.daily.slice(-(days ?? 14)).map((d) => ({ date: d.date, total: d.total, ...(d.estimated ? { estimated: true } : {}) })),
      anomalies: cost.anomalies.slice(0, 5).map((a) => ({ date: a.date, endDate: a.endDate, environment: a.environment, impactPerDay: a.impactPerDay, summary: clip(a.summary, 300), causes: a.causes.map((c) => ({ kind: c.kind, id: c.id, at: c.at, summary: c.summary, by: c.by })) })),
      budget: cost.budget ? { monthlyAmount: cost.budget.monthlyAmount, state: cost.budget.state, breachedBy: cost.budget.breachedBy, percentUsed: cost.budget.percentUsed, forecastPercent: cost.budget.forecastPercent } : null,
      recommendations: recommendations.items.slice(0, 8).map((r) => ({ kind: r.kind, title: r.title, environment: r.environment, monthlySaving: r.monthlySaving, confidence: r.confidence, action: clip(r.action, 300) })),
    };
  },
});

export const costsSummaryTool = defineTool<Record<string, never>>({
  name: 'costs_summary',
  description: 'The organization\'s cost this month: month to date against last month to the same day, the forecast, by environment, the top 10 services with their change, anomalies in the last 30 days, and how much of the spend is attributed to a service (cost visibility, with the top untagged AWS services).',
  inputSchema: objectSchema({}),
  risk: 'read',
  permission: 'costs:read',
  timeoutMs: 15_000,
  outputLimit: 8_000,
  async run() {
    const s = await costSummary({ days: 7 });
    return {
      month: s.month, dataThrough: s.dataThrough, simulated: s.simulated, monthToDate: s.monthToDate, lastMonthToDate: s.lastMonthToDate, lastMonth: s.lastMonth,
      change: s.change, forecast: s.forecast, byEnvironment: s.byEnvironment, topServices: s.topServices, anomalies: s.anomalies,
      visibility: { percent: s.visibility.percent, attributedPercent: s.visibility.attributedPercent, topUntagged: s.visibility.topUntagged, servicesWithoutCost: s.visibility.servicesWithoutCost },
    };
  },
});
