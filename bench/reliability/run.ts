/**
 * `npm run reliability`: Apollo under crashes (SIGKILL mid-work, then a restart), faults (DynamoDB throttling and
 * timeouts, outside systems slow, hanging, failing or answering garbage), load and soak (signed clients mixing
 * reads, submits and deploys), and a security sweep (secrets in responses and logs, webhook replays, SSRF targets,
 * rate limits). Loopback only, bounded in time and traffic. Prints one table, writes bench/reliability.json, and
 * exits 1 when a check fails. `--smoke` is CI's short run of every scenario; `--only <group|name>` picks some.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { scenarios as crash } from './crash.ts';
import { scenarios as faults } from './faults.ts';
import { scenarios as load } from './load.ts';
import { scenarios as security } from './security.ts';
import type { Check, Scenario } from './scenario.ts';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
const all: Scenario[] = [...crash, ...faults, ...load, ...security];
const chosen = all.filter((s) => !only || s.group === only || s.name === only);
if (chosen.length === 0) {
  console.error(`no scenario is ${only}: groups crash, faults, load, security; names ${all.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

interface Row { group: string; scenario: string; check: string; ok: boolean; detail: string; value?: number; unit?: string; seconds: number }
const rows: Row[] = [];
const started = Date.now();
for (const scenario of chosen) {
  const t0 = Date.now();
  console.error(`▶ ${scenario.group} · ${scenario.name}${smoke ? ' (smoke)' : ''}`);
  let checks: Check[];
  try {
    checks = await Promise.race([
      scenario.run({ smoke, log: (line) => console.error(`  ${line}`) }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`did not end in ${scenario.timeoutMs / 1000} s`)), scenario.timeoutMs).unref()),
    ]);
    if (checks.length === 0) checks = [{ check: 'the scenario checks something', ok: false, detail: 'it answered no checks' }];
  } catch (error) {
    checks = [{ check: 'the scenario ran to its end', ok: false, detail: (error as Error).stack?.split('\n').slice(0, 4).join(' | ') ?? String(error) }];
  }
  const seconds = (Date.now() - t0) / 1000;
  for (const c of checks) rows.push({ group: scenario.group, scenario: scenario.name, ...c, seconds });
}

const widths = [8, 34, 60, 4];
const pad = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
console.log(['GROUP', 'SCENARIO', 'CHECK', 'OK'].map((h, i) => pad(h, widths[i]!)).join('  ') + '  DETAIL');
for (const r of rows) console.log([r.group, r.scenario, r.check, r.ok ? 'yes' : 'NO'].map((v, i) => pad(v, widths[i]!)).join('  ') + `  ${r.detail}`);
const failed = rows.filter((r) => !r.ok);
const total = (Date.now() - started) / 1000;
console.log(`\n${rows.length - failed.length} of ${rows.length} checks held in ${total.toFixed(0)} s${smoke ? ' (smoke)' : ''}${failed.length ? `; FAILED: ${failed.map((r) => `${r.scenario}: ${r.check}`).join('; ')}` : ''}`);
writeFileSync(new URL('../reliability.json', import.meta.url), JSON.stringify({
  at: new Date().toISOString(), smoke, seconds: total,
  machine: { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30) },
  rows,
}, null, 2) + '\n');
process.exit(failed.length ? 1 : 0);
