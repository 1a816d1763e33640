/** An API error in a panel: ErrorState's callout, plus each 400 detail with its field path (`/query/q: must match …`). */
import { Classes } from '@blueprintjs/core';
import { ApiError } from '../../../../shared/api-client.ts';
import { ErrorState } from '../../components/error-state.tsx';

export function ApiProblem({ error, onRetry }: { error: unknown; onRetry?: (() => void) | undefined }) {
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div className="apollo-obs-problem" data-testid="obs-error">
      <ErrorState error={error} compact {...(onRetry ? { onRetry } : {})} />
      {details.length > 0 && (
        <ul className={`apollo-obs-problem-details ${Classes.TEXT_SMALL}`} aria-label="Problems by field">
          {details.map((d, i) => <li key={i}><code>{d.path || '(request)'}</code>: {d.message}</li>)}
        </ul>
      )}
    </div>
  );
}
