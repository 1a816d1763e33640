/**
 * The service page's secrets: each environment's references (Environment.secrets) resolved against the secrets'
 * metadata, one list read per environment and per other service whose secret is shared with it, and the page's flag
 * when any is missing or overdue. Viewers hold no
 * secrets:metadata (the API answers 403), so nothing is read for them; a developer of another team gets an empty list,
 * said as "you can't see" rather than "missing".
 */
import { Classes, Code, Tag, Tooltip } from '@blueprintjs/core';
import { useQueries } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { Secret, Service } from '../../../../schemas/types.gen.ts';
import { roleHas, type Role } from '../../../../shared/permissions.ts';
import { ErrorState, isForbidden } from '../../components/error-state.tsx';
import { Link } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import {
  attentionOf, attentionText, listKey, listsNamed, needsAttention, needsList, resolveReferences, secretPath, tagOf, type Attention, type ResolvedReference,
} from './secret-references.ts';
import './environment-secrets.css';

/** Under ['secrets', …], so the secrets pages' changes (which invalidate that prefix) refresh it. */
export const serviceSecretsKey = (service: string, environment: string) => ['secrets', 'catalog', service, environment] as const;

export type EnvironmentSecretsState =
  | { readonly state: 'empty' }
  /** The role cannot read secrets' metadata (viewers). */
  | { readonly state: 'no-access' }
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly error: unknown; readonly retry: () => void }
  | { readonly state: 'ready'; readonly references: readonly ResolvedReference[] };

/** The caller as the API judges it: role, and team ids (a developer sees their teams' services' secrets). */
export interface SecretsCaller { readonly role: Role | undefined; readonly teamIds: readonly string[] }

const PAGE = 200;
const MAX_PAGES = 10;

/** Every environment's secrets state, and what needs attention across them. `caller` undefined: not known yet. */
export function useServiceSecrets(service: Service | undefined, caller: SecretsCaller | undefined): { of(environment: string): EnvironmentSecretsState; attention: Attention } {
  const { api } = useServices();
  const environments = useMemo(() => service?.environments ?? [], [service]);
  const mayRead = caller !== undefined && roleHas(caller.role, 'secrets:metadata');
  const visible = caller !== undefined && service !== undefined
    && (roleHas(caller.role, 'secrets:metadata:all') || caller.teamIds.includes(service.team));
  // One list per (environment, service) the references name: each environment's own, and another service's or
  // environment's for a shared secret (read once however many references name it).
  const lists = useMemo(() => {
    const all = new Map<string, { environment: string; service: string }>();
    for (const env of environments) for (const l of listsNamed(env.secrets)) all.set(listKey(l), l);
    return [...all.values()];
  }, [environments]);
  const queries = useQueries({
    queries: lists.map((l) => ({
      queryKey: serviceSecretsKey(l.service, l.environment),
      queryFn: async (): Promise<Secret[]> => {
        const items: Secret[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const answer = await api.read('GET /api/v1/secrets', { query: { service: l.service, environment: l.environment, limit: PAGE, ...(cursor ? { cursor } : {}) } });
          items.push(...answer.items);
          if (!answer.nextCursor) break;
          cursor = answer.nextCursor;
        }
        return items;
      },
      enabled: service !== undefined && mayRead,
      refetchInterval: 60_000,
    })),
  });
  const queryOf = new Map(lists.map((l, i) => [listKey(l), queries[i]!]));
  // Another service's list: believed when it holds secrets; an empty one says "not visible" unless the caller sees all
  // (whether a developer's teams own that service is not known here); this service's in another environment as its own.
  const seesAll = caller !== undefined && roleHas(caller.role, 'secrets:metadata:all');
  const others = new Map<string, { secrets: Secret[]; visible: boolean }>();
  lists.forEach((l, i) => {
    const data = queries[i]!.data;
    if (data) others.set(listKey(l), { secrets: data, visible: seesAll || (l.service === service?.id && visible) });
  });

  const states = new Map<string, EnvironmentSecretsState>();
  environments.forEach((env) => {
    const where = { environment: env.name, service: service?.id ?? '' };
    const query = queryOf.get(listKey(where));
    const ownNeeded = needsList(env.secrets, where);
    // Another service's list still on its way: wait for it rather than show the reference unjudged.
    const othersPending = listsNamed(env.secrets).some((l) => listKey(l) !== listKey(where) && queryOf.get(listKey(l))?.isPending && queryOf.get(listKey(l))?.fetchStatus === 'fetching');
    let state: EnvironmentSecretsState;
    if (env.secrets.length === 0) state = { state: 'empty' };
    else if (caller === undefined) state = { state: 'loading' };
    else if (!mayRead || isForbidden(query?.error)) state = { state: 'no-access' };
    else if (ownNeeded && query?.isError) state = { state: 'error', error: query.error, retry: () => void query.refetch() };
    else if ((ownNeeded && !query?.data) || othersPending) state = { state: 'loading' };
    else state = { state: 'ready', references: resolveReferences(env.secrets, where, query?.data ?? [], visible, others) };
    states.set(env.name, state);
  });
  const attention = attentionOf([...states].flatMap(([environment, s]) => (s.state === 'ready' ? [{ environment, references: s.references }] : [])));
  return { of: (environment: string) => states.get(environment) ?? { state: 'empty' }, attention };
}

/** The page's flag: how many secrets are missing or overdue, which ones in its tooltip. Nothing when none. */
export function SecretsAttentionFlag({ attention }: { attention: Attention }) {
  if (attention.count === 0) return null;
  return (
    <Tooltip compact content={<div className="apollo-env-secrets-attention-lines">{attention.lines.map((l) => <div key={l}>{l}</div>)}</div>}>
      <Tag intent="danger" icon="key" className="apollo-env-secrets-flag" data-testid="secrets-attention" data-count={attention.count}>{attentionText(attention.count)}</Tag>
    </Tooltip>
  );
}

function ReferenceRow({ resolved }: { resolved: ResolvedReference }) {
  const { reference } = resolved;
  const tag = tagOf(resolved);
  return (
    <li className="apollo-env-secret" data-testid="secret-ref" data-name={reference.name} data-status={tag.status}>
      <div className="apollo-env-secret-head">
        <span className="apollo-env-secret-var"><Code>{reference.name}</Code>{reference.key && <span className={`${Classes.TEXT_MUTED} apollo-small`}> key <span className="apollo-mono">{reference.key}</span></span>}</span>
        <Tooltip compact content={tag.reason}>
          <Tag minimal={tag.minimal} intent={tag.intent} round data-testid="secret-ref-status" data-status={tag.status}>{tag.label}</Tag>
        </Tooltip>
      </div>
      {resolved.kind === 'unmanaged'
        ? <span className={`${Classes.TEXT_MUTED} apollo-mono apollo-small apollo-break`}>{reference.secretId}</span>
        : <Link to={secretPath(resolved.address)} className="apollo-mono apollo-small apollo-break" data-testid="secret-ref-link">{reference.secretId}</Link>}
    </li>
  );
}

/** An environment card's Secrets part. */
export function EnvironmentSecrets({ secrets }: { secrets: EnvironmentSecretsState }) {
  const references = secrets.state === 'ready' ? secrets.references : [];
  const attention = references.filter(needsAttention).length;
  const hiddenOf = [...new Set(references.flatMap((r) => (r.kind === 'hidden' ? [r.address.service] : [])))];
  return (
    <div className="apollo-env-secrets" data-testid="environment-secrets" data-state={secrets.state}>
      <h4 className="apollo-subheading apollo-env-secrets-heading">
        Secrets {secrets.state === 'ready' && <span className={Classes.TEXT_MUTED}>{references.length}</span>}
        {attention > 0 && <Tag minimal intent="danger" className="apollo-inline-tag">{attention} {attention === 1 ? 'needs' : 'need'} attention</Tag>}
      </h4>
      {secrets.state === 'empty' && <p className={`${Classes.TEXT_MUTED} apollo-small`}>No secrets referenced.</p>}
      {secrets.state === 'no-access' && <p className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="secrets-no-access">Your role can't read secrets' metadata.</p>}
      {secrets.state === 'loading' && <div className="apollo-skeleton-lines"><div className={Classes.SKELETON} style={{ height: 16 }} /><div className={Classes.SKELETON} style={{ height: 16 }} /></div>}
      {secrets.state === 'error' && <ErrorState compact error={secrets.error} onRetry={secrets.retry} />}
      {hiddenOf.length > 0 && <p className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="secrets-hidden">You can't see {hiddenOf.join(' and ')}'s secrets: developers see their own teams' services'.</p>}
      {references.length > 0 && <ul className="apollo-env-secret-list">{references.map((r, i) => <ReferenceRow key={`${r.reference.name}-${i}`} resolved={r} />)}</ul>}
    </div>
  );
}
