import {
  Button, Classes, Code, FormGroup, HTMLSelect, HTMLTable, InputGroup, NonIdealState, Spinner, Switch, Tag, Tooltip,
} from '@blueprintjs/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ServiceSummary } from '../../../../schemas/types.gen.ts';
import { isRole, roleHas } from '../../../../shared/permissions.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { HEALTH_COLOR, HealthBadge, TeamTag, TierTag } from '../../components/health.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe, useServiceList, useTeams, type CatalogFilters } from '../../lib/queries.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { useDebounced } from '../../lib/use-debounced.ts';
import { activeFilterCount, catalogFiltersFromSearch, searchFromCatalogFilters } from './catalog-url.ts';
import { DiscoveryDrawer } from './discovery-drawer.tsx';
import { ServiceDialog } from './service-form.tsx';

const ENVIRONMENTS = ['dev', 'staging', 'prod'];

/** A free-text filter with the catalog's values as suggestions; its hint (examples) shows on hover, its placeholder says "Any …" like the selects'. */
function TextFilter({ id, label, value, placeholder, hint, icon, options, onApply }: {
  id: string; label: string; value: string | undefined; placeholder: string; hint: string; icon: 'code' | 'cloud'; options: readonly string[]; onApply(v: string): void;
}) {
  const [text, setText] = useState(value ?? '');
  useDebounced(text, (v) => { if (v.trim() !== (value ?? '')) onApply(v.trim()); }, 400);
  return (
    <FormGroup label={label} labelFor={id}>
      <InputGroup id={id} value={text} onValueChange={setText} placeholder={placeholder} title={hint} leftIcon={icon} list={`${id}-options`} />
      <datalist id={`${id}-options`}>{options.map((o) => <option key={o} value={o} />)}</datalist>
    </FormGroup>
  );
}

function Filters({ filters, set, languages, clusters }: { filters: CatalogFilters; set(patch: Partial<CatalogFilters>): void; languages: string[]; clusters: string[] }) {
  const teams = useTeams();
  const teamIds = teams.data?.pages.flatMap((p) => p.items.map((t) => t.id)) ?? [];
  if (filters.team && !teamIds.includes(filters.team)) teamIds.push(filters.team);
  const select = (key: 'team' | 'tier' | 'health' | 'environment', any: string, options: readonly string[]) => (
    <HTMLSelect id={`f-${key}`} value={filters[key] ?? ''} fill
      onChange={(e) => set({ [key]: e.currentTarget.value || undefined })}
      options={[{ value: '', label: any }, ...options.map((o) => ({ value: o, label: o }))]} />
  );
  const count = activeFilterCount(filters);
  return (
    <div className="apollo-catalog-filters" role="group" aria-label="Catalog filters">
      <FormGroup label="Team" labelFor="f-team">{select('team', 'Any team', teamIds)}</FormGroup>
      <FormGroup label="Tier" labelFor="f-tier">{select('tier', 'Any tier', ['critical', 'standard', 'experimental'])}</FormGroup>
      <FormGroup label="Health" labelFor="f-health">{select('health', 'Any health', ['healthy', 'degraded', 'down', 'unknown'])}</FormGroup>
      <FormGroup label="Environment" labelFor="f-environment">{select('environment', 'Any environment', [...new Set([...ENVIRONMENTS, ...(filters.environment ? [filters.environment] : [])])])}</FormGroup>
      <TextFilter key={`l-${filters.language ?? ''}`} id="f-language" label="Language" value={filters.language} placeholder="Any language" hint="A language, such as java or typescript" icon="code" options={languages} onApply={(v) => set({ language: v || undefined })} />
      <TextFilter key={`c-${filters.cluster ?? ''}`} id="f-cluster" label="Cluster" value={filters.cluster} placeholder="Any cluster" hint="The EKS cluster an environment runs on" icon="cloud" options={clusters} onApply={(v) => set({ cluster: v || undefined })} />
      <div className="apollo-catalog-filter-end">
        <Switch checked={filters.includeDeregistered === true} label="Deregistered" onChange={(e) => set({ includeDeregistered: e.currentTarget.checked || undefined })} />
        <Button variant="minimal" text="Clear" icon="filter-remove" disabled={count === 0} onClick={() => set({ team: undefined, tier: undefined, health: undefined, environment: undefined, language: undefined, cluster: undefined, includeDeregistered: undefined })} />
      </div>
    </div>
  );
}

function EnvironmentDots({ service }: { service: ServiceSummary }) {
  if (service.environments.length === 0) return <span className={Classes.TEXT_MUTED}>none</span>;
  const rank = (n: string) => { const i = ENVIRONMENTS.indexOf(n); return i < 0 ? 99 : i; };
  return (
    <span className="apollo-env-dots">
      {[...service.environments].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name)).map((e) => (
        <Tooltip key={e.name} content={`${e.name} on ${e.cluster}: ${e.healthStatus}${e.imageTag ? ` · ${e.imageTag}` : ''}`} compact>
          <span className="apollo-env-dot" data-env={e.name} data-status={e.healthStatus}>
            <span className="apollo-dot" style={{ background: HEALTH_COLOR[e.healthStatus] }} aria-hidden />
            {e.name}
          </span>
        </Tooltip>
      ))}
    </span>
  );
}

function SkeletonRows() {
  return (
    <tbody>
      {Array.from({ length: 8 }, (_, i) => <tr key={i}>{Array.from({ length: 7 }, (__, j) => <td key={j}><div className={Classes.SKELETON}>&nbsp;</div></td>)}</tr>)}
    </tbody>
  );
}

export function CatalogPage() {
  const search = useSearch();
  const filters = useMemo(() => catalogFiltersFromSearch(search), [search]);
  // Typing, filters and sort replace the URL entry (back leaves the catalog rather than undoing each keystroke).
  const set = (patch: Partial<CatalogFilters>) => navigate(`/catalog${searchFromCatalogFilters({ ...filters, ...patch })}`, { replace: true });
  const [q, setQ] = useState(filters.q ?? '');
  useDebounced(q, (v) => { if ((v.trim() || undefined) !== filters.q) set({ q: v.trim() || undefined }); });
  const list = useServiceList(filters);
  const searchBox = useRef<HTMLInputElement>(null);
  // "/" jumps to the search box, as in GitHub and Backstage.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (e.key !== '/' || e.metaKey || e.ctrlKey || target.closest('input, textarea, select, [contenteditable="true"]')) return;
      e.preventDefault();
      searchBox.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const me = useMe();
  const mayWrite = me.data !== undefined && isRole(me.data.role) && roleHas(me.data.role, 'services:write');
  const mayDiscover = me.data !== undefined && isRole(me.data.role) && roleHas(me.data.role, 'catalog:manage');
  const [registering, setRegistering] = useState(false);
  const [discovering, setDiscovering] = useState(false);
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const total = list.data?.pages[0]?.total;
  const languages = useMemo(() => [...new Set(items.map((s) => s.language).filter(Boolean))].sort(), [items]);
  const clusters = useMemo(() => [...new Set(items.flatMap((s) => s.environments.map((e) => e.cluster)).filter(Boolean))].sort(), [items]);
  const sortValue = `${filters.sort ?? (filters.q ? 'relevance' : 'name')}`;
  const filtered = activeFilterCount(filters) > 0 || Boolean(filters.q);

  return (
    <div className="apollo-page apollo-catalog">
      <PageHeader
        title="Service catalog"
        description="Every service, who owns it, where it runs and whether it is healthy."
        actions={<>
          {mayDiscover && <Button icon="git-repo" text="Discovery" onClick={() => setDiscovering(true)} data-testid="open-discovery" />}
          {mayWrite && <Button intent="primary" icon="add" text="Register service" onClick={() => setRegistering(true)} data-testid="register-service" />}
        </>}
      />
      <div className="apollo-catalog-search">
        <InputGroup id="catalog-search" type="search" size="large" leftIcon="search" placeholder="Search by name, description or team — typos are fine" value={q} onValueChange={setQ}
          aria-label="Search services" data-testid="catalog-search" autoFocus inputRef={searchBox}
          rightElement={list.isFetching && !list.isFetchingNextPage
            ? <Spinner size={16} className="apollo-search-spinner" />
            : q ? undefined : <kbd className="apollo-kbd" title="Press / to search">/</kbd>} />
        <HTMLSelect aria-label="Sort" value={sortValue} onChange={(e) => {
          const v = e.currentTarget.value;
          set({ sort: v === 'relevance' ? undefined : v as CatalogFilters['sort'], order: undefined });
        }} options={[
          ...(filters.q ? [{ value: 'relevance', label: 'Best match' }] : []),
          { value: 'name', label: 'Name A–Z' },
          { value: 'lastDeployedAt', label: 'Last deployed' },
        ]} />
      </div>
      <Filters filters={filters} set={set} languages={languages} clusters={clusters} />
      {list.isError ? <ErrorState error={list.error} onRetry={() => void list.refetch()} /> : (
        <div className="apollo-table-card">
          {!list.isPending && (
            <div className={`apollo-catalog-count ${Classes.TEXT_MUTED}`} data-testid="catalog-count">
              {total ?? items.length} {(total ?? items.length) === 1 ? `service${filtered ? ' matches' : ''}` : `services${filtered ? ' match' : ''}`}
              {filters.q && <> <Code>{filters.q}</Code></>}
            </div>
          )}
          <HTMLTable className="apollo-table apollo-catalog-table" interactive={items.length > 0} data-testid="catalog-table">
            <thead>
              <tr><th>Service</th><th>Team</th><th>Tier</th><th>Health</th><th>Environments</th><th>Stack</th><th>Last deploy</th></tr>
            </thead>
            {list.isPending ? <SkeletonRows /> : (
              <tbody>
                {items.map((s) => (
                  <tr key={s.id} data-testid="service-row" data-id={s.id} tabIndex={0} className={s.deregisteredAt ? 'apollo-row-muted' : undefined}
                    onClick={(e) => { if (!(e.target as HTMLElement).closest('a')) navigate(`/catalog/${encodeURIComponent(s.id)}`); }}
                    onKeyDown={(e) => { if (e.key === 'Enter') navigate(`/catalog/${encodeURIComponent(s.id)}`); }}>
                    <td className="apollo-catalog-name">
                      <Link to={`/catalog/${encodeURIComponent(s.id)}`} className="apollo-cell-strong">{s.displayName}</Link>
                      {s.source === 'manifest' && <Tooltip content="Discovered from apollo.yaml" compact><Tag minimal className="apollo-inline-tag" icon="git-repo">manifest</Tag></Tooltip>}
                      {s.drift.length > 0 && <Tooltip content={`Edited by hand, differs from apollo.yaml: ${s.drift.map((d) => d.field).join(', ')}`} compact><Tag minimal intent="warning" className="apollo-inline-tag" icon="git-branch">drift</Tag></Tooltip>}
                      {s.deregisteredAt && <Tag minimal className="apollo-inline-tag" icon="disable">deregistered</Tag>}
                      <div className={`${Classes.TEXT_MUTED} apollo-mono apollo-small`}>{s.id}</div>
                      {s.description && <div className={`${Classes.TEXT_MUTED} apollo-catalog-description`} title={s.description}>{s.description}</div>}
                    </td>
                    <td><TeamTag team={s.team} /></td>
                    <td><TierTag tier={s.tier} /></td>
                    <td><HealthBadge status={s.healthStatus} /></td>
                    <td><EnvironmentDots service={s} /></td>
                    <td className="apollo-nowrap">{s.language || <span className={Classes.TEXT_MUTED}>—</span>}{s.framework && <div className={`${Classes.TEXT_MUTED} apollo-small`}>{s.framework}</div>}</td>
                    <td className={`${Classes.TEXT_MUTED} apollo-nowrap`} title={s.lastDeployedAt ? formatTime(s.lastDeployedAt) : 'Never deployed'}>{s.lastDeployedAt ? formatAgo(s.lastDeployedAt) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            )}
          </HTMLTable>
          {!list.isPending && items.length === 0 && (
            filtered
              ? <NonIdealState icon="search" title="No services match" description="Try fewer filters or another spelling." action={<Button text="Clear search and filters" onClick={() => { setQ(''); navigate('/catalog', { replace: true }); }} />} className="apollo-empty" />
              : <NonIdealState icon="box" title="The catalog is empty" description="Register a service by hand, or run a discovery sync to import every apollo.yaml in your GitHub organisation."
                action={mayWrite ? <Button intent="primary" icon="add" text="Register service" onClick={() => setRegistering(true)} /> : undefined} className="apollo-empty" />
          )}
          {list.hasNextPage && (
            <div className="apollo-load-more">
              <Button text="Load more" icon="more" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} />
            </div>
          )}
        </div>
      )}
      {registering && <ServiceDialog service={null} onClose={() => setRegistering(false)} />}
      {mayDiscover && <DiscoveryDrawer isOpen={discovering} onClose={() => setDiscovering(false)} />}
    </div>
  );
}
