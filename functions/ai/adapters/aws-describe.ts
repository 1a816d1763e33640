/**
 * The describe-only AWS calls `aws_describe` may make, with clients the project already depends on (EKS,
 * CloudWatch), created once. Each call is named on an allowlist; nothing here can change anything.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient, ListNodegroupsCommand } from '@aws-sdk/client-eks';

const eks = new EKSClient({});
const cloudwatch = new CloudWatchClient({});

export async function describeEksCluster(name: string): Promise<Record<string, unknown>> {
  const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
  return {
    name: cluster?.name, status: cluster?.status, version: cluster?.version, platformVersion: cluster?.platformVersion,
    endpointPublicAccess: cluster?.resourcesVpcConfig?.endpointPublicAccess, health: cluster?.health?.issues ?? [], createdAt: cluster?.createdAt?.toISOString(),
  };
}

export async function listEksNodegroups(clusterName: string): Promise<Record<string, unknown>> {
  const { nodegroups = [] } = await eks.send(new ListNodegroupsCommand({ clusterName, maxResults: 20 }));
  const described = await Promise.all(nodegroups.slice(0, 10).map(async (nodegroupName) => {
    const { nodegroup } = await eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName }));
    return { name: nodegroupName, status: nodegroup?.status, instanceTypes: nodegroup?.instanceTypes, scaling: nodegroup?.scalingConfig, issues: nodegroup?.health?.issues ?? [] };
  }));
  return { cluster: clusterName, nodegroups: described, ...(nodegroups.length > 10 ? { leftOut: nodegroups.length - 10 } : {}) };
}

export async function describeAlarms(prefix: string): Promise<Record<string, unknown>> {
  const { MetricAlarms = [] } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix, MaxRecords: 20 }));
  return { alarms: MetricAlarms.map((a) => ({ name: a.AlarmName, state: a.StateValue, reason: a.StateReason, metric: a.MetricName, namespace: a.Namespace, threshold: a.Threshold, updatedAt: a.StateUpdatedTimestamp?.toISOString() })) };
}
