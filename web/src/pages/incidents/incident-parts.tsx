/** Small pieces the incident pages share: severity and status tags, the source with its link. */
import { Icon, Tag } from '@blueprintjs/core';
import type { Incident } from '../../../../schemas/types.gen.ts';
import { SEVERITY_INTENT, SOURCE_LABEL, STATUS_INTENT, STATUS_LABEL, type Severity, type Status } from './incident-rules.ts';

export function SeverityTag({ severity, large = false }: { severity: Severity; large?: boolean }) {
  return (
    <Tag intent={SEVERITY_INTENT[severity]} minimal={severity === 'low'} size={large ? 'large' : 'medium'} round icon={severity === 'critical' ? 'error' : undefined}
      className="apollo-incident-severity" data-testid="incident-severity" data-severity={severity}>
      {severity}
    </Tag>
  );
}

export function IncidentStatusTag({ status, large = false }: { status: Status; large?: boolean }) {
  return (
    <Tag intent={STATUS_INTENT[status]} minimal size={large ? 'large' : 'medium'} className="apollo-incident-status" data-testid="incident-status" data-status={status}>
      {STATUS_LABEL[status]}
    </Tag>
  );
}

/** Where it came from; PagerDuty's (or another console's) page when the source says where. */
export function SourceText({ source, pagerduty }: { source: Incident['source']; pagerduty?: Incident['pagerduty'] }) {
  const url = source.url ?? pagerduty?.htmlUrl ?? undefined;
  const label = `${SOURCE_LABEL[source.type]}${source.number !== undefined ? ` #${source.number}` : ''}`;
  return (
    <span data-testid="incident-source" data-source={source.type}>
      {url && /^https?:\/\//i.test(url)
        ? <a href={url} target="_blank" rel="noopener noreferrer" data-testid="incident-source-link">{label} <Icon icon="share" size={12} /></a>
        : label}
      {source.alertName && <Tag minimal className="apollo-mono apollo-inline-tag" icon="notifications" data-testid="incident-alert-name">{source.alertName}</Tag>}
    </span>
  );
}
