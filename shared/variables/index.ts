/**
 * The variable engine: `{{ scope.key | filter }}` templates in offering documents, rendered for a preview
 * (secrets masked, nothing resolved that only exists at execution) or for execution. Shared by the API and the
 * web app: no Node APIs, no eval, no regular expressions built from input. See render.ts, scopes.ts, filters.ts.
 */
export type { FoundVariable, RenderOptions, RenderResult, Scope, VariableContext, VariableIssue, VariableIssueCode, VariableUse, WorkMeter } from './types.ts';
export { MASK } from './types.ts';
export { checkTemplates, findVariables, render } from './render.ts';
export { SCOPES } from './scopes.ts';
export { FILTER_NAMES, slugify } from './filters.ts';
