/**
 * Helpers for the infra tests: an App with cdk.json's context (the feature flags `cdk synth` uses),
 * optionally without bundling the Lambdas, and readers of the synthesized template, nested stacks
 * (the API's routes, infra/api-routes.ts) included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, NestedStack, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ApolloStack } from './apollo-stack.ts';
import { pascal, PROJECT_ROOT } from './functions.ts';

/** A stand-in for `web/dist` (index.html and one asset): infra tests never need the Vite build. */
export const WEB_DIST_FIXTURE = join(PROJECT_ROOT, 'infra', 'fixtures', 'web-dist');

export function testApp(options: { bundling?: boolean } = {}): App {
  const { context } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  // `aws:cdk:bundling-stacks: []` is what `cdk synth --exclusively` uses to skip bundling: the
  // functions then get a placeholder asset, fine for tests that don't look at the code.
  return new App({ context: { ...context, ...(options.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }) } });
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string }>;

export interface TemplateMethod {
  readonly logicalId: string;
  readonly httpMethod: string;
  readonly path: string;
  readonly authorizationType: string;
  readonly properties: Record<string, unknown>;
}

export interface NestedTemplate {
  readonly stack: NestedStack;
  /** The logical id of its AWS::CloudFormation::Stack in the parent's template. */
  readonly logicalId: string;
  readonly template: Template;
}

/** The nested stacks directly in `stack`, each with its template. */
export function nestedTemplates(stack: Stack): NestedTemplate[] {
  return stack.node.findAll()
    .filter((c): c is NestedStack => NestedStack.isNestedStack(c) && c.nestedStackParent === stack)
    .map((nested) => ({ stack: nested, logicalId: stack.getLogicalId(nested.nestedStackResource as CfnElement), template: Template.fromStack(nested) }));
}

/**
 * The resources of `stack` and of its nested stacks in one map, as the parent sees them: a nested
 * resource's logical id is prefixed with its stack's (`<nested>.<id>`, references to it too), and a
 * reference to a nested stack's parameter is replaced by the value the parent passes in.
 */
export function stackResources(stack: Stack): Resources {
  const parent = Template.fromStack(stack).toJSON().Resources as Resources;
  const all: Resources = { ...parent };
  for (const { logicalId, template } of nestedTemplates(stack)) {
    const json = template.toJSON() as { Resources: Resources; Parameters?: Record<string, unknown> };
    const passed = parent[logicalId]!.Properties.Parameters as Record<string, unknown>;
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (!value || typeof value !== 'object') return value;
      const ref = (value as { Ref?: unknown }).Ref;
      if (typeof ref === 'string' && Object.keys(value).length === 1) {
        if (json.Parameters?.[ref]) return passed[ref];
        if (json.Resources[ref]) return { Ref: `${logicalId}.${ref}` };
      }
      const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt && json.Resources[getAtt[0]]) return { 'Fn::GetAtt': [`${logicalId}.${getAtt[0]}`, getAtt[1]] };
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    };
    for (const [id, resource] of Object.entries(json.Resources)) all[`${logicalId}.${id}`] = rewrite(resource) as Resources[string];
  }
  return all;
}

/** The full path (`/api/v1/teams/{id}`) of an API Gateway resource, rebuilt from the resource tree. */
const pathIn = (resources: Resources) => function pathOf(ref: unknown): string {
  const id = (ref as { Ref?: string }).Ref;
  if (!id) return ''; // Fn::GetAtt [RestApi, RootResourceId]
  const resource = resources[id]!.Properties;
  return `${pathOf(resource.ParentId)}/${resource.PathPart as string}`;
};

/**
 * Every API Gateway method of the stack and its nested stacks, with its full path (`/api/v1/teams/{id}`)
 * rebuilt from the resource tree, and its properties as the parent sees them (see stackResources).
 */
export function templateMethods(stack: Stack): TemplateMethod[] {
  const resources = stackResources(stack);
  const pathOf = pathIn(resources);
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::ApiGateway::Method')
    .map(([logicalId, r]) => ({
      logicalId,
      httpMethod: r.Properties.HttpMethod as string,
      path: pathOf(r.Properties.ResourceId) || '/',
      authorizationType: r.Properties.AuthorizationType as string,
      properties: r.Properties,
    }));
}

/** The full path of every API Gateway resource of the stack and its nested stacks, one entry per resource. */
export function templateResourcePaths(stack: Stack): string[] {
  const resources = stackResources(stack);
  const pathOf = pathIn(resources);
  return Object.entries(resources).filter(([, r]) => r.Type === 'AWS::ApiGateway::Resource').map(([id]) => pathOf({ Ref: id }));
}

/** The resources of one type, by logical id: of a template, or of a stack and its nested stacks (see stackResources). */
export function resourcesOfType(source: Template | Stack, type: string): Resources {
  const resources = Stack.isStack(source) ? stackResources(source) : source.toJSON().Resources as Resources;
  return Object.fromEntries(Object.entries(resources).filter(([, r]) => r.Type === type));
}

/** The execute-api:Invoke resources granted (or, with `effect: 'Deny'`, denied) to the IAM role named `roleName`, across its managed policies. */
export function invokeResourcesOfRole(template: Template, roleName: string, effect: 'Allow' | 'Deny' = 'Allow'): unknown[] {
  const [roleId] = Object.entries(resourcesOfType(template, 'AWS::IAM::Role')).find(([, r]) => r.Properties.RoleName === roleName) ?? [];
  if (!roleId) throw new Error(`no role named ${roleName}`);
  return Object.values(resourcesOfType(template, 'AWS::IAM::ManagedPolicy'))
    .filter((policy) => (policy.Properties.Roles as unknown[]).some((role) => (role as { Ref?: string }).Ref === roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: { Effect: string; Action: string; Resource: unknown }[] }).Statement)
    .filter((statement) => statement.Action === 'execute-api:Invoke' && statement.Effect === effect)
    .flatMap((statement) => (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]));
}

/** A stable order for comparing lists of CloudFormation values. */
export const sortedJson = (values: readonly unknown[]): string[] => values.map((v) => JSON.stringify(v)).sort();

export type PolicyStatement = { Action: string | string[]; Resource: unknown; Effect: string };

/** The identity-based statements attached to the execution role of Apollo function `name` (a workflow's steps function too). */
export function roleStatements(stack: ApolloStack, template: Template, name: string): PolicyStatement[] {
  const fn = [...stack.functions.all, ...stack.workflows.stepFunctions].find((f) => f.node.id === pascal(name))!;
  const roleRef = stack.resolve(fn.role.roleName) as { Ref: string };
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleRef.Ref))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatement[] }).Statement);
}

/** The environment variables of the Lambda `apollo-<stage>-<name>`. */
export function lambdaEnv(template: Template, stage: string, name: string): Record<string, unknown> {
  const fn = Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).find((f) => f.Properties.FunctionName === `apollo-${stage}-${name}`)!;
  return (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}
