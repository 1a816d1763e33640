/**
 * Deep links into the consoles a team already uses, with the time range and the filters in view:
 *
 * - `cloudwatch`: Logs Insights with the service's log groups, the query and the absolute range. The console
 *   reads its state from `#logsV2:logs-insights?queryDetail=…` in a JSURL-like form: an object is `~(k~v~…)`,
 *   a string `'` + its encodeURIComponent with `%` written `*`, a list `~(a~b)`; the whole is `escape()`d,
 *   prefixed with `?queryDetail=`, encodeURIComponent'ed once more, and `%` written `$`.
 * - `xray`: one trace in the X-Ray console (`#xray:traces/<id>`).
 * - `grafana`: Explore with a `left` pane state (data source, PromQL query, range in ms); a trace opens on the traces
 *   data source (APOLLO_GRAFANA_TRACES_DATASOURCE, e.g. Tempo's), in W3C form unless the traces come from X-Ray.
 * - `axiom`: the query page with an APL query and the range (`initForm`).
 * - `jaeger`: one trace (`/trace/<id>`) or the search of a service in the range (µs).
 */
import { ValidationError } from '#shared/errors';
import type { Deeplink, DeeplinkQuery } from '#schemas/index.ts';
import type { TelemetryConfig } from './telemetry-config.ts';

const HOUR_MS = 3_600_000;

export interface DeeplinkInput extends DeeplinkQuery {
  /** The service's log groups in the environment (cloudwatch). */
  readonly logGroups?: readonly string[];
}

const notConfigured = (variable: string, target: string) =>
  new ValidationError(`${target} links are not configured: set ${variable}`, { details: [{ path: '/query/target', message: `set ${variable} to link to ${target}` }] });
const needs = (field: string, target: string) =>
  new ValidationError(`a ${target} link needs ${field}`, { details: [{ path: `/query/${field}`, message: `required for ${target}` }] });

/** A Logs Insights `queryDetail` value (see the module's comment). */
export function logsInsightsDetail(detail: Readonly<Record<string, string | number | boolean | readonly string[]>>): string {
  const primitive = (v: string | number | boolean) => (typeof v === 'string' ? `'${encodeURIComponent(v).replace(/%/g, '*')}` : String(v));
  const body = Object.entries(detail).map(([k, v]) => `${k}~${Array.isArray(v) ? `(${(v as readonly string[]).map((x) => `~${primitive(x)}`).join('')})` : primitive(v as string | number | boolean)}`).join('~');
  return encodeURIComponent(`?queryDetail=${escape(`~(${body})`)}`).replace(/%/g, '$');
}

export function deeplink(input: DeeplinkInput, config: TelemetryConfig, now = Date.now()): Deeplink {
  const to = input.to ? Date.parse(input.to) : now;
  const from = input.from ? Date.parse(input.from) : to - HOUR_MS;
  if (!(from < to)) throw new ValidationError('the time range is empty: from must be before to', { details: [{ path: '/query/from', message: 'must be before to' }] });
  const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  const service = input.service;
  switch (input.target) {
    case 'cloudwatch': {
      const region = config.consoleRegion ?? (() => { throw notConfigured('AWS_REGION (or APOLLO_CONSOLE_REGION)', 'CloudWatch'); })();
      if (!input.logGroups?.length) throw needs('service', 'CloudWatch Logs Insights');
      const query = input.query ?? 'fields @timestamp, @message, @logStream\n| sort @timestamp desc\n| limit 200';
      const detail = logsInsightsDetail({ end: range.to, start: range.from, timeType: 'ABSOLUTE', tz: 'UTC', editorString: query, isLiveTail: false, source: input.logGroups });
      return { target: 'cloudwatch', url: `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:logs-insights${detail}`, ...range };
    }
    case 'xray': {
      const region = config.consoleRegion ?? (() => { throw notConfigured('AWS_REGION (or APOLLO_CONSOLE_REGION)', 'X-Ray'); })();
      const base = `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}`;
      if (!input.traceId) throw needs('traceId', 'X-Ray');
      return { target: 'xray', url: `${base}#xray:traces/${xrayId(input.traceId)}`, ...range };
    }
    case 'grafana': {
      if (!config.grafanaUrl) throw notConfigured('APOLLO_GRAFANA_URL', 'Grafana');
      const expr = input.query ?? (service ? `sum(rate(http_requests_total{service="${service}"${input.environment ? `,environment="${input.environment}"` : ''}}[5m]))` : undefined);
      if (!expr && !input.traceId) throw needs('query', 'Grafana');
      const datasource = input.traceId ? config.grafanaTracesDatasource ?? config.grafanaDatasource : config.grafanaDatasource;
      const traceId = input.traceId && config.tracesBackend !== 'xray' ? w3cId(input.traceId) : input.traceId;
      const left = {
        ...(datasource ? { datasource } : {}),
        queries: [traceId ? { refId: 'A', queryType: 'traceql', query: traceId } : { refId: 'A', expr }],
        range: { from: String(from), to: String(to) },
      };
      return { target: 'grafana', url: `${config.grafanaUrl}/explore?orgId=${encodeURIComponent(config.grafanaOrgId)}&left=${encodeURIComponent(JSON.stringify(left))}`, ...range };
    }
    case 'axiom': {
      if (!config.axiomOrg) throw notConfigured('APOLLO_AXIOM_ORG', 'Axiom');
      const dataset = config.axiomDataset ?? 'logs';
      // The same fields the Axiom logs backend filters on.
      const { axiomServiceField: serviceField, axiomEnvironmentField: environmentField } = config;
      const apl = input.query ?? `['${dataset}']${service ? `\n| where ['${serviceField}'] == '${service.replace(/'/g, "\\'")}'` : ''}${input.environment ? `\n| where ['${environmentField}'] == '${input.environment}'` : ''}`;
      const form = { apl, queryOptions: { startTime: range.from, endTime: range.to } };
      return { target: 'axiom', url: `${config.axiomUrl}/${encodeURIComponent(config.axiomOrg)}/query?initForm=${encodeURIComponent(JSON.stringify(form))}`, ...range };
    }
    case 'jaeger': {
      if (!config.jaegerUrl) throw notConfigured('APOLLO_JAEGER_URL', 'Jaeger');
      if (input.traceId) return { target: 'jaeger', url: `${config.jaegerUrl}/trace/${w3cId(input.traceId)}`, ...range };
      if (!service) throw needs('traceId', 'Jaeger');
      const params = new URLSearchParams({ service, start: String(from * 1000), end: String(to * 1000), lookback: 'custom', limit: '20' });
      return { target: 'jaeger', url: `${config.jaegerUrl}/search?${params}`, ...range };
    }
  }
}

/** X-Ray's form of a W3C id (`1-<8 hex>-<24 hex>`). */
const xrayId = (id: string): string => (/^[0-9a-f]{32}$/.test(id) ? `1-${id.slice(0, 8)}-${id.slice(8)}` : id);
/** The W3C form of an X-Ray id (Jaeger and OpenTelemetry write 32 hex). */
const w3cId = (id: string): string => id.replace(/^1-([0-9a-f]{8})-([0-9a-f]{24})$/, '$1$2');

/** The route: a CloudWatch link reads the service's log groups in the environment from the catalog. */
export async function observabilityDeeplink(query: DeeplinkQuery): Promise<Deeplink> {
  const [{ telemetryConfig }, { logTargetOf }] = await Promise.all([import('./telemetry-config.ts'), import('./log-groups.ts')]);
  const logGroups = query.target === 'cloudwatch' && query.service ? (await logTargetOf(query.service, query.environment)).logGroups : undefined;
  return deeplink({ ...query, ...(logGroups ? { logGroups } : {}) }, telemetryConfig());
}
