import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkCatalogDocument, checkCatalogYaml, type DocumentIssue } from './index.ts';

const dir = new URL('../../../examples/catalog/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir), 'utf8');
const postgres = read('postgresql-database.yaml');
const EXAMPLES = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

/** Replaces text that must be there (a test edit that silently misses would test nothing). */
function edit(text: string, ...pairs: Array<[string, string]>): string {
  return pairs.reduce((t, [from, to]) => {
    if (!t.includes(from)) throw new Error(`not in the document: ${from}`);
    return t.replace(from, to);
  }, text);
}
const brief = (issues: DocumentIssue[]) => issues.map(({ path, code, line }) => ({ path, code, line }));

describe('example offerings', () => {
  it('are six, and together use every field type and every action type', () => {
    const docs = EXAMPLES.map((f) => checkCatalogYaml(read(f)).document!);
    expect(EXAMPLES).toEqual(['access-request.yaml', 'dns-record.yaml', 'feature-environment.yaml', 'new-microservice-repository.yaml', 'postgresql-database.yaml', 's3-bucket.yaml']);
    const fieldTypes = new Set(docs.flatMap((d) => d.presentation.fields.map((f) => f.type)));
    expect([...fieldTypes].sort()).toEqual(['boolean', 'date', 'email', 'integer', 'multiselect', 'number', 'secret', 'select', 'string', 'text', 'url']);
    const actionTypes = new Set(docs.flatMap((d) => (d.fulfillment.type === 'automated' ? d.fulfillment.actions.map((a) => a.type) : [])));
    expect([...actionTypes].sort()).toEqual(['github-workflow', 'jira', 'rest', 'terraform', 'webhook']);
    expect(docs.some((d) => d.fulfillment.type === 'manual')).toBe(true);
    const sources = new Set(docs.flatMap((d) => d.presentation.fields.flatMap((f) => (f.dataSource ? [f.dataSource.source] : []))));
    expect([...sources].sort()).toEqual(['service-environments', 'services', 'teams']);
  });

  it.each(EXAMPLES)('%s validates with no errors, warnings or hints', (file) => {
    const check = checkCatalogYaml(read(file));
    expect({ errors: check.errors, warnings: check.warnings, hints: check.hints }).toEqual({ errors: [], warnings: [], hints: [] });
    expect(check.document?.metadata.id).toBe(file.replace(/\.yaml$/, ''));
  });
});

describe('schema errors', () => {
  it('name every problem by its JSON pointer and YAML line, in words', () => {
    const text = edit(postgres,
      ['category: databases', 'category: search'],
      ['type: integer\n      label: Storage', 'type: int\n      label: Storage'],
      ['visibleWhen: { field: environment, equals: prod }\n\n    - id: backup', 'visibleWhen: { field: environment, equals: prod, also: 1 }\n\n    - id: backup'],
      ['type: terraform\n      timeout: 45m', 'type: terrafrom\n      timeout: 45m'],
      ['timeout: 3d', 'timeout: 3 days'],
      ['version: 2.3.0', 'version: 2.3'],
      ['  owner: platform\n', '  owner: platform\n  colour: blue\n'],
    );
    const check = checkCatalogYaml(text);
    expect(check.document).toBeUndefined();
    expect(check.errors.map(({ path, message, line }) => ({ path, message, line }))).toEqual([
      { path: '/metadata/colour', message: 'unknown field', line: 14 },
      { path: '/metadata/category', message: 'is reserved: items, search, refresh, validation are paths of the catalog API', line: 12 },
      { path: '/metadata/version', message: 'must be a string: quote it in YAML ("2.3")', line: 16 },
      { path: '/presentation/fields/4/type', message: 'must be one of: string, text, number, integer, boolean, select, multiselect, date, email, url, secret', line: 89 },
      { path: '/presentation/fields/6/visibleWhen/also', message: 'unknown field (a { field } condition has field, equals, in)', line: 109 },
      { path: '/fulfillment/actions/0/type', message: 'must be one of: rest, terraform, github-workflow, webhook, jira', line: 144 },
      { path: '/approval/timeout', message: 'must be a duration: a whole number and s, m, h or d, e.g. 30s, 15m, 4h, 2d', line: 225 },
    ]);
  });

  it('say what is wrong with a condition in its own terms', () => {
    const check = checkCatalogYaml(edit(postgres,
      ['requiredWhen: { field: environment, equals: prod }', 'requiredWhen: { all: [ { field: environment }, { not: { field: environment, in: [] } }, { any: [ { metadata: owner, equals: platform, field: x } ] } ] }'],
      ['when: { field: environment, equals: prod }', 'when: sometimes'],
    ));
    expect(check.errors.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: '/presentation/fields/7/requiredWhen/all/0', message: 'a { field } condition needs equals or in' },
      { path: '/presentation/fields/7/requiredWhen/all/1/not/in', message: 'must be a non-empty list of strings, numbers or booleans' },
      { path: '/presentation/fields/7/requiredWhen/all/2/any/0', message: 'has field and metadata: a condition has exactly one of field, metadata, not, all, any' },
      { path: '/approval/when', message: 'must be "always" or a condition' },
    ]);
  });

  it('name what a document lacks, and a misspelt action type or lifecycle', () => {
    const check = checkCatalogDocument({
      schemaVersion: '2.0',
      metadata: { id: 'x1', name: 'X', description: 'x', category: 'misc', owner: 'platform', version: '1.0.0' },
      presentation: { fields: [{ id: 'a', type: 'select', label: 'A', options: ['p', { label: 'no value' }] }] },
      fulfillment: { type: 'automated', actions: [{ id: 'go', config: {} }] },
      lifecycle: { status: 'sunset' },
    });
    expect(check.errors.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: '/presentation/fields/0/options/1/value', message: 'is required' },
      { path: '/fulfillment/actions/0/type', message: 'is required' },
      { path: '/lifecycle/status', message: 'must be one of: active, deprecated, retired' },
    ]);
  });

  it('reports YAML syntax errors with their line, duplicate keys included', () => {
    expect(brief(checkCatalogYaml(edit(postgres, ['  category: databases', '  category: [databases'])).errors)[0]).toEqual({ path: '', code: 'yaml-syntax', line: 13 });
    expect(brief(checkCatalogYaml(edit(postgres, ['  category: databases', '  category: databases\n  category: storage'])).errors)).toEqual([{ path: '', code: 'yaml-syntax', line: 13 }]);
  });

  it('refuses a document over 256 KB before parsing it, and a non-object', () => {
    expect(brief(checkCatalogYaml(`# ${'x'.repeat(300_000)}\n`).errors)).toEqual([{ path: '', code: 'too-large', line: undefined }]);
    expect(checkCatalogYaml('just text').errors).toEqual([{ path: '', code: 'schema', severity: 'error', message: 'must be an object', line: 1 }]);
    expect(checkCatalogYaml('').errors).toEqual([{ path: '', code: 'schema', severity: 'error', message: 'must be an object' }]);
  });
});

describe('cross-reference checks', () => {
  it('find fields, steps, options, rollbacks, outputs and variables that do not exist or come too late', () => {
    const check = checkCatalogYaml(edit(postgres,
      ['fields: [multi_az, backup_retention_days, maintenance_window, admin_password]', 'fields: [multi_az, backup_retention_days, maintenance_window, nope]'],
      ['rollback: destroy', 'rollback: register'],
      ['{{output.provision.endpoint}}', '{{output.provision.host}}'],
      ['identifier: "{{fields.db_name', 'identifier: "{{output.register.x}}{{fields.db_nam'],
      ['default: dev\n', 'default: qa\n'],
      ['    - id: admin_password\n      type: secret\n', '    - id: admin_password\n      type: secret\n      default: hunter2\n'],
      ['token: "{{secrets.tf_token}}"\n        variables:', 'token: "{{secrets.tf_token}}"\n        variables:\n          broken: "{{ fields.db_name | nosuch }}"'],
      ['    - id: engine_version\n', '    - id: db_name\n      type: string\n      label: Again\n\n    - id: engine_version\n'],
      ['dataSource:\n        source: services\n        mine: true', 'dataSource:\n        source: service-environments'],
    ));
    expect(check.document).toBeUndefined();
    expect(check.errors.map(({ path, code, line }) => ({ path, code, line }))).toEqual([
      { path: '/presentation/fields/5/id', code: 'duplicate-id', line: 96 },
      { path: '/presentation/fields/0/dataSource', code: 'depends-on-required', line: 46 },
      { path: '/presentation/fields/2/default', code: 'default-not-an-option', line: 66 },
      { path: '/presentation/fields/10/default', code: 'secret-default', line: 134 },
      { path: '/presentation/steps/2/fields/3', code: 'unknown-field-ref', line: 39 },
      { path: '/presentation/fields/10', code: 'field-on-no-step', line: 132 },
      { path: '/fulfillment/actions/0/rollback', code: 'unknown-rollback', line: 153 },
      { path: '/fulfillment/actions/0/config/variables/broken', code: 'template', line: 162 },
      { path: '/fulfillment/actions/0/config/variables/identifier', code: 'output-not-earlier', line: 163 },
      { path: '/fulfillment/actions/0/config/variables/identifier', code: 'unknown-field-ref', line: 163 },
      { path: '/fulfillment/actions/1/config/body/dependencies/0/description', code: 'unknown-output', line: 204 },
    ]);
    expect(check.errors.find((e) => e.code === 'output-not-earlier')?.message).toBe('{{output.register.x}}: register runs after provision');
    expect(check.errors.find((e) => e.code === 'unknown-output')?.message).toBe('{{output.provision.host}}: provision declares no output host (endpoint, port, secret_arn)');
    expect(check.errors.find((e) => e.code === 'unknown-rollback')?.message).toBe('register is an action of the request itself: list rollbacks under rollbackActions');
    expect(brief(check.warnings)).toEqual([{ path: '/fulfillment/rollbackActions/0', code: 'unused-rollback', line: 207 }]);
  });

  it('check conditions against the fields they read', () => {
    const check = checkCatalogYaml(edit(postgres,
      ['visibleWhen: { field: environment, equals: prod }\n\n    - id: backup', 'visibleWhen: { field: environment, equals: production }\n\n    - id: backup'],
      ['requiredWhen: { field: environment, equals: prod }', 'requiredWhen: { field: enviroment, equals: prod }'],
      ['when: { field: environment, equals: prod }', 'when: { any: [ { field: admin_password, equals: x }, { field: multi_az, equals: "yes" } ] }'],
    ));
    expect(brief(check.errors)).toEqual([
      { path: '/presentation/fields/7/requiredWhen/field', code: 'unknown-field-ref', line: 115 },
      { path: '/approval/when/any/0/field', code: 'secret-in-condition', line: 220 },
    ]);
    expect(check.warnings.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: '/presentation/fields/6/visibleWhen/equals', message: '"production" is not an option of environment (dev, staging, prod)' },
      { path: '/approval/when/any/1/equals', message: 'multi_az is a boolean: compare it with true or false' },
    ]);
  });

  it('find a field whose visibility depends on itself', () => {
    const check = checkCatalogYaml(edit(postgres, ['    - id: environment\n      type: select\n', '    - id: environment\n      type: select\n      visibleWhen: { field: multi_az, equals: true }\n']));
    expect(brief(check.errors)).toEqual([
      { path: '/presentation/fields/2/visibleWhen', code: 'visibility-cycle', line: 66 },
      { path: '/presentation/fields/6/visibleWhen', code: 'visibility-cycle', line: 109 },
    ]);
  });

  it('warn about a secret in an address', () => {
    const check = checkCatalogYaml(edit(read('new-microservice-repository.yaml'), ['url: https://slack.com/api/chat.postMessage', 'url: "https://slack.com/api/chat.postMessage?token={{secrets.slack_bot_token}}"']));
    expect(check.errors).toEqual([]);
    expect(check.warnings.map(({ path, code, line }) => ({ path, code, line }))).toEqual([{ path: '/fulfillment/actions/2/config/url', code: 'secret-in-url', line: 154 }]);
  });

  it('keep secrets out of tickets, defaults and links', () => {
    const access = read('access-request.yaml');
    const check = checkCatalogYaml(edit(access,
      ['Why: {{fields.justification}}', 'Why: {{fields.justification}} {{secrets.jira_token}}'],
      ['    default: read-only\n'.replace('    ', '      '), '      default: "{{output.x.y}}"\n'],
    ));
    expect(check.errors.map(({ path, message }) => ({ path, message }))).toEqual([
      { path: '/presentation/fields/1/default', message: '{{output.x.y}}: output cannot be used in a default: no action has run when the form is shown' },
      { path: '/fulfillment/jira/description', message: '{{secrets.jira_token}}: secrets cannot be used in the JIRA ticket: a ticket is read by people' },
    ]);
  });
});

describe('quota', () => {
  const QUOTA = 'quota:\n  resource: postgresql-databases\n  amount: 1\n  unit: database\n  also:\n    - resource: postgresql-storage-gib\n      amount: 1  # per GiB of storage_gb\n      amountField: storage_gb\n      unit: GiB\n';

  it('declares a count and a sum read from a number field; a sum alone is a quota too', () => {
    // Arrange
    const sumOnly = edit(postgres, [QUOTA, 'quota:\n  resource: postgresql-storage-gib\n  amount: 2\n  amountField: storage_gb\n  unit: GiB\n']);
    // Act
    const example = checkCatalogYaml(postgres);
    const alone = checkCatalogYaml(sumOnly);
    // Assert
    expect(example.document?.quota).toEqual({ resource: 'postgresql-databases', amount: 1, unit: 'database', also: [{ resource: 'postgresql-storage-gib', amount: 1, amountField: 'storage_gb', unit: 'GiB' }] });
    expect({ errors: alone.errors, warnings: alone.warnings }).toEqual({ errors: [], warnings: [] });
    expect(alone.document?.quota).toEqual({ resource: 'postgresql-storage-gib', amount: 2, amountField: 'storage_gb', unit: 'GiB' });
  });

  it('refuses an unknown property, a sum without its amount, a field id that is no identifier and more than four quotas', () => {
    // Arrange
    const part = (n: number) => `    - resource: extra-${n}\n      amount: 1\n`;
    const text = edit(postgres, [QUOTA, `quota:\n  resource: postgresql-databases\n  amount: 1\n  size: 3\n  also:\n    - resource: postgresql-storage-gib\n      amountField: Storage-GB\n${part(1)}${part(2)}${part(3)}`]);
    // Act
    const check = checkCatalogYaml(text);
    // Assert
    expect(check.document).toBeUndefined();
    expect(check.errors.map(({ path, line }) => ({ path, line }))).toEqual([
      { path: '/quota/size', line: 231 },
      { path: '/quota/also', line: 232 },
      { path: '/quota/also/0/amount', line: 233 },
      { path: '/quota/also/0/amountField', line: 234 },
    ]);
  });

  it('cross-checks what the schema cannot: a resource named twice, a sum of a field that is missing, no number, or may be left empty', () => {
    // Arrange
    const quota = (amountField: string, resource = 'postgresql-storage-gib') => edit(postgres, ['amountField: storage_gb', `amountField: ${amountField}`], ['    - resource: postgresql-storage-gib', `    - resource: ${resource}`]);
    const optional = edit(postgres, ['up to four times this.\n      validation:\n        required: true\n', 'up to four times this.\n      validation:\n']);
    // Act
    const twice = checkCatalogYaml(quota('storage_gb', 'postgresql-databases'));
    const missing = checkCatalogYaml(quota('storage_gib'));
    const text = checkCatalogYaml(quota('db_name'));
    const empty = checkCatalogYaml(optional);
    // Assert
    expect(twice.errors.map(({ path, code, message, line }) => ({ path, code, message, line }))).toEqual([
      { path: '/quota/also/0/resource', code: 'duplicate-quota', message: 'postgresql-databases is counted already (/quota): name each resource once', line: 233 },
    ]);
    expect(brief(missing.errors)).toEqual([{ path: '/quota/also/0/amountField', code: 'unknown-field-ref', line: 235 }]);
    expect(text.errors.map(({ path, code, message }) => ({ path, code, message }))).toEqual([
      { path: '/quota/also/0/amountField', code: 'quota-field-not-a-number', message: 'db_name is a string field: a sum reads a number or integer field' },
    ]);
    expect(empty.errors).toEqual([]);
    expect(empty.warnings.map(({ path, code, message }) => ({ path, code, message }))).toEqual([
      { path: '/quota/also/0/amountField', code: 'quota-field-optional', message: 'a request may leave storage_gb empty, and then takes none of postgresql-storage-gib: make it required' },
    ]);
  });
});

describe('best-practice warnings and hints', () => {
  it('a terraform action without rollback, actions without timeout or retry, no documentation, a deprecated offering without a sunset date', () => {
    const check = checkCatalogYaml(edit(postgres,
      ['      rollback: destroy\n', ''],
      ['      timeout: 30s\n      retry:\n        maxAttempts: 3\n        backoff: exponential\n        interval: 5s\n', ''],
      ['  documentation:\n    - title: Choosing an instance class\n      url: https://docs.apollo.local/databases/postgresql/sizing\n    - title: Connecting from a service\n      url: https://docs.apollo.local/databases/postgresql/connecting\n', ''],
      ['lifecycle:\n  status: active', 'lifecycle:\n  status: deprecated\n  replacement: aurora-postgresql'],
    ));
    expect(check.errors).toEqual([]);
    expect(check.document).toBeDefined();
    expect(brief(check.warnings)).toEqual([
      { path: '/fulfillment/actions/0', code: 'terraform-without-rollback', line: 136 },
      { path: '/fulfillment/actions/1', code: 'no-timeout', line: 175 },
      { path: '/fulfillment/rollbackActions/0', code: 'unused-rollback', line: 191 },
      { path: '/lifecycle', code: 'deprecated-without-sunset', line: 227 },
    ]);
    expect(check.warnings[0]!.message).toBe('terraform action provision has no rollback: a later failure leaves what it created behind');
    expect(brief(check.hints)).toEqual([
      { path: '/fulfillment/actions/1', code: 'no-retry', line: 175 },
      { path: '/metadata', code: 'no-documentation', line: 5 },
    ]);
  });
});
