import type { Me } from '#schemas/index.ts';
import { ForbiddenError } from '#shared/errors';
import { permissionsOf } from '#shared/permissions';
import type { Identity } from '#lib/identity';
import { teamsOfPrincipal } from './store.ts';

export async function describeMe(identity: Identity): Promise<Me> {
  if (!identity.role) throw new ForbiddenError('the caller has no Apollo role');
  const memberships = await teamsOfPrincipal(identity.principal);
  return {
    principal: identity.principal,
    user: identity.user,
    role: identity.role,
    kind: identity.kind,
    principalArn: identity.principalArn,
    teams: memberships.map((m) => ({ id: m.teamId, role: m.role })),
    permissions: [...permissionsOf(identity.role)].sort(),
  };
}
