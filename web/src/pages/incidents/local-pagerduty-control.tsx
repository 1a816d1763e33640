/**
 * "Local demo only": fire the LOCAL FAKE PagerDuty's demo alert (HighErrorRate on core-service in prod). The
 * local runtime serves it on loopback at /local/pagerduty (same origin, local/web.ts); the fake sends its signed
 * v3 webhook to Apollo, which opens the incident, and the list shows it live. When the runtime has a real
 * PagerDuty (404) or the app runs in AWS, nothing shows.
 */
import { AnchorButton, Button, Callout, Tag } from '@blueprintjs/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';

interface Fired {
  pagerDuty: { id: string; number: number; title: string; url: string };
  deduplicated: boolean;
  apollo: { outcome?: string; incidentId?: string; reason?: string } | null;
}

async function where(): Promise<{ url: string; label: string } | null> {
  const response = await fetch('/local/pagerduty', { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`/local/pagerduty answered ${response.status}`);
  return (await response.json()) as { url: string; label: string };
}

async function fire(): Promise<Fired> {
  const response = await fetch('/local/pagerduty/trigger', { method: 'POST', headers: { accept: 'application/json' } });
  const answer = (await response.json().catch(() => ({}))) as Fired & { message?: string };
  if (!response.ok) throw new Error(answer.message ?? `HTTP ${response.status}`);
  return answer;
}

export function LocalPagerDutyControl() {
  const { config } = useServices();
  const local = config.mode === 'local';
  const fake = useQuery({ queryKey: ['local-pagerduty'], queryFn: where, enabled: local, retry: false, staleTime: 60_000 });
  const trigger = useMutation({
    mutationFn: fire,
    onSuccess: (fired) => {
      if (fired.deduplicated) toast({ intent: 'warning', message: `PagerDuty folded the alert into its open incident #${fired.pagerDuty.number}: resolve that one first` });
      else if (fired.apollo?.outcome === 'created') toast({ intent: 'success', message: `PagerDuty incident #${fired.pagerDuty.number} opened an incident in Apollo` });
      else toast({ intent: 'warning', message: `PagerDuty sent the alert; Apollo answered ${fired.apollo?.outcome ?? 'nothing'}${fired.apollo?.reason ? `: ${fired.apollo.reason}` : ''}` });
    },
    onError: (error: Error) => toast({ intent: 'danger', message: `The demo alert did not fire: ${error.message}` }),
  });
  if (!local || !fake.data) return null;
  const opened = trigger.data?.apollo?.incidentId;
  return (
    <Callout intent="primary" icon="lab-test" title="Local demo only" className="apollo-incidents-local" data-testid="local-pagerduty">
      <p>
        <Tag minimal intent="warning">{fake.data.label}</Tag>{' '}
        PagerDuty here is a local fake: its demo alert (HighErrorRate on core-service in prod) arrives as a signed webhook, as PagerDuty&apos;s would,
        and acknowledging or resolving the incident in Apollo goes back to it.
      </p>
      <Button intent="primary" icon="notifications" loading={trigger.isPending} onClick={() => trigger.mutate()} data-testid="local-pagerduty-trigger">
        Trigger HighErrorRate on core-service
      </Button>{' '}
      <AnchorButton minimal icon="share" href={`${fake.data.url}/`} target="_blank" rel="noreferrer">Open the fake PagerDuty</AnchorButton>
      {opened && <> {' '}<Link to={`/incidents/${opened}`} data-testid="local-pagerduty-opened">Open the incident</Link></>}
    </Callout>
  );
}
