import {
  AnchorButton, Button, Callout, Classes, Code, HTMLTable, Icon, NonIdealState, Section, SectionCard, Tag, Tooltip,
} from '@blueprintjs/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, type ReactElement, type ReactNode } from 'react';
import type { DependencyGraph as Graph, Environment, Service, ServiceHealth } from '../../../../schemas/types.gen.ts';
import { isRole, roleHas } from '../../../../shared/permissions.ts';
import { topicDef } from '../../../../shared/topics.ts';
import { DependencyGraph } from '../../components/dependency-graph.tsx';
import { ErrorState } from '../../components/error-state.tsx';
import { HealthBadge, TeamTag, TierTag } from '../../components/health.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { HealthSparkline } from '../../components/sparkline.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useDependencyGraph, useMe, useService, useServiceHealth } from '../../lib/queries.ts';
import { Link, navigate } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { useRealtimeState } from '../../lib/store.ts';
import { OpenAiConsoleButton } from '../ai/open-ai-console.tsx';
import { CanarySettingsCard } from '../deployments/canary-settings.tsx';
import { useDeploymentMarkers } from '../deployments/deployment-markers.tsx';
import { DeployDialog, EnvironmentDeployButtons, ServiceDeployments, useDeployDialog } from '../deployments/environment-deploy.tsx';
import { EnvironmentLockBadge, useServiceLocks } from '../deployments/environment-lock.tsx';
import { EditDependenciesButton } from './dependencies-dialog.tsx';
import { AddEnvironmentButton, EnvironmentActions } from './environment-dialog.tsx';
import { EnvironmentSecrets, SecretsAttentionFlag, useServiceSecrets } from './environment-secrets.tsx';
import { LocalMetricsControl } from './local-metrics-control.tsx';
import { AddRunbookButton, RunbookActions } from './runbook-dialog.tsx';
import { RunbookCard } from './runbook-card.tsx';
import { OpenIncidentsCallout } from '../incidents/service-incidents.tsx';
import { ServiceObservability, ServiceTabs, useServiceTab } from '../observability/service-observability.tsx';
import { DeregisterAlert, ServiceDialog } from './service-form.tsx';

const ENV_ORDER = ['prod', 'staging', 'dev'];
const envRank = (name: string) => { const i = ENV_ORDER.indexOf(name); return i < 0 ? 99 : i; };

/**
 * Live health: where the realtime table has a `service:<id>` topic, frames refresh the page's health at
 * once; otherwise (or while the connection is down) the health is re-read every 30 s.
 */
function useLiveHealth(id: string): { live: boolean } {
  const { realtime } = useServices();
  const client = useQueryClient();
  const connection = useRealtimeState((s) => s.state);
  const hasTopic = topicDef(`service:${id}`) !== undefined;
  const [refused, setRefused] = useState(false);
  useEffect(() => {
    if (!hasTopic) return undefined;
    const topic = `service:${id}`;
    const offError = realtime.onError((e) => { if (e.topic === topic) setRefused(true); });
    const off = realtime.subscribe(topic, () => {
      void client.invalidateQueries({ queryKey: ['services', 'one', id] });
    });
    return () => { off(); offError(); };
  }, [realtime, client, id, hasTopic]);
  return { live: hasTopic && !refused && connection === 'open' };
}

function Overview({ service }: { service: Service }) {
  const drift = new Map(service.drift.map((d) => [d.field, d]));
  const value = (field: string, content: ReactNode) => (
    <>
      {content}
      {drift.has(field) && (
        <Tooltip content={`apollo.yaml says ${JSON.stringify(drift.get(field)!.manifestValue)}`} compact>
          <Tag minimal intent="warning" icon="git-branch" className="apollo-inline-tag" data-testid="drift-tag">drift</Tag>
        </Tooltip>
      )}
    </>
  );
  return (
    <Section title="Overview" icon="info-sign" className="apollo-section" data-testid="service-overview">
      <SectionCard>
        <dl className="apollo-facts">
          <dt>Name</dt><dd><Code>{service.name}</Code></dd>
          <dt>Team</dt><dd>{value('team', <TeamTag team={service.team} />)}</dd>
          <dt>Tier</dt><dd>{value('tier', <TierTag tier={service.tier} />)}</dd>
          <dt>Stack</dt><dd>{value('language', service.language || <span className={Classes.TEXT_MUTED}>—</span>)}{service.framework && <> · {value('framework', service.framework)}</>}</dd>
          <dt>Repository</dt>
          <dd>{value('repository', service.repository
            ? <a href={service.repository} target="_blank" rel="noopener noreferrer" className="apollo-break">{service.repository.replace(/^https?:\/\//, '')} <Icon icon="share" size={12} /></a>
            : <span className={Classes.TEXT_MUTED}>—</span>)}</dd>
          <dt>Source</dt>
          <dd>
            {service.source === 'manifest' && service.manifest
              ? <><Tag minimal icon="git-repo">apollo.yaml</Tag> <span className={Classes.TEXT_MUTED}>{service.manifest.path} @ <Code>{service.manifest.commit.slice(0, 7)}</Code>, synced {formatAgo(service.manifest.syncedAt)}</span></>
              : <Tag minimal icon="hand">registered by hand</Tag>}
          </dd>
          {service.tags.length > 0 && <><dt>Tags</dt><dd>{value('tags', <span className="apollo-catalog-tags">{service.tags.map((t) => <Tag key={t} minimal round>{t}</Tag>)}</span>)}</dd></>}
          <dt>Last deploy</dt><dd>{service.lastDeployedAt ? <span title={formatTime(service.lastDeployedAt)}>{formatAgo(service.lastDeployedAt)}</span> : <span className={Classes.TEXT_MUTED}>never</span>}</dd>
          <dt>Registered</dt><dd><span title={formatTime(service.createdAt)}>{formatAgo(service.createdAt)}</span> by {service.createdBy}</dd>
          <dt>Updated</dt><dd><span title={formatTime(service.updatedAt)}>{formatAgo(service.updatedAt)}</span> by {service.updatedBy} <span className={Classes.TEXT_MUTED}>· v{service.version}</span></dd>
        </dl>
        {service.drift.length > 0 && (
          <Callout intent="warning" icon="git-branch" title="Edited by hand: differs from apollo.yaml" className="apollo-drift" data-testid="drift">
            <p>A discovery sync keeps these values; it never overwrites a hand edit. Change the manifest (or set the field back) to end the drift.</p>
            <HTMLTable compact className="apollo-table">
              <thead><tr><th>Field</th><th>Here</th><th>apollo.yaml</th></tr></thead>
              <tbody>
                {service.drift.map((d) => (
                  <tr key={d.field}><td><Code>{d.field}</Code></td><td>{JSON.stringify(d.currentValue)}</td><td>{JSON.stringify(d.manifestValue)}</td></tr>
                ))}
              </tbody>
            </HTMLTable>
          </Callout>
        )}
      </SectionCard>
    </Section>
  );
}

function HealthSummary({ service, health, live }: { service: Service; health: ServiceHealth | undefined; live: boolean }) {
  const markers = useDeploymentMarkers(service.id);
  return (
    <Section title="Health" icon="pulse" className="apollo-section" data-testid="service-health"
      rightElement={<Tooltip content={live ? 'Status changes arrive as the health job records them' : 'Re-read every 30 seconds'} compact>
        <Tag minimal round intent={live ? 'success' : 'none'} data-testid="health-live" data-live={live}>
          <span className={`apollo-dot ${live ? 'apollo-dot-open' : 'apollo-dot-closed'}`} aria-hidden /> {live ? 'live' : 'polling'}
        </Tag>
      </Tooltip>}>
      <SectionCard>
        <div className="apollo-health-summary">
          <HealthBadge status={health?.status ?? service.healthStatus} reason={health?.reason} large />
          {health?.reason && <span className={Classes.TEXT_MUTED}>{health.reason}</span>}
        </div>
        <p className={`${Classes.TEXT_MUTED} apollo-small apollo-health-rule`}>
          The worst environment decides, prod weighted: a down prod makes the service down; a down dev or staging makes it degraded at most.
          Each environment is checked every minute: a change is recorded the minute it is seen, an unchanged result every 15 minutes.
        </p>
        {(health?.environments ?? []).slice().sort((a, b) => envRank(a.name) - envRank(b.name)).map((e) => (
          <div key={e.name} className="apollo-health-env" data-testid="health-env" data-env={e.name}>
            <div className="apollo-health-env-head"><strong>{e.name}</strong><HealthBadge status={e.health.status} reason={e.health.reason} /></div>
            <HealthSparkline label={`${service.id} ${e.name}`} samples={e.history} markers={markers(e.name)} />
          </div>
        ))}
      </SectionCard>
    </Section>
  );
}

function EnvironmentCard({ env, health, actions, deploy, lock, secrets }: {
  env: Environment;
  health: ServiceHealth['environments'][number] | undefined;
  actions?: ReactElement | undefined;
  deploy?: ReactElement | undefined;
  /** Its lock's badge, when locked. */
  lock?: ReactElement | undefined;
  /** Its secrets' references, resolved. */
  secrets?: ReactElement | undefined;
}) {
  const d = env.deployment;
  const current = health?.health ?? env.health;
  const k8s = current.kubernetes ?? env.health.kubernetes;
  return (
    <Section className="apollo-section apollo-env" data-testid="environment" data-env={env.name} data-locked={lock !== undefined}
      title={<span className="apollo-env-title">{env.name} <Tag minimal round className="apollo-mono" htmlTitle={`cluster ${env.cluster}, namespace ${env.namespace}`}>{env.cluster}/{env.namespace}</Tag></span>}
      rightElement={<>{actions}<HealthBadge status={current.status} reason={current.reason} /></>}>
      <SectionCard>
        {lock}
        <dl className="apollo-facts apollo-facts-compact">
          <dt>Image</dt><dd>{d.imageTag ? <Code>{d.imageTag}</Code> : <span className={Classes.TEXT_MUTED}>—</span>}{d.gitCommit && <span className={Classes.TEXT_MUTED}> · <Code>{d.gitCommit.slice(0, 7)}</Code></span>}</dd>
          <dt>Replicas</dt>
          <dd>
            {k8s ? <>{k8s.readyReplicas}/{k8s.desiredReplicas} ready</> : d.replicas ?? '—'}
            {k8s?.simulated && (
              <Tooltip content="Locally the cluster is simulated from the demo data; in AWS Apollo reads the deployment from the EKS cluster's Kubernetes API." compact>
                <Tag minimal intent="warning" icon="lab-test" className="apollo-inline-tag" data-testid="simulated">simulated</Tag>
              </Tooltip>
            )}
          </dd>
          <dt>Last deploy</dt>
          <dd>{d.lastDeployedAt ? <><span title={formatTime(d.lastDeployedAt)}>{formatAgo(d.lastDeployedAt)}</span>{d.lastDeployedBy && <> by {d.lastDeployedBy}</>}</> : <span className={Classes.TEXT_MUTED}>never</span>}</dd>
          <dt>Endpoints</dt>
          <dd className="apollo-endpoints">
            {env.endpoints.internal && <div><Icon icon="lock" size={12} /> <Code className="apollo-break">{env.endpoints.internal}</Code></div>}
            {env.endpoints.external && <div><Icon icon="globe-network" size={12} /> <a href={env.endpoints.external} target="_blank" rel="noopener noreferrer" className="apollo-break">{env.endpoints.external}</a></div>}
            {env.endpoints.healthCheck && <div><Icon icon="heart" size={12} /> <Code className="apollo-break">{env.endpoints.healthCheck}</Code></div>}
            {!env.endpoints.internal && !env.endpoints.external && !env.endpoints.healthCheck && <span className={Classes.TEXT_MUTED}>—</span>}
          </dd>
          <dt>Resources</dt>
          <dd>
            {env.resources.cpu || env.resources.memory ? (
              <span className="apollo-resources">
                {env.resources.cpu && <span>CPU <Code>{env.resources.cpu.request}</Code> → <Code>{env.resources.cpu.limit}</Code></span>}
                {env.resources.memory && <span>Memory <Code>{env.resources.memory.request}</Code> → <Code>{env.resources.memory.limit}</Code></span>}
              </span>
            ) : <span className={Classes.TEXT_MUTED}>—</span>}
          </dd>
          <dt>Checked</dt>
          <dd>
            {current.checkedAt ? <span title={formatTime(current.checkedAt)}>{formatAgo(current.checkedAt)}</span> : <span className={Classes.TEXT_MUTED}>never</span>}
            {current.http && <span className={Classes.TEXT_MUTED}> · {current.http.statusCode !== undefined ? `HTTP ${current.http.statusCode}, ` : ''}{Math.round(current.http.latencyMs)} ms</span>}
            {current.reason && <div className={`${Classes.TEXT_MUTED} apollo-small`}>{current.reason}</div>}
          </dd>
        </dl>
        {secrets}
        {deploy}
      </SectionCard>
    </Section>
  );
}

function DependenciesSection({ id, graph, actions }: { id: string; graph: ReturnType<typeof useDependencyGraph>; actions?: ReactElement | undefined }) {
  const data: Graph | undefined = graph.data;
  const nodes = useMemo(() => (data?.nodes ?? []).map((n) => ({ id: n.id, label: n.displayName, healthStatus: n.healthStatus, missing: n.deregisteredAt !== undefined })), [data]);
  const edges = useMemo(() => data?.edges ?? [], [data]);
  const direct = data ? data.dependsOn.filter((r) => r.depth === 1).length : 0;
  const dependents = data ? data.dependents.filter((r) => r.depth === 1).length : 0;
  return (
    <Section title="Dependencies" icon="graph" className="apollo-section apollo-grid-full" data-testid="service-dependencies" rightElement={actions}
      subtitle={data ? `Depends on ${direct} directly (${data.dependsOn.length} in all); ${dependents} depend on it directly (${data.dependents.length} in all)` : undefined}>
      <SectionCard>
        {graph.isPending && <div className={Classes.SKELETON} style={{ height: 160 }} />}
        {graph.isError && <ErrorState compact error={graph.error} onRetry={() => void graph.refetch()} />}
        {data && (data.nodes.length <= 1
          ? <NonIdealState icon="graph" title="No dependencies" description="Nothing depends on this service and it depends on nothing in the catalog." className="apollo-empty" />
          : <DependencyGraph centre={id} nodes={nodes} edges={edges} />)}
        {data && data.cycles.length > 0 && (
          <Callout intent="warning" icon="refresh" compact className="apollo-graph-note" data-testid="cycles">
            {data.cycles.length === 1 ? 'A dependency cycle: ' : `${data.cycles.length} dependency cycles: `}
            {data.cycles.map((c) => c.join(' → ')).join('; ')}
          </Callout>
        )}
        {data?.truncated && <p className={`${Classes.TEXT_MUTED} apollo-small`}>The graph stops at {data.depth} hops.</p>}
        {data && data.nodes.length > 1 && (
          <div className="apollo-dep-lists">
            <DirectList title="Depends on" reaches={data.dependsOn} graph={data} />
            <DirectList title="Used by" reaches={data.dependents} graph={data} />
          </div>
        )}
      </SectionCard>
    </Section>
  );
}

/** The direct neighbours as a list: the edge's description, which the graph only shows on hover. */
function DirectList({ title, reaches, graph }: { title: string; reaches: Graph['dependsOn']; graph: Graph }) {
  const direct = reaches.filter((r) => r.depth === 1);
  const names = new Map(graph.nodes.map((n) => [n.id, n]));
  return (
    <div>
      <h4 className="apollo-subheading">{title} <span className={Classes.TEXT_MUTED}>{direct.length}</span></h4>
      {direct.length === 0 ? <p className={Classes.TEXT_MUTED}>Nothing.</p> : (
        <ul className="apollo-dep-list" data-testid={`direct-${title === 'Depends on' ? 'dependencies' : 'dependents'}`}>
          {direct.map((r) => (
            <li key={r.serviceId}>
              <Link to={`/catalog/${encodeURIComponent(r.serviceId)}`} className="apollo-mono">{r.serviceId}</Link>
              <Tag minimal className="apollo-inline-tag">{r.type}</Tag>
              {names.get(r.serviceId)?.deregisteredAt && <Tag minimal className="apollo-inline-tag" icon="disable">deregistered</Tag>}
              {r.description && <span className={Classes.TEXT_MUTED}> — {r.description}</span>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function ServicePage({ id }: { id: string }) {
  const service = useService(id);
  const { live } = useLiveHealth(id);
  // Frames come on status changes; the 24 h history still grows with each check, so it is re-read slowly while live.
  const health = useServiceHealth(id, live ? 60_000 : 30_000);
  const graph = useDependencyGraph(id);
  const me = useMe();
  const [editing, setEditing] = useState(false);
  const [deregistering, setDeregistering] = useState(false);
  const [deploying, setDeploying] = useDeployDialog();
  const locks = useServiceLocks(id);
  const tab = useServiceTab();
  const secrets = useServiceSecrets(service.data, me.data && { role: isRole(me.data.role) ? me.data.role : undefined, teamIds: (me.data.teams ?? []).map((t) => t.id) });
  useEffect(() => { if (service.data) document.title = `${service.data.displayName} · Catalog · Apollo`; }, [service.data]);

  if (service.isPending) return <div className="apollo-page"><div className={Classes.SKELETON} style={{ height: 32, width: 320, marginBottom: 24 }} /><div className={Classes.SKELETON} style={{ height: 240 }} /></div>;
  if (service.isError) {
    const missing = (service.error as { status?: number }).status === 404;
    return (
      <div className="apollo-page">
        {missing
          ? <NonIdealState icon="search" title={`No service named ${id}`} description="It was never registered here. Search the catalog for similar names." action={<Link to={`/catalog?q=${encodeURIComponent(id)}`}>Search for “{id}”</Link>} />
          : <ErrorState error={service.error} onRetry={() => void service.refetch()} />}
      </div>
    );
  }
  const s = service.data;
  const role = me.data && isRole(me.data.role) ? me.data.role : undefined;
  // The API decides ownership; the buttons show where it will agree (own team, or catalog:manage).
  const mayEdit = roleHas(role, 'services:write') && (roleHas(role, 'catalog:manage') || (me.data?.teams ?? []).some((t) => t.id === s.team));
  const mayChange = mayEdit && !s.deregisteredAt;
  const mayAudit = roleHas(role, 'audit:read');
  const auditHref = `/audit?resourceType=service&resourceId=${encodeURIComponent(s.id)}`;
  const envHealth = new Map((health.data?.environments ?? []).map((e) => [e.name, e]));
  const envs = [...s.environments].sort((a, b) => envRank(a.name) - envRank(b.name) || a.name.localeCompare(b.name));
  return (
    <div className="apollo-page apollo-service" data-testid="service-page" data-id={s.id}>
      <div className="apollo-breadcrumb"><Link to="/catalog">Catalog</Link> <Icon icon="chevron-right" size={12} /> <span>{s.id}</span></div>
      <PageHeader
        title={<>{s.displayName} <HealthBadge status={health.data?.status ?? s.healthStatus} reason={health.data?.reason} large /><SecretsAttentionFlag attention={secrets.attention} /></>}
        description={s.description || 'No description yet.'}
        actions={
          <>
            {!s.deregisteredAt && <OpenAiConsoleButton service={s.id} environments={s.environments.map((e) => e.name)} />}
            {mayAudit && <AnchorButton variant="minimal" icon="history" text="Audit" href={auditHref} data-testid="service-audit"
              onClick={(e) => { if (!e.metaKey && !e.ctrlKey && !e.shiftKey) { e.preventDefault(); navigate(auditHref); } }} />}
            {mayEdit && !s.deregisteredAt && <Button icon="disable" variant="outlined" intent="danger" text="Deregister" onClick={() => setDeregistering(true)} data-testid="deregister-service" />}
            {mayEdit && !s.deregisteredAt && <Button icon="edit" intent="primary" text="Edit" onClick={() => setEditing(true)} data-testid="edit-service" />}
          </>
        }
      />
      {s.deregisteredAt && (
        <Callout intent="warning" icon="disable" title="Deregistered" className="apollo-form-error" data-testid="deregistered">
          {formatTime(s.deregisteredAt)}{s.deregisteredBy && <> by {s.deregisteredBy}</>}. It is hidden from the catalog; its history still resolves the name.
        </Callout>
      )}
      <OpenIncidentsCallout serviceId={s.id} enabled={roleHas(role, 'incidents:read')} />
      <ServiceTabs service={s} tab={tab} />
      {tab !== 'overview' ? <ServiceObservability service={s} tab={tab} /> : <>
      <div className="apollo-grid">
        <Overview service={s} />
        <HealthSummary service={s} health={health.data} live={live} />
      </div>
      <h2 className="apollo-section-heading">Environments <span className={Classes.TEXT_MUTED}>{envs.length}</span>{mayChange && <span className="apollo-heading-action"><AddEnvironmentButton service={s} /></span>}</h2>
      {envs.length === 0
        ? <NonIdealState icon="cloud" title="No environments" description="Environments appear when they are added through the API or a deployment." className="apollo-empty" />
        : <div className="apollo-env-grid">{envs.map((e) => {
          const envLocks = locks.of(e.name);
          return (
            <EnvironmentCard key={e.name} env={e} health={envHealth.get(e.name)} actions={mayChange ? <EnvironmentActions service={s} environment={e} /> : undefined}
              lock={envLocks.length ? <EnvironmentLockBadge locks={envLocks} /> : undefined} secrets={<EnvironmentSecrets secrets={secrets.of(e.name)} />}
              deploy={s.deregisteredAt ? undefined : <EnvironmentDeployButtons service={s} environment={e} locks={envLocks} onOpen={setDeploying} />} />
          );
        })}</div>}
      <div className="apollo-section-gap"><ServiceDeployments serviceId={s.id} /></div>
      <CanarySettingsCard serviceId={s.id} />
      <LocalMetricsControl serviceId={s.id} />
      <div className="apollo-section-gap"><DependenciesSection id={s.id} graph={graph} actions={mayChange ? <EditDependenciesButton service={s} /> : undefined} /></div>
      <h2 className="apollo-section-heading">Runbooks <span className={Classes.TEXT_MUTED}>{s.runbooks.length}</span>{mayChange && <span className="apollo-heading-action"><AddRunbookButton serviceId={s.id} /></span>}</h2>
      {s.runbooks.length === 0
        ? <NonIdealState icon="manual" title="No runbooks" description="Runbooks come from apollo.yaml (runbooks:) or the API; the AI console can run the automatable ones." className="apollo-empty" />
        : <div className="apollo-runbooks">{s.runbooks.map((r) => <RunbookCard key={r.id} runbook={r} actions={mayChange ? <RunbookActions serviceId={s.id} runbook={r} /> : undefined} />)}</div>}
      </>}
      {editing && <ServiceDialog service={s} onClose={() => setEditing(false)} />}
      <DeregisterAlert service={s} isOpen={deregistering} onClose={() => setDeregistering(false)} />
      <DeployDialog service={s} initial={deploying} onClose={() => setDeploying(null)} />
    </div>
  );
}
