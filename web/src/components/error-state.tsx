import { Button, Callout, Classes, Code, NonIdealState, Tag } from '@blueprintjs/core';
import { ApiError } from '../../../shared/api-client.ts';
import { explainForbidden } from '../lib/forbidden.ts';
import { useMe } from '../lib/queries.ts';
import { RequestError } from '../lib/api.ts';

/**
 * A permission denial: Apollo's `Forbidden`, or API Gateway's IAM denial (`AccessDeniedException`, or
 * where CORS hides that header, its `… is not authorized to perform: execute-api:Invoke …` message).
 * Other 403s (a bad signature, an unknown route) are not about permissions and are shown as they are.
 */
export const isForbidden = (error: unknown): error is RequestError =>
  error instanceof RequestError && error.status === 403 &&
  (error.code === 'AccessDeniedException' || error.code === 'Forbidden' || /is not authorized to perform/.test(error.message));

function RequestId({ id }: { id: string | undefined }) {
  if (!id) return null;
  return (
    <div className="apollo-request-id">
      Request id <Code>{id}</Code>
    </div>
  );
}

/**
 * Why a 403 happened: the route's permission, the caller's role and what it has, and who can help. When the role
 * has the permission, Apollo's own rule refused (ownership): its message says which, not the role.
 */
export function ForbiddenExplained({ method, path, requestId, message }: { method: string; path: string; requestId?: string | undefined; message?: string | undefined }) {
  const me = useMe();
  const why = explainForbidden(method, path, me.data);
  const shown = why.permissions.slice(0, 40);
  if (why.roleAllows) {
    return (
      <NonIdealState
        className="apollo-forbidden"
        icon="lock"
        title="You can't do this here"
        description={
          <div className="apollo-forbidden-body" data-testid="forbidden-by-rule">
            <p>
              Your role <Tag minimal intent="primary">{why.role}</Tag> has <Tag minimal className="apollo-mono">{why.needs}</Tag>, but Apollo refused this one{message ? <>: {message.replace(/\.?$/, '.')}</> : '.'}
            </p>
            <p className={Classes.TEXT_MUTED}>Ask the owning team or an admin if you need this.</p>
            <RequestId id={requestId} />
          </div>
        }
      />
    );
  }
  return (
    <NonIdealState
      className="apollo-forbidden"
      icon="lock"
      title="You don't have access to this"
      description={
        <div className="apollo-forbidden-body">
          <p>
            This needs <Tag minimal intent="warning" className="apollo-mono">{why.needs}</Tag>
            {why.route && (
              <>
                {' '}(<Code>{why.route.method} {why.route.path}</Code>: {why.route.summary.toLowerCase()})
              </>
            )}
            .
          </p>
          <p>
            Your role <Tag minimal intent="primary">{why.role ?? 'unknown'}</Tag> has {why.permissions.length} permissions, not this one.
            {why.rolesWith.length > 0 && <> Roles that have it: {why.rolesWith.join(', ')}.</>}
          </p>
          {shown.length > 0 && (
            <div className="apollo-permission-list" aria-label="Your permissions">
              {shown.map((p) => (
                <Tag key={p} minimal round className="apollo-mono">{p}</Tag>
              ))}
            </div>
          )}
          <p className={Classes.TEXT_MUTED}>Ask an admin to change your role if you need this.</p>
          <RequestId id={requestId} />
        </div>
      }
    />
  );
}

/** The error state of a page or panel: a 403 explained, any other API error with its message and request id. */
export function ErrorState({ error, onRetry, compact = false }: { error: unknown; onRetry?: () => void; compact?: boolean }) {
  if (isForbidden(error)) return <ForbiddenExplained method={error.method} path={error.path} requestId={error.requestId} message={error.message} />;
  const api = error instanceof ApiError ? error : undefined;
  const title = api ? `${api.status} ${api.code}` : 'Something went wrong';
  const message = error instanceof Error ? error.message : String(error);
  const retry = onRetry && <Button icon="refresh" text="Try again" onClick={onRetry} />;
  if (compact) {
    return (
      <Callout intent="danger" icon="error" title={title}>
        {message}
        <RequestId id={api?.requestId} />
        {retry && <div className="apollo-callout-actions">{retry}</div>}
      </Callout>
    );
  }
  return (
    <NonIdealState
      icon="error"
      title={title}
      description={
        <div>
          <p>{message}</p>
          <RequestId id={api?.requestId} />
        </div>
      }
      action={retry || undefined}
    />
  );
}
