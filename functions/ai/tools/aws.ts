/**
 * `aws_describe`: describe-only AWS calls from an explicit allowlist, each answered only where an SDK client for
 * its service is already one of Apollo's dependencies (EKS and CloudWatch are; RDS and ElastiCache are not, so
 * those calls answer that they are not available in this deployment). The local runtime has no AWS account to
 * describe: every call answers so.
 */
import { config } from '#lib/config';
import { catalogSnapshot } from '#functions/services/public';
import { defineTool } from './define.ts';
import { objectSchema } from './input.ts';

export const AWS_DESCRIBE_CALLS = ['eks:DescribeCluster', 'eks:ListNodegroups', 'cloudwatch:DescribeAlarms', 'rds:DescribeDBInstances', 'elasticache:DescribeCacheClusters'] as const;
export type AwsDescribeCall = (typeof AWS_DESCRIBE_CALLS)[number];

/** The calls without a client in this deployment, and the SDK package that would provide it. */
const NO_CLIENT: Partial<Record<AwsDescribeCall, string>> = {
  'rds:DescribeDBInstances': '@aws-sdk/client-rds',
  'elasticache:DescribeCacheClusters': '@aws-sdk/client-elasticache',
};

export const awsDescribe = defineTool<{ call: AwsDescribeCall; name: string }>({
  name: 'aws_describe',
  description: `Describe-only AWS calls, from an allowlist: ${AWS_DESCRIBE_CALLS.join(', ')}. name is the cluster (eks), the alarm name prefix (cloudwatch), or the instance / cache cluster id. Some calls may not be available in this deployment; the answer says so.`,
  inputSchema: objectSchema({
    call: { type: 'string', enum: [...AWS_DESCRIBE_CALLS] },
    name: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9_./:-]*$', description: 'The resource\'s name or id (alarms: a name prefix).' },
  }, ['call', 'name']),
  risk: 'read',
  permission: 'environments:read',
  timeoutMs: 15_000,
  outputLimit: 6_000,
  async run({ call, name }) {
    const missing = NO_CLIENT[call];
    if (missing) return { call, available: false, answer: `not available in this deployment: no client for ${call.split(':')[0]} (${missing} is not a dependency of Apollo)` };
    if (config().runtime === 'local') return { call, available: false, answer: 'not available in the local runtime: there is no AWS account to describe' };
    if (call.startsWith('eks:')) {
      // Only the clusters Apollo's catalog deploys to: the console describes what it manages, not the account.
      const clusters = new Set([...(await catalogSnapshot()).records()].flatMap((s) => Object.values(s.envs).map((e) => e.cluster)));
      if (!clusters.has(name)) return { call, available: false, answer: `${name} is not a cluster of the catalog (${[...clusters].sort().join(', ') || 'none'})` };
    }
    const aws = await import('../adapters/aws-describe.ts');
    switch (call) {
      case 'eks:DescribeCluster': return { call, ...(await aws.describeEksCluster(name)) };
      case 'eks:ListNodegroups': return { call, ...(await aws.listEksNodegroups(name)) };
      case 'cloudwatch:DescribeAlarms': return { call, ...(await aws.describeAlarms(name)) };
      default: return { call, available: false, answer: `not available in this deployment: ${call}` };
    }
  },
});
