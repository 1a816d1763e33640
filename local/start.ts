/**
 * `npm start`: the whole product on this machine. PORT (default 3000) and APOLLO_HOME (default
 * .apollo) are honoured; credentials are created on first start and printed with a working curl.
 */
import './local-env.ts';
import { resolve } from 'node:path';
import { JOBS } from '#functions/contexts';
import { isEventJob, isScheduledJob, triggerOf } from '#shared/jobs';
import { ROLES } from '#shared/permissions';
import { startRuntime } from './runtime.ts';
import { invokeJob, startScheduler } from './scheduler.ts';
import { seedDemoData } from './seed.ts';
import { ensureWebBuilt } from './web.ts';

const port = Number(process.env.PORT ?? 3000);
const home = resolve(process.env.APOLLO_HOME ?? '.apollo');
const host = process.env.HOST ?? '127.0.0.1';

ensureWebBuilt();
// Demo data is seeded before the gateway answers anyone: the first request already sees it.
let seeded: string[] = [];
const runtime = await startRuntime({
  port, home, host, region: process.env.APOLLO_LOCAL_REGION ?? 'us-east-1',
  beforeReady: async (url) => { seeded = await seedDemoData({ baseUrl: url }); },
});
// A job that runs every minute would bury the terminal: its first result is printed, then only
// failures and skips (`npm run job <name>` shows one run in full).
const printed = new Set<string>();
const frequent = new Set(JOBS.filter(isScheduledJob).filter((job) => /^rate\(\d+ minutes?\)$/.test(job.schedule) && Number(/\d+/.exec(job.schedule)![0]) < 5).map((job) => job.name));
const scheduler = startScheduler({
  runJob: invokeJob,
  // The jobs whose contexts ask for it (health right away rather than a minute of "unknown", …).
  runAtStart: JOBS.filter((job) => job.runAtLocalStart).map((job) => job.name),
  log: (line) => {
    const finished = /^(\S+) finished in /.exec(line)?.[1];
    if (finished && frequent.has(finished)) {
      if (printed.has(finished)) return;
      printed.add(finished);
      line += ' (later successful runs of this job are not printed)';
    }
    console.log(`[scheduler] ${line}`);
  },
});
const { credentials: store, url, region } = runtime;

const lines = [
  '',
  `Apollo is running at ${url}  (sign in to the web app there; API routes at ${url}/api)`,
  `  realtime (WebSocket, presigned SigV4): ${url.replace(/^http/, 'ws')}/realtime`,
  `  data and credentials: ${home}${seeded.length ? ` (demo data seeded: ${seeded.join(', ')})` : ''}`,
  `  scheduled jobs (UTC): ${scheduler.planned().map((job) => `${job.name} ${job.schedule}`).join(', ')}; with Apollo stopped, npm run job <name> runs one now`,
  ...(JOBS.some(isEventJob) ? [`  event jobs (EventBridge rules in AWS; nothing emits their events here): ${JOBS.filter(isEventJob).map((job) => `${job.name} (${triggerOf(job)})`).join(', ')}`] : []),
  ...runtime.banner.map((line) => `  ${line}`),
  ...(runtime.github ? [`  GitHub webhook secret (for signed test deliveries): ${home}/github-webhook-secret`] : []),
  '',
  ...(store.created
    ? [
        `Local credentials (created now, and printed this once; kept in ${home}/credentials.json, mode 600):`,
        ...ROLES.map((role) => `  ${role.padEnd(9)} ${store.roles[role].accessKeyId}  ${store.roles[role].secretAccessKey}  ${store.roles[role].principalArn}`),
        '',
        'Try a signed call (curl 7.75+):',
        `  curl --aws-sigv4 "aws:amz:${region}:execute-api" --user "${store.roles.admin.accessKeyId}:${store.roles.admin.secretAccessKey}" ${url}/api/v1/me`,
      ]
    : [
        `Local credentials: one per role (${ROLES.join(', ')}) in ${home}/credentials.json (mode 600); the secret keys are printed only when created.`,
        'Try a signed call (curl 7.75+):',
        `  C=${home}/credentials.json; curl --aws-sigv4 "aws:amz:${region}:execute-api" --user "$(node -p "require('$C').admin.accessKeyId"):$(node -p "require('$C').admin.secretAccessKey")" ${url}/api/v1/me`,
      ]),
  '',
  'Press Ctrl+C to stop.',
  '',
];
console.log(lines.join('\n'));

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping Apollo…`);
  const timer = setTimeout(() => process.exit(1), 5_000);
  await scheduler.stop();
  await runtime.close();
  clearTimeout(timer);
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
