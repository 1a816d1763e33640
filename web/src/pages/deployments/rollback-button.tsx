/**
 * "Roll back" (confirmed): the environment goes back, as a new deployment, to the version before this one (it
 * succeeded) or to the one the catalog says ran well (it failed). Disabled with the reason where the caller's role may
 * not (production needs deployments:create:prod). "Fast" skips the rollback's own canary analysis (for incidents: it is
 * done once it rolled out). A deployment's page and the history's rows use it.
 */
import { Alert, Button, Checkbox, Classes, Code, Tooltip } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { DeploymentSummary } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useMe } from '../../lib/queries.ts';
import { navigate } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { DEPLOYMENTS_KEY, deploymentKey, useServiceDetail } from './deployment-queries.ts';
import { allowance } from './deployment-rules.ts';

type RollbackFrom = Pick<DeploymentSummary, 'service' | 'environment' | 'status' | 'imageTag' | 'previousImageTag'>;

export function RollbackButton({ deployment, small = false }: { deployment: RollbackFrom; small?: boolean }) {
  const { api } = useServices();
  const client = useQueryClient();
  const me = useMe();
  const [confirming, setConfirming] = useState(false);
  const [fast, setFast] = useState(false);
  const failed = deployment.status === 'failed';
  // After a failure the API goes back to what the catalog says ran well: the environment's tag there.
  const service = useServiceDetail(failed ? deployment.service : '');
  const catalogTag = service.data?.environments.find((e) => e.name === deployment.environment)?.deployment.imageTag ?? undefined;
  const goodTag = failed && catalogTag && catalogTag !== deployment.imageTag ? catalogTag : undefined;
  const body = { environment: deployment.environment, initiatedVia: 'ui' as const };
  const may = allowance(me.data, 'POST /api/v1/services/{id}/rollback', body);
  const rollback = useMutation({
    mutationFn: () => api.read('POST /api/v1/services/{id}/rollback', { params: { id: deployment.service }, body: fast ? { ...body, fast: true } : body }),
    onSuccess: (started) => {
      setConfirming(false);
      setFast(false);
      client.setQueryData(deploymentKey(started.id), started);
      void client.invalidateQueries({ queryKey: [...DEPLOYMENTS_KEY, 'history'] });
      toast({ intent: 'primary', icon: 'undo', message: `Rolling ${started.service} ${started.environment} back to ${started.imageTag ?? 'the last known good version'}${started.fast ? ' (fast: no canary analysis)' : ''}` });
      navigate(`/deployments/${encodeURIComponent(started.id)}`);
    },
  });
  const button = (
    <Button icon="undo" intent="warning" size={small ? 'small' : 'medium'} variant={small ? 'outlined' : 'solid'} text={goodTag ? `Roll back to ${goodTag}` : 'Roll back'}
      disabled={!may.allowed} onClick={() => setConfirming(true)} data-testid="rollback" data-allowed={may.allowed} data-to={goodTag ?? ''} />
  );
  return (
    <>
      {may.allowed ? button : <Tooltip content={may.why}>{button}</Tooltip>}
      <Alert isOpen={confirming} intent="warning" icon="undo" cancelButtonText="Keep it" confirmButtonText="Roll back" loading={rollback.isPending}
        onCancel={() => { setConfirming(false); setFast(false); rollback.reset(); }} onConfirm={() => rollback.mutate()} className="apollo-rollback-alert">
        {failed
          ? (
            <p data-testid="rollback-question">
              Roll <strong>{deployment.service}</strong> in <strong>{deployment.environment}</strong> back from <Code>{deployment.imageTag}</Code>, which failed, to the
              version the catalog says ran well{goodTag && <> (<Code>{goodTag}</Code>)</>}?
            </p>
          )
          : (
            <p data-testid="rollback-question">
              Roll <strong>{deployment.service}</strong> in <strong>{deployment.environment}</strong> back from <Code>{deployment.imageTag}</Code> to the version it ran before
              {deployment.previousImageTag && <> (<Code>{deployment.previousImageTag}</Code>, unless a later good one is known)</>}?
            </p>
          )}
        <p className={Classes.TEXT_MUTED}>A new deployment through the GitOps repository, followed like this one; you watch it on its page.</p>
        <Checkbox checked={fast} onChange={(e) => setFast(e.currentTarget.checked)} data-testid="rollback-fast"
          labelElement={<>Fast (skip canary analysis) <span className={Classes.TEXT_MUTED}>— for incidents: it is done once it rolled out, without checking the version it puts back</span></>} />
        {rollback.isError && <ErrorState compact error={rollback.error} />}
      </Alert>
    </>
  );
}
