/**
 * The local runtime's AI console: turns run in this process; the model is whatever ANTHROPIC_API_KEY /
 * ANTHROPIC_BASE_URL (or APOLLO_AI_PROVIDER=bedrock) name, the LOCAL FAKE model with APOLLO_AI_FAKE_MODEL=1,
 * or none (built-in commands then print their findings and say how to configure one).
 */
import type { LocalRuntime } from '#lib/context';
import { aiDeps, resetAiDeps } from './deps.ts';

export async function configureAiLocal(_runtime: LocalRuntime): Promise<string[]> {
  resetAiDeps();
  const { model, describeModelSetup } = await aiDeps();
  return [model
    ? `AI console: model ${model.modelFor(undefined)} via ${model.source === 'bedrock' ? 'Amazon Bedrock' : `the Anthropic API at ${process.env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com'}`}`
    : `AI console: no model configured: built-in commands (debug, logs, incident, explain, help) print their findings without analysis; ${describeModelSetup()}`];
}
