/**
 * The service catalog in a real browser against the real local runtime and its demo data: list, a
 * misspelled search, a service's environments, dependency graph, runbooks and health, an edit (If-Match,
 * field errors) that shows in the audit log, registering, a team member changing its runbooks, dependencies and
 * environments, and what a viewer cannot do.
 */
import { describe, expect, it } from 'vitest';
import { navLabels, newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

describe('the catalog as an admin', () => {
  it('finds core-service by a misspelled search, shows its environments, graph, runbooks and health, and audits an edit', { timeout: 240_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/catalog');
    expect(await navLabels(page)).toContain('Catalog');
    const rows = page.getByTestId('service-row');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(10);
    expect(await page.locator('[data-testid="service-row"][data-id="core-service"]').getByTestId('health-badge').count()).toBe(1);
    await page.getByTestId('register-service').waitFor();
    await screenshot(page, 'catalog');

    // Search as you type, typos tolerated; the search lives in the URL.
    await page.getByTestId('catalog-search').fill('core-servce');
    await expect.poll(() => rows.first().getAttribute('data-id'), { timeout: 10_000 }).toBe('core-service');
    await expect.poll(() => new URL(page.url()).searchParams.get('q')).toBe('core-servce');
    await screenshot(page, 'catalog-search');

    await rows.first().click();
    const service = page.getByTestId('service-page');
    await service.waitFor();
    expect(new URL(page.url()).pathname).toBe('/catalog/core-service');
    await expect.poll(() => page.getByTestId('environment').count()).toBeGreaterThanOrEqual(2);
    const envNames = await page.getByTestId('environment').evaluateAll((els) => els.map((e) => e.getAttribute('data-env')));
    expect(envNames).toContain('prod');
    const graph = page.getByTestId('dependency-graph');
    await graph.waitFor();
    expect(await graph.locator('[data-testid="graph-node"][data-current="true"]').getAttribute('data-id')).toBe('core-service');
    const nodeIds = await graph.getByTestId('graph-node').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    expect(nodeIds).toEqual(expect.arrayContaining(['postgres', 'redis']));
    expect(await graph.locator('[data-testid="graph-edge"][data-from="core-service"][data-to="postgres"]').getAttribute('data-type')).toBe('runtime');
    expect(await page.getByTestId('direct-dependencies').innerText()).toContain('postgres');
    expect(await page.getByTestId('direct-dependents').innerText()).toContain('frontend');

    const triggers = await page.getByTestId('runbook').evaluateAll((els) => els.map((e) => e.getAttribute('data-trigger')));
    expect(triggers).toEqual(expect.arrayContaining(['HighErrorRate', 'DatabaseConnectionExhausted']));
    expect(await page.getByTestId('runbook').first().locator('.apollo-markdown').innerHTML()).toMatch(/<(p|ol|ul|h\d)>/);

    // A graph node opens that service's page.
    await graph.locator('[data-testid="graph-node"][data-id="postgres"]').click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/catalog/postgres');
    await page.goBack();
    await page.locator('[data-testid="service-page"][data-id="core-service"]').waitFor();

    // Edit: the client checks what it can, the change is saved with If-Match and shown.
    await page.getByTestId('edit-service').click();
    const form = page.getByTestId('service-form');
    await form.locator('#svc-repository').fill('github.com/no-scheme');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('A URL starting with https://').waitFor();
    const description = 'Accounts, tenants and orders: the domain model behind the public API.';
    await form.locator('#svc-repository').fill('https://github.com/apollo-demo/core-service');
    await form.locator('#svc-description').fill(description);
    await screenshot(page, 'service-edit');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    await page.locator('.apollo-page-description', { hasText: description }).waitFor();

    // The health job's first run (a minute after start) arrives live on service:core-service; locally the
    // cluster is simulated and the page says so.
    const health = page.getByTestId('service-health');
    await expect.poll(() => page.getByTestId('simulated').count(), { timeout: 100_000, interval: 1000 }).toBeGreaterThan(0);
    await expect.poll(() => health.getByTestId('health-sparkline').first().getAttribute('data-samples')).not.toBe('0');
    expect(await health.getByTestId('health-badge').first().getAttribute('data-status')).not.toBe('unknown');
    await screenshot(page, 'service-detail');
    await graph.scrollIntoViewIfNeeded();
    await screenshot(page, 'service-graph');

    // The audit log, filtered on this service, shows the edit.
    await page.getByTestId('service-audit').click();
    await expect.poll(() => new URL(page.url()).search).toBe('?resourceType=service&resourceId=core-service');
    const entry = page.locator('[data-testid="audit-row"]', { hasText: 'services.update' }).first();
    await entry.waitFor({ timeout: 15_000 });
    await expect.poll(() => entry.getByTestId('outcome').innerText()).toBe('succeeded');
    await entry.click();
    expect(await page.getByTestId('audit-drawer').innerText()).toContain(description);
    await context.close();
  });

  it("explains a change saved elsewhere (412) instead of overwriting it, and filters by team in the URL", async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/catalog/postgres');
    await page.getByTestId('edit-service').click();
    const form = page.getByTestId('service-form');
    const current = (await local.apollo.client('admin').call<{ version: number }>('GET', '/api/v1/services/postgres')).body;
    await local.apollo.client('admin').call('PUT', '/api/v1/services/postgres', { body: { description: 'Changed elsewhere.' }, ifMatch: current.version });
    await form.locator('#svc-description').fill('Mine.');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('Someone changed this service since you opened it').waitFor();
    await form.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.apollo-page-description', { hasText: 'Changed elsewhere.' }).waitFor();

    await page.getByTestId('service-page').getByTestId('team').first().click();
    await expect.poll(() => new URL(page.url()).search).toBe('?team=platform');
    await expect.poll(() => page.getByTestId('service-row').count()).toBeGreaterThan(0);
    expect(await page.locator('#f-team').inputValue()).toBe('platform');
    const teams = await page.getByTestId('service-row').getByTestId('team').allInnerTexts();
    expect(new Set(teams)).toEqual(new Set(['platform']));
    await context.close();
  });

  it('registers a service with field errors first, then opens its page', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/catalog');
    await page.getByTestId('register-service').click();
    const form = page.getByTestId('service-form');
    await form.locator('#svc-name').fill('Ledger Export');
    await form.getByRole('button', { name: 'Register' }).click();
    await form.getByText('2–63 characters').waitFor();
    await form.locator('#svc-name').fill('billing-service');
    await form.getByRole('button', { name: 'Register' }).click();
    await form.getByText('service billing-service already exists (team payments). Choose another name.').waitFor();
    await form.locator('#svc-name').fill('ledger-export');
    expect(await form.locator('#svc-displayName').inputValue()).toBe('Ledger Export');
    await form.locator('#svc-team').selectOption('platform');
    await form.locator('#svc-language').fill('kotlin');
    await form.getByRole('button', { name: 'Register' }).click();
    await page.locator('[data-testid="service-page"][data-id="ledger-export"]').waitFor();
    expect(await page.getByTestId('service-overview').innerText()).toContain('registered by hand');

    await page.getByTestId('deregister-service').click();
    await page.getByRole('button', { name: 'Deregister', exact: true }).last().click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/catalog');
    await page.getByTestId('service-row').first().waitFor();
    // Never the list from before, with the deregistered service still in it.
    expect(await page.locator('[data-testid="service-row"][data-id="ledger-export"]').count()).toBe(0);
    await context.close();
  });
});

describe("changing a service's runbooks and dependencies as a member of its team", () => {
  it('adds a runbook (a field error first), edits and deletes it, and changes a dependency the graph then shows', { timeout: 120_000 }, async () => {
    const context = await newContext(local.browser);
    // developer@apollo.local is a member of payments, which owns violations-service but not core-service.
    const page = await signIn(context, local.apollo.url, 'developer@apollo.local', '/catalog/core-service');
    await page.getByTestId('environment').first().waitFor();
    expect(await page.getByTestId('add-runbook').count()).toBe(0);
    expect(await page.getByTestId('edit-dependencies').count()).toBe(0);
    expect(await page.getByTestId('edit-runbook').count()).toBe(0);

    await page.goto(local.apollo.url + '/catalog/violations-service');
    await page.getByTestId('environment').first().waitFor();
    const runbooksBefore = await page.getByTestId('runbook').count();
    await page.getByTestId('add-runbook').click();
    const form = page.getByTestId('runbook-form');
    await form.locator('#rb-title').fill('Disk pressure');
    await form.locator('#rb-trigger').fill('Disk pressure');
    await form.locator('#rb-content').fill('## Free space\n\n1. Check `df -h` on the node\n2. Rotate the [logs](https://example.com/logs)');
    // The preview follows the Markdown as it is typed.
    await form.getByTestId('runbook-preview').locator('h2', { hasText: 'Free space' }).waitFor();
    await form.getByRole('button', { name: 'Add runbook' }).click();
    await form.getByText('no spaces (e.g. HighErrorRate)').waitFor();
    await form.locator('#rb-trigger').fill('DiskPressure');
    await form.getByText('Automatable', { exact: true }).click();
    await screenshot(page, 'runbook-add');
    await form.getByRole('button', { name: 'Add runbook' }).click();
    await form.waitFor({ state: 'detached' });
    const card = page.locator('[data-testid="runbook"][data-trigger="DiskPressure"]');
    await card.locator('.apollo-markdown h2', { hasText: 'Free space' }).waitFor();
    expect(await card.locator('.apollo-markdown a').getAttribute('target')).toBe('_blank');
    expect(await card.innerText()).toContain('automatable');
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'runbook-added');

    // Edit: only what changed is sent, with If-Match on the runbook's version.
    await card.getByTestId('edit-runbook').click();
    expect(await form.locator('#rb-trigger').inputValue()).toBe('DiskPressure');
    await form.locator('#rb-title').fill('Node disk pressure');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    await card.getByText('Node disk pressure').waitFor();

    // A change saved elsewhere while the dialog is open is explained, not overwritten.
    await card.getByTestId('edit-runbook').click();
    const api = local.apollo.client('admin');
    const runbooks = (await api.call<{ items: Array<{ id: string; trigger: string; version: number }> }>('GET', '/api/v1/services/violations-service/runbooks')).body.items;
    const saved = runbooks.find((r) => r.trigger === 'DiskPressure')!;
    await api.call('PUT', `/api/v1/services/violations-service/runbooks/${saved.id}`, { body: { title: 'Disk pressure (on-call)' }, ifMatch: saved.version });
    await form.locator('#rb-content').fill('## Mine');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('Someone changed this runbook since you opened it').waitFor();
    await form.getByRole('button', { name: 'Cancel' }).click();
    await card.getByText('Disk pressure (on-call)').waitFor();

    // Delete, after a confirmation.
    await card.getByTestId('delete-runbook').click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => card.count()).toBe(0);
    expect(await page.getByTestId('runbook').count()).toBe(runbooksBefore);

    // Dependencies: a name the catalog doesn't know is refused on its row; then swap search-service for redis.
    const graph = page.getByTestId('dependency-graph');
    // The graph is laid out asynchronously (elkjs loads on first use).
    await expect.poll(() => graph.locator('[data-testid="graph-edge"][data-from="violations-service"][data-to="search-service"]').count()).toBe(1);
    await page.getByTestId('edit-dependencies').click();
    const deps = page.getByTestId('dependencies-form');
    const rows = deps.getByTestId('dependency-row');
    // The dialog opens while the page may still be laying its graph out: wait for its rows.
    await expect.poll(() => rows.count()).toBe(4);
    await rows.filter({ has: page.locator('input[value="search-service"]') }).getByTestId('remove-dependency').click();
    await deps.getByTestId('add-dependency').click();
    const added = rows.last();
    await added.locator('input[list]').fill('redis-cahce');
    await added.locator('select').selectOption('optional');
    await added.locator('input[placeholder="what it is used for"]').fill('Rate-limit counters');
    await deps.getByRole('button', { name: 'Save' }).click();
    await added.getByText('no service named redis-cahce').waitFor();
    await added.locator('input[list]').fill('redis');
    await screenshot(page, 'dependencies-edit');
    await deps.getByRole('button', { name: 'Save' }).click();
    await deps.waitFor({ state: 'detached' });
    const edge = graph.locator('[data-testid="graph-edge"][data-from="violations-service"][data-to="redis"]');
    await expect.poll(() => edge.count()).toBe(1);
    expect(await edge.getAttribute('data-type')).toBe('optional');
    expect(await graph.locator('[data-testid="graph-edge"][data-from="violations-service"][data-to="search-service"]').count()).toBe(0);
    expect(await page.getByTestId('direct-dependencies').innerText()).toContain('Rate-limit counters');
    await graph.scrollIntoViewIfNeeded();
    await screenshot(page, 'dependencies-saved');
    await context.close();
  });
  it('adds an environment (a field error first), edits it and removes it after a confirmation', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'developer@apollo.local', '/catalog/violations-service');
    await page.getByTestId('environment').first().waitFor();
    await page.getByTestId('add-environment').click();
    const form = page.getByTestId('environment-form');
    await form.locator('#env-name').fill('qa');
    await form.locator('#env-cluster').fill('eks-dev');
    await form.locator('#env-namespace').fill('Payments');
    await form.locator('#env-imageTag').fill('v3.7.0-rc.1');
    await form.locator('#env-replicas').fill('2');
    await form.locator('#env-healthCheck').fill(`${local.apollo.url}/local/targets/violations-service/dev/health`);
    await form.locator('#env-cpuRequest').fill('100m');
    await form.locator('#env-cpuLimit').fill('500m');
    await form.getByTestId('add-secret').click();
    await form.locator('input[placeholder="DB_PASSWORD"]').fill('DB_PASSWORD');
    await form.locator('input[placeholder="name or ARN"]').fill('qa/violations/db');
    await form.getByRole('button', { name: 'Add environment' }).click();
    await form.getByText('A Kubernetes namespace: lowercase letters').waitFor();
    await form.locator('#env-namespace').fill('payments');
    await screenshot(page, 'environment-add');
    await form.getByRole('button', { name: 'Add environment' }).click();
    await form.waitFor({ state: 'detached' });
    const card = page.locator('[data-testid="environment"][data-env="qa"]');
    await card.waitFor();
    const text = await card.innerText();
    expect(text).toContain('eks-dev/payments');
    expect(text).toContain('v3.7.0-rc.1');
    expect(text).toContain('DB_PASSWORD');

    // Edit with If-Match: the values it opened with, one changed.
    await card.getByTestId('edit-environment').click();
    expect(await form.locator('#env-name').isDisabled()).toBe(true);
    expect(await form.locator('#env-cpuLimit').inputValue()).toBe('500m');
    await form.locator('#env-imageTag').fill('v3.7.0');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => card.innerText()).toContain('v3.7.0\n');

    await card.getByTestId('delete-environment').click();
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect.poll(() => card.count()).toBe(0);
    expect(await page.getByTestId('environment').count()).toBe(3);
    await context.close();
  });
  it("explains that a deregistered name stays its team's: the role may register services, Apollo's rule refused this one", async () => {
    const admin = local.apollo.client('admin');
    await admin.call('POST', '/api/v1/services', { body: { name: 'reserved-name', displayName: 'Reserved', team: 'platform' } });
    await admin.call('DELETE', '/api/v1/services/reserved-name', { ifMatch: 1 });
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'developer@apollo.local', '/catalog');
    await page.getByTestId('register-service').click();
    const form = page.getByTestId('service-form');
    await form.locator('#svc-name').fill('reserved-name');
    await form.locator('#svc-team').selectOption('payments');
    await form.getByRole('button', { name: 'Register' }).click();
    const why = form.getByTestId('forbidden-by-rule');
    await why.waitFor();
    expect((await why.textContent())!.replace(/\s+/g, ' ')).toContain('Your role developer has services:write, but Apollo refused this one: developer@apollo.local is neither the owner nor in team platform');
    expect(await form.innerText()).not.toContain('not this one');
    await context.close();
  });
});

describe('the catalog as a viewer', () => {
  it('reads the catalog without Register or Edit', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'viewer@apollo.local', '/catalog');
    expect(await navLabels(page)).toEqual(['Home', 'Catalog', 'Deploy Center', 'Self-service', 'Requests', 'Incidents', 'Costs', 'AI console', 'Observability']);
    await page.getByTestId('service-row').first().waitFor();
    expect(await page.getByTestId('register-service').count()).toBe(0);
    // "/" jumps to the search box from anywhere on the page.
    await page.locator('h1').click();
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('catalog-search');
    await page.goto(local.apollo.url + '/catalog/core-service');
    await page.getByTestId('environment').first().waitFor();
    expect(await page.getByTestId('edit-service').count()).toBe(0);
    expect(await page.getByTestId('deregister-service').count()).toBe(0);
    expect(await page.getByTestId('service-audit').count()).toBe(0);
    await context.close();
  });
});

describe('dark theme', () => {
  it('renders the catalog and a service page in the dark theme', async () => {
    const context = await newContext(local.browser, { colorScheme: 'dark' });
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/catalog');
    await page.getByTestId('service-row').first().waitFor();
    expect(await page.evaluate(() => document.body.classList.contains('bp6-dark'))).toBe(true);
    await screenshot(page, 'catalog-dark');
    await page.goto(local.apollo.url + '/catalog/core-service');
    await page.getByTestId('dependency-graph').waitFor();
    await screenshot(page, 'service-detail-dark');
    await context.close();
  });
});

describe('discovery as an admin', () => {
  it('syncs the (fake, and labelled so) GitHub organisation and follows the run live to its outcome', { timeout: 120_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/catalog');
    await page.getByTestId('open-discovery').click();
    await page.getByTestId('discovery-local').waitFor();
    await page.getByTestId('discovery-sync').click();
    const job = page.getByTestId('discovery-job').first();
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    expect(await job.textContent()).toMatch(/by admin@apollo\.local/);
    expect(await job.textContent()).toMatch(/\d+ of \d+ repositories/);
    // A repository's problem (shown open): a headline, then each schema path once.
    const problem = (await page.getByTestId('discovery-errors').locator('tr', { hasText: 'legacy-reports' }).textContent())!;
    expect(problem).toContain('apollo.yaml does not match the manifest schema');
    expect(problem.split('/metadata/tier')).toHaveLength(2);
    // Then Argo CD (simulated): every demo application is of a service of the seeded catalog.
    expect(await job.getByTestId('discovery-argocd').textContent()).toMatch(/^Argo CD: (\d+) applications · \1 matched · .* · 0 unregistered$/);
    await screenshot(page, 'discovery');
    await context.close();
  });

  it('is not offered to a developer', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'developer@apollo.local', '/catalog');
    await page.getByTestId('register-service').waitFor();
    expect(await page.getByTestId('open-discovery').count()).toBe(0);
    await context.close();
  });
});
