/** "Open AI console" on a service's page and an incident's: opens a session about it (ai:sessions:create) and goes to its terminal. */
import { Button } from '@blueprintjs/core';
import { useMe } from '../../lib/queries.ts';
import { useSearch } from '../../lib/router.tsx';
import { toast } from '../../lib/toaster.ts';
import { useCreateIncidentSession, useCreateSession } from './ai-queries.ts';

const useMayOpen = (): boolean => (useMe().data?.permissions ?? []).includes('ai:sessions:create');
const failed = (error: Error) => toast({ intent: 'danger', icon: 'error', message: `Could not open an AI session: ${error.message}` });

/** About a service, in the environment the page shows (its Logs and Metrics tabs' `?environment=`) when it is one of the service's. */
export function OpenAiConsoleButton({ service, environments }: { service: string; environments: readonly string[] }) {
  const create = useCreateSession();
  const shown = new URLSearchParams(useSearch()).get('environment');
  const environment = shown && environments.includes(shown) ? shown : undefined;
  if (!useMayOpen()) return null;
  return <Button variant="minimal" icon="console" text="Open AI console" loading={create.isPending} data-testid="open-ai-console" data-environment={environment ?? ''}
    onClick={() => create.mutate({ target: { service, ...(environment ? { environment } : {}) } }, { onError: failed })} />;
}

/** About an incident: its services, timeline and runbook in the session's context. */
export function IncidentOpenAiButton({ incidentId }: { incidentId: string }) {
  const create = useCreateIncidentSession(incidentId);
  if (!useMayOpen()) return null;
  return <Button variant="minimal" icon="console" text="Open AI console" loading={create.isPending} data-testid="incident-open-ai"
    onClick={() => create.mutate(undefined, { onError: failed })} />;
}
