/**
 * A service page's "Open incidents" callout (GET /api/v1/incidents?service=<id>&status=open), live from `incidents`:
 * each open incident with its severity, status and locks, a link to it and to all of the service's incidents. Nothing
 * when there are none, or for a role without incidents:read.
 */
import { Callout, Classes, Icon } from '@blueprintjs/core';
import { formatAgo } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { useLiveIncidentLists } from './incident-live.ts';
import { IncidentStatusTag, SeverityTag } from './incident-parts.tsx';
import { useOpenIncidentsOf } from './incident-queries.ts';
import { locksText } from './incident-rules.ts';
import './incidents.css';

function Live() {
  useLiveIncidentLists();
  return null;
}

export function OpenIncidentsCallout({ serviceId, enabled }: { serviceId: string; enabled: boolean }) {
  const open = useOpenIncidentsOf(serviceId, enabled);
  const items = open.data?.items ?? [];
  const critical = items.some((i) => i.severity === 'critical');
  return (
    <>
      {enabled && <Live />}
      {items.length > 0 && (
        <Callout intent={critical ? 'danger' : 'warning'} icon="warning-sign" className="apollo-form-error" data-testid="service-open-incidents" data-count={items.length}
          title={`${items.length}${open.data?.nextCursor ? '+' : ''} open incident${items.length === 1 ? '' : 's'}`}>
          <ul className="apollo-service-incidents">
            {items.map((i) => (
              <li key={i.id} data-testid="service-open-incident" data-id={i.id} data-severity={i.severity} data-status={i.status}>
                <SeverityTag severity={i.severity} /> <Link to={`/incidents/${encodeURIComponent(i.id)}`}>{i.title}</Link> <IncidentStatusTag status={i.status} />
                <span className={`${Classes.TEXT_MUTED} apollo-small`}> opened {formatAgo(i.createdAt)}</span>
                {i.locks.length > 0 && <div className="apollo-small apollo-incident-lock-line"><Icon icon="lock" size={12} /> {locksText(i.locks).join('; ')}</div>}
              </li>
            ))}
          </ul>
          <Link to={`/incidents?service=${encodeURIComponent(serviceId)}`} data-testid="service-incidents-link">All incidents of {serviceId} →</Link>
        </Callout>
      )}
    </>
  );
}
