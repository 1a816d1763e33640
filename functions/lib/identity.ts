/**
 * Who is calling, from `event.requestContext.identity` (ARCHITECTURE.md §1). Two real shapes:
 * - tools and SSO users: `userArn` = `arn:aws:sts::<acct>:assumed-role/<ApolloRole…>/<session>`;
 *   the user is the session name (an email for SSO users);
 * - web users: the Cognito identity pool's role session (`…/CognitoIdentityCredentials`); the user
 *   comes from `cognitoAuthenticationProvider` (`…:CognitoSignIn:<sub>`), resolved to an email.
 * The Apollo role is exactly the IAM role's name; anything else has no role (deny by default).
 */
import type { APIGatewayEventIdentity } from 'aws-lambda';
import type { Role } from '#shared/permissions';
import { UnauthorizedError } from '#shared/errors';

export interface Identity {
  /** The stable name Apollo knows a person or tool by: an email or an IAM session name. */
  readonly principal: string;
  readonly user: string;
  readonly role: Role | null;
  /** `webhook`: a sender authenticated by its signature on an `hmac` route (no Apollo role). */
  readonly kind: 'iam' | 'cognito' | 'webhook';
  readonly principalArn: string;
  readonly iamRoleName: string;
  readonly accountId: string;
  readonly sourceIp: string;
  readonly userAgent: string;
}

const ROLE_BY_NAME: Record<string, Role> = { viewer: 'viewer', developer: 'developer', operator: 'operator', admin: 'admin' };

/**
 * `ApolloAdmin`, `ApolloAdmin-prod`, `ApolloWebDeveloper-prod` (the identity pool's roles) and IAM
 * Identity Center's `AWSReservedSSO_ApolloOperator_0123abcd` all name their Apollo role.
 */
export function roleFromIamRoleName(name: string): Role | null {
  const match = /^(?:AWSReservedSSO_)?Apollo(?:Web)?(Viewer|Developer|Operator|Admin)(?:[-_][A-Za-z0-9_-]+)?$/.exec(name);
  return match ? ROLE_BY_NAME[match[1]!.toLowerCase()] ?? null : null;
}

const ASSUMED_ROLE = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const COGNITO_SIGN_IN = /:CognitoSignIn:([0-9a-f-]{36})$/i;

/** Resolves a Cognito user's `sub` to the email Apollo knows them by. */
export interface UserDirectory {
  emailForSub(sub: string): Promise<string>;
}

export async function identify(identity: APIGatewayEventIdentity, directory?: UserDirectory): Promise<Identity> {
  const arn = identity.userArn ?? '';
  const match = ASSUMED_ROLE.exec(arn);
  if (!match) throw new UnauthorizedError('the caller is not an assumed-role session of an Apollo role');
  const [, accountId, iamRoleName, session] = match as unknown as [string, string, string, string];
  const base = {
    role: roleFromIamRoleName(iamRoleName),
    principalArn: arn,
    iamRoleName,
    accountId,
    sourceIp: identity.sourceIp ?? '',
    userAgent: identity.userAgent ?? '',
  };
  const provider = identity.cognitoAuthenticationProvider;
  if (provider) {
    const sub = COGNITO_SIGN_IN.exec(provider)?.[1];
    if (!sub) throw new UnauthorizedError('unrecognised Cognito authentication provider');
    if (!directory) throw new UnauthorizedError('web sign-in is not configured for this deployment');
    const email = (await directory.emailForSub(sub)).toLowerCase();
    return { ...base, principal: email, user: email, kind: 'cognito' };
  }
  const principal = session.toLowerCase();
  return { ...base, principal, user: principal, kind: 'iam' };
}
