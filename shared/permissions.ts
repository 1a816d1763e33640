/**
 * Roles and permissions (ARCHITECTURE.md §1). Roles are cumulative:
 * viewer ⊂ developer ⊂ operator ⊂ admin. A caller's role is the Apollo IAM role they came through.
 */
export const ROLES = ['viewer', 'developer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What each role adds to the one below it. The design doc's list plus what it lacks, named in its style. */
const GRANTS = {
  viewer: [
    'services:read',
    'environments:read',
    'deployments:read',
    'incidents:read',
    'costs:read',
    'logs:read',
    'ai:read',
    'system:read',
    'teams:read',
    'catalog:read',
    'requests:read',
  ],
  developer: [
    'deployments:create:non-prod',
    'ai:sessions:create',
    'ai:sessions:execute:safe',
    'services:write',
    'requests:create',
    'secrets:metadata',
    'incidents:comment',
  ],
  operator: ['deployments:create:prod', 'incidents:manage', 'ai:sessions:execute:dangerous', 'approvals:decide', 'requests:manage', 'deployments:policy', 'stats:read', 'secrets:metadata:all', 'costs:manage'],
  admin: [
    'secrets:read',
    'secrets:write',
    'infrastructure:modify',
    'ai:sessions:execute:all',
    'users:manage',
    'catalog:manage',
    'audit:read',
    'quotas:manage',
    'deployments:govern',
    'ai:admin',
  ],
} as const satisfies Record<Role, readonly string[]>;

export type Permission = (typeof GRANTS)[Role][number];

export const ALL_PERMISSIONS: readonly Permission[] = ROLES.flatMap((role) => GRANTS[role]);

const EFFECTIVE: Record<Role, ReadonlySet<Permission>> = Object.fromEntries(
  ROLES.map((role, index) => [role, new Set<Permission>(ROLES.slice(0, index + 1).flatMap((r) => GRANTS[r]))]),
) as unknown as Record<Role, ReadonlySet<Permission>>;

/** Every permission the role holds, inherited ones included. */
export function permissionsOf(role: Role): ReadonlySet<Permission> {
  return EFFECTIVE[role];
}

export function roleHas(role: Role | null | undefined, permission: Permission): boolean {
  return role != null && EFFECTIVE[role].has(permission);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
