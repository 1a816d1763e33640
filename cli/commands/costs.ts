/**
 * `apollo costs summary|service`: what the organization and one service spend, month to date against last month
 * and the forecast, with the breakdowns as tables. Money is printed with its currency; figures from the local
 * runtime's demo source say they are simulated, as the API does (`source`, `simulated`).
 */
import type { Command } from 'commander';
import type { CostService, CostSummary } from '#schemas/index.ts';
import type { Cli } from '../context.ts';
import { intOption } from '../helpers.ts';
import { renderFields, renderTable, type Style } from '../output.ts';

/** `$1,234.56` (in the API's currency; never a bare number a reader could take for another). */
export function money(amount: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(amount);
}

/** `+12.3 %`, `-4 %`, `-` when there is nothing to compare with. */
export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  const rounded = Math.round(value * 10) / 10;
  return `${rounded > 0 ? '+' : ''}${rounded} %`;
}

const signedMoney = (amount: number, currency: string): string => `${amount > 0 ? '+' : ''}${money(amount, currency)}`;

/** Where the figures came from, in the API's words; simulated ones say so. */
function sourceOf(source: string, simulated: boolean): string {
  if (source === 'local-demo' || simulated) return `${source} (simulated: the local runtime's generated demo spend, not AWS Cost Explorer)`;
  return source === 'cost-explorer' ? 'cost-explorer (AWS Cost Explorer)' : source;
}

const share = (part: number, whole: number): string => (whole > 0 ? `${Math.round((part / whole) * 1000) / 10} %` : '-');

/** Several blocks (fields, tables) as one text view: json and yaml print the API's body instead. */
function blocks(parts: ReadonlyArray<string | undefined>): string {
  return parts.filter((p): p is string => Boolean(p)).map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join('\n');
}

function summaryText(s: CostSummary, style: Style): string {
  const $ = (n: number) => money(n, s.currency);
  const fields: Array<readonly [string, unknown]> = [
    ['month', `${s.month}${s.dataThrough ? ` (figures through ${s.dataThrough})` : ''}`],
    ['month to date', $(s.monthToDate)],
    ['last month', `${$(s.lastMonth)} (${$(s.lastMonthToDate)} to the same day)`],
    ['change', `${signedMoney(s.change.amount, s.currency)} (${percent(s.change.percent)}) against last month to the same day`],
    ['forecast', s.forecast ? `${$(s.forecast.monthEnd)} at month end (80 % interval ${$(s.forecast.lower)} to ${$(s.forecast.upper)}; ${s.forecast.method})` : 'none yet'],
    ['anomalies', `${s.anomalies.last30Days} in the last 30 days${s.anomalies.latest ? ` (latest ${s.anomalies.latest})` : ''}`],
    ['attributed', `${s.visibility.attributedPercent === null ? '-' : `${s.visibility.attributedPercent} %`} of the spend to a service; ${s.visibility.servicesWithCost} of ${s.visibility.services} services with cost (${$(s.visibility.unattributed)} unattributed)`],
    ['source', sourceOf(s.source, s.simulated)],
    ['as of', s.asOf ?? 'never: the cost-ingest job has not run yet'],
  ];
  const envs = renderTable(s.byEnvironment, [
    { header: 'environment', value: (e) => e.environment ?? '(untagged)' },
    { header: 'month to date', value: (e) => $(e.monthToDate) },
    { header: 'last month to date', value: (e) => $(e.lastMonthToDate) },
    { header: 'change', value: (e) => percent(e.changePercent) },
    { header: 'forecast', value: (e) => $(e.forecast) },
  ], style);
  const services = renderTable(s.topServices, [
    { header: 'service', value: (t) => `${t.service}${t.inCatalog ? '' : ' (not in the catalog)'}` },
    { header: 'team', value: (t) => t.team },
    { header: 'month to date', value: (t) => $(t.monthToDate) },
    { header: 'last month to date', value: (t) => $(t.lastMonthToDate) },
    { header: 'change', value: (t) => percent(t.changePercent) },
  ], style);
  return blocks([
    renderFields(fields, style),
    s.byEnvironment.length ? envs : 'No spend by environment yet.',
    s.topServices.length ? services : 'No spend by service yet.',
  ]);
}

function serviceText(s: CostService, style: Style): string {
  const currency = 'USD'; // cost-service.schema.json: every amount is USD (it carries no currency field)
  const $ = (n: number) => money(n, currency);
  const b = s.budget;
  const fields: Array<readonly [string, unknown]> = [
    ['service', `${s.service}${s.team ? ` (team ${s.team})` : ''}${s.inCatalog ? '' : ' - not in the catalog'}`],
    ['environment', s.environment ?? 'all'],
    ['month to date', $(s.monthToDate)],
    ['last month', `${$(s.lastMonth)} (${$(s.lastMonthToDate)} to the same day)`],
    ['change', `${percent(s.changePercent)} against last month to the same day`],
    ['forecast', `${$(s.forecast)} at month end`],
    ['budget', b ? `${$(b.monthlyAmount)} a month: ${Math.round(b.percentUsed)} % used, forecast ${Math.round(b.forecastPercent)} % (${b.state}${b.breachedBy ? ` by ${b.breachedBy}` : ''})` : 'none'],
    ['anomalies', s.anomalies.length ? s.anomalies.map((a) => `${a.date}: ${a.summary}`) : 'none'],
    ['source', sourceOf(s.source, s.simulated)],
    ['figures through', s.dataThrough ?? 'none yet: the cost-ingest job has not run'],
  ];
  const byEnv = Object.entries(s.byEnvironment).sort(([, a], [, b]) => b - a);
  const byType = Object.entries(s.byResourceType).sort(([, a], [, b]) => b - a);
  const total = (rows: ReadonlyArray<[string, number]>) => rows.reduce((sum, [, n]) => sum + n, 0);
  const envTotal = total(byEnv);
  const typeTotal = total(byType);
  return blocks([
    renderFields(fields, style),
    byEnv.length ? renderTable(byEnv, [
      { header: 'environment', value: ([e]) => e },
      { header: 'month to date', value: ([, n]) => $(n) },
      { header: 'share', value: ([, n]) => share(n, envTotal) },
    ], style) : 'No spend by environment this month.',
    byType.length ? renderTable(byType, [
      { header: 'resource type', value: ([t]) => t },
      { header: 'month to date', value: ([, n]) => $(n) },
      { header: 'share', value: ([, n]) => share(n, typeTotal) },
    ], style) : 'No spend by resource type this month.',
  ]);
}

export function registerCosts(program: Command, cli: Cli): void {
  const costs = program.command('costs').description('What the organization and each service spend: month to date, last month, the forecast, where the money goes');

  costs
    .command('summary')
    .description('The organization\'s spend: month to date against last month, the forecast, by environment and the top services')
    .option('--days <n>', 'days of daily history (7-365, default 90; in -o json)', intOption('--days', 7, 365))
    .addHelpText('after', '\nExamples:\n  $ apollo costs summary\n  $ apollo costs summary --days 30 -o json | jq \'.daily[-7:]\'')
    .action(async (o: { days?: number }) => {
      const s = (await cli.request('GET /api/v1/costs/summary', { query: { days: o.days } })).body;
      cli.print(s, { kind: 'text', text: summaryText(s, cli.style) });
    });

  costs
    .command('service <service>')
    .description('One service\'s spend: month to date, last month, forecast, budget and anomalies, by environment and by resource type')
    .option('--env <env>', 'in this environment only')
    .option('--days <n>', 'days of daily history (7-365, default 90; in -o json)', intOption('--days', 7, 365))
    .addHelpText('after', '\nExamples:\n  $ apollo costs service core-service\n  $ apollo costs service core-service --env prod -o yaml')
    .action(async (id: string, o: { env?: string; days?: number }) => {
      const s = (await cli.request('GET /api/v1/costs/services/{id}', { params: { id }, query: { environment: o.env, days: o.days } })).body;
      cli.print(s, { kind: 'text', text: serviceText(s, cli.style) });
    });
}
