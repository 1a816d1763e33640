/**
 * Recommendations (`/costs?tab=recommendations&kind=storage`, GET /api/v1/costs/recommendations): what the last cost
 * ingest found to spend less on, with the total monthly saving and its split by kind, filters, and a list sorted by
 * saving whose rows open to how it was worked out and what to do (copyable). A service's Costs tab shows its own
 * (`RecommendationsCard`).
 */
import { Button, Callout, Classes, FormGroup, HTMLSelect, HTMLTable, Icon, InputGroup, NonIdealState, Section, SectionCard, Spinner, Tag } from '@blueprintjs/core';
import { Fragment, useState } from 'react';
import type { CostRecommendation } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { toast } from '../../lib/toaster.ts';
import { formatUsd, serviceCostsHref } from './cost-format.ts';
import { Figure } from './cost-parts.tsx';
import { useCostRecommendations } from './cost-queries.ts';
import {
  confidenceIntent, kindLabel, narrowRecommendations, RECOMMENDATION_KINDS, recommendationQuery, savingsByKind, sourceLabel, totalSaving,
  type RecommendationFilters, type RecommendationKind,
} from './recommendation-format.ts';

const MIN_SAVINGS = [0, 10, 50, 100, 500];

/**
 * The tab's one word on where its figures come from (the page leaves its own banner out here): the LOCAL demo says so,
 * and either way it lists what the last ingest read.
 */
function SourcesBanner({ simulated, asOf, sources }: { simulated: boolean; asOf: string | null; sources: readonly string[] }) {
  const when = asOf ? <>worked out <span title={formatTime(asOf)}>{formatAgo(asOf)}</span> by the cost-ingest job</> : 'not worked out yet';
  const read = sources.length > 0 && (
    <ul className="apollo-cost-sources apollo-small" data-testid="cost-recs-sources">{sources.map((s) => <li key={s}>{s}</li>)}</ul>
  );
  if (!simulated) {
    return (
      <Callout icon="database" compact className="apollo-cost-banner" data-testid="cost-recs-source-banner">
        <strong>From AWS Cost Explorer</strong> · {when}{read && <>; read from:</>}{read}
      </Callout>
    );
  }
  return (
    <Callout intent="primary" icon="lab-test" className="apollo-cost-banner" data-testid="cost-demo-banner" compact>
      <strong>LOCAL demo recommendations: worked out from the demo&apos;s generated spend, not AWS</strong> · {when}{read && <>; read from:</>}{read}
    </Callout>
  );
}

function NotesCallout({ notes }: { notes: readonly string[] }) {
  if (notes.length === 0) return null;
  return (
    <Callout intent="warning" icon="eye-off" compact className="apollo-cost-banner" title="Left out or not looked at" data-testid="cost-recs-notes">
      <ul className="apollo-cost-notes">{notes.map((n) => <li key={n}>{n}</li>)}</ul>
    </Callout>
  );
}

function ActionBlock({ action }: { action: string }) {
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(action);
      toast({ intent: 'success', icon: 'clipboard', message: 'Action copied' });
    } catch {
      toast({ intent: 'danger', icon: 'error', message: 'The browser did not allow copying to the clipboard' });
    }
  };
  return (
    <div className="apollo-cost-action">
      <pre className="apollo-mono" data-testid="cost-rec-action">{action}</pre>
      <Button size="small" variant="minimal" icon="clipboard" aria-label="Copy the action" title="Copy" onClick={() => void copy()} data-testid="cost-rec-copy" />
    </div>
  );
}

/** Largest saving first; a row opens to its detail and action. */
export function RecommendationTable({ items, showService = true }: { items: readonly CostRecommendation[]; showService?: boolean }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) => setOpen((o) => { const next = new Set(o); if (next.has(id)) next.delete(id); else next.add(id); return next; });
  return (
    <HTMLTable compact className="apollo-table apollo-cost-recs" data-testid="cost-recs" data-count={items.length}>
      <thead>
        <tr>
          <th>Recommendation</th><th>{showService ? 'Service' : 'Environment'}</th><th>Found by</th>
          <th className="apollo-cost-num">Costs now, a month</th><th className="apollo-cost-num">Saving, a month</th><th>Confidence</th>
        </tr>
      </thead>
      <tbody>
        {items.map((r) => {
          const isOpen = open.has(r.id);
          const source = sourceLabel(r.source);
          return (
            <Fragment key={r.id}>
              <tr data-testid="cost-rec" data-id={r.id} data-kind={r.kind} data-source={r.source} data-service={r.service ?? ''} data-resource={r.resourceId ?? ''}>
                <td>
                  <button type="button" className="apollo-cost-toggle apollo-cost-rec-toggle" onClick={() => toggle(r.id)} aria-expanded={isOpen} data-testid="cost-rec-toggle">
                    <Icon icon={isOpen ? 'chevron-down' : 'chevron-right'} size={12} />
                    <strong>{r.title}</strong>
                  </button>
                  <div className="apollo-cost-rec-tags">
                    <Tag minimal data-testid="cost-rec-kind">{kindLabel(r.kind)}</Tag>
                    {r.resourceId && <span className={`${Classes.TEXT_MUTED} apollo-small apollo-mono`}>{r.resourceId}</span>}
                  </div>
                </td>
                <td className="apollo-nowrap">
                  {showService && (r.service ? <Link to={serviceCostsHref(r.service, r.environment ?? undefined)} className="apollo-cell-strong" data-testid="cost-rec-service">{r.service}</Link> : <span className={Classes.TEXT_MUTED} title="Cost Explorer names a resource, not a service">—</span>)}
                  {r.environment ? <div className={showService ? 'apollo-small' : undefined}>{r.environment}</div> : !showService && <span className={Classes.TEXT_MUTED}>—</span>}
                </td>
                <td><Tag minimal intent="primary" title={source.title} data-testid="cost-rec-source">{source.label}</Tag></td>
                <td className="apollo-cost-num">{r.currentMonthlyCost === null ? <span className={Classes.TEXT_MUTED}>—</span> : formatUsd(r.currentMonthlyCost)}</td>
                <td className="apollo-cost-num"><strong data-testid="cost-rec-saving">{formatUsd(r.monthlySaving)}</strong></td>
                <td><Tag minimal intent={confidenceIntent(r.confidence)}>{r.confidence}</Tag></td>
              </tr>
              {isOpen && (
                <tr className="apollo-cost-rec-detail" data-testid="cost-rec-detail" data-id={r.id}>
                  <td colSpan={6}>
                    <div className="apollo-small">{r.detail}</div>
                    <div className={`${Classes.TEXT_MUTED} apollo-small apollo-cost-rec-label`}>What to do</div>
                    <ActionBlock action={r.action} />
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </HTMLTable>
  );
}

function ByKind({ byKind, selected, onKind }: { byKind: Readonly<Record<string, number>>; selected: RecommendationKind | undefined; onKind(kind: RecommendationKind | undefined): void }) {
  const rows = savingsByKind(byKind);
  if (rows.length === 0) return null;
  return (
    <div className="apollo-cost-kinds" data-testid="cost-recs-by-kind">
      {rows.map((k) => (
        <button type="button" key={k.kind} className={`apollo-cost-kind${selected === k.kind ? ' apollo-cost-kind-selected' : ''}`} data-testid="cost-recs-kind" data-kind={k.kind}
          onClick={() => onKind(selected === k.kind ? undefined : k.kind as RecommendationKind)} title={selected === k.kind ? 'Show every kind' : `Show only ${kindLabel(k.kind)}`}>
          <span className="apollo-cost-kind-label">{kindLabel(k.kind)}</span>
          <span className="apollo-cost-kind-bar"><span style={{ width: `${Math.max(2, k.share * 100)}%` }} /></span>
          <span className="apollo-cost-num">{formatUsd(k.saving)}</span>
        </button>
      ))}
    </div>
  );
}

/** The tab: the whole saving and by kind (from every recommendation), then the filtered list. */
export function Recommendations({ filters, environments, onFilters }: { filters: RecommendationFilters; environments: readonly string[]; onFilters(filters: RecommendationFilters): void }) {
  const all = useCostRecommendations();
  const filtered = useCostRecommendations(recommendationQuery(filters));
  const set = (change: Partial<Record<keyof RecommendationFilters, string | number | undefined>>) => {
    const next: Record<string, unknown> = { ...filters, ...change };
    for (const k of Object.keys(next)) if (next[k] === undefined || next[k] === '' || next[k] === 0) delete next[k];
    onFilters(next as RecommendationFilters);
  };
  if (all.isError && !all.data) return <ErrorState error={all.error} onRetry={() => void all.refetch()} />;
  if (all.isPending) return <div className={Classes.SKELETON} style={{ height: 320 }} />;
  const list = all.data;
  const items = narrowRecommendations(filtered.data?.items ?? [], filters.service);
  const filtering = Object.keys(filters).length > 0;
  return (
    <div className="apollo-section-gap" data-testid="cost-recommendations">
      <SourcesBanner simulated={list.simulated} asOf={list.asOf} sources={list.sources ?? []} />
      <div className="apollo-cost-recs-head">
        <Figure label="Could save, a month" value={formatUsd(list.totalMonthlySaving)} testId="cost-recs-total">
          {list.items.length} recommendation{list.items.length === 1 ? '' : 's'}
        </Figure>
        <ByKind byKind={list.byKind} selected={filters.kind} onKind={(kind) => set({ kind })} />
      </div>
      {/* The API counts what the floor leaves out of the matching recommendations: the filtered list's notes are the ones to show. */}
      <NotesCallout notes={(filtered.data ?? list).notes} />
      <form className="apollo-filters apollo-cost-rec-filters" onSubmit={(e) => e.preventDefault()} aria-label="Recommendation filters">
        <FormGroup label="Kind" labelFor="cr-kind">
          <HTMLSelect id="cr-kind" fill value={filters.kind ?? ''} onChange={(e) => set({ kind: e.currentTarget.value || undefined })} data-testid="cost-recs-filter-kind"
            options={[{ value: '', label: 'Every kind' }, ...RECOMMENDATION_KINDS.map((k) => ({ value: k, label: kindLabel(k) }))]} />
        </FormGroup>
        <FormGroup label="Environment" labelFor="cr-environment">
          <HTMLSelect id="cr-environment" fill value={filters.environment ?? ''} onChange={(e) => set({ environment: e.currentTarget.value || undefined })} data-testid="cost-recs-filter-environment"
            options={[{ value: '', label: 'Every environment' }, ...environments, ...(filters.environment && !environments.includes(filters.environment) ? [filters.environment] : [])]} />
        </FormGroup>
        <FormGroup label="Service" labelFor="cr-service">
          <InputGroup id="cr-service" type="search" leftIcon="search" placeholder="Part of its id" value={filters.service ?? ''} onValueChange={(v) => set({ service: v.toLowerCase() || undefined })} data-testid="cost-recs-filter-service" />
        </FormGroup>
        <FormGroup label="Saving at least" labelFor="cr-min">
          <HTMLSelect id="cr-min" fill value={String(filters.minSaving ?? 0)} onChange={(e) => set({ minSaving: Number(e.currentTarget.value) || undefined })} data-testid="cost-recs-filter-min"
            options={[...new Set([...MIN_SAVINGS, filters.minSaving ?? 0])].sort((a, b) => a - b).map((n) => ({ value: String(n), label: n === 0 ? 'Above the configured floor' : `${formatUsd(n)} a month` }))} />
        </FormGroup>
        <div className="apollo-filter-actions">
          {filtering && <Button variant="minimal" icon="cross" text="Clear" onClick={() => onFilters({})} data-testid="cost-recs-clear" />}
          {filtered.isFetching && <Spinner size={14} />}
        </div>
      </form>
      {filtered.isError && !filtered.data && <ErrorState compact error={filtered.error} onRetry={() => void filtered.refetch()} />}
      {filtered.data && (
        <Section className="apollo-section" icon="lightbulb" data-testid="cost-recs-section"
          title={filtering ? `${items.length} of ${list.items.length} recommendations` : `${items.length} recommendation${items.length === 1 ? '' : 's'}`}
          subtitle={`${formatUsd(totalSaving(items))} a month if all of these were done · the largest saving first; a row opens to how it was worked out and what to do`}>
          <SectionCard padded={false}>
            {items.length === 0
              ? (
                // NonIdealState passes no data-* attributes on: the test id sits on a wrapper.
                <div data-testid="cost-recs-empty">
                  <NonIdealState icon="tick-circle" className="apollo-empty apollo-cost-empty-small"
                    title={filtering ? 'None matches these filters' : 'Nothing to recommend'}
                    description={filtering ? 'Clear a filter to see more.' : 'The last cost ingest found no saving worth its while.'} />
                </div>
              )
              : <RecommendationTable items={items} />}
          </SectionCard>
        </Section>
      )}
    </div>
  );
}

/** A service's own recommendations and their saving, on its Costs tab. */
export function RecommendationsCard({ service, environment }: { service: string; environment: string | undefined }) {
  const recs = useCostRecommendations({ service, ...(environment ? { environment } : {}) });
  const data = recs.data;
  return (
    <Section title="Recommendations" icon="lightbulb" className="apollo-section" data-testid="service-costs-recommendations" data-count={data?.items.length ?? ''}
      subtitle={data ? (data.items.length ? <><strong data-testid="service-costs-recommendations-total">{formatUsd(data.totalMonthlySaving)}</strong> a month to save, from {data.items.length} recommendation{data.items.length === 1 ? '' : 's'}</> : undefined) : undefined}
      rightElement={<Link to={`/costs?tab=recommendations&service=${encodeURIComponent(service)}`}>Every recommendation</Link>}>
      <SectionCard padded={false}>
        {recs.isError && !data && <ErrorState compact error={recs.error} onRetry={() => void recs.refetch()} />}
        {recs.isPending && <div className={Classes.SKELETON} style={{ height: 80 }} />}
        {data && data.items.length === 0 && (
          <div data-testid="service-costs-recommendations-empty">
            <NonIdealState icon="tick-circle" className="apollo-empty apollo-cost-empty-small"
              title={`Nothing to recommend for ${service}${environment ? ` in ${environment}` : ''}`} description={data.notes.length ? `Not looked at: ${data.notes.join(' ')}` : undefined} />
          </div>
        )}
        {data && data.items.length > 0 && <RecommendationTable items={narrowRecommendations(data.items, undefined)} showService={false} />}
      </SectionCard>
    </Section>
  );
}
