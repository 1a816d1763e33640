/**
 * The AI console's built-in commands against the local runtime with the demo data: each plan runs the registry's
 * tools in-process (the harness set up the process as the runtime's Lambdas see it), as an operator, through a
 * runTool that checks each tool's permission as the turn runner does. The demo's core-service prod incident is in
 * minutes 45–59 of every hour: the plans read as of the last hh:59 that has passed, whatever the clock says now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiFindings } from '#schemas/index.ts';
import { type Role } from '#shared/permissions';
import { parseCommand } from '#functions/ai/commands/index';
import type { CommandOutcome } from '#functions/ai/tools/types';
import { seedDemoData } from '../seed.ts';
import { runToolAs } from './ai-tools.ts';
import { startHarness, until, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
});
afterAll(async () => { await h.close(); });

/** The last hh:59:00 before now: the demo incident's last minute. */
const AT = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 60_000).toISOString();


async function runCommand(text: string, role: Role = 'operator', extra: Record<string, string> = {}): Promise<CommandOutcome & { calls: string[] }> {
  const parsed = parseCommand(text);
  if (!parsed || !('command' in parsed)) throw new Error(`${text} is not a command: ${JSON.stringify(parsed)}`);
  const calls: string[] = [];
  return { ...(await parsed.command.plan({ ...parsed.args, ...extra }, runToolAs(role, calls), async (name) => { throw new Error(`a read-only command proposed ${name}`); })), calls };
}

const section = <K extends AiFindings['sections'][number]['kind']>(findings: AiFindings, kind: K, title: RegExp) =>
  findings.sections.find((s) => s.kind === kind && title.test(s.title)) as Extract<AiFindings['sections'][number], { kind: K }> | undefined;

describe('debug prod core-service', () => {
  it('finds Appendix B: the health overview, the HikariCP errors, the recent deployments and the HighErrorRate runbook', async () => {
    // Act
    const { findings, prompt, calls } = await runCommand('debug prod core-service', 'operator', { at: AT });

    // Assess
    expect(findings.title).toBe('debug prod core-service');
    expect(calls).toEqual(expect.arrayContaining(['catalog_service', 'service_health', 'metrics_service', 'error_groups', 'deployment_history', 'service_runbooks']));
    const overview = section(findings, 'facts', /^Service Health Overview$/)!;
    const fact = (label: string) => overview.items.find((i) => i.label === label);
    expect(fact('Status')?.value).toMatch(/^(Healthy|Degraded|Down)/);
    expect(fact('Replicas')?.value).toMatch(/^\d+\/\d+ (running|available)/);
    expect(fact('Error rate')).toMatchObject({ value: expect.stringMatching(/^\d+(\.\d+)?% \((elevated|high), threshold: 1%\)$/), status: expect.stringMatching(/^(warn|bad)$/) });
    expect(fact('CPU')?.value).toMatch(/%|cores/);
    expect(fact('Memory')?.value).toMatch(/%|MiB/);

    const errors = section(findings, 'table', /^Recent Errors/)!;
    expect(errors.columns).toEqual(['Count', 'Error']);
    const hikari = errors.rows.find((r) => String(r[1]).includes('HikariPool-1 - Connection is not available'));
    expect(hikari?.[0]).toBeGreaterThan(0);
    expect(errors.rows.some((r) => String(r[1]).includes('SocketTimeoutException: Read timed out'))).toBe(true);
    expect(errors.rows.some((r) => String(r[1]).includes('too many connections for role'))).toBe(true);
    // The errors are the most frequent first.
    const counts = errors.rows.filter((r) => !String(r[1]).startsWith('WARN')).map((r) => Number(r[0]));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));

    const deployments = section(findings, 'table', /^Recent deployments$/)!;
    expect(deployments.columns).toEqual(['When', 'Version', 'From', 'Who', 'Status']);

    const runbook = section(findings, 'text', /^Runbook$/)!;
    expect(runbook.text).toMatch(/^High error rate \(trigger HighErrorRate, core-service\)\n1\. /);
    expect(prompt).toMatch(/Analysis[\s\S]*Immediate, Short-term and Long-term/);
  });

  it('widens a quiet quarter hour to the last hour and says so', async () => {
    // Minutes 0–15 of an hour are quiet in the demo, but the hour before them had the incident.
    const quiet = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000 + 15 * 60_000).toISOString();
    const { findings } = await runCommand('debug core-service prod', 'operator', { at: quiet });
    const errors = section(findings, 'table', /^Recent Errors/)!;
    if (errors.title === 'Recent Errors (last hour)') {
      expect(errors.note).toMatch(/^no errors or warnings in the last 15 minutes: widened to the last hour/);
      expect(errors.rows.some((r) => String(r[1]).includes('HikariPool-1 - Connection is not available'))).toBe(true);
    } else {
      // The demo's background lines (a rare upstream timeout) may fall in the quarter hour.
      expect(errors.title).toBe('Recent Errors (last 15 minutes)');
      expect(errors.rows.length).toBeGreaterThan(0);
    }
  });

  it('says a service has no such environment, without reading further', async () => {
    const { findings, calls } = await runCommand('debug qa core-service');
    expect(findings.sections).toEqual([{ kind: 'text', title: 'Not found', text: expect.stringMatching(/^core-service has no environment qa \(it has .*prod/) }]);
    expect(calls).toEqual(['catalog_service']);
  });
});

describe('the other commands', () => {
  it('logs: the error groups of the window and the last lines, masked', async () => {
    const { findings } = await runCommand('logs prod core-service --since=15m', 'viewer', { at: AT });
    const groups = section(findings, 'table', /^Errors and warnings \(last 15m\)$/)!;
    expect(groups.rows.find((r) => String(r[2]).includes('HikariPool-1 - Connection is not available'))?.[1]).toBe('ERROR');
    const last = section(findings, 'table', /^Last lines$/)!;
    expect(last.rows.length).toBe(20);
  });

  it('incident: the demo alert\'s incident, its timeline, its runbook and core-service\'s errors during it', async () => {
    // Prepare: the LOCAL FAKE PagerDuty's demo alert opens a critical incident on core-service prod.
    const { incident: pd } = h.runtime.pagerduty!.trigger();
    const run = runToolAs('viewer');
    let id = '';
    await until(async () => {
      const { incidents } = await run('incidents_list', { service: 'core-service', status: 'open' }) as { incidents: Array<{ id: string; title: string }> };
      id = incidents.find((i) => i.title.startsWith('HighErrorRate'))?.id ?? '';
      return Boolean(id);
    });
    expect(pd.id).toBeTruthy();

    // Act
    const { findings, calls } = await runCommand(`incident ${id.toLowerCase()}`, 'viewer');

    // Assess
    expect(calls).toEqual(['incident_get', 'error_groups']);
    expect(section(findings, 'facts', /^Incident$/)!.items).toEqual(expect.arrayContaining([
      { label: 'Severity', value: 'critical', status: 'bad' },
      { label: 'Alert', value: 'HighErrorRate (pagerduty)' },
      { label: 'Affected', value: 'core-service in prod' },
    ]));
    expect(section(findings, 'table', /^Timeline \(last entries\)$/)!.rows.length).toBeGreaterThan(0);
    expect(section(findings, 'text', /^Runbook$/)!.text).toMatch(/^High error rate \(trigger HighErrorRate, core-service\)/);
    expect(section(findings, 'table', /^Errors of core-service in prod during the incident$/)!.columns).toEqual(['Count', 'Level', 'Message', 'First seen', 'Last seen']);
  });

  it('explain: a service, its deployment and an environment from the catalog', async () => {
    const service = (await runCommand('explain core-service', 'viewer')).findings;
    expect(section(service, 'facts', /^Core Service$/)!.items).toContainEqual({ label: 'Team', value: 'platform' });
    expect(section(service, 'table', /^Depended on by$/)!.rows.map((r) => r[0])).toContain('notification-service');
    const deployment = (await runCommand('explain deployment/core-service', 'viewer')).findings;
    expect(section(deployment, 'table', /^Environments$/)!.rows.map((r) => r[0])).toContain('prod');
    const env = (await runCommand('explain prod', 'viewer')).findings;
    expect(section(env, 'table', /^Services$/)!.rows.map((r) => r[0])).toContain('core-service');
  });

  it('help: the commands and what a viewer may do', async () => {
    const { findings } = await runCommand('help', 'viewer');
    const commands = section(findings, 'table', /^Commands$/)!;
    expect(commands.rows.map((r) => [r[0], r[2]])).toEqual([
      ['debug <env> <service>', 'yes'], ['logs <env> <service> [--since=1h]', 'yes'], ['costs <service> [<env>]', 'yes'], ['incident <id>', 'yes'], ['postmortem <incident-id>', 'yes'],
      ['deploy <env> <service> <version>', 'no'], ['rollback <env> <service>', 'no'], ['scale <env> <service> <replicas>', 'no'], ['upgrade <env> <service>', 'no'],
      ['explain <service> | deployment/<service> | <env>', 'yes'], ['help [command]', 'yes'],
    ]);
    const may = section(findings, 'table', /^What your role may do here$/)!;
    expect(may.rows.map((r) => r[2])).toEqual(['no', 'no', 'no', 'no']);
  });
});

describe('the read tools', () => {
  it('answer compact, bounded reads of the demo data', async () => {
    const run = runToolAs('viewer');
    const deps = await run('catalog_dependencies', { service: 'core-service' }) as { impact: string; dependents: Array<{ serviceId: string; impact: string }> };
    expect(deps.impact).toMatch(/^if core-service fails, \d+ service\(s\) break: /);
    expect(deps.dependents).toContainEqual(expect.objectContaining({ serviceId: 'api-gateway', impact: 'breaks' }));
    expect(deps.dependents).toContainEqual(expect.objectContaining({ serviceId: 'frontend', impact: 'breaks' }));
    const compare = await run('metrics_compare_versions', { service: 'core-service', environment: 'prod', versionA: '1.0.0', versionB: '1.0.1', to: AT }) as { versions?: unknown[]; problem?: string };
    expect(compare.versions ?? compare.problem).toBeDefined();
    const traces = await run('traces_recent', { service: 'core-service', environment: 'prod', to: AT }) as { traces: Array<{ traceId: string; fault: boolean }> };
    expect(traces.traces.length).toBeGreaterThan(0);
    const trace = await run('trace_get', { traceId: traces.traces[0]!.traceId }) as { spans: Array<{ cause?: string }> };
    expect(trace.spans.some((s) => s.cause?.includes('HikariPool-1 - Connection is not available'))).toBe(true);
    const runbook = await run('runbook_run', { service: 'core-service', runbook: 'HighErrorRate' }) as { instructions?: string; problem?: string; automatable?: boolean };
    expect(runbook.instructions ?? runbook.problem).toMatch(/Run this runbook for core-service|not marked automatable/);
    expect(await run('runbook_run', { service: 'core-service', runbook: 'NoSuchAlert' })).toMatchObject({ problem: expect.stringContaining('has no runbook NoSuchAlert') });
    const k8s = await run('k8s_read', { service: 'core-service', environment: 'prod', action: 'get' }) as Record<string, unknown>;
    expect(k8s).toMatchObject({ kind: 'Deployment', name: 'core-service', namespace: expect.any(String), note: expect.stringContaining('not read') });
    expect(await run('aws_describe', { call: 'rds:DescribeDBInstances', name: 'core-db' })).toEqual({ call: 'rds:DescribeDBInstances', available: false, answer: 'not available in this deployment: no client for rds (@aws-sdk/client-rds is not a dependency of Apollo)' });
    await expect(run('logs_search', { service: 'core-service', environment: 'prod', limit: 5000 })).rejects.toThrow(/\/input\/limit must be at most 200/);
    await expect(run('catalog_service', { service: 'core-service', extra: 1 })).rejects.toThrow(/\/input\/extra is not a field of this tool/);
  });
});
