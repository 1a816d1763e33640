/**
 * Secrets (`/secrets`, secrets:metadata): every secret's metadata, never a value, as a tree (environment → service →
 * secrets) with their category, status (overdue red, due soon orange, unused grey), next rotation, last rotation and
 * owner; filtered by the URL's environment, service, category and status; "Load more" follows the cursor. Tabs
 * (`?tab=`): the list, the expiring dashboard (`expiring`) and, for audit:read, who read or changed secrets (`audit`).
 * "Create secret" for secrets:write (admins).
 */
import { Button, Callout, Classes, FormGroup, HTMLSelect, HTMLTable, Icon, NonIdealState, Spinner, Tab, Tabs, Tag } from '@blueprintjs/core';
import { lazy, Suspense, useMemo, useState } from 'react';
import { ErrorState } from '../../components/error-state.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { Link, navigate, useSearch } from '../../lib/router.tsx';
import { sortEnvironments } from '../deployments/deployment-rules.ts';
import { useServiceChoices } from '../deployments/deployment-queries.ts';
import { CreateSecretDialog } from './secret-dialogs.tsx';
import { CategoryTag, LocalStoreTag, ProductionTag, SecretAuditTable, SecretStatusTag } from './secret-parts.tsx';
import { useSecretList } from './secret-queries.ts';
import {
  CATEGORIES, CATEGORY_LABEL, dueText, DUES, filtersFromSearch, groupSecrets, isFiltered, powersOf, searchOf, secretHref, STATUS_LABEL, tabFromSearch,
  type EnvironmentGroup, type SecretFilters, type SecretsTab,
} from './secret-rules.ts';
import '../../components/catalog.css';
import './secrets.css';

// Recharts loads with the dashboard, not with the app.
const ExpiringDashboard = lazy(() => import('./expiring-dashboard.tsx').then((m) => ({ default: m.ExpiringDashboard })));

function FiltersForm({ filters, onChange, environments }: { filters: SecretFilters; onChange(f: SecretFilters): void; environments: readonly string[] }) {
  const services = useServiceChoices();
  const serviceIds = (services.data ?? []).map((s) => s.id);
  if (filters.service && !serviceIds.includes(filters.service)) serviceIds.push(filters.service);
  const envs = sortEnvironments([...new Set([...environments, ...(services.data ?? []).flatMap((s) => s.environments.map((e) => e.name)), ...(filters.environment ? [filters.environment] : [])])]);
  const set = (key: keyof SecretFilters, value: string) => {
    const next: Record<string, string | undefined> = { ...filters, [key]: value || undefined };
    onChange(Object.fromEntries(Object.entries(next).filter(([, v]) => v)) as SecretFilters);
  };
  return (
    <form className="apollo-filters apollo-secrets-filters" onSubmit={(e) => e.preventDefault()} aria-label="Secret filters" data-testid="secret-filters">
      <FormGroup label="Environment" labelFor="sf-environment">
        <HTMLSelect id="sf-environment" fill value={filters.environment ?? ''} onChange={(e) => set('environment', e.currentTarget.value)} data-testid="secret-filter-environment"
          options={[{ value: '', label: 'Any environment' }, ...envs]} />
      </FormGroup>
      <FormGroup label="Service" labelFor="sf-service">
        <HTMLSelect id="sf-service" fill value={filters.service ?? ''} onChange={(e) => set('service', e.currentTarget.value)} data-testid="secret-filter-service"
          options={[{ value: '', label: 'Any service' }, ...serviceIds]} />
      </FormGroup>
      <FormGroup label="Category" labelFor="sf-category">
        <HTMLSelect id="sf-category" fill value={filters.category ?? ''} onChange={(e) => set('category', e.currentTarget.value)} data-testid="secret-filter-category"
          options={[{ value: '', label: 'Any category' }, ...CATEGORIES.map((c) => ({ value: c, label: CATEGORY_LABEL[c] }))]} />
      </FormGroup>
      <FormGroup label="Status" labelFor="sf-due">
        <HTMLSelect id="sf-due" fill value={filters.due ?? ''} onChange={(e) => set('due', e.currentTarget.value)} data-testid="secret-filter-status"
          options={[{ value: '', label: 'Any status' }, ...DUES.map((d) => ({ value: d, label: STATUS_LABEL[d] }))]} />
      </FormGroup>
      <div className="apollo-filter-actions">
        <Button variant="minimal" text="Clear" onClick={() => onChange({})} disabled={!isFiltered(filters)} data-testid="secret-filters-clear" />
      </div>
    </form>
  );
}

const COLUMNS = 6;

function EnvironmentRows({ group, collapsed, toggle }: { group: EnvironmentGroup; collapsed: ReadonlySet<string>; toggle(key: string): void }) {
  const envOpen = !collapsed.has(group.environment);
  return (
    <tbody data-testid="secret-environment" data-environment={group.environment} data-count={group.count}>
      <tr className="apollo-secrets-env-row">
        <td colSpan={COLUMNS}>
          <button type="button" className="apollo-secrets-toggle" onClick={() => toggle(group.environment)} aria-expanded={envOpen} data-testid="secret-environment-toggle">
            <Icon icon={envOpen ? 'chevron-down' : 'chevron-right'} size={14} />
            <Icon icon="layers" size={14} />
            <strong>{group.environment}</strong>
          </button>
          {group.production && <ProductionTag />}
          {group.simulated && <LocalStoreTag />}
          <span className={`${Classes.TEXT_MUTED} apollo-small`}>{group.count} secret{group.count === 1 ? '' : 's'} in {group.services.length} service{group.services.length === 1 ? '' : 's'}</span>
          {(['overdue', 'due-soon', 'unused', 'scheduled-deletion'] as const).map((s) => group.byStatus[s]
            ? <span key={s} className="apollo-secrets-count"><SecretStatusTag status={s} /> {group.byStatus[s]}</span> : null)}
        </td>
      </tr>
      {envOpen && group.services.map((sg) => {
        const key = `${group.environment}/${sg.service}`;
        const open = !collapsed.has(key);
        return [
          <tr key={key} className="apollo-secrets-service-row" data-testid="secret-service" data-service={sg.service}>
            <td colSpan={COLUMNS}>
              <button type="button" className="apollo-secrets-toggle apollo-secrets-toggle-service" onClick={() => toggle(key)} aria-expanded={open}>
                <Icon icon={open ? 'chevron-down' : 'chevron-right'} size={12} />
                <Icon icon="cube" size={12} />
                {sg.service}
              </button>
              <Link to={`/catalog/${encodeURIComponent(sg.service)}`} className="apollo-small" title="Open the service in the catalog">catalog <Icon icon="arrow-right" size={10} /></Link>
              <span className={`${Classes.TEXT_MUTED} apollo-small`}>{sg.secrets.length}{sg.attention ? `, ${sg.attention} need attention` : ''}</span>
            </td>
          </tr>,
          ...(open ? sg.secrets.map((s) => {
            const href = secretHref(s);
            const go = () => navigate(href);
            return (
              <tr key={`${key}/${s.name}`} className="apollo-secrets-row" onClick={go} onKeyDown={(e) => { if (e.key === 'Enter') go(); }} tabIndex={0}
                data-testid="secret-row" data-name={s.name} data-service={s.service} data-environment={s.environment} data-status={s.status} data-category={s.category}>
                <td className="apollo-secrets-name-cell">
                  <Link to={href} onClick={(e) => e.stopPropagation()} className="apollo-cell-strong apollo-mono" data-testid="secret-row-name">{s.name}</Link>
                  {s.description && <div className={`${Classes.TEXT_MUTED} apollo-small apollo-secrets-description`} title={s.description}>{s.description}</div>}
                </td>
                <td><CategoryTag category={s.category} /></td>
                <td><SecretStatusTag status={s.status} reason={s.statusReason} /></td>
                <td className="apollo-secrets-due-cell" title={s.nextRotationDue ? formatTime(s.nextRotationDue) : s.rotationPolicy} data-testid="secret-row-due">
                  {dueText(s)}
                  <div className={`${Classes.TEXT_MUTED} apollo-small`}>{s.rotationPolicy}</div>
                </td>
                <td className="apollo-nowrap" title={formatTime(s.lastRotatedAt ?? s.lastChangedAt)}>
                  {s.lastRotatedAt ? formatAgo(s.lastRotatedAt) : <span className={Classes.TEXT_MUTED}>never</span>}
                  {!s.lastRotatedAt && <div className={`${Classes.TEXT_MUTED} apollo-small`}>value set {formatAgo(s.lastChangedAt)}</div>}
                </td>
                <td>{s.owner ?? <span className={Classes.TEXT_MUTED}>no owner</span>}</td>
              </tr>
            );
          }) : []),
        ];
      })}
    </tbody>
  );
}

function SecretTree({ filters, onClear, canCreate, onCreate }: { filters: SecretFilters; onClear(): void; canCreate: boolean; onCreate(): void }) {
  const list = useSecretList(filters);
  const items = useMemo(() => list.data?.pages.flatMap((p) => p.items) ?? [], [list.data]);
  const groups = useMemo(() => groupSecrets(items), [items]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const toggle = (key: string) => setCollapsed((c) => { const next = new Set(c); if (next.has(key)) next.delete(key); else next.add(key); return next; });
  if (list.isError && !list.data) return <div data-testid="secrets-error"><ErrorState error={list.error} onRetry={() => void list.refetch()} /></div>;
  return (
    <div className="apollo-table-card" data-testid="secret-list" data-count={items.length}>
      <HTMLTable className="apollo-table apollo-secrets-table" interactive={items.length > 0}>
        <thead><tr><th>Secret</th><th>Category</th><th>Status</th><th>Next rotation</th><th>Last rotated</th><th>Owner</th></tr></thead>
        {list.isPending
          ? <tbody>{Array.from({ length: 5 }, (_, i) => <tr key={i}>{Array.from({ length: COLUMNS }, (__, j) => <td key={j}><div className={Classes.SKELETON}>&nbsp;</div></td>)}</tr>)}</tbody>
          : groups.map((g) => <EnvironmentRows key={g.environment} group={g} collapsed={collapsed} toggle={toggle} />)}
      </HTMLTable>
      {!list.isPending && items.length === 0 && (
        <div data-testid="secrets-empty" data-filtered={isFiltered(filters)}>
          {isFiltered(filters)
            ? <NonIdealState icon="search" title="No secrets match" description="None has those filters." action={<Button text="Clear filters" onClick={onClear} />} className="apollo-empty" />
            : <NonIdealState icon="key" title="No secrets yet" description="Secrets your services read from Secrets Manager (apollo/<env>/<service>/<name>) appear here, with when each is due for rotation."
              action={canCreate ? <Button icon="plus" intent="primary" text="Create secret" onClick={onCreate} /> : undefined} className="apollo-empty" />}
        </div>
      )}
      {list.isError && list.data && <ErrorState compact error={list.error} onRetry={() => void list.refetch()} />}
      {list.hasNextPage && (
        <div className="apollo-load-more">
          <Button text="Load more" icon="more" loading={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()} data-testid="secrets-load-more" />
        </div>
      )}
      {list.isFetching && !list.isPending && !list.isFetchingNextPage && <Spinner size={16} className="apollo-refreshing" />}
    </div>
  );
}

export function SecretsPage() {
  const search = useSearch();
  const filters = useMemo(() => filtersFromSearch(search), [search]);
  const tab = useMemo(() => tabFromSearch(search), [search]);
  const go = (nextTab: SecretsTab, f: SecretFilters) => navigate(`/secrets${searchOf(nextTab, f)}`, { replace: nextTab === tab });
  const me = useMe();
  const powers = powersOf(me.data?.role);
  const canCreate = powers.write;
  const canAudit = powers.audit;
  const seesAll = powers.all;
  const [creating, setCreating] = useState(false);
  if (me.data && !powers.metadata) {
    return (
      <div className="apollo-page apollo-secrets" data-testid="secrets-page" data-tab={tab}>
        <PageHeader title="Secrets" />
        <NonIdealState icon="lock" title="Secrets are not for your role" description="Reading secrets' metadata needs secrets:metadata (developers see their teams' services; operators and admins all of them)." className="apollo-empty" data-testid="secrets-forbidden" />
      </div>
    );
  }
  return (
    <div className="apollo-page apollo-secrets" data-testid="secrets-page" data-tab={tab}>
      <PageHeader
        title="Secrets"
        description={<>Secrets Manager per environment (<span className="apollo-mono">apollo/&lt;env&gt;/&lt;service&gt;/&lt;name&gt;</span>): who owns each, when it is due for rotation, who uses it. Values never leave the store; admins can see the last 4 characters, and that read is audited.</>}
        actions={canCreate
          ? <Button intent="primary" icon="plus" text="Create secret" onClick={() => setCreating(true)} data-testid="secret-create" />
          : me.data && <Tag minimal icon="lock" title="Creating and changing secrets needs secrets:write (admins)" data-testid="secret-create-locked">Changes need secrets:write (admins)</Tag>}
      />
      {me.data && !seesAll && (
        <Callout icon="people" className="apollo-secrets-scope" data-testid="secret-scope-note">
          You see the secrets of your teams&apos; services{me.data.teams.length ? ` (${me.data.teams.map((t) => t.id).join(', ')})` : ''}; operators and admins see all of them.
        </Callout>
      )}
      <Tabs id="secrets-tabs" selectedTabId={tab} onChange={(t) => go(t as SecretsTab, filters)} className="apollo-tabs" data-testid="secrets-tabs">
        <Tab id="list" title="By environment" icon="diagram-tree" data-testid="secrets-tab-list" />
        <Tab id="expiring" title="Expiring" icon="time" data-testid="secrets-tab-expiring" />
        {canAudit && <Tab id="audit" title="Audit" icon="history" data-testid="secrets-tab-audit" />}
      </Tabs>
      {tab === 'list' && (
        <>
          <FiltersForm filters={filters} onChange={(f) => go('list', f)} environments={[]} />
          <SecretTree filters={filters} onClear={() => go('list', {})} canCreate={canCreate} onCreate={() => setCreating(true)} />
        </>
      )}
      {tab === 'expiring' && (
        <Suspense fallback={<div className={Classes.SKELETON} style={{ height: 320 }} data-testid="secrets-expiring-loading" />}>
          <ExpiringDashboard environment={filters.environment} onEnvironment={(environment) => go('expiring', environment ? { environment } : {})} />
        </Suspense>
      )}
      {tab === 'audit' && <SecretAuditTable filter={{ environment: filters.environment, service: filters.service }} />}
      <CreateSecretDialog key={`${filters.environment ?? ''}/${filters.service ?? ''}`} isOpen={creating} onClose={() => setCreating(false)} environment={filters.environment} service={filters.service} />
    </div>
  );
}
