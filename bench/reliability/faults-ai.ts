/**
 * The AI console's model (the Anthropic Messages API, functions/ai/adapters/anthropic-model.ts) slow, hanging,
 * failing, busy and answering garbage: a loopback server stands in for it, configured as the product reads a
 * model's settings (readModelConfig: ANTHROPIC_BASE_URL, APOLLO_AI_TIMEOUT_MS, APOLLO_AI_MAX_ATTEMPTS). Each turn
 * must end (never left running), bounded in time and in tries (counted at the server), with an error that says
 * why; the session stays usable (the next turn runs once the model is back).
 */
import type { ServerResponse } from 'node:http';
import type { AiSession, AiSessionDetail } from '#schemas/index.ts';
import type { ApiClient } from '#shared/api-client';
import { ms, startMisbehavingServer, until, withRuntime, type Behaviour, type Call } from './faults-common.ts';
import { check, type Check, type ScenarioContext } from './scenario.ts';

const TIMEOUT_MS = 1_500;
const MAX_ATTEMPTS = 3;

/** A model's answer as Anthropic streams it (SSE): one text block, end_turn. */
function streamedAnswer(_call: Call, res: ServerResponse): void {
  const events: Array<[string, unknown]> = [
    ['message_start', { type: 'message_start', message: { id: 'msg_reliability', type: 'message', role: 'assistant', model: 'claude-reliability', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 0 } } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'The model is back.' } }],
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } }],
    ['message_stop', { type: 'message_stop' }],
  ];
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.end(events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join(''));
}

interface TurnOutcome { readonly ms: number; readonly calls: number; readonly running: boolean; readonly stopReason?: string; readonly error?: string; readonly text: string }

async function turn(client: ApiClient, sessionId: string, calls: () => number, text: string): Promise<TurnOutcome> {
  const before = calls();
  const started = performance.now();
  const sent = await client.send('POST', `/api/v1/ai/sessions/${sessionId}/message`, { body: { text } });
  if (sent.status !== 202) throw new Error(`POST …/message answered ${sent.status}: ${JSON.stringify(sent.body)}`);
  const turnId = (sent.body as { turnId: string }).turnId;
  let detail: AiSessionDetail | undefined;
  await until(async () => {
    detail = (await client.send('GET', `/api/v1/ai/sessions/${sessionId}`)).body as AiSessionDetail;
    return detail.turn.status !== 'running' && detail.transcript.some((f) => f.type === 'end' && f.turnId === turnId);
  }, 20_000, 100);
  const frames = (detail?.transcript ?? []).filter((f) => f.turnId === turnId);
  const end = frames.find((f) => f.type === 'end') as { stopReason?: string } | undefined;
  const error = frames.find((f) => f.type === 'error') as { message?: string } | undefined;
  return {
    ms: performance.now() - started, calls: calls() - before, running: detail?.turn.status === 'running',
    stopReason: end?.stopReason, error: error?.message, text: frames.filter((f) => f.type === 'text').map((f) => (f as { text?: string }).text ?? '').join(''),
  };
}

export async function aiModelFaults(ctx: ScenarioContext): Promise<Check[]> {
  const server = await startMisbehavingServer(streamedAnswer);
  const { configureAi, resetAiDeps } = await import('../../functions/ai/deps.ts');
  const { AnthropicModel } = await import('../../functions/ai/adapters/anthropic-model.ts');
  const { readModelConfig } = await import('../../functions/ai/adapters/model-config.ts');
  try {
    return await withRuntime(async ({ client }) => {
      const settings = readModelConfig({ ANTHROPIC_API_KEY: 'reliability-key', ANTHROPIC_BASE_URL: server.url, APOLLO_AI_MODEL: 'claude-reliability', APOLLO_AI_TIMEOUT_MS: String(TIMEOUT_MS), APOLLO_AI_MAX_ATTEMPTS: String(MAX_ATTEMPTS) })!;
      configureAi({ model: AnthropicModel.fromConfig(settings) });
      const developer = client('developer');
      const opened = await developer.send('POST', '/api/v1/ai/sessions', { body: {} });
      if (opened.status !== 201) throw new Error(`POST /api/v1/ai/sessions answered ${opened.status}`);
      const session = (opened.body as AiSession).id;
      const calls = () => server.calls.filter((c) => c.path.startsWith('/v1/messages')).length;
      ctx.log(`the model slow (${ms(3 * TIMEOUT_MS)}), hanging, failing (503), busy (529), answering garbage; its client: ${ms(TIMEOUT_MS)} timeout, ${MAX_ATTEMPTS} tries when busy`);
      const cases: Array<{ name: string; behaviour: Behaviour; failWith?: { status: number; headers?: Record<string, string>; body?: string }; tries: number; says: RegExp }> = [
        { name: 'slow', behaviour: 'slow', tries: 1, says: /timed out|did not answer|timeout/i },
        { name: 'hanging', behaviour: 'hang', tries: 1, says: /timed out|did not answer|timeout/i },
        { name: 'failing (503)', behaviour: 'fail', failWith: { status: 503 }, tries: 1, says: /failed \(503/ },
        { name: 'busy (529)', behaviour: 'fail', failWith: { status: 529, headers: { 'content-type': 'application/json', 'retry-after-ms': '200' }, body: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }) }, tries: MAX_ATTEMPTS, says: /busy \(overloaded \(529\)\); gave up after 3 tries/ },
        { name: 'garbage', behaviour: 'garbage', tries: 1, says: /./ },
      ];
      const checks: Check[] = [];
      server.slowMs = 3 * TIMEOUT_MS;
      // Smoke: one of each path (the client's timeout, a failure at once, bounded busy retries, a body that is no stream).
      for (const c of ctx.smoke ? cases.filter((k) => k.name !== 'slow' && k.name !== 'failing (503)') : cases) {
        server.behaviour = c.behaviour;
        if (c.failWith) server.failWith = c.failWith;
        const outcome = await turn(developer, session, calls, 'Is core-service healthy in dev?');
        // Tries × the timeout, plus the waits between busy tries and the turn's own reads and writes.
        const bound = c.tries * TIMEOUT_MS + 2_000;
        const ok = !outcome.running && outcome.stopReason === 'error' && outcome.calls === c.tries && outcome.ms <= bound && !!outcome.error && c.says.test(outcome.error);
        checks.push(check(`model ${c.name}: the turn ends in bounded time and tries, saying why`, ok,
          `${outcome.running ? 'STILL RUNNING' : `ended (${outcome.stopReason ?? 'no end frame'})`} in ${ms(outcome.ms)} (bound ${ms(bound)}); ${outcome.calls} call(s) at the model (expected ${c.tries}); "${(outcome.error ?? 'no error frame').slice(0, 130)}"`,
          { value: Math.round(outcome.ms), unit: 'ms' }));
      }
      server.behaviour = 'healthy';
      const healed = await turn(developer, session, calls, 'And now?');
      checks.push(check('the same session answers once the model is back (no circuit: the next turn tries it)', !healed.running && healed.stopReason === 'end_turn' && healed.text.includes('The model is back.'),
        `${healed.stopReason ?? 'no end'} in ${ms(healed.ms)}, ${healed.calls} call(s): "${healed.text.slice(0, 60)}"`, { value: Math.round(healed.ms), unit: 'ms' }));
      return checks;
    });
  } finally {
    resetAiDeps();
    await server.close();
  }
}
