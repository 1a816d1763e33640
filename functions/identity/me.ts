import type { Me } from '#schemas/index.ts';
import { ForbiddenError } from '#shared/errors';
import { permissionsOf } from '#shared/permissions';
import type { ApiRequest } from '#lib/http';

export async function describeMe(req: ApiRequest): Promise<Me> {
  const { identity } = req;
  if (!identity.role || identity.kind === 'webhook') throw new ForbiddenError('the caller has no Apollo role');
  const memberships = await req.teams();
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
