/**
 * Crash mid-AI-turn: a developer asks the AI console about core-service's dependencies; the model (a FakeAnthropic in
 * THIS process, scripted) answers a sentence and calls the read tool `repo_dependencies`, whose package-registry
 * lookups (a registry in this process too) are held: the runtime is SIGKILLed with the tool call in flight, its audit
 * intent recorded and its outcome not. Started again: the turn is ended (an `error` frame saying it was interrupted,
 * then `end`), its partial transcript kept (the question, the model's sentence, the tool call), the tool call's audit
 * intent explained, the model not asked again by itself (counted at the fake model), and asking again works.
 */
import type { AiFrame, AiSession, AiSessionDetail } from '#schemas/index.ts';
import { acquireDemo, releaseDemo } from './crash-demo.ts';
import { auditCheck, restartCheck, until } from './crash-lab.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

const SAID = 'Reading the Maven build of core-service and asking its registry for the latest versions first.';

export async function crashMidAiTurn(ctx: ScenarioContext): Promise<Check[]> {
  const from = new Date().toISOString();
  const demo = await acquireDemo(ctx);
  const { lab, model, registry } = demo;
  try {
    const api = lab.client('developer');
    const sessions = ctx.smoke ? 1 : 2;
    model.reset();
    const modelCallsAtStart = model.requests.length;
    // Each session's turn: a sentence and the tool call (a later model call, the retry's, gets the fake's default answer).
    model.script(Array.from({ length: sessions }, (_, i) => ({ blocks: [{ text: `${SAID} (${i + 1})` }, { toolUse: { name: 'repo_dependencies', input: { service: 'core-service', path: 'pom.xml' } } }] })));
    registry.hold(() => true);
    const ids: string[] = [];
    for (let i = 0; i < sessions; i++) {
      const session = (await api.call<AiSession>('POST', '/api/v1/ai/sessions', { body: { target: { service: 'core-service', environment: 'dev' }, title: `crash ${i + 1}` } })).body;
      ids.push(session.id);
    }
    // Followed live, as the console's terminal follows it.
    await lab.watch('developer', ids.map((id) => `ai:${id}`));
    for (const id of ids) await api.call('POST', `/api/v1/ai/sessions/${id}/message`, { body: { text: 'Are the dependencies of core-service up to date?' } });
    const detail = async (id: string) => (await api.call<AiSessionDetail>('GET', `/api/v1/ai/sessions/${id}`)).body;
    // The moment: every turn's tool call is running, waiting on the registry (its text block kept when the call began).
    await until('every turn mid-tool-call', async () => {
      if (registry.held < 1) return undefined;
      const all = await Promise.all(ids.map(detail));
      return all.every((d) => d.turn.status === 'running' && d.transcript.some((f) => f.type === 'tool_call' && f.status === 'running')) || undefined;
    }, 30_000, 50);
    const modelCallsBefore = model.requests.length - modelCallsAtStart;
    await lab.crashAndRestart();
    registry.release();

    const after = await Promise.all(ids.map(detail));
    const cutTurn = (d: AiSessionDetail) => d.transcript.filter((f) => f.turnId === d.transcript.find((u) => u.type === 'user')?.turnId);
    const ended = after.filter((d) => {
      const frames = cutTurn(d);
      const end = frames.find((f): f is Extract<AiFrame, { type: 'end' }> => f.type === 'end');
      const error = frames.find((f): f is Extract<AiFrame, { type: 'error' }> => f.type === 'error');
      return d.turn.status === 'idle' && end !== undefined && error?.code === 'Interrupted';
    });
    const partial = after.filter((d) => {
      const frames = cutTurn(d);
      return frames.some((f) => f.type === 'user') && frames.some((f) => f.type === 'text' && f.text.startsWith(SAID)) && frames.some((f) => f.type === 'tool_call' && f.name === 'repo_dependencies');
    });
    const modelCallsAfterRestart = model.requests.length - modelCallsAtStart;

    // The retry: asking again in the same session answers (the fake model's default answer), to its end.
    const retried: string[] = [];
    for (const d of after) {
      const sent = await api.send('POST', `/api/v1/ai/sessions/${d.id}/message`, { body: { text: 'Go on, please.' } });
      if (sent.status !== 202) { retried.push(`${d.id}: ${sent.status} ${JSON.stringify(sent.body).slice(0, 160)}`); continue; }
      const turnId = (sent.body as { turnId: string }).turnId;
      const done = await until('the retried turn ended', async () => {
        const now = await detail(d.id);
        return now.turn.status === 'idle' && now.transcript.some((f) => f.turnId === turnId && f.type === 'end') ? now : undefined;
      }, 30_000, 100);
      const end = done.transcript.find((f): f is Extract<AiFrame, { type: 'end' }> => f.turnId === turnId && f.type === 'end');
      if (end?.stopReason !== 'end_turn') retried.push(`${d.id}: ended ${end?.stopReason}`);
    }
    const modelCallsEnd = model.requests.length - modelCallsAtStart;
    const describe = (d: AiSessionDetail) => cutTurn(d).map((f) => f.type === 'tool_call' ? `tool_call(${f.status})` : f.type === 'end' ? `end(${f.stopReason})` : f.type === 'error' ? `error(${f.code})` : f.type).join(' → ');

    return [
      restartCheck(lab, `${sessions} session(s)`),
      check('every turn cut off is marked ended, saying it was interrupted', ended.length === sessions,
        `${ended.length} of ${sessions} turn(s) ended after the restart (session idle, an Interrupted error frame, an end frame); transcript: ${describe(after[0]!)}`,
        { value: sessions - ended.length, unit: 'left running' }),
      check('its partial transcript is kept: the question, the model\'s words, the tool call', partial.length === sessions,
        `${partial.length} of ${sessions} transcript(s) keep the user's message, the model's sentence ("${SAID.slice(0, 40)}…") and the repo_dependencies call`),
      check('the retry works: asking again in the same session answers', retried.length === 0,
        retried.length ? `refused or failed: ${retried.join('; ')}` : `${sessions} session(s) answered the next message to end_turn`),
      check('no side effect doubled: the model is not asked again by itself', modelCallsBefore === sessions && modelCallsAfterRestart === sessions && modelCallsEnd === 2 * sessions,
        `model calls (counted at the fake Anthropic API in this process): ${modelCallsBefore} before the kill, ${modelCallsAfterRestart} after the restart, ${modelCallsEnd} after one retry each; the registry heard ${registry.seen} lookup(s), ${demo.registryPaths.length ? demo.registryPaths[0] : 'none'} first`,
        { value: modelCallsAfterRestart - modelCallsBefore, unit: 're-asked' }),
      await auditCheck(lab, from, (e) => e.action === 'ai.tool.repo_dependencies'),
    ];
  } finally {
    releaseDemo(demo);
  }
}
