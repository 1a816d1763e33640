/** The "live / paused" badge of a page or section that follows a realtime topic, with what it means as a tooltip. */
import { Tag, Tooltip } from '@blueprintjs/core';

export function LiveBadge({ live, tip }: { live: boolean; tip: string }) {
  return (
    <Tooltip content={tip}>
      <Tag minimal round intent={live ? 'success' : 'none'} className="apollo-live-badge" data-testid="live-badge" data-live={live}>
        <span className={`apollo-dot ${live ? 'apollo-dot-open' : 'apollo-dot-closed'}`} aria-hidden />
        {live ? 'live' : 'paused'}
      </Tag>
    </Tooltip>
  );
}
