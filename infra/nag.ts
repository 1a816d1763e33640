/**
 * cdk-nag 3 (a policy-validation plugin, not an aspect): the AwsSolutions and Serverless packs run on
 * every synth, and an unacknowledged finding fails it. Waivers are `Validations.of(c).acknowledge({ id,
 * reason })` on the narrowest construct, next to the resource they concern, each with its reason.
 */
import { Stack, Validations, type Stage } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The packs Apollo is held to. */
export function nagPacks(scope: Stage): NagPack[] {
  // Acknowledgements are also written into the template's metadata: the waivers travel with it.
  return [new AwsSolutionsChecks(scope, { writeSuppressionsToCloudFormation: true }), new ServerlessChecks(scope)];
}

export function addNagPacks(scope: Stage): NagPack[] {
  const packs = nagPacks(scope);
  Validations.of(scope).addPlugins(...packs);
  return packs;
}

/**
 * The id of cdk-nag's finding for an IAM resource with a wildcard, as cdk-nag spells it: tokens
 * become `<Logical.Attr>`, `<AWS::Region>`…, e.g. `AwsSolutions-IAM5[Resource::<Archive1234.Arn>/audit/*]`.
 */
export function wildcardFinding(scope: IConstruct, resourceArn: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resourceArn))}]`;
}

/** cdk-nag's flattening of a CloudFormation value (its utils/flatten-cfn-reference, which it does not export). */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const value = node as Record<string, unknown>;
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (value['Fn::Sub']) return flatten(value['Fn::Sub']);
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value['Fn::ImportValue']) return flatten(value['Fn::ImportValue']);
  if (value.Ref) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}

export interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement in the tree under `scope`, where it was made. */
export function acknowledgements(scope: IConstruct): Acknowledgement[] {
  const found: Acknowledgement[] = [];
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY || !entry.data) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        found.push({ path: construct.node.path, id: id.replace(/^[a-z-]+::/i, ''), reason });
      }
    }
  }
  return found;
}
