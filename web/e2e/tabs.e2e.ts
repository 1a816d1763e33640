/**
 * Tabs in a real browser against the local runtime: a second tab (a middle-click, a new tab) opens signed in because an
 * open tab hands it the session over the 'apollo-session' BroadcastChannel (only the user name crosses; each tab asks
 * the runtime for its own short-lived credentials), a reload stays signed in, signing out in one tab signs out the
 * others, and with every signed-in tab closed a new tab asks for sign-in (no credential was stored). A half-filled
 * request form survives a reload of its tab, its secret field empty and never stored.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { newContext, screenshot, signIn, useLocalApollo } from './local-runtime.ts';

const local = useLocalApollo();

/** Records, in every document of the context, whether the sign-in page was ever shown (even for a moment). */
async function watchSignInPage(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { sawSignIn: boolean };
    w.sawSignIn = false;
    new MutationObserver(() => { if (document.querySelector('.apollo-signin')) w.sawSignIn = true; }).observe(document, { childList: true, subtree: true });
  });
}
const sawSignIn = (page: Page) => page.evaluate(() => (window as unknown as { sawSignIn: boolean }).sawSignIn);

/** Waits for the page to settle on either the shell (signed in) or the sign-in page. */
async function landing(page: Page): Promise<'signed-in' | 'sign-in page'> {
  return Promise.race([
    page.getByTestId('user-role').filter({ hasText: /\w/ }).waitFor().then(() => 'signed-in' as const),
    page.getByTestId('sign-in-user').first().waitFor().then(() => 'sign-in page' as const),
  ]);
}

/** What the tab keeps in browser storage: no key, secret or token, only the user name. */
async function storedByTab(page: Page): Promise<{ session: unknown; local: string[]; cookies: number }> {
  const [session, localKeys] = await page.evaluate(() => [JSON.parse(sessionStorage.getItem('apollo.session') ?? 'null') as unknown, Object.keys(localStorage)] as const);
  return { session, local: [...localKeys].filter((k) => k !== 'apollo.ui'), cookies: (await page.context().cookies()).length };
}

describe('a new tab', () => {
  it('opens signed in from an open tab, stays signed in on reload, and asks for sign-in once no signed-in tab is left', async () => {
    const context = await newContext(local.browser);
    await watchSignInPage(context);
    const first = await signIn(context, local.apollo.url, 'admin@apollo.local', '/');
    expect(await storedByTab(first)).toEqual({ session: { state: { user: 'admin@apollo.local' }, version: 0 }, local: [], cookies: 0 });
    // Listen to the tabs' channel from the first tab, to see what crosses.
    await first.evaluate(() => {
      const w = window as unknown as { heard: unknown[] };
      w.heard = [];
      new BroadcastChannel('apollo-session').onmessage = (event) => { w.heard.push(event.data); };
    });

    const second = await context.newPage();
    const issued: string[] = [];
    second.on('request', (request) => { if (request.url().endsWith('/local/session')) issued.push(request.postData() ?? ''); });
    await second.goto(local.apollo.url + '/catalog');
    expect(await landing(second)).toBe('signed-in');
    expect(await second.getByTestId('user-role').innerText()).toBe('admin · platform');
    await second.getByTestId('service-row').first().waitFor();
    expect(await sawSignIn(second)).toBe(false);
    await screenshot(second, 'tabs-second-tab');
    // The first tab answered with the name alone; the second asked the runtime for its own session.
    const heard = await first.evaluate(() => (window as unknown as { heard: unknown[] }).heard.splice(0));
    expect(heard).toEqual([{ type: 'ask', id: expect.any(String) }, { type: 'answer', id: expect.any(String), session: { mode: 'local', user: 'admin@apollo.local' } }]);
    expect(issued).toEqual([JSON.stringify({ user: 'admin@apollo.local' })]);

    await second.reload();
    expect(await landing(second)).toBe('signed-in');
    await second.getByTestId('service-row').first().waitFor();
    expect(await sawSignIn(second)).toBe(false);
    expect(await storedByTab(second)).toEqual({ session: { state: { user: 'admin@apollo.local' }, version: 0 }, local: [], cookies: 0 });

    // A middle-click on a link opens its tab signed in too.
    const [clicked] = await Promise.all([context.waitForEvent('page'), first.locator('nav[aria-label="Areas"] a', { hasText: 'Self-service' }).click({ button: 'middle' })]);
    expect(await landing(clicked)).toBe('signed-in');
    expect(new URL(clicked.url()).pathname).toBe('/self-service');
    expect(await sawSignIn(clicked)).toBe(false);
    await clicked.close();

    // A tab that was handed the session hands it on.
    await first.close();
    const third = await context.newPage();
    await third.goto(local.apollo.url + '/catalog');
    expect(await landing(third)).toBe('signed-in');
    expect(await sawSignIn(third)).toBe(false);

    // Every signed-in tab closed: nothing was kept, a new tab asks who you are.
    await second.close();
    await third.close();
    const fourth = await context.newPage();
    await fourth.goto(local.apollo.url + '/catalog');
    expect(await landing(fourth)).toBe('sign-in page');
    expect(await storedByTab(fourth)).toEqual({ session: null, local: [], cookies: 0 });
    await context.close();
  });

  it('is signed out, with the others, when one tab signs out', async () => {
    const context = await newContext(local.browser);
    const first = await signIn(context, local.apollo.url, 'dana@apollo.local', '/catalog');
    const second = await context.newPage();
    await second.goto(local.apollo.url + '/self-service');
    expect(await landing(second)).toBe('signed-in');
    expect(await second.getByTestId('user-role').innerText()).toBe('developer · growth');

    await second.getByTestId('user-menu').click();
    await second.getByTestId('sign-out').click();
    await second.locator('[data-testid="sign-in-user"][data-user="dana@apollo.local"]').waitFor();
    await first.locator('[data-testid="sign-in-user"][data-user="dana@apollo.local"]').waitFor();
    expect(await first.getByTestId('user-role').count()).toBe(0);
    expect(await storedByTab(first)).toEqual({ session: { state: { user: null }, version: 0 }, local: [], cookies: 0 });
    // And a new tab finds nobody signed in.
    const third = await context.newPage();
    await third.goto(local.apollo.url + '/');
    expect(await landing(third)).toBe('sign-in page');
    await context.close();
  });
});

describe('a half-filled request form', () => {
  const chosen = (page: Page, id: string) => page.locator(`#${id}`).evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');
  const drafts = (page: Page) => page.evaluate(() => Object.entries(sessionStorage).filter(([key]) => key.startsWith('apollo.draft.')));

  it('survives a reload of its tab without its secret field, and goes when cleared or checked', { timeout: 120_000 }, async () => {
    const context = await newContext(local.browser);
    const page = await signIn(context, local.apollo.url, 'dana@apollo.local', '/self-service/postgresql-database');
    await page.getByTestId('offering-form').waitFor({ timeout: 15_000 });
    // Nothing is kept until the requester fills something in.
    expect(await drafts(page)).toEqual([]);
    await page.locator('#root_service').selectOption({ label: 'Frontend' });
    await page.locator('#root_db_name').fill('orders');
    await page.locator('#root_environment').selectOption({ label: 'Production' });
    await page.locator('#root_admin_password').fill('correct horse battery staple');
    await page.locator('#root_backup_retention_days').fill('21');
    await expect.poll(async () => (await drafts(page)).map(([, v]) => JSON.parse(v) as { values: Record<string, unknown> })[0]?.values.backup_retention_days).toBe(21);

    await page.reload();
    await page.getByTestId('offering-form').waitFor({ timeout: 15_000 });
    await page.getByTestId('draft-restored').waitFor();
    expect(await page.getByTestId('draft-restored').innerText()).toContain('secret fields are never kept');
    expect(await chosen(page, 'root_service')).toBe('Frontend');
    expect(await page.locator('#root_db_name').inputValue()).toBe('orders');
    expect(await chosen(page, 'root_environment')).toBe('Production');
    expect(await page.locator('#root_backup_retention_days').inputValue()).toBe('21');
    expect(await page.locator('#root_admin_password').inputValue()).toBe('');
    await screenshot(page, 'offering-form-draft-restored');
    const [[key, stored]] = await drafts(page);
    expect(key).toMatch(/^apollo\.draft\.postgresql-database@\d+\.\d+\.\d+$/);
    expect(stored).not.toContain('admin_password');
    expect(stored).not.toContain('correct horse');
    expect(await page.evaluate(() => JSON.stringify(localStorage))).not.toContain('correct horse');

    // Another tab starts with an empty form: a draft belongs to its tab.
    const other = await context.newPage();
    await other.goto(local.apollo.url + '/self-service/postgresql-database');
    await other.getByTestId('offering-form').waitFor({ timeout: 15_000 });
    expect(await other.locator('#root_db_name').inputValue()).toBe('');
    expect(await other.getByTestId('draft-restored').count()).toBe(0);
    await other.close();

    await page.getByTestId('draft-clear').click();
    await expect.poll(() => page.locator('#root_db_name').inputValue()).toBe('');
    expect(await page.getByTestId('draft-restored').count()).toBe(0);
    expect(await drafts(page)).toEqual([]);

    // A request Apollo would accept takes its draft with it.
    await page.locator('#root_service').selectOption({ label: 'Frontend' });
    await page.locator('#root_db_name').fill('orders');
    await expect.poll(async () => (await drafts(page)).length).toBe(1);
    await page.getByRole('button', { name: 'Check request' }).click();
    await page.getByTestId('form-check-ok').waitFor({ timeout: 10_000 });
    expect(await drafts(page)).toEqual([]);
    await page.reload();
    await page.getByTestId('offering-form').waitFor({ timeout: 15_000 });
    expect(await page.locator('#root_db_name').inputValue()).toBe('');
    await context.close();
  });
});
