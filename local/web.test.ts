/** The web app's side of the local runtime: /config.json, the loopback sign-in helpers, static files with an SPA fallback. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '#shared/api-client';
import type { Me } from '#schemas/index.ts';
import { LocalUserAdmin } from '../functions/identity/adapters/local-user-admin.ts';
import { startHarness, type Harness } from './testing/harness.ts';
import { handleWeb } from './web.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  const directory = new LocalUserAdmin();
  await directory.put({ user: 'dana@apollo.local', role: 'developer', enabled: true });
  await directory.put({ user: 'gone@apollo.local', role: 'admin', enabled: false });
  await directory.put({ user: 'new@apollo.local', role: null, enabled: true });
  await h.client('admin').call('POST', '/api/v1/teams', { body: { id: 'growth', name: 'Growth' } });
  await h.client('admin').call('PUT', '/api/v1/teams/growth/members/dana@apollo.local', { body: { role: 'lead' } });
});
afterAll(async () => { await h.close(); });

const post = (body: unknown) => fetch(`${h.runtime.url}/local/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('runtime config and sign-in', () => {
  it('serves /config.json for local mode, never cached', async () => {
    const res = await fetch(`${h.runtime.url}/config.json`);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.json()).toEqual({ mode: 'local', region: 'us-east-1', stage: 'local', apiUrl: '', realtimeUrl: '' });
  });

  it('lists the local directory with each person’s current role and teams', async () => {
    const res = await fetch(`${h.runtime.url}/local/users`);
    expect(res.status).toBe(200);
    expect((await res.json() as { items: unknown[] }).items).toEqual([
      { user: 'dana@apollo.local', role: 'developer', enabled: true, teams: [{ id: 'growth', role: 'lead' }] },
      { user: 'gone@apollo.local', role: 'admin', enabled: false, teams: [] },
      { user: 'new@apollo.local', role: null, enabled: true, teams: [] },
    ]);
  });

  it('issues session credentials for the role the user has now, which sign calls as that person', async () => {
    const res = await post({ user: 'Dana@apollo.local' });
    expect(res.status).toBe(201);
    const s = await res.json() as { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string; role: string; user: string };
    expect(s).toMatchObject({ role: 'developer', user: 'dana@apollo.local' });
    expect(Date.parse(s.expiration) - Date.now()).toBeGreaterThan(55 * 60_000);
    const client = new ApiClient({ baseUrl: h.runtime.url, region: h.runtime.region, credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, sessionToken: s.sessionToken } });
    const me = (await client.call<Me>('GET', '/api/v1/me')).body;
    expect(me).toMatchObject({ user: 'dana@apollo.local', role: 'developer', teams: [{ id: 'growth', role: 'lead' }] });

    await h.client('admin').call('PUT', '/api/v1/users/dana@apollo.local/role', { body: { role: 'operator' } });
    expect(await (await post({ user: 'dana@apollo.local' })).json()).toMatchObject({ role: 'operator' });
  });

  it('refuses people who cannot sign in, saying why', async () => {
    const disabled = await post({ user: 'gone@apollo.local' });
    expect(disabled.status).toBe(403);
    expect(await disabled.json()).toEqual({ message: 'gone@apollo.local is disabled in the local directory' });
    const roleless = await post({ user: 'new@apollo.local' });
    expect(roleless.status).toBe(403);
    expect((await roleless.json() as { message: string }).message).toMatch(/has no Apollo role/);
    const unknown = await post({ user: 'nobody@apollo.local' });
    expect(unknown.status).toBe(404);
    expect((await post({})).status).toBe(400);
  });

  it('still issues a session for a role (its stand-in principal)', async () => {
    const res = await post({ role: 'viewer' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ role: 'viewer', user: 'viewer@apollo.local', principalArn: 'arn:aws:sts::000000000000:assumed-role/ApolloViewer/viewer@apollo.local' });
  });

  it('leaves API paths to the gateway and lists the routes at /api', async () => {
    const api = await fetch(`${h.runtime.url}/api/v1/nothing`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(403);
    expect(await api.json()).toEqual({ message: 'Missing Authentication Token' });
    const index = await fetch(`${h.runtime.url}/api`);
    expect(await index.text()).toContain('GET</td><td><code>/api/v1/audit</code>');
  });
});

describe('static files', () => {
  let dist: string;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'apollo-dist-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Apollo</title>');
    writeFileSync(join(dist, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dist, 'favicon.svg'), '<svg/>');
    server = createServer((req, res) => {
      void handleWeb(req, res, (req.url ?? '/').split('?')[0]!, Buffer.alloc(0), { region: 'us-east-1', credentials: h.runtime.credentials, dist }).then((handled) => {
        if (!handled) { res.writeHead(418); res.end('gateway'); }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => { server.close(); rmSync(dist, { recursive: true, force: true }); });

  it('serves hashed assets for a year and index.html revalidated, with their content types', async () => {
    const asset = await fetch(`${base}/assets/index-abc123.js`);
    expect([asset.status, asset.headers.get('content-type'), asset.headers.get('cache-control')]).toEqual([200, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable']);
    const icon = await fetch(`${base}/favicon.svg`);
    expect([icon.headers.get('content-type'), icon.headers.get('cache-control')]).toEqual(['image/svg+xml', 'no-cache']);
    const root = await fetch(`${base}/`);
    expect([root.status, root.headers.get('content-type'), root.headers.get('cache-control')]).toEqual([200, 'text/html; charset=utf-8', 'no-cache']);
  });

  it('answers unknown pages that accept HTML with index.html (client-side routes), and nothing else', async () => {
    const page = await fetch(`${base}/admin/teams`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect([page.status, await page.text()]).toEqual([200, '<!doctype html><title>Apollo</title>']);
    expect((await fetch(`${base}/admin/teams`, { headers: { accept: 'application/json' } })).status).toBe(418);
    expect((await fetch(`${base}/assets/missing.js`)).status).toBe(418);
    expect((await fetch(`${base}/api/v1/me`, { headers: { accept: 'text/html' } })).status).toBe(418);
    expect((await fetch(`${base}/..%2f..%2fpackage.json`, { headers: { accept: 'application/json' } })).status).toBe(418);
  });
});
