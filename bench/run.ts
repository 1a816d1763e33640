/**
 * `npm run bench`: Apollo's performance as ratios against baselines measured in the same run, so
 * the numbers compare across machines. Prints a table per section and writes bench/results.json.
 * See bench/README.md for what each number means.
 */
import '../local/local-env.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, arch, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '#shared/api-client';
import { startRuntime } from '#local/runtime';
import { bundleSizeTable, measureBundleSizes, type BundleSizes } from './bundle-size.ts';
import { catalogScaleTables, measureCatalogScale } from './catalog-scale.ts';
import { coldImportTable, measureColdImports } from './cold-import.ts';
import { analyticsScaleTable, measureAnalyticsScale } from './analytics.ts';
import { costIngestTable, costsScaleTable, measureCostIngest, measureCostsScale } from './costs.ts';
import { costTables, measureCosts } from './cost-model.ts';
import { budgetTable, checkBudget } from './budget.ts';
import { deploymentHistoryTables, deploymentsTables, measureDeploymentHistory, measureDeployments } from './deployments.ts';
import { dynamoCallsTable, measureDynamoCalls } from './dynamo-calls.ts';
import { renderTable, type Table } from './format.ts';
import { fulfilmentTables, measureFulfilment } from './fulfillment.ts';
import { gatewayLatencyTables, measureGatewayLatency } from './gateway-latency.ts';
import { logQueryTable, measureLogQuery } from './log-query.ts';
import { measureOfferingsScale, offeringsScaleTables } from './offerings-scale.ts';
import { measureRealtimeRelay, realtimeRelayTables } from './realtime-relay.ts';
import { aiStreamTables, measureAiStream } from './ai-stream.ts';
import { measureSigV4, sigV4Table } from './sigv4-verify.ts';

const RESULTS_FILE = fileURLToPath(new URL('results.json', import.meta.url));
/** `npm run bench -- --only cost`: that section alone, on a runtime of its own (its numbers replace the file's `cost`). */
const ONLY_SECTIONS = ['cost'] as const;
const only = ((i) => (i >= 0 ? process.argv[i + 1] : undefined))(process.argv.indexOf('--only'));
if (only !== undefined && !(ONLY_SECTIONS as readonly string[]).includes(only)) {
  console.error(`--only takes one of: ${ONLY_SECTIONS.join(', ')} (the other sections depend on each other's order and run together)`);
  process.exit(2);
}

export function machineInfo() {
  const cpu = cpus();
  return { node: process.version, platform: platform(), arch: arch(), cpuModel: cpu[0]?.model.trim() ?? 'unknown', cores: cpu.length, totalMemoryBytes: totalmem() };
}

/** Runs one section, prints its tables as soon as they exist and records how long it took. */
async function section<T>(name: string, durations: Record<string, number>, measure: () => Promise<T>, tables: (result: T) => Table | Table[]): Promise<T> {
  const started = performance.now();
  const result = await measure();
  durations[name] = Math.round(performance.now() - started);
  for (const table of [tables(result)].flat()) console.log(`${renderTable(table)}\n`);
  return result;
}

/** The JSON form of the bundle results: the temp paths mean nothing after the run. */
const bundleSizesJson = (sizes: BundleSizes) => ({
  baseline: { bytes: sizes.baseline.bytes, gzipBytes: sizes.baseline.gzipBytes, packages: sizes.baseline.packages.slice(0, 10) },
  lambdas: sizes.lambdas.map(({ outfile: _outfile, packages, ...rest }) => ({ ...rest, packages: packages.slice(0, 10) })),
});

/** Environment the runtime's handlers read at cold start, set before it starts (both the whole run and `--only cost`). */
function benchEnvironment(): void {
  // The catalog snapshot is held for a minute so no background refresh lands inside a timed loop
  // of section 7; its build is measured on its own there.
  process.env.APOLLO_CATALOG_SNAPSHOT_TTL_MS ??= '60000';
  process.env.APOLLO_OFFERINGS_SNAPSHOT_TTL_MS ??= '60000';
  // Section 10 times the deployment workflow, not its waits: no pause between rollout checks.
  process.env.APOLLO_DEPLOY_POLL_SECONDS = '0';
  // Section 15's deployment runs its canary's 10 checks a second apart (60 s in AWS): the same checks, sooner.
  process.env.APOLLO_CANARY_INTERVAL_S ??= '1';
}

/** The cost model alone: a runtime, the demo data, section 15; its results go into results.json beside the rest. */
async function onlyCost(): Promise<void> {
  const started = performance.now();
  const machine = machineInfo();
  console.log(`Apollo bench (section 15 only) — node ${machine.node}, ${machine.cores} × ${machine.cpuModel}\n`);
  benchEnvironment();
  const runtime = await startRuntime({ port: 0 });
  try {
    const { seedDemoData } = await import('#local/seed');
    await seedDemoData({ baseUrl: runtime.url });
    const durations: Record<string, number> = {};
    const cost = await section('cost', durations, () => measureCosts(runtime), costTables);
    const previous = existsSync(RESULTS_FILE) ? JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as Record<string, unknown> : {};
    const totalMs = Math.round(performance.now() - started);
    writeFileSync(RESULTS_FILE, `${JSON.stringify({ ...previous, costTimestamp: new Date().toISOString(), machine, cost, costDurationMs: durations.cost, costTotalMs: totalMs }, null, 2)}\n`);
    console.log(`wrote ${RESULTS_FILE} (cost) in ${(totalMs / 1000).toFixed(1)} s`);
  } finally {
    await runtime.close();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const machine = machineInfo();
  console.log(`Apollo bench — node ${machine.node}, ${machine.cores} × ${machine.cpuModel}\n`);
  const durations: Record<string, number> = {};
  const outDir = mkdtempSync(join(tmpdir(), 'apollo-bench-'));
  try {
    const sizes = await section('bundleSize', durations, () => measureBundleSizes(outDir), bundleSizeTable);
    const cold = await section('coldImport', durations, () => measureColdImports(sizes.lambdas, sizes.baseline.outfile), coldImportTable);
    const budget = await section('budget', durations, async () => checkBudget(sizes, cold), budgetTable);
    const sigv4 = await section('sigv4', durations, () => measureSigV4(), sigV4Table);
    const logQuery = await section('logQuery', durations, () => measureLogQuery(), logQueryTable);

    // One runtime per process (handlers read the environment at cold start): the sections share it.
    benchEnvironment();
    const runtime = await startRuntime({ port: 0 });
    try {
      const { seedDemoData } = await import('#local/seed');
      await seedDemoData({ baseUrl: runtime.url });
      const admin = runtime.credentials.roles.admin;
      const client = new ApiClient({ baseUrl: runtime.url, region: runtime.region, credentials: admin });
      // Counting first: it needs cold caches (the health check's), and its middleware is gone before timing.
      const calls = await section('dynamoCalls', durations, () => measureDynamoCalls(client), dynamoCallsTable);
      const latency = await section('gatewayLatency', durations, () => measureGatewayLatency({ url: runtime.url, region: runtime.region, credentials: admin }), gatewayLatencyTables);
      const relay = await section('realtimeRelay', durations, () => measureRealtimeRelay({ url: runtime.url, realtimeUrl: runtime.realtimeUrl, region: runtime.region, credentials: admin }), realtimeRelayTables);
      // Before the table grows: requests fulfilled by the local engine against a loopback no-op server.
      const fulfilment = await section('fulfilment', durations, () => measureFulfilment({ url: runtime.url, realtimeUrl: runtime.realtimeUrl, region: runtime.region, credentials: admin }), fulfilmentTables);
      // Before the table grows too: a developer's deployments run by the local engine on the ports' in-memory doubles.
      const developer = runtime.credentials.roles.developer;
      const deployments = await section('deployments', durations, () => measureDeployments({ url: runtime.url, realtimeUrl: runtime.realtimeUrl, region: runtime.region, credentials: developer }), deploymentsTables);
      const aiStream = await section('aiStream', durations, () => measureAiStream({ url: runtime.url, realtimeUrl: runtime.realtimeUrl, region: runtime.region, credentials: developer }), aiStreamTables);
      // Before the table grows too: the LOCAL demo Cost Explorer bills every catalog service, and section 7 adds 10,000.
      const costIngest = await section('costIngest', durations, () => measureCostIngest(), costIngestTable);
      // Before the table grows too: the cost model's operations and jobs over the demo catalog.
      const cost = await section('cost', durations, () => measureCosts(runtime), costTables);
      // These grow the table (2,000 offerings, then 10,000 services, then 10,000 deployments, then 500 services' costs).
      const offeringsScale = await section('offeringsScale', durations, () => measureOfferingsScale(client), offeringsScaleTables);
      const catalogScale = await section('catalogScale', durations, () => measureCatalogScale(client), catalogScaleTables);
      const deploymentHistory = await section('deploymentHistory', durations, () => measureDeploymentHistory(client), deploymentHistoryTables);
      const costsScale = await section('costsScale', durations, () => measureCostsScale(client), costsScaleTable);
      const analyticsScale = await section('analyticsScale', durations, () => measureAnalyticsScale(client), analyticsScaleTable);

      const totalMs = Math.round(performance.now() - started);
      const results = {
        timestamp: new Date().toISOString(),
        machine,
        durationsMs: { ...durations, total: totalMs },
        bundleSize: bundleSizesJson(sizes),
        coldImport: cold,
        budget,
        sigv4,
        gatewayLatency: latency,
        realtimeRelay: relay,
        aiStream,
        fulfilment,
        deployments: { ...deployments, history: deploymentHistory },
        dynamoCalls: calls,
        catalogScale,
        offeringsScale,
        costs: { ingest: costIngest, readPath: costsScale },
        cost,
        analytics: analyticsScale,
        logQuery,
      };
      writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
      console.log(`wrote ${RESULTS_FILE} in ${(totalMs / 1000).toFixed(1)} s`);
      const over = budget.filter((r) => r.verdict === 'over').map((r) => r.lambda);
      if (over.length) {
        console.error(`\n!!! ${over.join(', ')} over the weight budget with no reason for it: see section 2b !!!`);
        process.exitCode = 1;
      }
      if (calls.scans.length) {
        console.error(`\n!!! Scan on ${calls.scans.join(', ')}: see section 4 !!!`);
        process.exitCode = 1;
      }
      if (fulfilment.scans) {
        console.error('\n!!! Scan while a request was fulfilled: see section 9b !!!');
        process.exitCode = 1;
      }
      if (deployments.scans) {
        console.error('\n!!! Scan while a deployment ran: see section 10b !!!');
        process.exitCode = 1;
      }
      if (costIngest.scans) {
        console.error('\n!!! Scan in the cost-ingest job: see section 13 !!!');
        process.exitCode = 1;
      }
      if (costsScale.scans) {
        console.error('\n!!! Scan on the costs read path: see section 13b !!!');
        process.exitCode = 1;
      }
      if (analyticsScale.scans) {
        console.error('\n!!! Scan on the analytics read path: see section 14 !!!');
        process.exitCode = 1;
      }
    } finally {
      await runtime.close();
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

await (only === 'cost' ? onlyCost() : main());
