/**
 * Deployments on a service page: each environment's buttons (Deploy, Promote to the next environment, Scale, Restart,
 * Roll back), which open the deploy form prefilled in a dialog, disabled with the reason where the caller's role may
 * not (production needs deployments:create:prod), and Lock / Unlock; and the service's recent deployments, live.
 */
import { AnchorButton, Button, Dialog, DialogBody, Section, SectionCard, Tooltip } from '@blueprintjs/core';
import { useState } from 'react';
import type { Environment, EnvironmentLock, Service } from '../../../../schemas/types.gen.ts';
import { LiveBadge } from '../../components/live-badge.tsx';
import { useMe } from '../../lib/queries.ts';
import { navigate } from '../../lib/router.tsx';
import { DeployForm, type DeployFormInitial } from './deploy-form.tsx';
import { DeploymentHistoryTable } from './deployment-history.tsx';
import { allowance, nextEnvironment, type AskKey, type Operation } from './deployment-rules.ts';
import { EnvironmentLockButton } from './environment-lock.tsx';
import { useLiveHistory } from './use-live-deployments.ts';
import './deployments.css';

interface ButtonSpec {
  readonly operation: Operation;
  readonly text: string;
  readonly icon: 'rocket-slant' | 'arrow-up' | 'layers' | 'refresh' | 'undo';
  readonly key: AskKey;
  readonly body: Record<string, unknown>;
  readonly initial: DeployFormInitial;
}

export function DeployDialog({ service, initial, onClose }: { service: Service; initial: DeployFormInitial | null; onClose(): void }) {
  return (
    <Dialog isOpen={initial !== null} onClose={onClose} title={`Deploy ${service.displayName || service.id}`} icon="rocket-slant" className="apollo-deploy-dialog">
      <DialogBody>
        {initial && <DeployForm initial={{ ...initial, service: service.id }} lockService onCancel={onClose} />}
      </DialogBody>
    </Dialog>
  );
}

/** The buttons under one environment, Lock or Unlock last; hidden for a role that may deploy nowhere (a viewer). */
export function EnvironmentDeployButtons({ service, environment, locks = [], onOpen }: {
  service: Service;
  environment: Environment;
  /** The environment's locks in force (Unlock when one is manual). */
  locks?: readonly EnvironmentLock[];
  onOpen(initial: DeployFormInitial): void;
}) {
  const me = useMe();
  const perms = me.data?.permissions ?? [];
  if (!perms.includes('deployments:create:non-prod') && !perms.includes('deployments:create:prod')) return null;
  const name = environment.name;
  const next = nextEnvironment(service.environments.map((e) => e.name), name);
  const specs: ButtonSpec[] = [
    { operation: 'deploy', text: 'Deploy', icon: 'rocket-slant', key: 'POST /api/v1/deployments', body: { environment: name }, initial: { operation: 'deploy', environment: name } },
    ...(next ? [{ operation: 'promote' as const, text: `Promote to ${next}`, icon: 'arrow-up' as const, key: 'POST /api/v1/services/{id}/promote' as const, body: { from: name, to: next }, initial: { operation: 'promote' as const, environment: next, from: name } }] : []),
    { operation: 'scale', text: 'Scale', icon: 'layers', key: 'POST /api/v1/services/{id}/scale', body: { environment: name }, initial: { operation: 'scale', environment: name } },
    { operation: 'restart', text: 'Restart', icon: 'refresh', key: 'POST /api/v1/services/{id}/restart', body: { environment: name }, initial: { operation: 'restart', environment: name } },
    { operation: 'rollback', text: 'Roll back', icon: 'undo', key: 'POST /api/v1/services/{id}/rollback', body: { environment: name }, initial: { operation: 'rollback', environment: name } },
  ];
  return (
    <div className="apollo-env-deploy" data-testid="environment-deploy" data-env={name}>
      {specs.map((spec) => {
        const may = allowance(me.data, spec.key, spec.body);
        const disabled = !may.allowed || (spec.operation === 'promote' && !environment.deployment.imageTag);
        const button = (
          <Button key={spec.operation} size="small" icon={spec.icon} text={spec.text} intent={spec.operation === 'deploy' ? 'primary' : 'none'}
            variant={spec.operation === 'deploy' ? 'solid' : 'outlined'} disabled={disabled} onClick={() => onOpen(spec.initial)}
            data-testid={`env-${spec.operation}`} data-allowed={may.allowed} />
        );
        if (may.allowed && !disabled) return button;
        return <Tooltip key={spec.operation} content={may.allowed ? `${name} runs no known tag to promote.` : may.why}>{button}</Tooltip>;
      })}
      <span className="apollo-env-deploy-end"><EnvironmentLockButton service={service.id} environment={name} locks={locks} /></span>
    </div>
  );
}

/** The service's recent deployments (ten, newest first), live; the rest in the Deploy Center. */
export function ServiceDeployments({ serviceId }: { serviceId: string }) {
  const filters = { service: serviceId };
  const { live } = useLiveHistory(filters);
  const href = `/deployments?service=${encodeURIComponent(serviceId)}`;
  return (
    <Section title="Recent deployments" icon="rocket-slant" className="apollo-section apollo-grid-full" data-testid="service-deployments"
      rightElement={(
        <>
          <LiveBadge live={live} tip={live ? 'Deployments of this service show as they happen' : 'Not receiving live updates right now; read every 30 s'} />
          <AnchorButton variant="minimal" size="small" icon="share" text="Deploy Center" href={href}
            onClick={(e) => { if (!e.metaKey && !e.ctrlKey && !e.shiftKey) { e.preventDefault(); navigate(href); } }} data-testid="service-deploy-center" />
        </>
      )}>
      <SectionCard padded={false}>
        <DeploymentHistoryTable filters={filters} limit={10} serviceColumn={false}
          empty={{ title: 'Never deployed through Apollo', description: 'Deploy, promote, scale or restart an environment above: it shows here, live.' }} />
      </SectionCard>
    </Section>
  );
}

/** The dialog's state for a service page: which form (if any) is open. */
export function useDeployDialog(): [DeployFormInitial | null, (initial: DeployFormInitial | null) => void] {
  return useState<DeployFormInitial | null>(null);
}
