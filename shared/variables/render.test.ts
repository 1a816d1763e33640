import { describe, expect, it } from 'vitest';
import { checkTemplates, findVariables, render, type VariableContext } from './index.ts';

const NOW = new Date('2026-11-26T09:05:07.123Z');

/** A request for a production PostgreSQL database, as the engine sees it. */
function context(overrides: Partial<VariableContext> = {}): VariableContext {
  return {
    fields: { name: 'Orders DB', environment: 'prod', storage_gb: 100, multi_az: true, tags: ['billing', 'pci'], settings: { tier: 'gold' }, admin_password: 'Pa55-word!' },
    metadata: { id: 'postgresql-database', name: 'PostgreSQL database', category: 'databases' },
    request: { id: 'REQ-42', requester: 'ada@example.com', team: 'payments', createdAt: '2026-11-26T09:00:00Z' },
    user: { email: 'ada@example.com', name: 'Ada' },
    team: { slug: 'payments', costCenter: 'CC-7' },
    system: { region: 'eu-west-1', stage: 'prod', now: NOW, uuid: () => '00000000-0000-4000-8000-000000000001' },
    env: { AWS_ACCOUNT_ID: '123456789012' },
    output: { create_repo: { url: 'https://github.com/acme/orders', id: 7 } },
    approval: { approver: 'grace@example.com' },
    secrets: (name) => (name === 'tf_token' ? 'tf-SECRET-value' : undefined),
    secretFields: ['admin_password'],
    ...overrides,
  };
}

const preview = (value: unknown, ctx = context()) => render(value, ctx, { mode: 'preview' });
const execute = (value: unknown, ctx = context()) => render(value, ctx, { mode: 'execute' });

describe('render: scopes', () => {
  it.each([
    ['{{fields.name}}', 'Orders DB'],
    ['{{fields.tags.1}}', 'pci'],
    ['{{fields.settings.tier}}', 'gold'],
    ['{{metadata.id}}', 'postgresql-database'],
    ['{{request.id}}', 'REQ-42'],
    ['{{request.requester}}', 'ada@example.com'],
    ['{{request.team}}', 'payments'],
    ['{{request.createdAt}}', '2026-11-26T09:00:00Z'],
    ['{{user.email}}', 'ada@example.com'],
    ['{{team.costCenter}}', 'CC-7'],
    ['{{system.date}}', '2026-11-26'],
    ['{{system.time}}', '09:05:07'],
    ['{{system.uuid}}', '00000000-0000-4000-8000-000000000001'],
    ['{{system.region}}', 'eu-west-1'],
    ['{{system.stage}}', 'prod'],
    ['{{env.AWS_ACCOUNT_ID}}', '123456789012'],
    ['{{output.create_repo.url}}', 'https://github.com/acme/orders'],
    ['{{approval.approver}}', 'grace@example.com'],
  ])('resolves %s', (template, expected) => {
    expect(execute(template)).toMatchObject({ value: expected, errors: [] });
  });

  it('records where each variable came from', () => {
    // Act
    const result = execute({ name: 'db-{{ fields.name | slug }}', account: '{{env.AWS_ACCOUNT_ID}}', repo: '{{output.create_repo.url}}' });

    // Assess
    expect(result.uses).toEqual([
      { where: '/name', expression: 'fields.name | slug', scope: 'fields', key: 'name', value: 'Orders DB', source: "form field 'name'" },
      { where: '/account', expression: 'env.AWS_ACCOUNT_ID', scope: 'env', key: 'AWS_ACCOUNT_ID', value: '123456789012', source: "allowlisted environment variable 'AWS_ACCOUNT_ID'" },
      { where: '/repo', expression: 'output.create_repo.url', scope: 'output', key: 'create_repo.url', value: 'https://github.com/acme/orders', source: "output 'url' of action 'create_repo'" },
    ]);
  });

  it('gives one uuid per render, from crypto.randomUUID when none is injected', () => {
    // Act
    const result = execute('{{system.uuid}} {{system.uuid}}', context({ system: { now: NOW } }));

    // Assess
    const [first, second] = String(result.value).split(' ');
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second).toBe(first);
  });

  it('uses the clock when no time is injected', () => {
    const before = new Date().toISOString().slice(0, 10);
    const value = execute('{{system.date}}', context({ system: {} })).value;
    expect([before, new Date().toISOString().slice(0, 10)]).toContain(value);
  });
});

describe('render: types and text', () => {
  it('keeps the type of a template that is the whole string', () => {
    // Act
    const result = execute({ size: '{{fields.storage_gb}}', multiAz: '{{fields.multi_az}}', tags: '{{fields.tags}}', settings: '{{ fields.settings }}' });

    // Assess
    expect(result).toMatchObject({ value: { size: 100, multiAz: true, tags: ['billing', 'pci'], settings: { tier: 'gold' } }, errors: [] });
  });

  it('stringifies inside text: numbers, booleans, arrays and objects as JSON, null as nothing', () => {
    // Act
    const result = execute('{{fields.storage_gb}}GB multi-az={{fields.multi_az}} tags={{fields.tags}} {{fields.settings}} [{{fields.none}}]', context({ fields: { ...context().fields, none: null } }));

    // Assess
    expect(result).toMatchObject({ value: '100GB multi-az=true tags=["billing","pci"] {"tier":"gold"} []', errors: [] });
  });

  it('treats a template with text around it, even spaces, as text', () => {
    expect(execute(' {{fields.storage_gb}}').value).toBe(' 100');
  });

  it('walks objects and arrays, leaving other values as they are, and reports where with JSON pointers', () => {
    // Act
    const result = execute({ 'a/b': ['{{fields.nope}}', 3, null, true], 'x~y': { deep: '{{fields.name}}' } });

    // Assess
    expect(result.value).toEqual({ 'a/b': ['{{fields.nope}}', 3, null, true], 'x~y': { deep: 'Orders DB' } });
    expect(result.errors).toEqual([{ where: '/a~1b/0', expression: 'fields.nope', variable: 'fields.nope', code: 'unknown-variable', message: 'unknown variable fields.nope: the form has no value for it' }]);
  });

  it('writes literal braces for \\{{', () => {
    expect(execute('\\{{fields.name}} is {{fields.name}}')).toMatchObject({ value: '{{fields.name}} is Orders DB', errors: [] });
  });

  it('never reads a rendered value as a template again', () => {
    // Act
    const result = execute('{{fields.name}}', context({ fields: { name: '{{secrets.tf_token}}' } }));

    // Assess
    expect(result).toMatchObject({ value: '{{secrets.tf_token}}', errors: [] });
    expect(result.uses.map((u) => u.scope)).toEqual(['fields']);
  });

  it('keeps a __proto__ key of the rendered value a key, not a prototype', () => {
    // Act
    const value = execute(JSON.parse('{"__proto__": {"polluted": "{{fields.name}}"}}')).value as Record<string, unknown>;

    // Assess
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: 'Orders DB' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('render: filters', () => {
  it.each([
    ['{{ fields.name | upper }}', 'ORDERS DB'],
    ['{{ fields.name | lower }}', 'orders db'],
    ['{{ fields.name | slug }}', 'orders-db'],
    ['{{ fields.padded | trim }}', 'spaced out'],
    ['{{ fields.name | replace(" ", "_") }}', 'Orders_DB'],
    ['{{ fields.name | replace("Orders", "Sales") | upper }}', 'SALES DB'],
    ['{{ fields.tags | json }}', '["billing","pci"]'],
    ['{{ fields.name | json }}', '"Orders DB"'],
    ['{{ fields.missing | default("none") }}', 'none'],
    ['{{ fields.empty | default("none") }}', 'none'],
    ['{{ fields.missing | upper | default("none") }}', 'none'],
    ['{{ fields.name | default("none") }}', 'Orders DB'],
    ['{{ fields.missing | default(7) }}', 7],
    ['{{ fields.missing | default(false) }}', false],
    ['{{ fields.storage_gb | upper }}', '100'],
    ['{{ fields.accented | slug }}', 'cafe-creme-ops-2'],
  ])('%s → %j', (template, expected) => {
    // Prepare
    const ctx = context({ fields: { ...context().fields, padded: '  spaced out \n', empty: '', accented: '  Café Crème — Ops #2 ' } });

    // Act
    const result = execute(template, ctx);

    // Assess
    expect(result).toMatchObject({ value: expected, errors: [] });
  });

  it('reports the missing value when a default comes before a filter that cannot give one', () => {
    expect(execute('{{ fields.missing | upper }}').errors).toMatchObject([{ code: 'unknown-variable', variable: 'fields.missing' }]);
  });

  it('refuses unknown filters and wrong arguments, naming the variable', () => {
    // Act
    const result = execute('{{ fields.name | titlecase }} {{ fields.name | replace("a") }} {{ fields.name | replace("", "x") }} {{ fields.name | upper(1) }} {{ fields.name | default }}');

    // Assess
    expect(result.value).toBe('{{ fields.name | titlecase }} {{ fields.name | replace("a") }} {{ fields.name | replace("", "x") }} {{ fields.name | upper(1) }} {{ fields.name | default }}');
    expect(result.errors.map(({ code, message }) => ({ code, message }))).toEqual([
      { code: 'unknown-filter', message: "fields.name: unknown filter 'titlecase' (known: default, upper, lower, trim, slug, replace, json)" },
      { code: 'filter-arguments', message: 'fields.name: filter replace takes two strings: the text to find (not empty) and its replacement: replace("from", "to")' },
      { code: 'filter-arguments', message: 'fields.name: filter replace takes two strings: the text to find (not empty) and its replacement: replace("from", "to")' },
      { code: 'filter-arguments', message: 'fields.name: filter upper takes no arguments: upper' },
      { code: 'filter-arguments', message: 'fields.name: filter default takes one argument, the value used when the variable is empty or not set: default("value")' },
    ]);
  });
});

describe('render: strictness', () => {
  it.each([
    ['{{ nope.x }}', { code: 'unknown-scope', variable: 'nope.x', message: "unknown scope 'nope' in nope.x (known: fields, metadata, request, user, team, system, env, output, secrets, approval)" }],
    ['{{ fields }}', { code: 'missing-key', variable: 'fields', message: 'fields: name a key, e.g. fields.name' }],
    ['{{ request.priority }}', { code: 'unknown-variable', variable: 'request.priority', message: 'unknown variable request.priority (request has id, requester, team, createdAt)' }],
    ['{{ system.hostname }}', { code: 'unknown-variable', variable: 'system.hostname', message: 'unknown variable system.hostname (system has date, time, uuid, region, stage)' }],
    ['{{ system }}', { code: 'missing-key', variable: 'system', message: 'system: name one of system.date, system.time, system.uuid, system.region, system.stage' }],
    ['{{ env.HOME }}', { code: 'env-not-allowlisted', variable: 'env.HOME', message: "env.HOME: environment variable 'HOME' is not allowlisted" }],
    ['{{ env.A.B }}', { code: 'unknown-variable', variable: 'env.A.B', message: 'env.A.B: write env.<NAME>' }],
    ['{{ output.create_repo }}', { code: 'missing-key', variable: 'output.create_repo', message: 'output.create_repo: write output.<actionId>.<field>' }],
    ['{{ output.create_repo.sha }}', { code: 'unknown-variable', variable: 'output.create_repo.sha', message: "unknown variable output.create_repo.sha: action 'create_repo' has no such output (has it run before this one?)" }],
    ['{{ secrets.nope }}', { code: 'unknown-secret', variable: 'secrets.nope', message: "secrets.nope: no secret named 'nope' could be resolved" }],
    ['{{ fields.tags.2 }}', { code: 'unknown-variable', variable: 'fields.tags.2', message: 'unknown variable fields.tags.2: the form has no value for it' }],
    ['{{ fields.tags.length }}', { code: 'unknown-variable', variable: 'fields.tags.length', message: 'unknown variable fields.tags.length: the form has no value for it' }],
    ['{{ fields.name.length }}', { code: 'unknown-variable', variable: 'fields.name.length', message: 'unknown variable fields.name.length: the form has no value for it' }],
    ['{{ fields.constructor }}', { code: 'unknown-variable', variable: 'fields.constructor' }],
    ['{{ fields.__proto__ }}', { code: 'unknown-variable', variable: 'fields.__proto__' }],
    ['{{ fields.settings.constructor.name }}', { code: 'unknown-variable', variable: 'fields.settings.constructor.name' }],
    ['{{ metadata.toString }}', { code: 'unknown-variable', variable: 'metadata.toString' }],
    ['{{ user.hasOwnProperty }}', { code: 'unknown-variable', variable: 'user.hasOwnProperty' }],
  ])('%s is an issue', (template, issue) => {
    // Act
    const result = execute(template);

    // Assess
    expect(result.value).toBe(template);
    expect(result.errors).toEqual([expect.objectContaining({ where: '', expression: template.slice(2, -2).trim(), ...issue })]);
  });

  it('reports a request value not known yet, unless a default is given', () => {
    const ctx = context({ request: {} });
    expect(execute('{{request.id}}', ctx).errors).toEqual([{ where: '', expression: 'request.id', variable: 'request.id', code: 'missing-value', message: 'request.id has no value yet (the request has no id)' }]);
    expect(execute('{{request.id | default("draft")}}', ctx)).toMatchObject({ value: 'draft', errors: [] });
  });

  it('does not let a default hide a variable that is not allowlisted or a secret that does not exist', () => {
    expect(execute('{{ env.HOME | default("x") }}').errors).toMatchObject([{ code: 'env-not-allowlisted' }]);
    expect(execute('{{ secrets.nope | default("x") }}').errors).toMatchObject([{ code: 'unknown-secret' }]);
  });

  it('reads an own key named like a prototype member as data', () => {
    expect(execute('{{fields.constructor}}', context({ fields: { constructor: 'plain data' } }))).toMatchObject({ value: 'plain data', errors: [] });
  });

  it('reports every failing template of a string, each with its expression', () => {
    // Act
    const result = execute('{{a.b}} ok {{}} {{ fields.x + 1 }} {{ fields.name }} {{ unclosed');

    // Assess
    expect(result.value).toBe('{{a.b}} ok {{}} {{ fields.x + 1 }} Orders DB {{ unclosed');
    expect(result.errors.map(({ expression, code }) => ({ expression, code }))).toEqual([
      { expression: 'a.b', code: 'unknown-scope' },
      { expression: '', code: 'empty-expression' },
      { expression: 'fields.x + 1', code: 'syntax' },
      { expression: 'unclosed', code: 'unclosed-template' },
    ]);
  });
});

describe('render: secrets', () => {
  it('never resolves a secret in preview: a placeholder shows, and the resolver is not called', () => {
    // Prepare
    const asked: string[] = [];
    const ctx = context({ secrets: (name) => (asked.push(name), 'tf-SECRET-value') });

    // Act
    const result = preview({ token: '{{ secrets.tf_token }}', header: 'Bearer {{ secrets.tf_token | upper }}' }, ctx);

    // Assess
    expect(result).toEqual({
      value: { token: '‹secret:tf_token›', header: 'Bearer ‹secret:tf_token›' },
      errors: [],
      uses: [
        { where: '/token', expression: 'secrets.tf_token', scope: 'secrets', key: 'tf_token', value: '••••', source: "secret 'tf_token'" },
        { where: '/header', expression: 'secrets.tf_token | upper', scope: 'secrets', key: 'tf_token', value: '••••', source: "secret 'tf_token'" },
      ],
    });
    expect(asked).toEqual([]);
  });

  it('resolves a secret in execute mode, and masks it in uses', () => {
    // Act
    const result = execute('Bearer {{ secrets.tf_token }}');

    // Assess
    expect(result).toEqual({
      value: 'Bearer tf-SECRET-value',
      errors: [],
      uses: [{ where: '', expression: 'secrets.tf_token', scope: 'secrets', key: 'tf_token', value: '••••', source: "secret 'tf_token'" }],
    });
  });

  it('masks a secret field in preview and in uses, and writes it only in execute mode', () => {
    expect(preview('pw={{fields.admin_password}}')).toEqual({
      value: 'pw=‹secret field:admin_password›',
      errors: [],
      uses: [{ where: '', expression: 'fields.admin_password', scope: 'fields', key: 'admin_password', value: '••••', source: "form field 'admin_password'" }],
    });
    expect(execute('pw={{fields.admin_password}}')).toMatchObject({ value: 'pw=Pa55-word!', uses: [{ value: '••••' }] });
  });

  it('reports a resolver that throws as a secret that could not be resolved', () => {
    const ctx = context({
      secrets: () => {
        throw new Error('AccessDenied for tf-SECRET-value');
      },
    });
    expect(execute('{{secrets.tf_token}}', ctx).errors).toEqual([
      { where: '', expression: 'secrets.tf_token', variable: 'secrets.tf_token', code: 'unknown-secret', message: "secrets.tf_token: no secret named 'tf_token' could be resolved" },
    ]);
  });
});

describe('render: preview of what exists only at execution', () => {
  it('shows outputs and approval as placeholders when the context has none', () => {
    // Act
    const result = preview({ url: '{{output.create_repo.url}}', by: 'approved by {{approval.approver}}' }, context({ output: undefined, approval: undefined }));

    // Assess
    expect(result).toEqual({
      value: { url: '‹output:create_repo.url›', by: 'approved by ‹approval:approver›' },
      errors: [],
      uses: [
        { where: '/url', expression: 'output.create_repo.url', scope: 'output', key: 'create_repo.url', value: undefined, source: "output 'url' of action 'create_repo' (known once it has run)" },
        { where: '/by', expression: 'approval.approver', scope: 'approval', key: 'approver', value: undefined, source: "approval 'approver' (known once approved)" },
      ],
    });
  });

  it('is strict about them in execute mode', () => {
    expect(execute('{{output.create_repo.url}}', context({ output: undefined })).errors).toMatchObject([{ code: 'unknown-variable', variable: 'output.create_repo.url' }]);
  });
});

describe('render: any input', () => {
  it.each([undefined, null, 42, true, [], {}, new Date(0), new Map([['a', '{{fields.name}}']])])('returns %j as it is', (value) => {
    expect(execute(value)).toEqual({ value, errors: [], uses: [] });
  });

  it('answers for a malformed context and options instead of throwing', () => {
    expect(render('{{fields.a}}', null as unknown as VariableContext, undefined as never)).toMatchObject({ value: '{{fields.a}}', errors: [{ code: 'unknown-variable' }] });
    expect(render('{{system.uuid}}', { system: { uuid: () => { throw new Error('no'); } } }, { mode: 'execute' }).errors).toMatchObject([{ code: 'missing-value' }]);
  });

  it('does not follow getters or call functions in the context', () => {
    // Prepare
    let called = false;
    const fields = Object.defineProperty({ fn: () => 'ran' }, 'getter', {
      enumerable: true,
      get: () => {
        called = true;
        return 'ran';
      },
    });

    // Act
    const result = execute('{{fields.getter}} {{fields.fn}}', context({ fields }));

    // Assess
    expect(result.errors.map((e) => e.code)).toEqual(['unknown-variable', 'unknown-variable']);
    expect(called).toBe(false);
  });

  it.each([
    ['unclosed braces', (n: number) => '{{'.repeat(n), 50_000],
    ['quotes that pair across templates', (n: number) => `{{'}}{{"}}`.repeat(n), 10_000],
    ['an unterminated quote', (n: number) => `{{ fields.a | default("${'x}}'.repeat(n)}`, 30_000],
    ['a long path', (n: number) => `{{fields.${'a.'.repeat(n)}b}}`, 30_000],
    ['many filters', (n: number) => `{{fields.a${' | upper'.repeat(n)}}}`, 10_000],
  ])('reads 100 KB of %s in linear time', (_name, hostile, n) => {
    // Prepare
    const measured = (text: string) => {
      const meter = { steps: 0 };
      const result = render(text, context({ fields: { a: 'v' } }), { mode: 'execute', meter });
      return { steps: meter.steps, result };
    };

    // Act
    const once = measured(hostile(n));
    const twice = measured(hostile(2 * n));

    // Assess: a few steps a character, and twice the text is twice the work (quadratic work would be four times)
    expect(once.steps).toBeLessThanOrEqual(3 * hostile(n).length);
    expect(twice.steps / once.steps).toBeLessThan(2.05);
    expect(once.result.errors.length).toBeLessThanOrEqual(20_000);
  });

  it('leaves a value that refers to itself as it is, with an issue', () => {
    // Prepare
    const value: Record<string, unknown> = { a: '{{fields.name}}' };
    value.self = value;

    // Act
    const result = execute(value);

    // Assess
    expect(result.errors).toMatchObject([{ where: '/self', code: 'too-deep' }]);
    expect((result.value as Record<string, unknown>).a).toBe('Orders DB');
  });

  it('writes an object holding functions and cycles as JSON without them', () => {
    // Prepare
    const settings: Record<string, unknown> = { tier: 'gold', toJSON: () => 'hijacked' };
    settings.self = settings;

    // Act
    const result = execute('{{fields.settings | json}}', context({ fields: { settings } }));

    // Assess
    expect(result).toMatchObject({ value: '{"tier":"gold","self":null}', errors: [] });
  });
});

describe('findVariables', () => {
  it('lists every variable with where, scope, key and filters, unknown scopes included', () => {
    // Act
    const found = findVariables({ steps: [{ body: 'Hello {{ user.name | upper }}', url: '{{output.create_repo.url}}' }], x: '{{ vault.token }} {{ broken', y: 1 });

    // Assess
    expect(found).toEqual([
      { where: '/steps/0/body', expression: 'user.name | upper', scope: 'user', key: 'name', filters: ['upper'] },
      { where: '/steps/0/url', expression: 'output.create_repo.url', scope: 'output', key: 'create_repo.url', filters: [] },
      { where: '/x', expression: 'vault.token', scope: 'vault', key: 'token', filters: [] },
    ]);
  });
});

describe('checkTemplates', () => {
  it('finds without a context what no context could fix', () => {
    // Act
    const issues = checkTemplates({ a: '{{fields.any}} {{ vault.x }}', b: ['{{ env.A | nope }}', '{{ x'], c: '{{secrets.tf_token}}' });

    // Assess
    expect(issues.map(({ where, code, variable }) => ({ where, code, variable }))).toEqual([
      { where: '/a', code: 'unknown-scope', variable: 'vault.x' },
      { where: '/b/0', code: 'unknown-filter', variable: 'env.A' },
      { where: '/b/1', code: 'unclosed-template', variable: undefined },
    ]);
  });
});
