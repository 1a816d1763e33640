/**
 * `apollo offerings …` against the local runtime in-process with the demo catalog: the list and its search, one
 * offering and its request form, checking and previewing a document, and the dry run's steps and exit codes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogItemCheckResult, CatalogList, FormPreviewResult, SimulationResult } from '#schemas/index.ts';
import { EXAMPLES_DIR } from '../../local/demo-offerings.ts';
import { seedDemoData } from '../../local/seed.ts';
import { EXIT } from '../exit.ts';
import { expectRouteShape, startCliHarness, type CliHarness } from '../testing.ts';
import { conditionText } from './offerings.ts';

let c: CliHarness;
const example = (name: string): string => join(EXAMPLES_DIR, `${name}.yaml`);
const BAD = 'schemaVersion: "2.0"\nmetadata:\n  id: Bad Id\n';

beforeAll(async () => {
  c = await startCliHarness();
  await seedDemoData({ baseUrl: c.h.runtime.url });
});
afterAll(() => c.close());

describe('apollo offerings list', () => {
  it('lists what you may see with whether you may request it, and the API\'s page with -o json', async () => {
    const table = await c.run(['offerings', 'list']);
    expect(table.code, table.stderr).toBe(EXIT.ok);
    const [header, ...rows] = table.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+CATEGORY\s+LIFECYCLE\s+CAN REQUEST$/);
    expect(rows.find((r) => r.startsWith('dns-record '))).toMatch(/^dns-record\s+DNS record\s+networking\s+active\s+yes$/);

    const viewer = await c.run(['offerings', 'list'], { role: 'viewer' });
    expect(viewer.stdout).toMatch(/^dns-record .*no: Your role \(viewer\) cannot create requests\.$/m);

    const json = await c.run(['offerings', 'list', '--category', 'networking', '-o', 'json']);
    expect(json.code).toBe(EXIT.ok);
    const page = json.json<CatalogList>();
    expectRouteShape('GET', '/api/v1/catalog', page);
    expect(page.items.map((i) => i.id)).toEqual(['dns-record']);
  });

  it('searches with -q, pages with its filters kept, and refuses a lifecycle it does not know', async () => {
    const found = await c.run(['offerings', 'list', '-q', 'postgre']);
    expect(found.code, found.stderr).toBe(EXIT.ok);
    expect(found.stdout).toMatch(/^postgresql-database\s+PostgreSQL database\s+databases\s+active\s+yes$/m);
    const json = await c.run(['offerings', 'list', '-q', 'postgre', '-o', 'json']);
    expectRouteShape('GET', '/api/v1/catalog/search', json.json());

    const none = await c.run(['offerings', 'list', '-q', 'zzzqqqxx']);
    expect(none.stdout).toMatch(/^No offerings match "zzzqqqxx"\./);

    const first = await c.run(['offerings', 'list', '--owner', 'platform', '--limit', '2']);
    expect(first.stdout.trim().split('\n')).toHaveLength(3);
    expect(first.stderr).toMatch(/more: apollo offerings list --owner platform --limit 2 --cursor \S+/);
    const all = await c.run(['offerings', 'list', '--limit', '2', '--all', '-o', 'json']);
    expect(all.json<CatalogList>().items.length).toBeGreaterThan(2);

    const bad = await c.run(['offerings', 'list', '--lifecycle', 'gone']);
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('Allowed choices are active, deprecated, retired');
  });
});

describe('apollo offerings show', () => {
  it('shows one offering with its source and validation; a missing one exits 4', async () => {
    const shown = await c.run(['offerings', 'show', 'dns-record']);
    expect(shown.code, shown.stderr).toBe(EXIT.ok);
    expect(shown.stdout).toMatch(/^approval\s+Production DNS changes are approved by an operator or the platform team\.$/m);
    expect(shown.stdout).toMatch(/^source\s+local\/examples\/examples\/catalog\/dns-record\.yaml@[0-9a-f]{7} \(owner platform\)$/m);
    expect(shown.stdout).toMatch(/^validation\s+valid: 0 errors, 0 warnings, 0 hints/m);
    const json = await c.run(['offerings', 'show', 'dns-record', '-o', 'json']);
    expectRouteShape('GET', '/api/v1/catalog/items/dns-record', json.json());

    const missing = await c.run(['offerings', 'show', 'no-such-offering']);
    expect(missing.code).toBe(EXIT.notFound);
    expect(missing.stderr).toContain('offering no-such-offering not found');
  });

  it('--form lists each field a request takes: type, when required and shown, values, default, help', async () => {
    const form = await c.run(['offerings', 'show', 'access-request', '--form']);
    expect(form.code, form.stderr).toBe(EXIT.ok);
    const lines = form.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^STEP\s+FIELD\s+TYPE\s+REQUIRED\s+VALUES\s+DEFAULT\s+SHOWN\s+DESCRIPTION$/);
    expect(lines.find((l) => l.includes(' access_level '))).toMatch(/^What you need\s+access_level\s+string\s+yes\s+read-only, operator, break-glass\s+read-only\s+always\s+Access$/);
    expect(lines.find((l) => l.includes(' incident_link '))).toMatch(/incident_link\s+string \(uri\)\s+when access_level = break-glass\s+-\s+-\s+access_level = break-glass\s+The incident this access is for\.$/);
    expect(lines.find((l) => l.includes(' manager_email '))).toContain('when access_level in operator|break-glass and team ≠ platform');
    expect(lines.find((l) => l.includes(' permissions '))).toMatch(/permissions\s+array of string\s+no\s+ec2, ecs, eks/);
    // The fields without which a request is refused (access_level has a default).
    expect(form.stderr.trim()).toBe('request it: apollo requests submit access-request --field team=… --field justification=… --field expires_on=…');

    const pg = await c.run(['offerings', 'show', 'postgresql-database', '--form']);
    expect(pg.stdout).toMatch(/storage_gb\s+integer\s+yes\s+20\.\.2000\s+20\s+always/);
    expect(pg.stdout).toMatch(/admin_password\s+secret\s+no\s+16\.\.128 chars\s+-\s+environment = prod/);

    const json = await c.run(['offerings', 'show', 'access-request', '--form', '-o', 'json']);
    expectRouteShape('GET', '/api/v1/catalog/items/access-request/schema', json.json());
  });

  it('reads a compiled form\'s conditions as words', () => {
    const eq = (field: string, value: unknown) => ({ required: [field], properties: { [field]: { anyOf: [{ const: value }, { type: 'array', contains: { const: value } }] } } });
    expect(conditionText(eq('environment', 'prod'))).toBe('environment = prod');
    expect(conditionText({ not: { required: ['c'], properties: { c: { anyOf: [{ enum: ['a', 'b'] }] } } } })).toBe('c not in a|b');
    expect(conditionText({ anyOf: [{ allOf: [eq('a', 1), eq('b', true)] }, eq('c', 'x')] })).toBe('(a = 1 and b = true) or c = x');
    expect(conditionText({})).toBe('always');
    expect(conditionText({ if: 'odd' })).toBe('conditional');
  });
});

describe('apollo offerings validate', () => {
  it('says a good document is valid (exit 0) and lists a bad one\'s errors with paths and lines (exit 2)', async () => {
    const good = await c.run(['offerings', 'validate', example('dns-record')]);
    expect(good.code, good.stderr).toBe(EXIT.ok);
    expect(good.stdout).toBe('valid: dns-record 1.0.0 (networking, owner platform); 0 errors, 0 warnings, 0 hints\n');

    // JSON is YAML too: sent as text, its issues still carry lines.
    const dir = mkdtempSync(join(tmpdir(), 'apollo-offering-'));
    const asJson = join(dir, 'dns-record.json');
    writeFileSync(asJson, JSON.stringify(parseYaml(readFileSync(example('dns-record'), 'utf8')), null, 2));
    expect((await c.run(['offerings', 'validate', asJson])).code).toBe(EXIT.ok);

    const bad = await c.run(['offerings', 'validate', '-'], { stdin: BAD });
    expect(bad.code).toBe(EXIT.usage);
    const [header, ...rows] = bad.stdout.trim().split('\n');
    expect(header).toMatch(/^SEVERITY\s+LINE\s+PATH\s+MESSAGE\s+CODE$/);
    expect(rows).toContainEqual(expect.stringMatching(/^error\s+3\s+\/metadata\/id\s+must be a lowercase slug.*\s+schema$/));
    expect(bad.stderr).toMatch(/^invalid: \d+ errors, 0 warnings, 0 hints$/m);
    expect(bad.stderr).toContain('error: the document has');

    // Scripts get the API's answer, and the exit status still says invalid.
    const json = await c.run(['offerings', 'validate', '-', '-o', 'json'], { stdin: BAD });
    expect(json.code).toBe(EXIT.usage);
    const result = json.json<CatalogItemCheckResult>();
    expectRouteShape('POST', '/api/v1/validate/catalog-item', result);
    expect(result.valid).toBe(false);

    const missing = await c.run(['offerings', 'validate', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(EXIT.usage);
    expect(missing.stderr).toContain('cannot read');
    expect((await c.run(['offerings', 'validate', '-'], { stdin: '  \n' })).stderr).toContain('stdin is empty');
  });
});

describe('apollo offerings preview', () => {
  it('shows the steps and fields a document renders; with values, which show and what would be refused', async () => {
    const plain = await c.run(['offerings', 'preview', example('postgresql-database')]);
    expect(plain.code, plain.stderr).toBe(EXIT.ok);
    expect(plain.stdout).toContain('steps: 1. Database (service, db_name, environment)  2. Size (instance_class, storage_gb, engine_version)  3. Production settings');
    expect(plain.stdout).toMatch(/^Production settings\s+multi_az\s+boolean\s+no\s+-\s+true\s+environment = prod/m);

    const dev = await c.run(['offerings', 'preview', example('postgresql-database'), '--field', 'environment=dev', '--field', 'storage_gb=50']);
    expect(dev.code).toBe(EXIT.usage);
    expect(dev.stdout).toMatch(/multi_az .*\s+hidden\s+/);
    expect(dev.stdout).toMatch(/storage_gb .*\s+shown\s+/);
    expect(dev.stdout).toContain('a request with these values would be refused:\n  /service: is required\n  /db_name: is required\n');
    // storage_gb=50 was sent as the integer the form asks for: not a problem.
    expect(dev.stdout).not.toContain('/storage_gb');
    expect(dev.stderr).toContain('a request with these values would be refused');

    const ok = await c.run(['offerings', 'preview', example('postgresql-database'), '-o', 'json',
      '--field', 'environment=dev', '--field', 'service=billing-service', '--field', 'db_name=orders', '--field', 'instance_class=db.t4g.micro', '--field', 'storage_gb=50']);
    expect(ok.code, ok.stdout).toBe(EXIT.ok);
    const result = ok.json<FormPreviewResult>();
    expectRouteShape('POST', '/api/v1/preview/form', result);
    expect(result.valueIssues).toEqual([]);

    const bad = await c.run(['offerings', 'preview', '-'], { stdin: BAD });
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('it renders no form');
  });
});

describe('apollo offerings simulate', () => {
  it('prints the dry run\'s steps in order and exits 0 when the run would complete', async () => {
    const run = await c.run(['offerings', 'simulate', 'dns-record', '--field', 'name=checkout', '--field', 'value=lb.example.com', '--environment', 'prod']);
    expect(run.code, run.stderr).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^approval\s+role operator or team platform: approved \(simulated\)$/m);
    const states = run.stdout.split('\n').filter((l) => /^\+\d+s\s/.test(l)).map((l) => l.split(/\s+/)[2]);
    expect(states).toEqual(['Validate', 'QuotaCheck', 'AwaitApproval', 'Queue', 'NextAction', 'StartAction', 'CollectAction', 'NextAction', 'StartAction', 'CollectAction', 'NextAction', 'Complete', 'Completed']);
    expect(run.stdout).toContain('outcome: completed');

    const every = await c.run(['offerings', 'simulate', 'dns-record', '--all-states']);
    expect(every.stdout).toMatch(/^\+0s\s+forward\s+IsValid\s/m);

    // ttl=600 goes as the integer the form asks for.
    const json = await c.run(['offerings', 'simulate', 'dns-record', '--field', 'ttl=600', '-o', 'json']);
    const result = json.json<SimulationResult>();
    expectRouteShape('POST', '/api/v1/simulate/fulfillment', result);
    expect(result.fields.ttl).toBe(600);
  });

  it('exits as the run would end: 1 failed, 6 approval rejected, 5 cancelled; 4 an unknown offering, 2 a bad command line', async () => {
    const failed = await c.run(['offerings', 'simulate', 'dns-record', '--fail', 'create_record', '-o', 'json']);
    expect(failed.code).toBe(EXIT.failure);
    expect(failed.json<SimulationResult>().failure).toMatchObject({ kind: 'action-failed', actionId: 'create_record' });
    expect(failed.stderr).toContain('error: the simulated run would end failed: an action failed (create_record, after 3 attempts)');

    const retried = await c.run(['offerings', 'simulate', 'dns-record', '--fail', 'create_record', '--attempt', '1']);
    expect(retried.code, retried.stdout).toBe(EXIT.ok);
    expect(retried.stdout).toMatch(/^\+\d+s\s+forward\s+StartAction\s+create_record #2\s/m);

    // A document from a file: its own approval rule, rejected.
    const rejected = await c.run(['offerings', 'simulate', example('dns-record'), '--reject', '--environment', 'prod']);
    expect(rejected.code).toBe(EXIT.policy);
    expect(rejected.stdout).toMatch(/^offering\s+dns-record 1\.0\.0 \(this document, automated\)$/m);
    expect(rejected.stdout).toContain('outcome: failed (approval-rejected)');

    const cancelled = await c.run(['offerings', 'simulate', 'dns-record', '--cancel', 'create_record']);
    expect(cancelled.code).toBe(EXIT.conflict);
    expect(cancelled.stdout).toMatch(/^\+\d+s\s+rollback\s+StartAction\s+delete_record\s/m);

    const unknown = await c.run(['offerings', 'simulate', 'no-such-offering']);
    expect(unknown.code).toBe(EXIT.notFound);
    const two = await c.run(['offerings', 'simulate', 'dns-record', '--reject', '--cancel']);
    expect(two.code).toBe(EXIT.usage);
    expect(two.stderr).toContain('one scenario at a time');
    const nothing = await c.run(['offerings', 'simulate', './missing.yaml']);
    expect(nothing.code).toBe(EXIT.usage);
    expect(nothing.stderr).toContain('no such file, and not an offering id');
    const badAction = await c.run(['offerings', 'simulate', 'dns-record', '--fail', 'no_such_action']);
    expect(badAction.code).toBe(EXIT.usage);
  });

  it('values the form refuses: the outcome says submit would refuse them and exits 2; the quota decision is said once', async () => {
    // Prepare: a limit the request fits
    const limits = await c.h.client('admin').send('POST', '/api/v1/quota/limits/payments', { body: { limits: [{ resource: 'postgresql-databases', environment: 'prod', limit: 5 }] } });
    expect(limits.status, JSON.stringify(limits.body)).toBe(200);

    // Act
    const bad = await c.run(['offerings', 'simulate', 'postgresql-database', '--field', 'service=orders-service', '--field', 'db_name=BAD NAME', '--environment', 'prod', '--team', 'payments']);
    const good = await c.run(['offerings', 'simulate', 'postgresql-database', '--field', 'service=orders-service', '--field', 'db_name=orders', '--environment', 'prod', '--team', 'payments']);

    // Assess
    expect(bad.code, bad.stdout).toBe(EXIT.usage);
    expect(bad.stdout).toMatch(/^outcome: refused \(refused\): a request with these values is refused at submit, so nothing would run: field db_name /m);
    expect(bad.stdout).toMatch(/^approval\s+team platform: not reached \(the run ends before it\)$/m);
    expect(bad.stderr).toContain('error: a request with these values is refused at submit');
    expect(good.code, good.stderr).toBe(EXIT.ok);
    expect(good.stdout).toMatch(/^quota\s+fits: within payments's quotas: this request would take 1 database of postgresql-databases \(\d+ of 5 databases left in prod\); 20 GiB of postgresql-storage-gib/m);
    expect(good.stdout).not.toContain('fits: fits:');
  });

  it('has help with examples on every command', async () => {
    for (const command of ['list', 'show', 'validate', 'preview', 'simulate']) {
      const help = await c.run(['offerings', command, '--help']);
      expect(help.code).toBe(EXIT.ok);
      expect(help.stdout).toContain(`Examples:\n  $ apollo offerings ${command === 'show' ? 'show' : command}`);
    }
  });
});
