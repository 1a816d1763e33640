/** Parts every deployment view shares: the status and operation tags, an outside system's fake label, the change in a line. */
import { Tag, Tooltip } from '@blueprintjs/core';
import type { DeploymentSummary } from '../../../../schemas/types.gen.ts';
import { changeText, fakeKind, OPERATION_LABEL, STATUS_INTENT, STATUS_LABEL, type DeploymentStatus, type Operation } from './deployment-rules.ts';

export function DeploymentStatusTag({ status, large = false }: { status: DeploymentStatus; large?: boolean }) {
  return (
    <Tag round minimal={!large} size={large ? 'large' : 'medium'} intent={STATUS_INTENT[status]} className="apollo-deployment-status" data-testid="deployment-status" data-status={status}>
      {STATUS_LABEL[status]}
    </Tag>
  );
}

const OPERATION_ICON = { deploy: 'rocket-slant', promote: 'arrow-up', rollback: 'undo', scale: 'layers', restart: 'refresh' } as const;

export function OperationTag({ operation }: { operation: Operation }) {
  return <Tag minimal icon={OPERATION_ICON[operation]} data-testid="deployment-operation" data-operation={operation}>{OPERATION_LABEL[operation]}</Tag>;
}

/**
 * An outside system named by its kind (`GitHub apollo-demo/gitops (LOCAL FAKE)`, `SIMULATED Argo CD (local)`), with a
 * "local fake" or "simulated" label when it says it is one, as the request page marks its fakes.
 */
export function SystemKind({ kind, testId }: { kind: string; testId: string }) {
  const fake = fakeKind(kind);
  return (
    <span className="apollo-system-kind" data-testid={testId} data-fake={fake ?? ''}>
      <span>{kind}</span>
      {fake && (
        <Tooltip content={fake === 'simulated'
          ? 'npm start simulates this system on this machine: no cluster was changed.'
          : "npm start's LOCAL FAKE of the outside system, on this machine: nothing outside it was changed."}>
          <Tag minimal intent="primary" icon="lab-test" data-testid={`${testId}-fake`}>{fake}</Tag>
        </Tooltip>
      )}
    </span>
  );
}

/** The change in monospace ("v1.4.1 → v1.4.2 from staging"). */
export function ChangeText({ deployment }: { deployment: Pick<DeploymentSummary, 'operation' | 'imageTag' | 'previousImageTag' | 'replicas' | 'previousReplicas' | 'fromEnvironment'> }) {
  return <span className="apollo-mono apollo-break" data-testid="deployment-change">{changeText(deployment)}</span>;
}
