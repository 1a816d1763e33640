/**
 * Service discovery's permissions and settings: the GitHub credentials secret (an existing Secrets
 * Manager secret holding `{ "token" }` or `{ "appId", "privateKey", "installationId" }`, plus
 * `"webhookSecret"`), read by the jobs Lambda (the sync runs there) and the webhooks Lambda (it
 * verifies GitHub's signature); the services and webhooks Lambdas hand a sync to the jobs Lambda
 * with an asynchronous invocation. Routes, schedules and table access come from the route table and
 * the job definitions, not from here.
 */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ApolloFunction } from './apollo-function.ts';

export interface ApolloDiscoveryProps {
  readonly stage: string;
  /** Runs the discovery sync (the `discovery-sync` job). */
  readonly jobs: ApolloFunction;
  /** Starts syncs (`POST /api/v1/discovery/sync`). */
  readonly services: ApolloFunction;
  /** Receives GitHub's push webhook. */
  readonly webhooks: ApolloFunction;
  /** The GitHub organisation to scan. @default - none: a sync answers 503 saying what to set, the hourly run does nothing */
  readonly org?: string;
  /** The secret's name. @default `apollo/<stage>/github` */
  readonly secretName?: string;
  /** The GitHub API. @default https://api.github.com (GitHub Enterprise Server: https://<host>/api/v3) */
  readonly apiUrl?: string;
}

export class ApolloDiscovery extends Construct {
  readonly secret: ISecret;

  constructor(scope: Construct, id: string, props: ApolloDiscoveryProps) {
    super(scope, id);
    if (props.org !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(props.org)) throw new Error(`githubOrg "${props.org}" is not a GitHub organisation name`);
    if (props.apiUrl !== undefined && !/^https:\/\/[^\s/]+(\/\S*)?$/.test(props.apiUrl)) throw new Error(`githubApiUrl must be an https URL, not "${props.apiUrl}"`);
    this.secret = Secret.fromSecretNameV2(this, 'GitHubCredentials', props.secretName ?? `apollo/${props.stage}/github`);

    for (const fn of [props.jobs, props.services, props.webhooks]) {
      fn.addEnvironment('APOLLO_GITHUB_SECRET', this.secret.secretName);
      if (props.org) fn.addEnvironment('APOLLO_GITHUB_ORG', props.org);
      if (props.apiUrl) fn.addEnvironment('APOLLO_GITHUB_API_URL', props.apiUrl);
    }
    // GetSecretValue/DescribeSecret on that one secret (its ARN's six random characters matched by `-??????`).
    for (const fn of [props.jobs, props.webhooks]) this.secret.grantRead(fn);
    // The unqualified function only (grantInvoke would add `<arn>:*`, every version and alias).
    for (const fn of [props.services, props.webhooks]) {
      fn.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.jobs.function.functionArn] }));
      fn.addEnvironment('APOLLO_JOBS_FUNCTION', props.jobs.function.functionName);
    }
  }
}
