/**
 * The web shell in a real browser against the real local runtime: sign-in, navigation by role, a 403
 * explained, live audit entries from another admin's change, the theme, and the realtime indicator
 * across a runtime restart. Screenshots of each page land in test-results/.
 */
import { describe, expect, it } from 'vitest';
import { navLabels, newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

describe('signing in', () => {
  it('lists the local directory and signs a viewer in to Home and the catalog', async () => {
    const context = await newContext(local.browser);
    const page = await context.newPage();
    const blueprintWarnings: string[] = [];
    page.on('console', (message) => { if (message.text().includes('[Blueprint]')) blueprintWarnings.push(message.text()); });
    await page.goto(local.apollo.url + '/');
    // One person per role, dana and sam, and the six demo engineers behind the request history (local/demo-request-history.ts).
    await expect.poll(() => page.getByTestId('sign-in-user').count()).toBe(12);
    expect(await page.locator('[data-user="sam@apollo.local"]').innerText()).toContain('viewer');
    await screenshot(page, 'sign-in');

    await page.locator('[data-testid="sign-in-user"][data-user="viewer@apollo.local"]').click();
    await expect.poll(() => page.getByTestId('user-role').innerText()).toBe('viewer · growth');
    expect(await navLabels(page)).toEqual(['Home', 'Catalog', 'Deploy Center', 'Self-service', 'Requests', 'Incidents', 'Costs', 'AI console', 'Observability']);
    await page.getByTestId('health').getByText('dynamodb').waitFor();
    expect(await page.getByTestId('me-role').innerText()).toBe('viewer');
    expect(await page.getByTestId('permissions').innerText()).not.toContain('audit:read');

    await page.getByTestId('user-menu').click();
    await page.getByTestId('sign-out').waitFor();
    await screenshot(page, 'user-menu');
    await page.getByTestId('sign-out').click();
    await page.locator('[data-testid="sign-in-user"][data-user="viewer@apollo.local"]').waitFor();
    // The user menu opened where it belongs and without Blueprint's React 19 Popover warning.
    expect(blueprintWarnings).toEqual([]);
    // The tab keeps only who is signed in, never credentials (web/e2e/tabs.e2e.ts).
    expect(JSON.parse(await page.evaluate(() => sessionStorage.getItem('apollo.session')!))).toEqual({ state: { user: null }, version: 0 });
    await context.close();
  });

  it('signs an admin in to Home, the catalog, Audit and Admin', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local');
    expect(await navLabels(page)).toEqual(['Home', 'Catalog', 'Deploy Center', 'Self-service', 'Requests', 'Approvals', 'Incidents', 'Secrets', 'Costs', 'AI console', 'Observability', 'Analytics', 'Audit log', 'Admin']);
    await page.getByTestId('health').locator('tbody tr').first().waitFor();
    await page.getByTestId('version').getByText('Commit').waitFor();
    expect(await page.getByTestId('permissions').innerText()).toContain('audit:read');
    await expect.poll(() => page.getByTestId('connection-state').getAttribute('data-state')).toBe('open');
    await screenshot(page, 'home');
    await context.close();
  });
});

describe('a 1024-px laptop window', () => {
  it("scrolls a table wider than its card sideways to its last column instead of cutting it off", async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'viewer@apollo.local', '/catalog');
    await page.setViewportSize({ width: 1024, height: 768 });
    const card = page.locator('.apollo-table-card');
    await page.getByTestId('service-row').first().hover();
    await page.mouse.wheel(1000, 0);
    await expect.poll(() => card.evaluate((el) => el.scrollLeft)).toBeGreaterThan(0);
    const [cardBox, lastColumn] = [await card.boundingBox(), await card.locator('th').last().boundingBox()];
    expect(lastColumn!.x + lastColumn!.width).toBeLessThanOrEqual(cardBox!.x + cardBox!.width + 1);
    await screenshot(page, 'catalog-1024');

    // A page's buttons keep their labels on one line; its description wraps instead.
    await page.goto(local.apollo.url + '/self-service');
    expect((await page.getByTestId('open-studio').boundingBox())!.height).toBeLessThan(40);
    await context.close();
  });
});

describe('a 403 explained', () => {
  it('tells a viewer who opens /audit which permission it needs and what their role has', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'sam@apollo.local', '/audit');
    const explained = page.locator('.apollo-forbidden');
    await explained.waitFor();
    const text = (await explained.innerText()).replace(/\s+/g, ' ');
    expect(text).toContain("You don't have access to this");
    expect(text).toContain('This needs audit:read');
    expect(text).toContain('GET /api/v1/audit');
    expect(text).toMatch(/Your role viewer has \d+ permissions, not this one\. Roles that have it: admin\./);
    expect(text).toContain('Ask an admin');
    expect(text).toMatch(/Request id [0-9a-f-]{36}/);
    await screenshot(page, 'forbidden');

    // Admin is users:manage, even on the Teams tab (reading teams alone is every role's right).
    await page.goto(local.apollo.url + '/admin/teams');
    await page.locator('.apollo-forbidden').getByText('users:manage').waitFor();
    expect((await page.locator('.apollo-forbidden').innerText()).replace(/\s+/g, ' ')).toMatch(/Your role viewer has \d+ permissions, not this one\. Roles that have it: admin\./);
    await context.close();
  });
});

describe('admin', () => {
  it('changes a user role after a confirmation', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/admin/users');
    const row = page.locator('[data-testid="user-row"][data-user="dana@apollo.local"]');
    await row.waitFor();
    await screenshot(page, 'admin-users');
    await row.locator('select').selectOption('operator');
    await page.getByRole('button', { name: 'Make operator' }).click();
    await expect.poll(() => row.locator('select').inputValue()).toBe('operator');
    await page.getByText('dana@apollo.local is now operator').waitFor();
    await context.close();
  });

  it("shows another admin's change live on the audit page", async () => {
    const watcherContext = await newContext(local.browser);
    const watcher = await signIn(watcherContext, local.apollo.url, 'admin@apollo.local', '/audit');
    await watcher.getByTestId('audit-row').first().waitFor();
    await expect.poll(() => watcher.getByTestId('live-badge').getAttribute('data-live'), { timeout: 20_000 }).toBe('true');

    const actorContext = await newContext(local.browser);
    const actor = await signIn(actorContext, local.apollo.url, 'dana@apollo.local', '/');
    // dana is an operator now (the test before): Analytics (stats:read) is theirs.
    expect(await navLabels(actor)).toEqual(['Home', 'Catalog', 'Deploy Center', 'Self-service', 'Requests', 'Approvals', 'Incidents', 'Secrets', 'Costs', 'AI console', 'Observability', 'Analytics']);
    await actorContext.close();

    const adminContext = await newContext(local.browser);
    const admin = await signIn(adminContext, local.apollo.url, 'admin@apollo.local', '/admin/teams');
    await admin.locator('[data-testid="team-row"][data-team="platform"]').waitFor();
    await admin.getByTestId('new-team').click();
    const form = admin.getByTestId('team-form');
    await form.locator('#team-id').fill('Bad Id');
    await form.getByRole('button', { name: 'Create team' }).click();
    await form.getByText('3–64 characters').waitFor();
    await form.locator('#team-id').fill('search');
    await form.locator('#team-name').fill('Search');
    await form.locator('#team-description').fill('Indexing, ranking and the query API.');
    await form.locator('#team-slackChannel').fill('#search');
    await screenshot(admin, 'admin-team-dialog');
    await form.getByRole('button', { name: 'Create team' }).click();
    await admin.locator('[data-testid="team-row"][data-team="search"]').waitFor();
    await screenshot(admin, 'admin-teams');

    const live = watcher.locator('[data-testid="audit-row"]', { hasText: 'teams.create' }).filter({ hasText: 'search' });
    await live.waitFor({ timeout: 15_000 });
    await expect.poll(() => live.getByTestId('outcome').innerText(), { timeout: 15_000 }).toBe('succeeded');
    expect(await watcher.getByTestId('audit-row').first().innerText()).toContain('teams.create');
    await screenshot(watcher, 'audit');

    await live.click();
    const drawer = watcher.getByTestId('audit-drawer');
    await drawer.waitFor();
    const detail = await drawer.innerText();
    expect(detail).toContain('admin@apollo.local');
    expect(detail).toContain('"name": "Search"');
    await screenshot(watcher, 'audit-drawer');
    await watcherContext.close();
    await adminContext.close();
  });

  it('shows the API 400 details on the field they name', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/admin/teams');
    const row = page.locator('[data-testid="team-row"][data-team="data"]');
    await row.getByRole('button', { name: 'Edit Data' }).click();
    const form = page.getByTestId('team-form');
    // The client checks the shape it knows; the API's own check on the email format answers 400 with a field path.
    await form.locator('#team-email').fill('data@corp_team.com');
    await form.getByRole('button', { name: 'Save' }).click();
    const helper = form.locator('.bp6-form-group.bp6-intent-danger', { has: page.locator('#team-email') });
    await helper.waitFor();
    expect(await helper.innerText()).toBe('Email\nmust match format "email"');

    // If-Match: a change saved elsewhere meanwhile is not overwritten.
    await local.apollo.client('admin').call('PUT', '/api/v1/teams/data', { body: { description: 'Changed elsewhere.' }, ifMatch: 1 });
    await form.locator('#team-email').fill('data@apollo.local');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('Someone changed this team since you opened it').waitFor();
    await form.getByRole('button', { name: 'Cancel' }).click();
    await row.getByText('Changed elsewhere.').waitFor();
    await row.getByRole('button', { name: 'Edit Data' }).click();
    await form.locator('#team-email').fill('data@apollo.local');
    await form.getByRole('button', { name: 'Save' }).click();
    await row.getByText('data@apollo.local').waitFor();
    expect(await row.innerText()).toContain('v3');
    await context.close();
  });
});

describe('team members and deletion', () => {
  it('adds a member, makes them lead, removes them, and deletes a team with its version', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/admin/teams');
    await page.locator('[data-testid="team-row"][data-team="data"]').getByRole('button', { name: 'Members' }).click();
    const drawer = page.getByTestId('members-drawer');
    await drawer.getByText('sam@apollo.local').waitFor();
    await drawer.locator('#member-principal').fill('Viewer@Apollo.local');
    await drawer.getByRole('button', { name: 'Add' }).click();
    const row = drawer.locator('tr', { hasText: 'viewer@apollo.local' });
    await row.waitFor();
    await row.getByRole('combobox').selectOption('lead');
    await page.getByText('viewer@apollo.local is a lead of Data').waitFor();
    await screenshot(page, 'admin-team-members');
    await row.getByRole('button', { name: 'Remove viewer@apollo.local' }).click();
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await row.waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');

    await page.locator('[data-testid="team-row"][data-team="search"]').getByRole('button', { name: 'Delete Search' }).click();
    await page.getByRole('button', { name: 'Delete team' }).click();
    await page.locator('[data-testid="team-row"][data-team="search"]').waitFor({ state: 'detached' });
    await context.close();
  });
});

describe('audit search', () => {
  it('filters by action prefix and pages with load more', async () => {
    const admin = local.apollo.client('admin');
    for (let i = 0; i < 55; i++) await admin.call('PUT', `/api/v1/teams/data/members/bulk-${String(i).padStart(2, '0')}@apollo.local`, { body: { role: 'member' } });
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/audit');
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => page.getByTestId('audit-row').count()).toBeGreaterThan(55);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);

    // On a 1440-px laptop the time filters are wide enough to show a date and its time.
    for (const id of ['#f-from', '#f-to']) expect((await page.locator(id).boundingBox())!.width).toBeGreaterThanOrEqual(220);

    await page.locator('#f-action').fill('users.');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.getByTestId('audit-row').allInnerTexts()).toEqual([expect.stringContaining('users.role.set')]);
    // The filters are in the URL: a reload (or a shared link) shows the same search.
    expect(new URL(page.url()).search).toBe('?action=users.');
    await page.reload();
    await expect.poll(() => page.getByTestId('audit-row').allInnerTexts()).toEqual([expect.stringContaining('users.role.set')]);
    expect(await page.locator('#f-action').inputValue()).toBe('users.');
    await page.locator('#f-action').fill('nothing.');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No audit entries').waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    // Back to the unfiltered list, first page (the reload emptied the cache).
    expect(new URL(page.url()).search).toBe('');
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(50);
    await page.getByRole('button', { name: 'Load more' }).waitFor();
    await context.close();
  });
});

describe('AWS mode', () => {
  it('shows the Cognito sign-in from config.json and reports a failed sign-in', async () => {
    const context = await newContext(local.browser);
    const page = await context.newPage();
    await page.route('**/config.json', (route) => route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ mode: 'aws', region: 'eu-west-1', stage: 'prod', apiUrl: 'https://api.invalid/prod', realtimeUrl: 'wss://ws.invalid/prod', auth: { userPoolId: 'eu-west-1_AbCdEfGhI', userPoolClientId: '1example23456789', identityPoolId: 'eu-west-1:11111111-2222-3333-4444-555555555555' } }),
    }));
    // No AWS here: Cognito calls fail at the network, which is what the form must report.
    await page.route('https://cognito-idp.eu-west-1.amazonaws.com/**', (route) => route.abort('internetdisconnected'));
    await page.goto(local.apollo.url + '/');
    await page.getByText('prod · eu-west-1. Multi-factor authentication').waitFor();
    expect(await page.getByTestId('sign-in-user').count()).toBe(0);
    await page.locator('#si-user').fill('alice@corp.example');
    await page.locator('#si-pass').fill('correct horse battery staple');
    await screenshot(page, 'sign-in-aws');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.bp6-callout.bp6-intent-danger').waitFor();
    await context.close();
  });
});

describe('stale credentials', () => {
  it('renews session credentials the gateway no longer knows, for the same person', async () => {
    const context = await newContext(local.browser);
    // Credentials live in the tab's memory: the first session the runtime issues is swapped for a key the gateway never issued.
    const issued: Array<{ user: string; accessKeyId: string }> = [];
    await context.route('**/local/session', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { accessKeyId: string };
      const accessKeyId = issued.length === 0 ? 'ASIAUNKNOWNUNKNOWN00' : body.accessKeyId;
      issued.push({ user: (JSON.parse(route.request().postData()!) as { user: string }).user, accessKeyId });
      await route.fulfill({ response, json: { ...body, accessKeyId } });
    });
    const page = await signIn(context, local.apollo.url, 'operator@apollo.local', '/');
    await expect.poll(() => page.getByTestId('me-role').innerText().catch(() => '')).toBe('operator');
    expect(issued.map((i) => i.user)).toEqual(['operator@apollo.local', 'operator@apollo.local']);
    expect(issued[1]!.accessKeyId).toMatch(/^ASIA/);
    expect(issued[1]!.accessKeyId).not.toBe('ASIAUNKNOWNUNKNOWN00');
    await context.close();
  });
});

describe('theme', () => {
  it('follows the system by default, toggles, and remembers the choice', async () => {
    const context = await newContext(local.browser, { colorScheme: 'dark' });
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/');
    expect(await page.evaluate(() => document.body.classList.contains('bp6-dark'))).toBe(true);
    await page.getByTestId('theme-toggle').click();
    expect(await page.evaluate(() => document.body.classList.contains('bp6-dark'))).toBe(false);
    await page.getByTestId('theme-toggle').click();
    await page.reload();
    await page.getByTestId('health').locator('tbody tr').first().waitFor();
    expect(await page.evaluate(() => document.body.classList.contains('bp6-dark'))).toBe(true);
    await screenshot(page, 'home-dark');
    await page.goto(local.apollo.url + '/audit');
    await page.getByTestId('audit-row').first().waitFor();
    await screenshot(page, 'audit-dark');
    await context.close();
  });
});

describe('realtime connection', () => {
  it('shows reconnecting while the runtime is down and connected once it is back on the same port', async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'admin@apollo.local', '/');
    const indicator = page.getByTestId('connection-state');
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 20_000 }).toBe('open');

    await local.apollo.stop();
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 10_000 }).toBe('reconnecting');
    expect(await indicator.innerText()).toBe('Reconnecting');

    await local.apollo.start();
    await expect.poll(() => indicator.getAttribute('data-state'), { timeout: 60_000, interval: 500 }).toBe('open');
    expect(await indicator.innerText()).toBe('Live');
    // The session survived the restart: signed calls still work.
    await page.reload();
    await page.getByTestId('me-role').waitFor();
    expect(await page.getByTestId('me-role').innerText()).toBe('admin');
    await context.close();
  });
});
