/**
 * Web sign-in (ARCHITECTURE.md §1, docs/decisions.md "Web sign-in and MFA"): a Cognito user pool
 * where admins invite people (no self sign-up) and every user signs in with their email, a strong
 * password and TOTP (MFA required for everyone); a group per Apollo role; and an identity pool that
 * turns a signed-in user into credentials of the IAM role `ApolloWeb<Role>-<stage>` of their
 * highest group. Those roles hold the very same `execute-api:Invoke` managed policies as the Apollo
 * role of the same name (generated from the route table by ApolloIdentity), so a web user can call
 * exactly what an SSO user of that role can. A user in no Apollo group gets no credentials at all.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type {
  UserPoolClient} from 'aws-cdk-lib/aws-cognito';
import {
  AccountRecovery,
  CfnIdentityPool,
  CfnIdentityPoolRoleAttachment,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  UserPoolClientIdentityProvider,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { FederatedPrincipal, Grant, Role, type IGrantable, type ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { ROLES, type Role as ApolloRole } from '#shared/permissions';
import { pascal } from './functions.ts';

/** What the identity context does to web users (functions/identity/adapters/cognito-user-admin.ts). */
export const USER_ADMIN_ACTIONS = [
  'cognito-idp:ListUsers',
  'cognito-idp:ListUsersInGroup',
  'cognito-idp:AdminListGroupsForUser',
  'cognito-idp:AdminAddUserToGroup',
  'cognito-idp:AdminRemoveUserFromGroup',
  'cognito-idp:DescribeUserPool',
] as const;
/**
 * What every function that identifies callers does: a web user's `sub` → email (functions/lib/adapters/cognito-user-directory.ts),
 * the pool's size (DescribeUserPool: the platform's adoption is a share of it) and one person's role (their groups: an
 * approval's delegate must be someone who may decide), read-only (functions/identity/directory-size.ts).
 */
export const USER_DIRECTORY_ACTIONS = ['cognito-idp:ListUsers', 'cognito-idp:DescribeUserPool', 'cognito-idp:AdminListGroupsForUser'] as const;
/** The env var the functions read the user pool from (functions/lib/http.ts, functions/identity/deps.ts). */
export const USER_POOL_ENV = 'APOLLO_USER_POOL_ID';

export interface ApolloWebIdentityProps {
  /** Part of the web roles' names (`ApolloWebAdmin-<stage>`) and of the pools' names. */
  readonly stage: string;
  /** The web app's URL, named in the invitation email. */
  readonly webUrl: string;
  /**
   * Cognito's feature plan. Plus brings threat protection (compromised-credential checks, adaptive
   * authentication on risky sign-ins), enforced here; it is billed per monthly active user.
   * @default FeaturePlan.PLUS
   */
  readonly featurePlan?: FeaturePlan;
  /** @default Duration.hours(1) — also how long a role change waits at most to take effect */
  readonly sessionTokenValidity?: Duration;
  /** How long a user stays signed in without entering their password and TOTP again. @default Duration.hours(12) */
  readonly refreshTokenValidity?: Duration;
  /** @default RemovalPolicy.RETAIN (deletion protection is on either way) */
  readonly removalPolicy?: RemovalPolicy;
}

export class ApolloWebIdentity extends Construct {
  readonly userPool: UserPool;
  readonly userPoolClient: UserPoolClient;
  readonly identityPool: CfnIdentityPool;
  /** The group of each Apollo role (its name is the role's name). */
  readonly groups: ReadonlyMap<ApolloRole, UserPoolGroup>;
  /** `ApolloWeb<Role>-<stage>`: what a signed-in web user of that group becomes. */
  readonly roles: ReadonlyMap<ApolloRole, Role>;

  constructor(scope: Construct, id: string, props: ApolloWebIdentityProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9-]{1,20}$/.test(props.stage)) throw new Error(`stage ${props.stage} can't be part of an IAM role name`);
    const sessionValidity = props.sessionTokenValidity ?? Duration.hours(1);
    const refreshValidity = props.refreshTokenValidity ?? Duration.hours(12);
    if (sessionValidity.toMinutes() < 5 || sessionValidity.toMinutes() > 24 * 60) throw new Error('sessionTokenValidity must be 5 minutes to 1 day');
    if (refreshValidity.toMinutes() < 60 || refreshValidity.toMinutes() < sessionValidity.toMinutes()) {
      throw new Error('refreshTokenValidity must be at least an hour and at least sessionTokenValidity');
    }
    const featurePlan = props.featurePlan ?? FeaturePlan.PLUS;

    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `apollo-${props.stage}`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      // The email is who the user is in Apollo (audit actor, team member): nobody changes it, not even
      // through the app client (Cognito ignores an empty WriteAttributes list). A new address is a new user.
      standardAttributes: { email: { required: true, mutable: false } },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false, email: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(7),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan,
      standardThreatProtectionMode: featurePlan === FeaturePlan.PLUS ? StandardThreatProtectionMode.FULL_FUNCTION : undefined,
      userInvitation: {
        emailSubject: 'Your Apollo account',
        emailBody: `You have been invited to Apollo (${props.stage}). Sign in at ${props.webUrl} with the user name {username} and the temporary password {####}; you will choose a new password and set up an authenticator app (TOTP).`,
      },
      deletionProtection: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    if (featurePlan !== FeaturePlan.PLUS) {
      Validations.of(this.userPool).acknowledge({
        id: 'AwsSolutions-COG8',
        reason: 'The deployer chose a feature plan below Plus (featurePlan prop): threat protection is off; MFA (TOTP) is still required of every user and nobody can sign up unasked.',
      });
    }

    // The SPA signs in with SRP (no client secret: a browser can't keep one); no hosted UI, no OAuth.
    this.userPoolClient = this.userPool.addClient('WebClient', {
      userPoolClientName: `apollo-${props.stage}-web`,
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      // Between sign-in steps (new password, authenticator enrolment at the first sign-in): room to
      // install an authenticator app before the step expires (Cognito allows 3 to 15 minutes).
      authSessionValidity: Duration.minutes(10),
      idTokenValidity: sessionValidity,
      accessTokenValidity: sessionValidity,
      refreshTokenValidity: refreshValidity,
      readAttributes: new ClientAttributes().withStandardAttributes({ email: true, emailVerified: true }),
    });

    this.identityPool = new CfnIdentityPool(this, 'IdentityPool', {
      identityPoolName: `apollo_${props.stage.replace(/-/g, '_')}`,
      allowUnauthenticatedIdentities: false,
      allowClassicFlow: false,
      cognitoIdentityProviders: [{
        providerName: this.userPool.userPoolProviderName,
        clientId: this.userPoolClient.userPoolClientId,
        // A token revoked by a sign-out (or an admin's global sign-out) gets no more credentials.
        serverSideTokenCheck: true,
      }],
    });

    const roles = new Map<ApolloRole, Role>();
    const groups = new Map<ApolloRole, UserPoolGroup>();
    // Lowest precedence wins cognito:preferred_role: admin 0 … viewer 3, so the highest group decides.
    ROLES.forEach((apolloRole, index) => {
      const name = `ApolloWeb${pascal(apolloRole)}`;
      const role = new Role(this, name, {
        roleName: `${name}-${props.stage}`,
        description: `Apollo ${apolloRole} for web users (Cognito group ${apolloRole}): the same API routes as the Apollo${pascal(apolloRole)} role`,
        assumedBy: new FederatedPrincipal('cognito-identity.amazonaws.com', {
          StringEquals: { 'cognito-identity.amazonaws.com:aud': this.identityPool.ref },
          'ForAnyValue:StringLike': { 'cognito-identity.amazonaws.com:amr': 'authenticated' },
        }, 'sts:AssumeRoleWithWebIdentity'),
        maxSessionDuration: Duration.hours(1),
      });
      roles.set(apolloRole, role);
      groups.set(apolloRole, new UserPoolGroup(this, `${pascal(apolloRole)}Group`, {
        userPool: this.userPool,
        groupName: apolloRole,
        description: `Apollo ${apolloRole}`,
        precedence: ROLES.length - 1 - index,
        role,
      }));
    });
    this.roles = roles;
    this.groups = groups;

    // The role comes from the token (cognito:preferred_role, set by the groups above); a user in no
    // Apollo group has none, and Deny then gives them no credentials. No default role exists at all.
    new CfnIdentityPoolRoleAttachment(this, 'RoleAttachment', {
      identityPoolId: this.identityPool.ref,
      roleMappings: {
        userPool: {
          identityProvider: `${this.userPool.userPoolProviderName}:${this.userPoolClient.userPoolClientId}`,
          type: 'Token',
          ambiguousRoleResolution: 'Deny',
        },
      },
    });
  }

  /** Gives the web role of `role` the same managed policies (the generated Invoke policies) as the Apollo role. */
  attachPolicies(role: ApolloRole, policies: readonly ManagedPolicy[]): void {
    const webRole = this.roles.get(role);
    if (!webRole) throw new Error(`no web role for ${role}`);
    for (const policy of policies) policy.attachToRole(webRole);
  }

  /** What the identity context needs: list users and groups, move a user between groups. */
  grantUserAdmin(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: [...USER_ADMIN_ACTIONS], resourceArns: [this.userPool.userPoolArn] });
  }

  /** What resolving a web caller's `sub` to their email needs. */
  grantUserDirectory(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({ grantee, actions: [...USER_DIRECTORY_ACTIONS], resourceArns: [this.userPool.userPoolArn] });
  }
}
