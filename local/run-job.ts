/**
 * `npm run job <name>`: runs one scheduled job now, against the local runtime's data ($APOLLO_HOME,
 * default .apollo), through the same jobs Lambda handler the schedule invokes, and prints its result
 * as JSON. Stop `npm start` first: the local table is one process's at a time.
 *
 * An event job takes the event from a JSON file: `npm run job incident-alarm alarm.json` (a CloudWatch Alarm State
 * Change event, as EventBridge would deliver it); a scheduled job may take an input file the same way (cost-ingest
 * reads `{"refresh": true}`). A dispatched job (ai-turn) is the API's to start, not this.
 *
 * Besides the jobs, local demo actions: `npm run job pagerduty-alert` fires the LOCAL FAKE PagerDuty's demo
 * alert (HighErrorRate on core-service in prod), whose signed webhook opens the incident in Apollo.
 */
import './local-env.ts';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDispatchedJob, isEventJob, triggerOf } from '#shared/jobs';
import { JOBS, jobNamed } from '#functions/contexts';
import { startRuntime, type Runtime } from './runtime.ts';
import { invokeJob } from './scheduler.ts';

/** Local demo actions: not jobs (nothing schedules them), run in the same runtime. */
const LOCAL_ACTIONS: Record<string, { readonly description: string; run(runtime: Runtime): Promise<unknown> }> = {
  'pagerduty-alert': {
    description: 'the LOCAL FAKE PagerDuty fires HighErrorRate on core-service (prod); its webhook opens the incident in Apollo',
    async run(runtime) {
      const fake = runtime.pagerduty;
      if (!fake) throw new Error('this runtime has no fake PagerDuty: APOLLO_PAGERDUTY_API_URL names a real one');
      const { incident, deduplicated } = fake.trigger();
      await fake.settled();
      const delivery = fake.deliveries.filter((d) => d.incidentId === incident.id && d.eventType === 'incident.triggered').at(-1);
      return { pagerDuty: { id: incident.id, number: incident.number, title: incident.title }, deduplicated, apollo: delivery ? JSON.parse(delivery.response) as unknown : null };
    },
  },
};

const known = [
  ...JOBS.map((job) => `  ${job.name.padEnd(16)} ${triggerOf(job).padEnd(22)} ${job.description}`),
  ...Object.entries(LOCAL_ACTIONS).map(([n, a]) => `  ${n.padEnd(16)} ${'(local demo)'.padEnd(22)} ${a.description}`),
].join('\n');
const name = process.argv[2];

if (!name || (!jobNamed(name) && !LOCAL_ACTIONS[name])) {
  console.error(`${name ? `unknown job "${name}"` : 'which job?'} — usage: npm run job <name> [event.json | input.json]\n\nThe jobs:\n${known}`);
  process.exit(2);
}
const job = jobNamed(name);
if (job && isDispatchedJob(job)) {
  console.error(`${name} is handed its work by the API (it is not run on its own): use the route that starts it`);
  process.exit(2);
}
let event: unknown;
/** A scheduled job's optional input (its fields beside `job`), e.g. cost-ingest's {"refresh": true}. */
let input: Record<string, unknown> = {};
if (job && !isEventJob(job) && process.argv[3]) {
  try {
    const parsed: unknown = JSON.parse(readFileSync(resolve(process.argv[3]), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('it must hold a JSON object');
    input = parsed as Record<string, unknown>;
  } catch (error) {
    console.error(`cannot read the job's input from ${process.argv[3]}: ${(error as Error).message}`);
    process.exit(2);
  }
}
if (job && isEventJob(job)) {
  const file = process.argv[3];
  if (!file) {
    console.error(`${name} runs on an event (${triggerOf(job)}): npm run job ${name} <event.json>`);
    process.exit(2);
  }
  try {
    event = JSON.parse(readFileSync(resolve(file), 'utf8'));
  } catch (error) {
    console.error(`cannot read the event from ${file}: ${(error as Error).message}`);
    process.exit(2);
  }
}

const home = resolve(process.env.APOLLO_HOME ?? '.apollo');
const cannotOpen = (error: unknown): never => {
  console.error(`cannot open the local data in ${home}: ${(error as Error).message}`);
  console.error('Is `npm start` running with the same APOLLO_HOME? Its table is locked while it runs: stop it first (it runs the jobs on schedule itself).');
  process.exit(1);
};
// dynalite reports a table locked by another process from inside its own request handling, as an
// uncaught exception rather than a rejection; this turns it into a sentence while starting.
process.once('uncaughtException', cannotOpen);
const runtime = await startRuntime({ port: 0, home }).catch(cannotOpen);
process.off('uncaughtException', cannotOpen);

try {
  const action = LOCAL_ACTIONS[name];
  const result = action ? await action.run(runtime) : await invokeJob(name, event === undefined ? input : { event });
  console.log(JSON.stringify(result, null, 2));
} catch (error) {
  const e = error as Error;
  console.error(`job ${name} failed: ${e.name}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await runtime.close();
}
