import { describe, expect, it } from 'vitest';
import type { CatalogAction, CatalogApproval, CatalogField } from '../../../../schemas/types.gen.ts';
import { actionPolicy, categoryTitle, plainText, describeAction, describeApproval, describeCondition, describeFields, describeLifecycle, previewApproval, quotaParts } from './describe.ts';

const FIELDS: CatalogField[] = [
  { id: 'environment', type: 'select', label: 'Environment', options: [{ value: 'dev', label: 'Development' }, { value: 'prod', label: 'Production' }], validation: { required: true }, default: 'dev' },
  { id: 'storage_gb', type: 'integer', label: 'Storage (GiB)', default: 20, validation: { min: 20, max: 2000 } },
  { id: 'multi_az', type: 'boolean', label: 'Multi-AZ', visibleWhen: { field: 'environment', equals: 'prod' } },
  { id: 'admin_password', type: 'secret', label: 'Admin password', validation: { minLength: 16 }, visibleWhen: { field: 'environment', equals: 'prod' } },
  { id: 'window', type: 'string', label: 'Maintenance window', requiredWhen: { field: 'environment', in: ['prod'] }, validation: { pattern: '^x$', patternMessage: 'like sun:03:00-sun:04:00' } },
];

describe('describeCondition', () => {
  it('reads conditions with the form labels and option labels', () => {
    expect(describeCondition({ field: 'environment', equals: 'prod' }, FIELDS)).toBe('Environment is Production');
    expect(describeCondition({ field: 'environment', in: ['dev', 'prod'] }, FIELDS)).toBe('Environment is one of Development or Production');
    expect(describeCondition({ not: { field: 'environment', equals: 'prod' } }, FIELDS)).toBe('Environment is not Production');
    expect(describeCondition({ field: 'multi_az', equals: true }, FIELDS)).toBe('Multi-AZ is yes');
    expect(describeCondition({ metadata: 'category', equals: 'databases' })).toBe("the offering's category is databases");
    expect(describeCondition({ all: [{ field: 'environment', equals: 'prod' }, { any: [{ field: 'storage_gb', equals: 500 }, { field: 'multi_az', equals: false }] }] }, FIELDS))
      .toBe('Environment is Production and (Storage (GiB) is 500 or Multi-AZ is no)');
    expect(describeCondition({ field: 'unknown_field', equals: 'x' }, FIELDS)).toBe('unknown_field is x');
  });
});

describe('describeApproval', () => {
  it('says when and by whom, and that nobody approves their own request', () => {
    expect(describeApproval({ when: { field: 'environment', equals: 'prod' }, approvers: { teams: ['platform'] }, timeout: '3d', reason: 'Production databases are reviewed.' }, FIELDS)).toEqual({
      when: 'A request needs approval when Environment is Production.',
      who: 'Approved by a member of team platform.',
      notes: ['Production databases are reviewed.', 'A requester never approves their own request.', 'A request not approved within 3d is rejected.'],
    });
    expect(describeApproval({ when: 'always', approvers: { roles: ['operator'], principals: ['cto@acme.dev'] }, mode: 'all' })).toMatchObject({
      when: 'Every request needs approval.',
      who: 'Approved by each of: an operator (or a role above it) and cto@acme.dev.',
    });
    expect(describeApproval({ when: 'always', approvers: { roles: ['admin'], teams: ['security'] } })?.who).toBe('Approved by any one of an admin (or a role above it) or a member of team security.');
    expect(describeApproval(undefined)).toBeNull();
  });
});

describe('describeAction', () => {
  const destroy: CatalogAction = { id: 'destroy', name: 'Destroy the RDS instance', type: 'terraform', config: { organization: 'acme', workspace: 'pg-{{fields.db_name}}', operation: 'destroy' } };

  it('says what each type of action does, templates kept as written', () => {
    expect(describeAction({ id: 'a', type: 'rest', config: { method: 'PUT', url: 'https://x/{{fields.service}}' } })).toBe('PUT https://x/{{fields.service}}');
    expect(describeAction({ id: 'b', type: 'terraform', config: { organization: 'acme', workspace: 'pg-1', repository: 'acme/modules', directory: 'rds', ref: 'v4' } })).toBe('Apply workspace pg-1 in acme (acme/modules/rds @ v4)');
    expect(describeAction(destroy)).toBe('Destroy workspace pg-{{fields.db_name}} in acme');
    expect(describeAction({ id: 'c', type: 'github-workflow', config: { repository: 'acme/templates', workflow: 'create.yml', ref: 'main' } })).toBe('Run create.yml in acme/templates on main, waiting for it to finish');
    expect(describeAction({ id: 'd', type: 'webhook', config: { url: 'https://hooks/x', secret: '{{secrets.hook}}' } })).toBe('POST a signed notification to https://hooks/x');
    expect(describeAction({ id: 'e', type: 'jira', config: { project: 'OPS', issueType: 'Task', summary: 'Access for {{request.requester}}' } })).toBe('Task in OPS: Access for {{request.requester}}');
  });

  it('lists timeout, retries and the rollback', () => {
    const provision: CatalogAction = { id: 'p', type: 'terraform', timeout: '45m', retry: { maxAttempts: 2, backoff: 'fixed', interval: '1m' }, rollback: 'destroy', config: { organization: 'acme', workspace: 'w' } };
    expect(actionPolicy(provision, [destroy])).toEqual(['times out after 45m', 'up to 2 attempts, 1m apart', 'undone by Destroy the RDS instance if a later step fails']);
    expect(actionPolicy({ id: 'r', type: 'rest', retry: { maxAttempts: 3, interval: '5s' }, config: { method: 'GET', url: 'u' } })).toEqual(['up to 3 attempts, waiting 5s then doubling']);
    expect(actionPolicy({ id: 'r', type: 'rest', retry: { maxAttempts: 1 }, config: { method: 'GET', url: 'u' } })).toEqual([]);
  });
});

describe('plainText', () => {
  it('turns a Markdown description into one line for a card', () => {
    expect(plainText('A repo with an `apollo.yaml` and **branch protection**;\nsee [the guide](https://x/y).\n\n- CI\n- Docker')).toBe('A repo with an apollo.yaml and branch protection; see the guide. CI Docker');
  });
});

describe('categoryTitle', () => {
  it('turns a slug into a heading', () => {
    expect(categoryTitle('developer-tools')).toBe('Developer tools');
    expect(categoryTitle('databases')).toBe('Databases');
  });
});

describe('quota and lifecycle', () => {
  it('says what a request costs', () => {
    const texts = (...args: Parameters<typeof quotaParts>) => quotaParts(...args).map((p) => p.text);
    expect(texts({ resource: 'postgresql-databases', amount: 1, unit: 'database' })).toEqual(["1 database of your team's postgresql-databases quota"]);
    expect(texts({ resource: 'buckets', amount: 2 })).toEqual(["2 buckets of your team's buckets quota"]);
    expect(texts(undefined)).toEqual([]);
  });

  it('says what a request takes of a sum, read from a field, and of each quota it also counts against', () => {
    // Prepare
    const quota = { resource: 'postgresql-databases', amount: 1, unit: 'database', also: [{ resource: 'postgresql-storage-gib', amount: 1, amountField: 'storage_gb', unit: 'GiB' }] };
    // Act / Assess
    expect(quotaParts(quota, FIELDS)).toEqual([
      { resource: 'postgresql-databases', unit: 'database', text: "1 database of your team's postgresql-databases quota" },
      { resource: 'postgresql-storage-gib', unit: 'GiB', text: "Storage (GiB), in GiB, of your team's postgresql-storage-gib quota" },
    ]);
    expect(quotaParts({ resource: 'vcpus', amount: 2, amountField: 'replicas', unit: 'vCPU' })[0]!.text).toBe("replicas × 2, in vCPU, of your team's vcpus quota");
    expect(quotaParts({ resource: 'scratch-gib', amount: 8, unit: 'GiB' })[0]!.text).toBe("8 GiB of your team's scratch-gib quota");
  });

  it('says where an offering is in its life', () => {
    expect(describeLifecycle(undefined)).toEqual({ state: 'active', text: null });
    expect(describeLifecycle({ status: 'deprecated', replacement: 'aurora-postgresql', sunsetDate: '2027-03-31' })).toEqual({
      state: 'deprecated', text: 'Deprecated: still requestable, but plan to move to aurora-postgresql; it will be retired on 2027-03-31.',
    });
    expect(describeLifecycle({ status: 'retired', retiredOn: '2026-01-01', replacement: 's3-bucket', message: 'Use S3.' })).toEqual({
      state: 'retired', text: 'Retired: shown for reference, no longer requestable since 2026-01-01; request s3-bucket instead. Use S3.',
    });
  });
});

describe('describeFields', () => {
  it('lists the form in step order with rules and when each field appears', () => {
    // Act
    const fields = describeFields({ presentation: { fields: FIELDS, steps: [{ id: 'a', title: 'A', fields: ['storage_gb', 'environment'] }, { id: 'b', title: 'B', fields: ['multi_az', 'admin_password', 'window'] }] } });

    // Assess
    expect(fields).toEqual([
      { id: 'storage_gb', label: 'Storage (GiB)', type: 'integer', required: null, shownWhen: null, details: ['20–2000', 'default 20'] },
      { id: 'environment', label: 'Environment', type: 'select', required: 'required', shownWhen: null, details: ['one of: Development, Production', 'default Development'] },
      { id: 'multi_az', label: 'Multi-AZ', type: 'boolean', required: null, shownWhen: 'Environment is Production', details: [] },
      { id: 'admin_password', label: 'Admin password', type: 'secret', required: null, shownWhen: 'Environment is Production', details: ['at least 16 characters', 'masked, never shown back'] },
      { id: 'window', label: 'Maintenance window', type: 'string', required: 'required when Environment is Production', shownWhen: null, details: ['like sun:03:00-sun:04:00'] },
    ]);
  });
});

describe('previewApproval (which approval a request will need, before it is sent)', () => {
  const DNS: CatalogField[] = [
    { id: 'environment', type: 'select', label: 'Environment', options: [{ value: 'dev', label: 'Development' }, { value: 'prod', label: 'Production' }] },
    { id: 'ttl', type: 'integer', label: 'TTL' },
  ];
  const rule: CatalogApproval = { when: { field: 'environment', equals: 'prod' }, approvers: { roles: ['operator'], teams: ['platform'] }, mode: 'any' };

  it('names the value that triggers the rule and who approves', () => {
    expect(previewApproval(rule, { environment: 'prod' }, DNS)).toEqual({ needed: true, text: 'Production needs approval by an operator or team platform.' });
  });

  it('says when none is needed for the values, and when it would be', () => {
    expect(previewApproval(rule, { environment: 'dev' }, DNS)).toEqual({ needed: false, text: 'No approval needed for these values (only when Environment is Production).' });
    expect(previewApproval(rule, {}, DNS).needed).toBe(false);
    expect(previewApproval(undefined, { environment: 'prod' }, DNS)).toEqual({ needed: false, text: 'No approval needed: the request goes straight to fulfilment.' });
  });

  it('reads rules that always apply, compound conditions and mode all', () => {
    expect(previewApproval({ when: 'always', approvers: { teams: ['security'] } }, {}, DNS).text).toBe('Every request needs approval by team security.');
    expect(previewApproval({ when: { all: [{ field: 'environment', equals: 'prod' }, { not: { field: 'ttl', equals: 60 } }] }, approvers: { roles: ['operator'], principals: ['cto@acme.dev'] }, mode: 'all' }, { environment: 'prod', ttl: 300 }, DNS).text)
      .toBe('This request (Environment is Production and TTL is not 60) needs approval by each of an operator and cto@acme.dev.');
    expect(previewApproval({ when: { metadata: 'category', equals: 'networking' }, approvers: { roles: ['admin'] } }, {}, DNS, { category: 'networking' }).needed).toBe(true);
  });
});
