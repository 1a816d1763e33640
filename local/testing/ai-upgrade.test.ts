/**
 * `upgrade <env> <service>` over signed HTTP and a real WebSocket through the local runtime (issue 19): the command
 * reads core-service's pom.xml from the fake GitHub with Apollo's credentials, asks the LOCAL FAKE Maven repository
 * for each dependency's latest release, prints the table, and opens one pull request through the changes route with
 * the patch and minor updates made (HikariCP's major is listed, not made). In the sandbox the change is refused and
 * nothing reaches GitHub; a frontend it may not change is read but its change refused before it is proposed; a
 * service with nothing to update proposes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiAction, AiFindings, AiFrame, AiMessageAccepted, AiSession, AiSessionDetail, AiUser } from '#schemas/index.ts';
import { resetAiConfig } from '#functions/ai/config';
import { configureAi } from '#functions/ai/deps';
import { DEMO_CORE_SERVICE_POM, DEMO_FRONTEND_PACKAGE_JSON } from '../fakes/demo-github.ts';
import { seedDemoData } from '../seed.ts';
import { startHarness, subscribe, until, type Harness } from './harness.ts';

let h: Harness;
const DEVELOPER = 'developer@apollo.local';

beforeAll(async () => {
  process.env.APOLLO_AI_TURNS_PER_MINUTE = '600';
  resetAiConfig();
  h = await startHarness();
  await seedDemoData({ baseUrl: h.runtime.url });
  configureAi({ model: undefined });
  // core-service belongs to platform: the developer joins it, so a pull request on it is theirs to open.
  expect((await h.client('admin').send('PUT', `/api/v1/teams/platform/members/${DEVELOPER}`, { body: {} })).status).toBe(201);
}, 60_000);
afterAll(async () => {
  delete process.env.APOLLO_AI_TURNS_PER_MINUTE;
  resetAiConfig();
  await h.close();
});

const aiFrames = (frames: ReadonlyArray<{ type: string; event?: string; data?: unknown }>): AiFrame[] =>
  frames.filter((f) => f.type === 'event' && f.event === 'ai.frame').map((f) => f.data as AiFrame);

async function openSession(target: Record<string, string>): Promise<AiSession> {
  const res = await h.client('developer').call<AiSession>('POST', '/api/v1/ai/sessions', { body: { target } });
  expect(res.status).toBe(201);
  return res.body;
}

async function turn(session: AiSession, text: string): Promise<AiFrame[]> {
  const { ws, frames } = await subscribe(h, 'developer', `ai:${session.id}`);
  try {
    const sent = await h.client('developer').call<AiMessageAccepted>('POST', `/api/v1/ai/sessions/${session.id}/message`, { body: { text } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    await until(() => aiFrames(frames as never).some((f) => f.type === 'end' && f.turnId === sent.body.turnId), 30_000);
    return aiFrames(frames as never).filter((f) => f.turnId === sent.body.turnId);
  } finally {
    ws.close();
  }
}

async function setSandbox(enabled: boolean): Promise<void> {
  const res = await h.client('admin').call<AiUser>('PUT', `/api/v1/ai/users/${encodeURIComponent(DEVELOPER)}/sandbox`, { body: { enabled, reason: enabled ? 'back to read-only' : 'trained on the console' } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

const findingsOf = (frames: AiFrame[]): AiFindings => (frames.find((f) => f.type === 'findings') as Extract<AiFrame, { type: 'findings' }>).findings;
const actionsOf = (frames: AiFrame[]): AiAction[] => frames.filter((f) => f.type === 'action').map((f) => (f as Extract<AiFrame, { type: 'action' }>).action);
const section = <K extends AiFindings['sections'][number]['kind']>(findings: AiFindings, kind: K, title: RegExp) =>
  findings.sections.find((s) => s.kind === kind && title.test(s.title)) as Extract<AiFindings['sections'][number], { kind: K }> | undefined;
const fact = (findings: AiFindings, title: RegExp, label: string) => section(findings, 'facts', title)?.items.find((i) => i.label === label);

const UPGRADED_POM = DEMO_CORE_SERVICE_POM
  .replace('<version>3.3.4</version>', '<version>3.4.1</version>')
  .replace('<postgresql.version>42.7.2<', '<postgresql.version>42.7.4<')
  .replace('<version>1.5.5.Final</version>', '<version>1.6.3</version>')
  .replace('<testcontainers.version>1.19.7<', '<testcontainers.version>1.20.4<');

describe('upgrade staging core-service', () => {
  it('in the sandbox: prints the dependencies, its change is refused and nothing reaches GitHub', async () => {
    const github = h.runtime.github!.fake;
    const before = github.pullRequests('core-service').length;
    const session = await openSession({ service: 'core-service', environment: 'staging' });
    const frames = await turn(session, 'upgrade staging core-service');

    const findings = findingsOf(frames);
    expect(section(findings, 'table', /^Dependencies \(pom\.xml, Maven\)$/)!.rows.length).toBe(6);
    expect(frames.find((f) => f.type === 'tool_call' && f.name === 'open_pull_request')).toMatchObject({ status: 'refused', reason: expect.stringContaining('sandbox') });
    expect(fact(findings, /^Upgrade$/, 'Refused')?.value).toContain('sandbox');
    expect(actionsOf(frames)).toEqual([]);
    expect(github.pullRequests('core-service').length).toBe(before);
  });

  it('prints each dependency, current and latest, and opens one pull request with the patch and minor updates through the changes route', async () => {
    await setSandbox(false);
    const github = h.runtime.github!.fake;
    const before = github.pullRequests('core-service').length;
    const session = await openSession({ service: 'core-service', environment: 'staging' });

    // Act
    const frames = await turn(session, 'upgrade staging core-service');

    // Assess: the findings
    const findings = findingsOf(frames);
    expect(findings.title).toBe('upgrade staging core-service');
    expect(fact(findings, /^Service$/, 'Repository')?.value).toBe('https://github.com/apollo-demo/core-service');
    expect(fact(findings, /^Service$/, 'Running in staging')?.value).toMatch(/^v1\.0\.4 /);
    const deps = section(findings, 'table', /^Dependencies \(pom\.xml, Maven\)$/)!;
    expect(deps.columns).toEqual(['Dependency', 'Current', 'Latest', 'Update']);
    expect(deps.rows).toEqual([
      ['com.zaxxer:HikariCP', '5.0.1 (property hikaricp.version)', '6.2.1', 'major'],
      ['org.springframework.boot:spring-boot-starter-parent', '3.3.4', '3.4.1', 'minor'],
      ['org.mapstruct:mapstruct', '1.5.5.Final', '1.6.3', 'minor'],
      ['org.testcontainers:postgresql', '1.19.7 (property testcontainers.version)', '1.20.4', 'minor'],
      ['org.testcontainers:junit-jupiter', '1.19.7 (property testcontainers.version)', '1.20.4', 'minor'],
      ['org.postgresql:postgresql', '42.7.2 (property postgresql.version)', '42.7.4', 'patch'],
    ]);
    expect(deps.note).toContain('1 major · 4 minor · 1 patch');
    expect(deps.note).toContain('3 with no version here (the parent or a BOM manages them)');
    expect(fact(findings, /^Upgrade$/, 'Not proposed')?.value).toContain('1 major update');

    // The change: the approval table lets a typed pull request (a safe change) through, as the user, by the AI.
    expect(frames.filter((f) => f.type === 'tool_call').map((f) => (f as { name: string }).name)).toEqual(['catalog_service', 'repo_dependencies', 'open_pull_request']);
    const done = actionsOf(frames).at(-1)!;
    expect(done).toMatchObject({
      status: 'executed', tool: 'open_pull_request', origin: 'command', risk: 'safe_mutation', requestedBy: DEVELOPER, route: 'POST /api/v1/services/{id}/changes', permission: 'services:write',
      arguments: { service: 'core-service', title: 'chore(deps): 5 patch and minor dependency updates for core-service', branch: expect.stringMatching(/^apollo\/upgrade-core-service-[0-9a-f]{8}$/), files: [{ path: 'pom.xml', content: UPGRADED_POM }] },
      result: { ok: true, statusCode: 201, resource: { type: 'pull-request', href: expect.stringContaining('/pull/') } },
    });
    expect(fact(findings, /^Upgrade$/, 'Done')).toEqual({ label: 'Done', value: `pull request #${done.result!.resource!.id} opened: ${done.result!.resource!.href}`, status: 'ok' });

    // On the fake GitHub: one pull request, its branch holding the updated pom.xml, its description listing the major.
    expect(github.pullRequests('core-service').length).toBe(before + 1);
    const pr = github.pullRequests('core-service').at(-1)!;
    expect(pr.head.ref).toBe((done.arguments as { branch: string }).branch);
    expect(github.fileAt('core-service', 'pom.xml', pr.head.sha)).toBe(UPGRADED_POM);
    expect(github.fileAt('core-service', 'pom.xml', github.headOf('core-service'))).toBe(DEMO_CORE_SERVICE_POM);
    expect(pr.body).toContain('| org.postgresql:postgresql | 42.7.2 | 42.7.4 | patch |');
    expect(pr.body).toMatch(/Major updates, \*\*not\*\* made here[\s\S]*\| com\.zaxxer:HikariCP \| 5\.0\.1 \(property hikaricp\.version\) \| 6\.2\.1 \|/);
    expect(pr.body).toContain('Opened through Apollo by developer@apollo.local (through the AI console');
    const detail = (await h.client('developer').call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${session.id}`)).body;
    expect(detail.actions.map((a) => a.status)).toEqual(['executed']);
  });
});

describe('upgrade on other services', () => {
  it("reads the frontend's package.json, and refuses a change on a team's service the developer is not in", async () => {
    await setSandbox(false);
    const github = h.runtime.github!.fake;
    const before = github.pullRequests('frontend').length;
    const session = await openSession({ service: 'frontend', environment: 'staging' });
    const frames = await turn(session, 'upgrade staging frontend');
    const findings = findingsOf(frames);
    const deps = section(findings, 'table', /^Dependencies \(package\.json, npm\)$/)!;
    expect(deps.rows.slice(0, 3).map((r) => r[3])).toEqual(['major', 'major', 'major']);
    expect(deps.rows).toContainEqual(['@tanstack/react-query', '^5.28.0', '5.62.0', 'minor']);
    expect(deps.rows).toContainEqual(['eslint', '8.57.0', '8.57.1', 'patch']);
    const call = frames.find((f) => f.type === 'tool_call' && f.name === 'open_pull_request') as Extract<AiFrame, { type: 'tool_call' }>;
    // The changes route's own rule, asked before anything is proposed: growth's service is not theirs to change.
    expect(call).toMatchObject({ status: 'refused', reason: 'POST /api/v1/services/{id}/changes would refuse it: developer@apollo.local is neither the owner nor in team growth and lacks the permission catalog:manage' });
    expect(actionsOf(frames)).toEqual([]);
    expect(fact(findings, /^Upgrade$/, 'Refused')?.value).toContain('neither the owner nor in team growth');
    const content = (call.arguments as { files: Array<{ content: string }> }).files[0]!.content;
    expect(JSON.parse(content)).toMatchObject({ dependencies: { react: '^18.2.0', zod: '~3.24.1', axios: '^1.7.9' }, devDependencies: { vite: '^5.2.0', typescript: '~5.7.2', eslint: '8.57.1' } });
    expect(content.split('\n').length).toBe(DEMO_FRONTEND_PACKAGE_JSON.split('\n').length);
    expect(github.pullRequests('frontend').length).toBe(before);
  });

  it('says when there is nothing to update, and proposes nothing', async () => {
    const github = h.runtime.github!.fake;
    github.commit('core-service', 'pom.xml', UPGRADED_POM.replace('<hikaricp.version>5.0.1<', '<hikaricp.version>6.2.1<'), { message: 'chore(deps): merge the upgrade' });
    const session = await openSession({ service: 'core-service', environment: 'staging' });
    const frames = await turn(session, 'upgrade staging core-service');
    const findings = findingsOf(frames);
    expect(section(findings, 'table', /^Dependencies \(pom\.xml, Maven\)$/)!.rows.every((r) => r[3] === 'none')).toBe(true);
    expect(fact(findings, /^Upgrade$/, 'Nothing to update')?.value).toBe('every dependency checked is at its latest stable version');
    expect(frames.some((f) => f.type === 'tool_call' && f.name === 'open_pull_request')).toBe(false);
    expect(frames.at(-1)).toMatchObject({ type: 'end', stopReason: 'end_turn' });
  });
});
