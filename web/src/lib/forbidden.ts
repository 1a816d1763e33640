/**
 * Explaining a 403 (ARCHITECTURE.md §1): in AWS an IAM denial never reaches Apollo's code, so the app
 * names the permission the route needs (from the shared route table) and what the caller's role has
 * (from GET /api/v1/me).
 */
import { gatePermissions, matchRoute, permissionLabel, type RouteDef } from '../../../shared/routes.ts';
import { ROLES, roleHas, type Permission } from '../../../shared/permissions.ts';
import type { Me } from '../../../schemas/types.gen.ts';

export interface ForbiddenExplanation {
  readonly route: RouteDef | null;
  /** The permission the route needs, as people read it. */
  readonly needs: string;
  /** Roles that hold it. */
  readonly rolesWith: readonly string[];
  readonly role: string | undefined;
  readonly permissions: readonly string[];
  /**
   * The caller's role holds the route's permission: the refusal came from one of Apollo's own rules (a service
   * belongs to its team; a deregistered name stays its team's), so their role is not what is missing.
   */
  readonly roleAllows: boolean;
}

export function explainForbidden(method: string, path: string, me: Me | undefined): ForbiddenExplanation {
  const match = matchRoute(method, new URL(path, 'http://x').pathname);
  const route = match.route;
  const needed: readonly Permission[] = route?.permission ? gatePermissions(route.permission) : [];
  return {
    route,
    needs: route ? permissionLabel(route.permission) : 'a permission this app does not know',
    rolesWith: ROLES.filter((role) => needed.some((p) => roleHas(role, p))),
    role: me?.role,
    permissions: me?.permissions ?? [],
    roleAllows: me !== undefined && needed.some((p) => me.permissions.includes(p)),
  };
}
