/**
 * One fault scenario in a process of its own (forked by faults.ts): the local runtime it starts is the only one
 * this process ever has, as its handlers expect (they read the environment, the DynamoDB endpoint included, once),
 * and what a scenario injects (a middleware on the handlers' client, an environment knob, a circuit's state) dies
 * with it. Progress lines and the checks go to the parent over IPC; the handlers' own log lines are not ours.
 */
import { restActionFaults } from './faults-actions.ts';
import { aiModelFaults } from './faults-ai.ts';
import { argoCdFaults } from './faults-argocd.ts';
import { costSourceFaults } from './faults-costs.ts';
import { dynamoFaults } from './faults-dynamo.ts';
import { githubFaults } from './faults-github.ts';
import { healthCheckFaults } from './faults-health.ts';
import { jiraFaults } from './faults-jira.ts';
import { logsProviderFaults } from './faults-logs.ts';
import { pagerDutyFaults } from './faults-pagerduty.ts';
import { terraformFaults } from './faults-terraform.ts';
import type { Check, ScenarioContext } from './scenario.ts';

export const FAULT_RUNS: Readonly<Record<string, (ctx: ScenarioContext) => Promise<Check[]>>> = {
  'dynamodb-throttling-timeouts': dynamoFaults,
  'rest-action-target': restActionFaults,
  'ai-model': aiModelFaults,
  'health-checks': healthCheckFaults,
  'github-discovery': githubFaults,
  'logs-provider': logsProviderFaults,
  'pagerduty-sync': pagerDutyFaults,
  'argocd-sync': argoCdFaults,
  'cost-sources': costSourceFaults,
  'terraform-run': terraformFaults,
  'jira-ticket': jiraFaults,
};

export type ChildMessage = { type: 'log'; line: string } | { type: 'checks'; checks: Check[] } | { type: 'error'; message: string };

const send = (message: ChildMessage): Promise<void> => new Promise((resolve) => { process.send!(message, () => resolve()); });

if (process.send) {
  const [name, flag] = process.argv.slice(2);
  const run = FAULT_RUNS[name ?? ''];
  try {
    if (!run) throw new Error(`no fault scenario ${name}`);
    const checks = await run({ smoke: flag === '--smoke', log: (line) => void send({ type: 'log', line }) });
    await send({ type: 'checks', checks });
  } catch (error) {
    await send({ type: 'error', message: (error as Error).stack?.split('\n').slice(0, 4).join(' | ') ?? String(error) });
  }
  process.exit(0);
}
