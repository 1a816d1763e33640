/** The AI context: the AI operations console's sessions; a turn runs as the jobs Lambda's dispatched `ai-turn`. */
import type { ContextDescriptor } from '#lib/context';

/** The ai-turn job's time: a turn stops itself after APOLLO_AI_TURN_SECONDS (300); a minute more to write its end. */
const AI_TURN_JOB_SECONDS = 360;
/** An approved action still running after this long was cut off (an API function's time is 10 s, at most 29 s). */
const STALE_ACTION_MS = 5 * 60_000;

export const context: ContextDescriptor = {
  name: 'ai',
  summary: 'AI operations console: sessions about a service or incident; built-in commands run fixed tool plans; a Claude model streams its analysis over the realtime topic ai:<id>; changes wait as pending actions until someone clicks Approve, then run through Apollo\'s own routes as the user; sandbox, budgets and the kill switch',
  // Messages hand their turn to the jobs Lambda (asynchronous invoke); an approval runs its action through the
  // route's own Lambda, as the session's owner.
  bindings: ['job-dispatch', 'ai-model', 'apollo-api-invoke'],
  heavy: [{
    what: '@anthropic-ai/sdk (the Messages API client; the Bedrock SDK is imported only with APOLLO_AI_PROVIDER=bedrock) and Ajv for the tools\' inputs',
    neededBy: 'POST /api/v1/ai/sessions (the model\'s name), and the ai-turn job (the model\'s stream, tool calls) the jobs Lambda runs',
  }],
  topics: ['ai'],
  jobs: [{
    name: 'ai-turn',
    description: 'Runs one AI session turn the API handed over: the built-in command\'s tool plan, then the model\'s streamed analysis with read tools, on the realtime topic ai:<id>',
    dispatched: true,
    timeoutSeconds: AI_TURN_JOB_SECONDS,
    // What its tools read: logs, metrics and traces, the clusters; the model's key (or Bedrock).
    // And the REST contexts' Lambdas: the preflight read and typed changes the approval table lets through.
    // And the service repositories upgrade and the model read (repo_dependencies, repo_file: Apollo's GitHub credentials).
    bindings: ['ai-model', 'logs-read', 'telemetry-read', 'eks-clusters', 'apollo-api-invoke', 'github-credentials'],
    run: async (event) => {
      const { runDispatchedTurn } = await import('./dispatch.ts');
      const jobId = typeof event.jobId === 'string' ? event.jobId : '';
      const result = await runDispatchedTurn(jobId);
      return { result, summary: { jobId, ran: result.ran } };
    },
  }, {
    name: 'ai-sweep',
    description: 'Every 30 minutes: ends the AI turns still running past the ai-turn job\'s time (its Lambda timed out or died: the session would refuse every next message), and finishes the approved actions whose run was cut off (again through their route with the same Idempotency-Key: done once)',
    schedule: 'rate(30 minutes)',
    timeoutSeconds: 120,
    bindings: ['apollo-api-invoke'],
    run: async () => {
      const [{ endStaleTurns }, { resumeStaleActions }] = await Promise.all([import('./interrupted.ts'), import('./approvals.ts')]);
      // The ai-turn job's 360 s and a minute; an action past the approving Lambda's time and its idempotency record's.
      const turns = await endStaleTurns('its run outlived the ai-turn job\'s 6 minutes', AI_TURN_JOB_SECONDS * 1000 + 60_000);
      const actions = await resumeStaleActions(STALE_ACTION_MS);
      return { result: { turns, actions: actions.map((a) => ({ id: a.id, sessionId: a.sessionId, status: a.status })) }, summary: { turnsEnded: turns, actionsFinished: actions.length } };
    },
  }],
  local: async (runtime) => {
    const { configureAiLocal } = await import('./local.ts');
    return configureAiLocal(runtime);
  },
};
