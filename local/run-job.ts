/**
 * `npm run job <name>`: runs one scheduled job now, against the local runtime's data ($APOLLO_HOME,
 * default .apollo), through the same jobs Lambda handler the schedule invokes, and prints its result
 * as JSON. Stop `npm start` first: the local table is one process's at a time.
 */
import './local-env.ts';
import { resolve } from 'node:path';
import { JOBS, jobNamed } from '#functions/contexts';
import { startRuntime } from './runtime.ts';
import { invokeJob } from './scheduler.ts';

const known = JOBS.map((job) => `  ${job.name.padEnd(16)} ${job.schedule.padEnd(22)} ${job.description}`).join('\n');
const name = process.argv[2];

if (!name || !jobNamed(name)) {
  console.error(`${name ? `unknown job "${name}"` : 'which job?'} — usage: npm run job <name>\n\nThe jobs:\n${known}`);
  process.exit(2);
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
  const result = await invokeJob(name);
  console.log(JSON.stringify(result, null, 2));
} catch (error) {
  const e = error as Error;
  console.error(`job ${name} failed: ${e.name}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await runtime.close();
}
