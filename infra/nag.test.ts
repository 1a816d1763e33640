/**
 * cdk-nag's AwsSolutions and Serverless packs find nothing unacknowledged in the stack, every
 * acknowledgement carries a specific reason, and every acknowledgement is still needed (one that no
 * finding uses any more is a waiver waiting to hide the next real problem).
 */
import type { CfnResource} from 'aws-cdk-lib';
import { type App } from 'aws-cdk-lib';
import { NagPack } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApolloStack } from './apollo-stack.ts';
import { acknowledgements, addNagPacks, type Acknowledgement } from './nag.ts';
import { testApp, WEB_DIST_FIXTURE } from './testing.ts';

/** The rules Apollo may waive, each for reasons written next to the resource. Adding one is a decision: add it here. */
const WAIVED_RULES = [
  'AwsSolutions-APIG3', // no WAF by default: IAM-only API, throttled; webAclArn prop attaches one
  'AwsSolutions-APIG4', // webhook (hmac) routes: the handler verifies the sender; WebSocket routes other than $connect can't have an authorizer
  'AwsSolutions-COG4', // IAM auth, not Cognito user-pool authorizers
  'AwsSolutions-IAM4', // the AWS-managed policy of API Gateway's account CloudWatch role
  'AwsSolutions-IAM5', // X-Ray/GetMetricData `*`, path parameters in Invoke ARNs, the audit/ prefix, @connections/*, BucketDeployment's grants
  'AwsSolutions-L1', // Node 22, not 24, on purpose; aws-cdk-lib's BucketDeployment helper picks its own runtime
  'Serverless-LambdaDLQ', // synchronous API functions; deploy-time helpers CloudFormation waits for
  'Serverless-LambdaLatestVersion', // Node 22, not 24, on purpose; aws-cdk-lib's BucketDeployment helper
  'Serverless-LambdaTracing', // the deploy-time helpers of the web deployment, run once per deploy by CloudFormation
  'Serverless-SQSRedrivePolicy', // the DLQ is the DLQ
];

const GENERIC = /^(n\/?a|none|ok|todo|tbd|suppress(ed)?|not (needed|required|applicable)|false positive|by design|intentional)\.?$/i;

type AcknowledgedCheck = (resource: CfnResource, ruleId: string) => boolean;
const proto = NagPack.prototype as unknown as { isAcknowledged: AcknowledgedCheck };
const original = proto.isAcknowledged;
const used: { path: string; ruleId: string }[] = [];

let app: App;
let synthError: unknown;
let violations: { rule: string; paths: string[] }[] = [];

beforeAll(() => {
  // Record which acknowledgements the packs actually rely on.
  proto.isAcknowledged = function (this: NagPack, resource: CfnResource, ruleId: string): boolean {
    const acknowledged = original.call(this, resource, ruleId);
    if (acknowledged) used.push({ path: resource.node.path, ruleId });
    return acknowledged;
  };
  app = testApp();
  new ApolloStack(app, 'Apollo-nag', { stage: 'nag', webDist: WEB_DIST_FIXTURE });
  const packs = addNagPacks(app);
  try {
    app.synth();
  } catch (error) {
    synthError = error;
  }
  violations = packs.flatMap((pack) => pack.validateScope(app).violations.map((v) => ({
    rule: v.ruleName,
    paths: v.violatingResources.map((r) => r.constructPath ?? '?'),
  })));
}, 120_000);

afterAll(() => {
  proto.isAcknowledged = original;
});

describe('cdk-nag', () => {
  it('finds nothing unacknowledged (AwsSolutions and Serverless packs), so synth succeeds', () => {
    expect(violations).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it('waives only the rules listed here, each with a specific reason', () => {
    const all = acknowledgements(app);
    expect(all.length).toBeGreaterThan(0);
    const rules = [...new Set(all.map((a) => a.id.replace(/\[.*$/, '')))];
    expect(rules.filter((rule) => !WAIVED_RULES.includes(rule))).toEqual([]);
    for (const { path, id, reason } of all) {
      expect(reason.trim().length, `${id} at ${path}`).toBeGreaterThanOrEqual(60);
      expect(GENERIC.test(reason.trim()), `${id} at ${path}: "${reason}"`).toBe(false);
    }
  });

  it('has no acknowledgement that no finding needs', () => {
    const stale = acknowledgements(app).filter((ack: Acknowledgement) =>
      !used.some((hit) => hit.ruleId === ack.id && (hit.path === ack.path || hit.path.startsWith(`${ack.path}/`))));
    expect(stale.map((a) => `${a.id} at ${a.path}`)).toEqual([]);
  });
});
