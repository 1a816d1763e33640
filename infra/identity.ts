/**
 * The four Apollo IAM roles (ARCHITECTURE.md §1 "RBAC"). A caller's Apollo role is exactly the IAM
 * role they came through (functions/lib/identity.ts reads it from the role's name), and each role's
 * `execute-api:Invoke` policy is generated from the route table by shared/iam-policy.ts, the same
 * generator the local gateway enforces. The policies are customer-managed and named, so an IAM
 * Identity Center permission set can reference them by name instead of copying them.
 */
import { Aws, Duration, Token, Validations } from 'aws-cdk-lib';
import type { IRestApi } from 'aws-cdk-lib/aws-apigateway';
import { ArnPrincipal, Effect, ManagedPolicy, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { invokeDenyResources, invokeResources, realtimeConnectResources, type ApiArnParts } from '#shared/iam-policy';
import { ROLES, type Role as ApolloRole } from '#shared/permissions';
import { ROUTES, type RouteDef } from '#shared/routes';
import { pascal } from './functions.ts';
import { wildcardFinding } from './nag.ts';

/** Roles whose trust policy requires MFA (ARCHITECTURE.md §1 "MFA for production operations"). */
export const MFA_ROLES: readonly ApolloRole[] = ['operator', 'admin'];

/** IAM's limit on a managed policy document (whitespace not counted), less room for the envelope. */
const POLICY_BUDGET = 6144 - 256;
/** IAM's default quota of managed policies attached to one role (it can be raised to 20). */
const MAX_POLICIES_PER_ROLE = 10;
/** The longest values the ARN tokens can take, to size the policies before the tokens are known. */
const WORST_CASE_PARTS: ApiArnParts = { partition: 'aws-iso-b-xxxx', region: 'xx-xxxxxxxxx-99', accountId: '123456789012', apiId: 'abcdefghij', stage: '' };

export interface ApolloIdentityProps {
  readonly stage: string;
  readonly api: IRestApi;
  /** @default ROUTES */
  readonly routes?: readonly RouteDef[];
  /**
   * Who may assume the roles (subject to their own IAM permissions), e.g. an IdP-federated role or a
   * CI role. @default - the account itself (`arn:<partition>:iam::<account>:root`)
   */
  readonly trustedPrincipalArns?: readonly string[];
  /** @default Duration.hours(1) */
  readonly maxSessionDuration?: Duration;
  /**
   * The WebSocket API (its id and stage): every role may open the realtime channel (`$connect`), in
   * the same Invoke policies as its routes. @default - no realtime permission
   */
  readonly realtime?: ApiArnParts;
}

export interface ApolloRoleResources {
  readonly role: Role;
  /** The role's execute-api:Invoke policies (more than one only when the routes outgrow one policy). */
  readonly invokePolicies: readonly ManagedPolicy[];
}

export class ApolloIdentity extends Construct {
  readonly roles: ReadonlyMap<ApolloRole, ApolloRoleResources>;

  constructor(scope: Construct, id: string, props: ApolloIdentityProps) {
    super(scope, id);
    const routes = props.routes ?? ROUTES;
    const trusted = props.trustedPrincipalArns ?? [`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root`];
    if (!trusted.length) throw new Error('trustedPrincipalArns must name at least one principal');
    for (const arn of trusted) {
      if (!Token.isUnresolved(arn) && !/^arn:[a-z-]+:iam::\d{12}:/.test(arn)) throw new Error(`trustedPrincipalArns: ${arn} is not an ARN`);
    }
    if (!/^[A-Za-z0-9-]{1,20}$/.test(props.stage)) throw new Error(`stage ${props.stage} can't be part of an IAM role name`);

    const parts: ApiArnParts = { partition: Aws.PARTITION, region: Aws.REGION, accountId: Aws.ACCOUNT_ID, apiId: props.api.restApiId, stage: props.stage };
    const roles = new Map<ApolloRole, ApolloRoleResources>();
    for (const apolloRole of ROLES) {
      const name = `Apollo${pascal(apolloRole)}`;
      const mfa = MFA_ROLES.includes(apolloRole);
      const conditions = mfa ? { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } : undefined;
      const first = new ArnPrincipal(trusted[0]!);
      const role = new Role(this, name, {
        roleName: `${name}-${props.stage}`,
        description: `Apollo ${apolloRole}: may invoke the API routes the route table allows the ${apolloRole} role${mfa ? ' (MFA required)' : ''}`,
        assumedBy: conditions ? first.withConditions(conditions) : first,
        maxSessionDuration: props.maxSessionDuration ?? Duration.hours(1),
      });
      // Every trusted principal may assume the role and set a SourceIdentity (the person's name,
      // which CloudTrail then records for the whole session and any role chained from it).
      role.assumeRolePolicy!.addStatements(new PolicyStatement({
        principals: trusted.map((arn) => new ArnPrincipal(arn)),
        actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        conditions,
      }));

      const connect = props.realtime ? realtimeConnectResources(props.realtime) : [];
      const worstConnect = props.realtime ? realtimeConnectResources(WORST_CASE_PARTS) : [];
      const resources = [...invokeResources(apolloRole, parts, routes), ...connect];
      const sizes = [...invokeResources(apolloRole, WORST_CASE_PARTS, routes), ...worstConnect].map((arn) => arn.length + props.stage.length + 3);
      const chunks = chunk(resources, sizes, POLICY_BUDGET);
      // Routes the role may not call that one of its `*` patterns covers anyway (see invokeDenyResources).
      const denied = invokeDenyResources(apolloRole, parts, routes);
      if (chunks.length + (denied.length ? 1 : 0) > MAX_POLICIES_PER_ROLE) {
        throw new Error(`the ${apolloRole} role's routes need ${chunks.length} managed policies, more than the ${MAX_POLICIES_PER_ROLE} IAM attaches to a role by default`);
      }
      const invokePolicies = chunks.map((chunkResources, index) => {
        const policy = new ManagedPolicy(this, `${name}Invoke${index ? index + 1 : ''}`, {
          managedPolicyName: `${name}Invoke-${props.stage}${index ? `-${index + 1}` : ''}`,
          description: `execute-api:Invoke on the routes the ${apolloRole} role may call (generated from the route table)`,
          statements: [new PolicyStatement({ actions: ['execute-api:Invoke'], resources: chunkResources })],
          roles: [role],
        });
        for (const resource of chunkResources.filter((arn) => arn.includes('*'))) {
          Validations.of(policy).acknowledge({
            id: wildcardFinding(this, resource),
            reason: 'One ARN per route the role may call, generated from the route table; each * stands for a path parameter ({id}), which IAM cannot match as a single segment. The function checks the permission again.',
          });
        }
        return policy;
      });
      if (denied.length) {
        invokePolicies.push(new ManagedPolicy(this, `${name}InvokeDeny`, {
          managedPolicyName: `${name}InvokeDeny-${props.stage}`,
          description: `Denies the ${apolloRole} role the routes it may not call that a path-parameter wildcard of its Invoke policy would cover (generated from the route table)`,
          statements: [new PolicyStatement({ effect: Effect.DENY, actions: ['execute-api:Invoke'], resources: denied })],
          roles: [role],
        }));
      }
      roles.set(apolloRole, { role, invokePolicies });
    }
    this.roles = roles;
  }

  /** The IAM role of an Apollo role. */
  roleOf(role: ApolloRole): Role {
    const found = this.roles.get(role);
    if (!found) throw new Error(`no IAM role for ${role}`);
    return found.role;
  }
}

/** Splits `items` into runs whose summed sizes stay within `budget`; an empty list makes no run. */
export function chunk<T>(items: readonly T[], sizes: readonly number[], budget: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let used = 0;
  items.forEach((item, i) => {
    const size = sizes[i]!;
    if (size > budget) throw new Error(`an item of ${size} characters can't fit a policy of ${budget}`);
    if (used + size > budget && current.length) {
      chunks.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += size;
  });
  if (current.length) chunks.push(current);
  return chunks;
}
