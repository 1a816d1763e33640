/** Parts of a request shown on the list and its page: the status tag and the progress bar. */
import { ProgressBar, Tag } from '@blueprintjs/core';
import type { RequestSummary } from '../../../../schemas/types.gen.ts';
import { isMoving, progressText, STATUS_INTENT, STATUS_LABEL, type RequestState } from './request-status.ts';

export function RequestStatusTag({ status, large = false }: { status: RequestState; large?: boolean }) {
  return (
    <Tag round minimal={!large} size={large ? 'large' : 'medium'} intent={STATUS_INTENT[status]} className="apollo-request-status" data-testid="request-status" data-status={status}>
      {STATUS_LABEL[status]}
    </Tag>
  );
}

/**
 * Progress as a bar: moving while work runs or is undone, full and green once completed; red when failed and grey
 * when cancelled, as far as its work got (the API's `progress`: the share of its actions done and holding).
 */
export function RequestProgress({ request }: { request: Pick<RequestSummary, 'status' | 'progress'> }) {
  const running = isMoving(request.status);
  const value = request.status === 'completed' ? 1 : Math.max(0, Math.min(100, request.progress)) / 100;
  const text = progressText(request);
  return (
    <span className="apollo-request-progress" data-testid="request-progress" data-progress={request.progress} title={text}>
      <ProgressBar value={value} intent={STATUS_INTENT[request.status]} animate={running} stripes={running} aria-label="Progress" aria-valuetext={text} />
      <span className="apollo-small apollo-request-progress-number" aria-hidden="true">{Math.round(value * 100)}%</span>
    </span>
  );
}
