/**
 * The local runtime's postmortem writer (and the tests'): the model is the AI console's in this process (the LOCAL
 * FAKE with APOLLO_AI_FAKE_MODEL=1, a test's `configureAi({ model })`), and the writing runs here, not awaited, so
 * the request answers first; the runtime waits for it on close.
 */
import { configuredModel } from '#functions/ai/public';
import { InProcessJobDispatcher } from '#lib/job-dispatch';
import { writePostmortemWithModel } from '../postmortem-model.ts';
import type { PostmortemWriter } from './postmortem-writer.ts';

export class InProcessPostmortemWriter implements PostmortemWriter {
  /** Runs in flight (tests wait for them). */
  readonly dispatcher = new InProcessJobDispatcher(writePostmortemWithModel, 'postmortem model draft');

  async configured(): Promise<boolean> {
    return (await configuredModel('postmortem')) !== undefined;
  }

  dispatch(jobId: string): Promise<void> {
    return this.dispatcher.dispatch(jobId);
  }
}
