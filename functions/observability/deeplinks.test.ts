/** Deep links: each console's URL with the range and filters in view; an unconfigured target is a 400 naming its setting. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors';
import { deeplink, logsInsightsDetail } from './deeplinks.ts';
import { readTelemetryConfig } from './telemetry-config.ts';

const config = readTelemetryConfig({ AWS_REGION: 'eu-west-1', APOLLO_GRAFANA_URL: 'https://grafana.example.com/', APOLLO_GRAFANA_DATASOURCE: 'amp', APOLLO_AXIOM_ORG: 'acme', APOLLO_AXIOM_DATASET: 'k8s', APOLLO_JAEGER_URL: 'https://jaeger.example.com' });
const range = { from: '2026-11-02T09:00:00Z', to: '2026-11-02T10:00:00Z' };

describe('deep links', () => {
  it('encodes Logs Insights state the way the CloudWatch console reads it', () => {
    // The console's own form: ~( k~'string~k~(~'list) ), %-escapes inside values written *, then escaped, %→$.
    expect(logsInsightsDetail({ end: 0, start: -3600, timeType: 'RELATIVE', editorString: 'fields @message', isLiveTail: false, source: ['/a/b'] }))
      .toBe('$3FqueryDetail$3D$257E$2528end$257E0$257Estart$257E-3600$257EtimeType$257E$2527RELATIVE$257EeditorString$257E$2527fields*20*40message$257EisLiveTail$257Efalse$257Esource$257E$2528$257E$2527*2Fa*2Fb$2529$2529');
    const link = deeplink({ target: 'cloudwatch', ...range, query: 'fields @message', logGroups: ['/apollo/prod/core-service'] }, config);
    expect(link).toEqual({ target: 'cloudwatch', from: '2026-11-02T09:00:00.000Z', to: '2026-11-02T10:00:00.000Z', url: expect.stringMatching(/^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-west-1#logsV2:logs-insights\$3FqueryDetail\$3D/) as string });
    expect(link.url).toContain('$2527*2Fapollo*2Fprod*2Fcore-service');
    expect(link.url).toContain('end$257E$25272026-11-02T10*3A00*3A00.000Z');
  });

  it('opens a trace in X-Ray and Jaeger (each in its own id form)', () => {
    expect(deeplink({ target: 'xray', traceId: '5759e988bd862e3fe1be46a994272793' }, config, Date.parse(range.to)).url).toBe('https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#xray:traces/1-5759e988-bd862e3fe1be46a994272793');
    expect(deeplink({ target: 'jaeger', traceId: '1-5759e988-bd862e3fe1be46a994272793' }, config).url).toBe('https://jaeger.example.com/trace/5759e988bd862e3fe1be46a994272793');
    expect(deeplink({ target: 'jaeger', service: 'core-service', ...range }, config).url).toBe(`https://jaeger.example.com/search?service=core-service&start=${Date.parse(range.from) * 1000}&end=${Date.parse(range.to) * 1000}&lookback=custom&limit=20`);
  });

  it('opens Grafana Explore with a left pane and Axiom with an APL query, the range in each', () => {
    const grafana = new URL(deeplink({ target: 'grafana', service: 'core-service', environment: 'prod', ...range }, config).url);
    expect(grafana.origin + grafana.pathname).toBe('https://grafana.example.com/explore');
    expect(grafana.searchParams.get('orgId')).toBe('1');
    expect(JSON.parse(grafana.searchParams.get('left')!)).toEqual({ datasource: 'amp', queries: [{ refId: 'A', expr: 'sum(rate(http_requests_total{service="core-service",environment="prod"}[5m]))' }], range: { from: String(Date.parse(range.from)), to: String(Date.parse(range.to)) } });
    const axiom = new URL(deeplink({ target: 'axiom', service: 'core-service', ...range }, config).url);
    expect(axiom.origin + axiom.pathname).toBe('https://app.axiom.co/acme/query');
    expect(JSON.parse(axiom.searchParams.get('initForm')!)).toEqual({ apl: "['k8s']\n| where ['service'] == 'core-service'", queryOptions: { startTime: '2026-11-02T09:00:00.000Z', endTime: '2026-11-02T10:00:00.000Z' } });
  });

  it('opens a Tempo trace in Grafana Explore on the traces data source, in W3C form', () => {
    const tempo = readTelemetryConfig({ APOLLO_GRAFANA_URL: 'https://grafana.example.com', APOLLO_GRAFANA_DATASOURCE: 'amp', APOLLO_GRAFANA_TRACES_DATASOURCE: 'tempo', APOLLO_TRACES_BACKEND: 'tempo', APOLLO_TEMPO_URL: 'http://tempo:3200' });
    const link = new URL(deeplink({ target: 'grafana', traceId: '1-5759e988-bd862e3fe1be46a994272793', ...range }, tempo).url);
    expect(JSON.parse(link.searchParams.get('left')!)).toEqual({ datasource: 'tempo', queries: [{ refId: 'A', queryType: 'traceql', query: '5759e988bd862e3fe1be46a994272793' }], range: { from: String(Date.parse(range.from)), to: String(Date.parse(range.to)) } });
  });

  it.each([
    ['grafana', 'APOLLO_GRAFANA_URL'],
    ['jaeger', 'APOLLO_JAEGER_URL'],
    ['axiom', 'APOLLO_AXIOM_ORG'],
    ['xray', 'AWS_REGION'],
  ] as const)('answers 400 naming the setting when %s is not configured', (target, variable) => {
    expect(() => deeplink({ target, service: 'core-service', traceId: '5759e988bd862e3fe1be46a994272793' }, readTelemetryConfig({}))).toThrow(ValidationError);
    expect(() => deeplink({ target, service: 'core-service', traceId: '5759e988bd862e3fe1be46a994272793' }, readTelemetryConfig({}))).toThrow(variable);
  });
});
