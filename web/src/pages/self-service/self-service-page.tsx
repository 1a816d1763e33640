/**
 * The self-service catalog: offerings as cards grouped by category, filters (category, owner, tag,
 * lifecycle) and a search as you type (the API's ranked, typo-tolerant search with highlighted matches).
 * The state lives in the URL.
 */
import { Button, Classes, Code, FormGroup, HTMLSelect, InputGroup, NonIdealState, Spinner } from '@blueprintjs/core';
import { useMemo, useState } from 'react';
import type { CatalogSummary } from '../../../../schemas/types.gen.ts';
import { isRole, roleHas } from '../../../../shared/permissions.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { useMe, useOfferingList, useOfferingSearch, type OfferingFilters } from '../../lib/queries.ts';
import { navigate, useSearch } from '../../lib/router.tsx';
import { useDebounced } from '../../lib/use-debounced.ts';
import { categoryTitle } from './describe.ts';
import { OfferingCard } from './offering-card.tsx';
import { RefreshDrawer } from './refresh-drawer.tsx';
import { activeSelfServiceFilters, searchFromSelfServiceFilters, selfServiceFiltersFromSearch, type SelfServiceFilters } from './self-service-url.ts';

const LIFECYCLE_OPTIONS = [
  { value: '', label: 'Active and deprecated' },
  { value: 'active', label: 'Active' },
  { value: 'deprecated', label: 'Deprecated' },
  { value: 'retired', label: 'Retired' },
];

const sorted = (values: Iterable<string>) => [...new Set(values)].filter(Boolean).sort((a, b) => a.localeCompare(b));

function Filters({ filters, set, all }: { filters: SelfServiceFilters; set(patch: Partial<SelfServiceFilters>): void; all: readonly CatalogSummary[] }) {
  const options = useMemo(() => ({
    category: sorted([...all.map((o) => o.category), ...(filters.category ? [filters.category] : [])]),
    owner: sorted([...all.map((o) => o.owner), ...(filters.owner ? [filters.owner] : [])]),
    tag: sorted([...all.flatMap((o) => o.tags), ...(filters.tag ? [filters.tag] : [])]),
  }), [all, filters.category, filters.owner, filters.tag]);
  const select = (key: 'category' | 'owner' | 'tag', label: string, any: string) => (
    <FormGroup label={label} labelFor={`ss-${key}`}>
      <HTMLSelect id={`ss-${key}`} fill value={filters[key] ?? ''} onChange={(e) => set({ [key]: e.currentTarget.value || undefined })}
        options={[{ value: '', label: any }, ...options[key].map((o) => ({ value: o, label: key === 'category' ? categoryTitle(o) : o }))]} />
    </FormGroup>
  );
  return (
    <div className="apollo-catalog-filters apollo-offering-filters" role="group" aria-label="Self-service filters">
      {select('category', 'Category', 'Any category')}
      {select('owner', 'Owner', 'Any team')}
      {select('tag', 'Tag', 'Any tag')}
      <FormGroup label="Lifecycle" labelFor="ss-lifecycle">
        <HTMLSelect id="ss-lifecycle" fill value={filters.lifecycle ?? ''} options={LIFECYCLE_OPTIONS}
          onChange={(e) => set({ lifecycle: (e.currentTarget.value || undefined) as SelfServiceFilters['lifecycle'] })} />
      </FormGroup>
      <div className="apollo-catalog-filter-end">
        <Button variant="minimal" text="Clear" icon="filter-remove" disabled={activeSelfServiceFilters(filters) === 0}
          onClick={() => set({ category: undefined, owner: undefined, tag: undefined, lifecycle: undefined })} />
      </div>
    </div>
  );
}

function SkeletonCards() {
  return (
    <div className="apollo-offering-grid" aria-busy>
      {Array.from({ length: 6 }, (_, i) => <div key={i} className={`apollo-offering-card ${Classes.SKELETON}`} style={{ height: 150 }} />)}
    </div>
  );
}

function ByCategory({ offerings }: { offerings: readonly CatalogSummary[] }) {
  const groups = useMemo(() => {
    const map = new Map<string, CatalogSummary[]>();
    for (const o of offerings) map.set(o.category, [...(map.get(o.category) ?? []), o]);
    return [...map.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [offerings]);
  // Groups flow side by side, each as wide as its cards, so many small categories don't stack into a column.
  return (
    <div className="apollo-offering-groups">
      {groups.map(([category, items]) => (
        <section key={category} className="apollo-offering-group" data-testid="offering-group" data-category={category} aria-labelledby={`cat-${category}`}
          style={{ flex: `${items.length} 1 ${items.length * 300 + (items.length - 1) * 16}px`, maxWidth: items.length * 480 }}>
          <h2 className="apollo-section-heading" id={`cat-${category}`}>
            {categoryTitle(category)} <span className={`${Classes.TEXT_MUTED} apollo-small`}>{items.length}</span>
          </h2>
          <div className="apollo-offering-grid">
            {items.map((o) => <OfferingCard key={o.id} offering={o} />)}
          </div>
        </section>
      ))}
    </div>
  );
}

export function SelfServicePage() {
  const search = useSearch();
  const filters = useMemo(() => selfServiceFiltersFromSearch(search), [search]);
  // Typing and filters replace the URL entry: back leaves the page rather than undoing each keystroke.
  const set = (patch: Partial<SelfServiceFilters>) => navigate(`/self-service${searchFromSelfServiceFilters({ ...filters, ...patch })}`, { replace: true });
  const [q, setQ] = useState(filters.q ?? '');
  useDebounced(q, (v) => { if ((v.trim() || undefined) !== filters.q) set({ q: v.trim() || undefined }); });
  const apiFilters: OfferingFilters = { category: filters.category, owner: filters.owner, tag: filters.tag, lifecycle: filters.lifecycle };
  const searching = Boolean(filters.q);
  const list = useOfferingList(apiFilters);
  // The filter choices come from everything the caller may see, whatever is selected.
  const everything = useOfferingList({});
  const results = useOfferingSearch(filters.q ?? '', apiFilters);
  const offerings = list.data?.pages.flatMap((p) => p.items) ?? [];
  const all = everything.data?.pages.flatMap((p) => p.items) ?? [];
  const filtered = activeSelfServiceFilters(filters) > 0;
  const current = searching ? results : list;
  const busy = current.isFetching && !list.isFetchingNextPage;
  const clearAll = () => { setQ(''); navigate('/self-service', { replace: true }); };
  const me = useMe();
  const mayRefresh = me.data !== undefined && isRole(me.data.role) && roleHas(me.data.role, 'catalog:manage');
  const [refreshing, setRefreshing] = useState(false);

  return (
    <div className="apollo-page apollo-self-service" data-testid="self-service-page">
      <PageHeader title="Self-service" description="Ask the platform teams for what you need. Each offering says who owns it, how long it takes, who approves and what it will do."
        actions={(
          <div style={{ display: 'flex', gap: 8 }}>
            <Button icon="code-block" text="Offering studio" onClick={() => navigate('/studio')} data-testid="open-studio" />
            {mayRefresh && <Button icon="git-repo" text="Refresh from Git" onClick={() => setRefreshing(true)} data-testid="open-refresh" />}
          </div>
        )} />
      <div className="apollo-catalog-search">
        <InputGroup id="self-service-search" type="search" size="large" leftIcon="search" autoFocus value={q} onValueChange={setQ}
          placeholder="Search offerings by name, description, tag or team — typos are fine" aria-label="Search offerings" data-testid="self-service-search"
          rightElement={busy ? <Spinner size={16} className="apollo-search-spinner" /> : undefined} />
      </div>
      <Filters filters={filters} set={set} all={all} />
      {current.isError ? <ErrorState error={current.error} onRetry={() => void current.refetch()} /> : searching ? (
        !results.data ? <SkeletonCards /> : (
          <>
            <div className={`${Classes.TEXT_MUTED} apollo-offering-count`} data-testid="self-service-count">
              {results.data.total} {results.data.total === 1 ? 'offering matches' : 'offerings match'} <Code>{filters.q}</Code>{results.data.total > 1 ? ', best first' : ''}
            </div>
            {results.data.items.length > 0 ? (
              <div className="apollo-offering-grid" data-testid="search-results">
                {results.data.items.map((r) => <OfferingCard key={r.offering.id} offering={r.offering} highlights={r.highlights} />)}
              </div>
            ) : (
              <NonIdealState icon="search" title="No offerings match" className="apollo-empty"
                description={filtered ? 'Try another spelling, or fewer filters.' : 'Try another spelling or a broader word, such as database or access.'}
                action={<Button text="Clear search and filters" onClick={clearAll} />} />
            )}
          </>
        )
      ) : !list.data ? <SkeletonCards /> : offerings.length === 0 ? (
        filtered
          ? <NonIdealState icon="filter" title="No offerings match these filters" className="apollo-empty" description="Retired offerings show only with Lifecycle: Retired." action={<Button text="Clear filters" onClick={clearAll} />} />
          : <NonIdealState icon="shop" title="No offerings yet" className="apollo-empty" description="Platform teams publish offerings as YAML files in the catalog repository; they appear here after the next catalog refresh." />
      ) : (
        <>
          <div className={`${Classes.TEXT_MUTED} apollo-offering-count`} data-testid="self-service-count">
            {list.data.pages[0]?.total ?? offerings.length} {(list.data.pages[0]?.total ?? offerings.length) === 1 ? 'offering' : 'offerings'}
            {!filters.lifecycle && ' (retired ones hidden)'}
          </div>
          <ByCategory offerings={offerings} />
          {list.hasNextPage && (
            <div className="apollo-load-more">
              <Button text="Load more" icon="more" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} />
            </div>
          )}
        </>
      )}
      {mayRefresh && <RefreshDrawer isOpen={refreshing} onClose={() => setRefreshing(false)} />}
    </div>
  );
}
