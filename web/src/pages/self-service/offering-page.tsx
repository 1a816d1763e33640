/**
 * One offering: what it is (SLA, owner, documentation), who approves, what it will do (the fulfilment
 * actions in order, or the JIRA ticket), what it costs against the team's quotas and what is left of them, where it is in its life,
 * and the request form.
 */
import { AnchorButton, Callout, Classes, Code, Icon, NonIdealState, Section, SectionCard, Tag } from '@blueprintjs/core';
import { lazy, Suspense } from 'react';
import type { CatalogAction, CatalogItem, CatalogItemV2 } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { Markdown } from '../../components/markdown.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe, useOffering } from '../../lib/queries.ts';
import { Link } from '../../lib/router.tsx';
import { useQuotaUsages } from '../teams/team-queries.ts';
import { ACTION_TYPE_LABEL, actionPolicy, categoryTitle, describeAction, describeApproval, describeCondition, describeFields, describeLifecycle, quotaParts } from './describe.ts';
import { LifecycleTag, offeringIcon, ViewOnlyTag } from './offering-card.tsx';
import { quotaLeft } from './quota-check.ts';
import './self-service.css';

// The form (rjsf, ajv) loads with the first offering opened, not with the app.
const OfferingForm = lazy(() => import('./offering-form.tsx').then((m) => ({ default: m.OfferingForm })));

const isWebLink = (url: string) => /^https?:\/\//i.test(url);

function Overview({ item, doc }: { item: CatalogItem; doc: CatalogItemV2 }) {
  const { summary, source } = item;
  const sla = doc.metadata.sla;
  const quota = quotaParts(doc.quota, doc.presentation.fields);
  // What is left of each quota for the caller's teams (the form counts a request against the team chosen there).
  const me = useMe();
  const usages = useQuotaUsages(quota.length ? (me.data?.teams ?? []).map((t) => t.id) : []);
  return (
    <Section title="Overview" icon="info-sign" className="apollo-section" data-testid="offering-overview">
      <SectionCard>
        <dl className="apollo-facts">
          <dt>Owner</dt><dd><Link to={`/self-service?owner=${encodeURIComponent(summary.owner)}`} className="apollo-tag-link"><Tag minimal round icon="people" interactive data-testid="offering-owner">{summary.owner}</Tag></Link></dd>
          <dt>Category</dt><dd><Link to={`/self-service?category=${encodeURIComponent(summary.category)}`}>{categoryTitle(summary.category)}</Link></dd>
          <dt>SLA</dt>
          <dd data-testid="offering-sla">
            {sla ? <>{sla.fulfillmentTime} from approval to fulfilment{sla.businessHoursOnly ? ', business hours' : ''}{sla.supportChannel && <> · help in <Code>{sla.supportChannel}</Code></>}</> : <span className={Classes.TEXT_MUTED}>none stated</span>}
          </dd>
          <dt>Quota</dt>
          <dd data-testid="offering-quota">
            {quota.length ? quota.map((part) => (
              <div key={part.resource} className="apollo-offering-quota" data-resource={part.resource}>
                {part.text}
                {usages.map((u) => u.data && <div key={u.data.team} className={`${Classes.TEXT_MUTED} apollo-small`} data-testid="offering-quota-left">{quotaLeft(part.resource, part.unit, u.data)}</div>)}
              </div>
            )) : <span className={Classes.TEXT_MUTED}>not counted against a quota</span>}
          </dd>
          {summary.tags.length > 0 && <><dt>Tags</dt><dd><span className="apollo-catalog-tags">{summary.tags.map((t) => <Link key={t} to={`/self-service?tag=${encodeURIComponent(t)}`} className="apollo-tag-link"><Tag minimal round interactive>{t}</Tag></Link>)}</span></dd></>}
          <dt>Version</dt><dd><Code>{item.version}</Code> <span className={Classes.TEXT_MUTED}>stored <span title={formatTime(item.storedAt)}>{formatAgo(item.storedAt)}</span></span></dd>
          <dt>Source</dt><dd className="apollo-break"><Tag minimal icon="git-repo">{source.repo}</Tag> <span className={Classes.TEXT_MUTED}>{source.path} @ <Code>{source.sha.slice(0, 7)}</Code></span></dd>
        </dl>
        {(doc.metadata.documentation ?? []).length > 0 && (
          <>
            <h3 className="apollo-subheading">Documentation</h3>
            <ul className="apollo-offering-links" data-testid="offering-docs">
              {doc.metadata.documentation!.map((link) => (
                <li key={link.url}>
                  {isWebLink(link.url)
                    ? <a href={link.url} target="_blank" rel="noopener noreferrer">{link.title} <Icon icon="share" size={12} /></a>
                    : <span>{link.title}</span>}
                </li>
              ))}
            </ul>
          </>
        )}
      </SectionCard>
    </Section>
  );
}

function Approval({ doc }: { doc: CatalogItemV2 }) {
  const approval = describeApproval(doc.approval, doc.presentation.fields);
  return (
    <Section title="Approval" icon="endorsed" className="apollo-section" data-testid="approval-rule">
      <SectionCard>
        {approval ? (
          <>
            <p className="apollo-offering-rule"><strong>{approval.when}</strong> {approval.who}</p>
            {approval.notes.map((n) => <p key={n} className={`${Classes.TEXT_MUTED} apollo-small apollo-offering-note`}>{n}</p>)}
          </>
        ) : <p className="apollo-offering-rule">No approval needed: a request goes straight to fulfilment.</p>}
      </SectionCard>
    </Section>
  );
}

function ActionStep({ action, index, rollbacks, doc }: { action: CatalogAction; index: number; rollbacks: readonly CatalogAction[]; doc: CatalogItemV2 }) {
  const policy = actionPolicy(action, rollbacks);
  return (
    <li className="apollo-offering-step" data-testid="fulfillment-step" data-id={action.id} data-type={action.type}>
      <span className="apollo-offering-step-number" aria-hidden>{index + 1}</span>
      <div className="apollo-offering-step-body">
        <div className="apollo-offering-step-head">
          <strong>{action.name ?? action.id}</strong>
          <Tag minimal>{ACTION_TYPE_LABEL[action.type]}</Tag>
          <Code className="apollo-small">{action.id}</Code>
        </div>
        <div className="apollo-mono apollo-break apollo-offering-step-target">{describeAction(action)}</div>
        {action.when && <div className="apollo-small">Only when {describeCondition(action.when, doc.presentation.fields)}.</div>}
        {policy.length > 0 && <div className={`${Classes.TEXT_MUTED} apollo-small`}>{policy.join(' · ')}</div>}
        {(action.outputs ?? []).length > 0 && (
          <div className={`${Classes.TEXT_MUTED} apollo-small`}>
            gives {action.outputs!.map((o) => <Code key={o.name} title={o.description} className="apollo-offering-output">{`output.${action.id}.${o.name}`}</Code>)}
          </div>
        )}
      </div>
    </li>
  );
}

function Fulfillment({ doc }: { doc: CatalogItemV2 }) {
  const f = doc.fulfillment;
  return (
    <Section title="What it will do" icon="flows" className="apollo-section" data-testid="fulfillment"
      rightElement={<Tag minimal intent={f.type === 'automated' ? 'primary' : 'none'} icon={f.type === 'automated' ? 'automatic-updates' : 'person'}>{f.type === 'automated' ? 'automated' : 'by people'}</Tag>}>
      <SectionCard>
        {f.type === 'manual' ? (
          <div data-testid="fulfillment-jira">
            <p className="apollo-offering-rule">The owning team receives a JIRA ticket and fulfils the request by hand; it completes when the ticket is resolved.</p>
            <dl className="apollo-facts apollo-facts-compact">
              <dt>Project</dt><dd><Code>{f.jira.project}</Code> · {f.jira.issueType}{f.jira.priority && <> · {f.jira.priority} priority</>}</dd>
              <dt>Summary</dt><dd className="apollo-mono apollo-break">{f.jira.summary}</dd>
              {f.jira.assignee && <><dt>Assignee</dt><dd className="apollo-mono">{f.jira.assignee}</dd></>}
            </dl>
            {f.instructions && <div className="apollo-section-gap"><Markdown source={f.instructions} /></div>}
          </div>
        ) : (
          <>
            <p className={`${Classes.TEXT_MUTED} apollo-small apollo-offering-note`}>
              In this order; each step may use what the earlier ones produced. If a step fails, the steps before it are undone in reverse order where they name a rollback. Values in braces are filled from the request.
            </p>
            <ol className="apollo-offering-steps">
              {f.actions.map((a, i) => <ActionStep key={a.id} action={a} index={i} rollbacks={f.rollbackActions ?? []} doc={doc} />)}
            </ol>
          </>
        )}
      </SectionCard>
    </Section>
  );
}

/**
 * The request form, live: conditional fields appear as the values change, each field checks itself as it is filled,
 * the approval the values need is said before sending, and "Submit request" sends it (offering-form.tsx). A viewer who
 * may not request it sees what it asks.
 */
function RequestForm({ item, doc }: { item: CatalogItem; doc: CatalogItemV2 }) {
  return (
    <Section title="Request form" icon="form" className="apollo-section" data-testid="request-form" data-item={item.id}>
      <SectionCard>
        {item.summary.canRequest ? (
          <Suspense fallback={<div className={Classes.SKELETON} style={{ height: 200 }} />}><OfferingForm item={item} doc={doc} /></Suspense>
        ) : <FieldList doc={doc} />}
      </SectionCard>
    </Section>
  );
}

/** What the form asks, read-only (for someone who may see the offering but not request it). */
function FieldList({ doc }: { doc: CatalogItemV2 }) {
  const fields = describeFields(doc);
  return (
    <ol className="apollo-offering-fields" data-testid="request-fields">
      {fields.map((f) => (
        <li key={f.id} data-testid="request-field" data-id={f.id} data-conditional={f.shownWhen ? 'true' : 'false'}>
          <div><strong>{f.label}</strong> <Tag minimal>{f.type}</Tag>{f.required === 'required' && <Tag minimal intent="warning" className="apollo-inline-tag">required</Tag>}</div>
          {f.shownWhen && <div className="apollo-small">Shown when {f.shownWhen}.</div>}
          {/* A condition can be long: a line of text wraps where a tag would cut it off. */}
          {f.required && f.required !== 'required' && <div className="apollo-small" data-testid="required-when">{f.required.replace(/^required/, 'Required')}.</div>}
          {f.details.length > 0 && <div className={`${Classes.TEXT_MUTED} apollo-small`}>{f.details.join(' · ')}</div>}
        </li>
      ))}
    </ol>
  );
}

function Monitoring({ doc }: { doc: CatalogItemV2 }) {
  const m = doc.monitoring;
  if (!m || (!m.healthCheck && !(m.links ?? []).length)) return null;
  return (
    <Section title="Monitoring" icon="pulse" className="apollo-section" data-testid="offering-monitoring">
      <SectionCard>
        {m.healthCheck && <p className="apollo-small">Health check: <Code className="apollo-break">{m.healthCheck.url}</Code> every {m.healthCheck.interval ?? '5m'}, expecting {m.healthCheck.expectedStatus ?? 200}.</p>}
        <ul className="apollo-offering-links">
          {(m.links ?? []).map((l) => <li key={`${l.kind}-${l.title}`}><Tag minimal>{l.kind}</Tag> {l.title} <span className={`${Classes.TEXT_MUTED} apollo-mono apollo-small apollo-break`}>{l.url}</span></li>)}
        </ul>
      </SectionCard>
    </Section>
  );
}

export function OfferingPage({ id }: { id: string }) {
  const offering = useOffering(id);
  if (offering.isPending) {
    return <div className="apollo-page"><div className={Classes.SKELETON} style={{ height: 32, width: 320, marginBottom: 24 }} /><div className={Classes.SKELETON} style={{ height: 240 }} /></div>;
  }
  if (offering.isError) {
    const notFound = offering.error instanceof Error && 'status' in offering.error && offering.error.status === 404;
    return (
      <div className="apollo-page">
        {notFound
          ? <NonIdealState icon="search" title="No such offering" description={<>Nothing in the self-service catalog is called <Code>{id}</Code>, or you may not see it.</>} action={<Link to="/self-service">Back to self-service</Link>} />
          : <ErrorState error={offering.error} onRetry={() => void offering.refetch()} />}
      </div>
    );
  }
  const item = offering.data;
  const doc = item.document as unknown as CatalogItemV2;
  const { summary } = item;
  const lifecycle = describeLifecycle(doc.lifecycle);
  const validation = item.validation;
  return (
    <div className="apollo-page apollo-offering" data-testid="offering-page" data-id={item.id}>
      <div className="apollo-breadcrumb">
        <Link to="/self-service">Self-service</Link> <Icon icon="chevron-right" size={12} /> <Link to={`/self-service?category=${encodeURIComponent(summary.category)}`} data-testid="offering-category">{categoryTitle(summary.category)}</Link>
      </div>
      <PageHeader
        title={<><Icon icon={offeringIcon(summary.icon, summary.category)} size={22} /> {summary.name} <LifecycleTag lifecycle={summary.lifecycle} /> <ViewOnlyTag offering={summary} /></>}
        actions={(
          <div style={{ display: 'flex', gap: 8 }}>
            <Link to={`/studio?item=${encodeURIComponent(item.id)}`} className="bp6-button" data-testid="open-in-studio"><Icon icon="code-block" /><span className="bp6-button-text">Open in studio</span></Link>
            {doc.metadata.documentation?.[0] && isWebLink(doc.metadata.documentation[0].url) && (
              <AnchorButton icon="manual" text={doc.metadata.documentation[0].title} href={doc.metadata.documentation[0].url} target="_blank" rel="noopener noreferrer" />
            )}
          </div>
        )}
      />
      <div className="apollo-offering-description-full"><Markdown source={summary.description} /></div>
      {lifecycle.text && (
        <Callout intent={lifecycle.state === 'retired' ? 'danger' : 'warning'} icon={lifecycle.state === 'retired' ? 'disable' : 'warning-sign'} className="apollo-offering-callout" data-testid="offering-lifecycle">
          {lifecycle.text}
          {(doc.lifecycle?.status === 'deprecated' || doc.lifecycle?.status === 'retired') && doc.lifecycle.replacement && (
            <> <Link to={`/self-service/${encodeURIComponent(doc.lifecycle.replacement)}`}>Open {doc.lifecycle.replacement}</Link></>
          )}
        </Callout>
      )}
      {!summary.canRequest && (
        <Callout icon="eye-open" className="apollo-offering-callout" data-testid="offering-view-only">
          You can see this offering but not request it.{summary.requestBlockedReason ? ` ${summary.requestBlockedReason}` : ''}
        </Callout>
      )}
      {validation?.servingOlderVersion && (
        <Callout intent="warning" icon="git-commit" className="apollo-offering-callout" data-testid="offering-stale">
          The latest change to <Code>{validation.source.path}</Code> (<Code>{validation.source.sha.slice(0, 7)}</Code>, checked {formatAgo(validation.checkedAt)}) has {validation.errors.length} {validation.errors.length === 1 ? 'error' : 'errors'}; version {validation.currentVersion} is served until it is fixed.
        </Callout>
      )}
      <div className="apollo-grid">
        <div>
          <Fulfillment doc={doc} />
          <RequestForm item={item} doc={doc} />
        </div>
        <div>
          <Overview item={item} doc={doc} />
          <Approval doc={doc} />
          <Monitoring doc={doc} />
        </div>
      </div>
    </div>
  );
}
