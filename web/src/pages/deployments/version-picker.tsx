/**
 * The versions an environment can go to (GET /api/v1/deployments/versions): what the other environments run now and
 * the tags its GitOps history has had, each with its source, commit, author and age; the one running here is marked
 * and cannot be picked. Another tag (a new build) can be typed.
 */
import { Callout, Classes, Code, FormGroup, InputGroup, Radio, Spinner, Tag } from '@blueprintjs/core';
import { useState } from 'react';
import type { DeploymentVersions } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useDeploymentVersions } from './deployment-queries.ts';
import { SystemKind } from './deployment-parts.tsx';

type Version = DeploymentVersions['items'][number];

export function sourceText(v: Version): string {
  return v.source === 'environment' ? `running in ${v.environment ?? 'another environment'}` : 'GitOps history';
}

export function VersionPicker({ service, environment, value, onChange, error, only }: {
  service: string;
  environment: string;
  value: string;
  onChange(tag: string): void;
  error?: string | undefined;
  /** Offer only these sources (a rollback goes back to what this environment had). */
  only?: Version['source'];
}) {
  const versions = useDeploymentVersions(service, environment);
  const items = (versions.data?.items ?? []).filter((v) => !only || v.source === only);
  // What was typed stays as typed (a tag that happens to be listed does not jump to its row while you type).
  const [typed, setTyped] = useState(() => value);
  return (
    <div className="apollo-version-picker" data-testid="version-picker">
      {versions.isPending && <div className="apollo-version-loading"><Spinner size={16} /> <span className={Classes.TEXT_MUTED}>Reading the versions…</span></div>}
      {versions.isError && <ErrorState compact error={versions.error} onRetry={() => void versions.refetch()} />}
      {versions.data && (
        <>
          <p className={`${Classes.TEXT_MUTED} apollo-small apollo-version-source`}>
            {versions.data.gitops.path
              ? <><Code>{versions.data.gitops.path}</Code> in {versions.data.gitops.repository} · </>
              : <>Not in the GitOps repository yet · </>}
            <SystemKind kind={versions.data.gitops.kind} testId="versions-gitops-kind" />
          </p>
          {items.length === 0
            ? <Callout compact icon="info-sign" data-testid="versions-empty">No other version is known for {environment}{only ? ' in its GitOps history' : ''}: type a tag below.</Callout>
            : (
              <ul className="apollo-version-list" role="radiogroup" aria-label="Versions">
                {items.map((v) => (
                  <li key={`${v.source}-${v.imageTag}`} className={`apollo-version${v.current ? ' apollo-version-current' : ''}${value === v.imageTag ? ' apollo-version-selected' : ''}`}
                    data-testid="version" data-tag={v.imageTag} data-source={v.source} data-current={v.current === true}>
                    <Radio checked={value === v.imageTag && typed.trim() !== value} disabled={v.current} onChange={() => { setTyped(''); onChange(v.imageTag); }} className="apollo-version-radio"
                      labelElement={(
                        <span className="apollo-version-text">
                          <strong className="apollo-mono">{v.imageTag}</strong>
                          <Tag minimal round intent={v.source === 'environment' ? 'primary' : 'none'} icon={v.source === 'environment' ? 'cloud' : 'git-commit'}>{sourceText(v)}</Tag>
                          {v.current && <Tag minimal round intent="success">running here</Tag>}
                          <span className={`${Classes.TEXT_MUTED} apollo-small`}>
                            {v.commitSha && <Code>{v.commitSha.slice(0, 7)}</Code>}
                            {v.author && <> {v.author}</>}
                            {v.at && <> · <span title={formatTime(v.at)}>{formatAgo(v.at)}</span></>}
                          </span>
                          {v.message && <span className={`${Classes.TEXT_MUTED} apollo-small apollo-version-message`}>{v.message}</span>}
                        </span>
                      )} />
                  </li>
                ))}
              </ul>
            )}
        </>
      )}
      <FormGroup label={only ? 'Or name a tag' : 'Or another tag'} labelFor="deploy-tag" className="apollo-version-other" intent={error ? 'danger' : 'none'}
        helperText={error ?? (only ? 'Left empty, Apollo goes back to the last version that deployed well.' : 'A tag your CI built (v1.5.0).')}>
        <InputGroup id="deploy-tag" className="apollo-mono" placeholder={only ? 'last known good' : 'v1.5.0'} value={typed}
          onValueChange={(text) => { setTyped(text); onChange(text.trim()); }} intent={error ? 'danger' : 'none'} data-testid="deploy-tag" />
      </FormGroup>
    </div>
  );
}
