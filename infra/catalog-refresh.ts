/**
 * The self-service catalog's refresh from its Git repository: which repository and directory
 * (APOLLO_CATALOG_REPO, APOLLO_CATALOG_PATH) for the functions that start, run and trigger a refresh;
 * the offerings Lambda hands each refresh to the jobs Lambda with an asynchronous invocation. The
 * GitHub credentials secret is discovery's (one GitHub for both): the jobs and webhooks Lambdas
 * already read it; the offerings Lambda only needs its name to know the refresh is configured. Routes,
 * the hourly schedule and table access come from the route table and the job definitions.
 */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ApolloFunction } from './apollo-function.ts';

export interface ApolloCatalogRefreshProps {
  /** Runs refreshes (the `catalog-refresh` job). */
  readonly jobs: ApolloFunction;
  /** Starts refreshes (`POST /api/v1/catalog/refresh`). */
  readonly offerings: ApolloFunction;
  /** Receives GitHub's push webhook. */
  readonly webhooks: ApolloFunction;
  /** The GitHub credentials secret (discovery's). */
  readonly secret: ISecret;
  /** The catalog repository, `owner/name`. @default - none: a refresh answers 503 saying what to set, the hourly run does nothing */
  readonly repo?: string;
  /** The directory of the repository holding the documents. @default catalog */
  readonly path?: string;
  /** The GitHub API. @default https://api.github.com (GitHub Enterprise Server: https://<host>/api/v3) */
  readonly apiUrl?: string;
}

export class ApolloCatalogRefresh extends Construct {
  constructor(scope: Construct, id: string, props: ApolloCatalogRefreshProps) {
    super(scope, id);
    if (props.repo !== undefined && !/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$/.test(props.repo)) {
      throw new Error(`catalogRepo "${props.repo}" is not a GitHub repository (owner/name)`);
    }
    if (props.path !== undefined && (props.path.split('/').some((s) => s === '.' || s === '..') || !/^[^\s\\]*$/.test(props.path))) {
      throw new Error(`catalogPath "${props.path}" is not a directory of the repository`);
    }
    for (const fn of [props.jobs, props.offerings, props.webhooks]) {
      if (props.repo) fn.addEnvironment('APOLLO_CATALOG_REPO', props.repo);
      if (props.path !== undefined) fn.addEnvironment('APOLLO_CATALOG_PATH', props.path);
    }
    // Discovery sets these on jobs and webhooks; the offerings Lambda needs them to start a refresh.
    props.offerings.addEnvironment('APOLLO_GITHUB_SECRET', props.secret.secretName);
    if (props.apiUrl) props.offerings.addEnvironment('APOLLO_GITHUB_API_URL', props.apiUrl);
    // The unqualified function only (grantInvoke would add `<arn>:*`, every version and alias).
    props.offerings.role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.jobs.function.functionArn] }));
    props.offerings.addEnvironment('APOLLO_JOBS_FUNCTION', props.jobs.function.functionName);
  }
}
