import {
  Alignment, Button, Classes, Divider, Icon, Menu, MenuDivider, MenuItem, Navbar, NavbarDivider, NavbarGroup, NavbarHeading, PopoverNext, Tag, Tooltip,
  type IconName, type Intent,
} from '@blueprintjs/core';
import type { ReactNode } from 'react';
import { roleHas, isRole, type Permission } from '../../../shared/permissions.ts';
import type { Me } from '../../../schemas/types.gen.ts';
import { useLiveApprovals } from '../lib/live-requests.ts';
import { useMe, usePendingApprovals, useVersion } from '../lib/queries.ts';
import { decidableCount } from '../pages/approvals/approval-text.ts';
import { NotificationsBell } from './notifications.tsx';
import { Link, usePath } from '../lib/router.tsx';
import { useServices } from '../lib/services-context.ts';
import { useRealtimeState, useTheme, useUi } from '../lib/store.ts';

interface Area {
  readonly path: string;
  readonly label: string;
  readonly icon: IconName;
  /** Shown only to roles holding it. */
  readonly permission?: Permission;
}

/** Areas appear here once they work (Catalog, Deploy Center, Self-service, … arrive with their capabilities). */
export const AREAS: readonly Area[] = [
  { path: '/', label: 'Home', icon: 'home' },
  { path: '/catalog', label: 'Catalog', icon: 'applications', permission: 'services:read' },
  { path: '/deployments', label: 'Deploy Center', icon: 'rocket-slant', permission: 'deployments:read' },
  { path: '/self-service', label: 'Self-service', icon: 'shop', permission: 'catalog:read' },
  { path: '/requests', label: 'Requests', icon: 'inbox', permission: 'requests:read' },
  // The inbox's gate is requests:create (ARCHITECTURE.md §1); who may decide each one is the rule's business.
  { path: '/approvals', label: 'Approvals', icon: 'endorsed', permission: 'requests:create' },
  { path: '/incidents', label: 'Incidents', icon: 'warning-sign', permission: 'incidents:read' },
  { path: '/secrets', label: 'Secrets', icon: 'key', permission: 'secrets:metadata' },
  { path: '/costs', label: 'Costs', icon: 'dollar', permission: 'costs:read' },
  { path: '/ai', label: 'AI console', icon: 'console', permission: 'ai:read' },
  { path: '/observability', label: 'Observability', icon: 'timeline-line-chart', permission: 'logs:read' },
  { path: '/analytics', label: 'Analytics', icon: 'chart', permission: 'stats:read' },
  { path: '/audit', label: 'Audit log', icon: 'history', permission: 'audit:read' },
  { path: '/admin', label: 'Admin', icon: 'people', permission: 'users:manage' },
];

export const canSee = (area: Area, me: Me | undefined): boolean =>
  !area.permission || (me !== undefined && isRole(me.role) && roleHas(me.role, area.permission));

const CONNECTION: Record<string, { label: string; intent: Intent; tip: string }> = {
  open: { label: 'Live', intent: 'success', tip: 'Connected: updates arrive as they happen' },
  connecting: { label: 'Connecting', intent: 'none', tip: 'Opening the realtime connection' },
  reconnecting: { label: 'Reconnecting', intent: 'warning', tip: 'The realtime connection dropped; retrying with backoff' },
  closed: { label: 'Offline', intent: 'danger', tip: 'No realtime connection' },
};

export function ConnectionIndicator() {
  const state = useRealtimeState((s) => s.state);
  const c = CONNECTION[state] ?? CONNECTION.closed!;
  return (
    <Tooltip content={c.tip} placement="bottom">
      <Tag minimal round intent={c.intent} className="apollo-connection" data-testid="connection-state" data-state={state}>
        <span className={`apollo-dot apollo-dot-${state}`} aria-hidden />
        {c.label}
      </Tag>
    </Tooltip>
  );
}

function UserMenu() {
  const { signOut } = useServices();
  const me = useMe();
  const theme = useTheme();
  const toggleTheme = useUi((s) => s.toggleTheme);
  const teams = me.data?.teams ?? [];
  const menu = (
    <Menu>
      <MenuDivider title={me.data?.user ?? '…'} />
      <MenuItem icon="id-number" text="Role" label={me.data?.role ?? ''} disabled />
      {teams.length === 0 ? (
        <MenuItem icon="people" text="No teams" disabled />
      ) : (
        teams.map((t) => <MenuItem key={t.id} icon="people" text={t.id} label={t.role} disabled />)
      )}
      <MenuDivider />
      <MenuItem icon={theme === 'dark' ? 'flash' : 'moon'} text={theme === 'dark' ? 'Light theme' : 'Dark theme'} onClick={toggleTheme} />
      <MenuItem icon="log-out" text="Sign out" intent="danger" onClick={() => void signOut()} data-testid="sign-out" />
    </Menu>
  );
  return (
    // PopoverNext: Blueprint's Popover mispositions under React 19 (and says so in the console on every page).
    <PopoverNext content={menu} placement="bottom-end">
      <Button variant="minimal" className="apollo-user-button" endIcon="caret-down" data-testid="user-menu">
        <span className="apollo-avatar" aria-hidden>{(me.data?.user ?? '?').slice(0, 1).toUpperCase()}</span>
        <span className="apollo-user-text">
          <span className="apollo-user-name">{me.data?.user ?? ' '}</span>
          <span className={`apollo-user-role ${Classes.TEXT_MUTED}`} data-testid="user-role">
            {me.data ? `${me.data.role}${teams.length ? ` · ${teams.map((t) => t.id).join(', ')}` : ''}` : ' '}
          </span>
        </span>
      </Button>
    </PopoverNext>
  );
}

/** Pending approvals the caller may decide, live from the `approvals` topic (shared with the inbox's list). */
function ApprovalsBadge() {
  const pending = usePendingApprovals(true);
  useLiveApprovals(true);
  const items = pending.data?.pages.flatMap((p) => p.items) ?? [];
  const count = decidableCount(items);
  if (count === 0) return null;
  const text = pending.hasNextPage ? `${count}+` : String(count);
  return <span className="apollo-count-badge apollo-nav-badge" data-testid="approvals-badge" data-count={count} aria-label={`${text} waiting for you`}>{text}</span>;
}

function SideNav() {
  const path = usePath();
  const me = useMe();
  const version = useVersion();
  const { config } = useServices();
  const active = (p: string) => (p === '/' ? path === '/' : path === p || path.startsWith(`${p}/`));
  return (
    <nav className="apollo-sidenav" aria-label="Areas">
      <ul>
        {AREAS.filter((a) => canSee(a, me.data)).map((area) => (
          <li key={area.path}>
            <Link to={area.path} className={`apollo-nav-item${active(area.path) ? ' apollo-nav-item-active' : ''}`} aria-current={active(area.path) ? 'page' : undefined} title={area.label}>
              <Icon icon={area.icon} size={16} />
              <span className="apollo-nav-label">{area.label}</span>
              {area.path === '/approvals' && <ApprovalsBadge />}
            </Link>
          </li>
        ))}
      </ul>
      <div className="apollo-sidenav-footer">
        <Divider />
        <div className={Classes.TEXT_MUTED}>
          {config.stage} · {config.region}
          {version.data && <div className="apollo-mono">v{version.data.version} · {version.data.commit.slice(0, 7)}</div>}
          {config.mode === 'local' && <a href="/api" className="apollo-api-link" target="_blank" rel="noreferrer">API routes <Icon icon="share" size={12} /></a>}
        </div>
      </div>
    </nav>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const theme = useTheme();
  const toggleTheme = useUi((s) => s.toggleTheme);
  return (
    <div className="apollo-shell">
      <Navbar className="apollo-navbar">
        <NavbarGroup align={Alignment.START}>
          <NavbarHeading className="apollo-brand">
            <Link to="/" className="apollo-brand-link">
              <img src="/favicon.svg" alt="" width={24} height={24} />
              <span>Apollo</span>
            </Link>
          </NavbarHeading>
        </NavbarGroup>
        <NavbarGroup align={Alignment.END}>
          <ConnectionIndicator />
          <NavbarDivider />
          <NotificationsBell />
          <Tooltip content={theme === 'dark' ? 'Switch to the light theme' : 'Switch to the dark theme'} placement="bottom">
            <Button variant="minimal" icon={theme === 'dark' ? 'flash' : 'moon'} aria-label="Toggle theme" onClick={toggleTheme} data-testid="theme-toggle" />
          </Tooltip>
          <UserMenu />
        </NavbarGroup>
      </Navbar>
      <div className="apollo-body">
        <SideNav />
        <main className="apollo-main">{children}</main>
      </div>
    </div>
  );
}

export function PageHeader({ title, description, actions }: { title: ReactNode; description?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="apollo-page-header">
      <div>
        <h1 className="apollo-page-title">{title}</h1>
        {description && <p className={`apollo-page-description ${Classes.TEXT_MUTED}`}>{description}</p>}
      </div>
      {actions && <div className="apollo-page-actions">{actions}</div>}
    </header>
  );
}
