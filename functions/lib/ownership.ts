/**
 * The ownership rule routes share (`ApiRequest.requireOwnerOr`): the caller passes when they hold the permission, are
 * the resource's owner, or belong to its owning team; 403 otherwise. One rule for a route's caller and for a caller
 * known outside a request (the AI console asks it before it proposes a change the route would refuse).
 */
import { ForbiddenError } from '#shared/errors';
import { roleHas, type Permission, type Role } from '#shared/permissions';

export interface Owner {
  readonly principal?: string;
  readonly team?: string;
}

export type RequireOwnerOr = (permission: Permission, owner: Owner) => Promise<void>;

/** The rule for one caller; `teams` (their team ids) is read only when the permission and the owner did not decide. */
export function ownershipRule(caller: { readonly principal: string; readonly role: Role | null }, teams: () => Promise<readonly string[]>): RequireOwnerOr {
  return async (permission, owner) => {
    if (roleHas(caller.role, permission)) return;
    if (owner.principal && owner.principal === caller.principal) return;
    if (owner.team && (await teams()).includes(owner.team)) return;
    throw new ForbiddenError(`${caller.principal} is neither the owner${owner.team ? ` nor in team ${owner.team}` : ''} and lacks the permission ${permission}`, {
      details: [{ path: '/permission', message: permission }],
    });
  };
}
