/**
 * The local runtime's AI console: turns run in this process; the model is whatever ANTHROPIC_API_KEY /
 * ANTHROPIC_BASE_URL (or APOLLO_AI_PROVIDER=bedrock) name, the LOCAL FAKE model with APOLLO_AI_FAKE_MODEL=1,
 * or none (built-in commands then print their findings and say how to configure one). Approved actions call their
 * routes' handlers in this process.
 */
import type { LocalRuntime } from '#lib/context';
import { InProcessApolloApi } from '#lib/on-behalf';
import { aiConfig, resetAiConfig } from './config.ts';
import { aiDeps, configureAi, resetAiDeps } from './deps.ts';
import { endInterruptedTurns } from './interrupted.ts';

export async function configureAiLocal(runtime: LocalRuntime): Promise<string[]> {
  resetAiDeps();
  resetAiConfig();
  // An approved action calls its route's handler in this process, as the AWS Lambda Invoke calls its function.
  configureAi({ api: new InProcessApolloApi(runtime.invokeApi) });
  const { model, describeModelSetup } = await aiDeps();
  // Turns run in this process: one a crash or restart cut off ends now, saying so, and its session takes messages again.
  const interrupted = await endInterruptedTurns();
  return [...(interrupted ? [`AI console: ${interrupted} turn(s) were running when Apollo stopped: ended as interrupted, their transcripts kept (ask again to go on)`] : []), model
    ? `AI console: model ${model.modelFor(undefined)} via ${process.env.APOLLO_AI_FAKE_MODEL === '1' ? 'the LOCAL FAKE Anthropic server (APOLLO_AI_FAKE_MODEL: a fixed answer, not an analysis)' : model.source === 'bedrock' ? 'Amazon Bedrock' : `the Anthropic API at ${process.env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com'}`}`
    : `AI console: no model configured: built-in commands (debug, logs, incident, postmortem, explain, help; deploy, rollback, scale, upgrade) print their findings without analysis; ${describeModelSetup()}`,
  `AI console changes (scale, deploy, rollback, pull requests…) wait for a click on Approve and run through Apollo's own routes in this process; new users start read-only (sandbox${aiConfig().sandboxNewUsers ? '' : ': off, APOLLO_AI_SANDBOX_NEW_USERS=false'}) until an admin lifts it under AI console → People`];
}
