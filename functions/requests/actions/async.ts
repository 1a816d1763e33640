/**
 * The executors of actions that run elsewhere, by action type. A type without an executor here cannot be
 * started: its action waits, saying so, and fails at its timeout (nothing is called, nothing reported done).
 */
import type { ExecutorDeps } from './attempt.ts';
import { githubWorkflowExecutor } from './github-workflow.ts';
import { jiraExecutor } from './jira.ts';
import { terraformExecutor } from './terraform.ts';
import type { AsyncAction, AsyncActionExecutor } from './ports.ts';

type Factory = (deps: ExecutorDeps) => AsyncActionExecutor;

const FACTORIES: Partial<Record<AsyncAction['type'], Factory>> = {
  jira: jiraExecutor,
  terraform: (deps) => terraformExecutor(deps),
  'github-workflow': (deps) => githubWorkflowExecutor(deps),
};

export function asyncExecutorFor(type: AsyncAction['type'], deps: ExecutorDeps): AsyncActionExecutor | undefined {
  return FACTORIES[type]?.(deps);
}

export const isAsyncType = (type: string): type is AsyncAction['type'] => type === 'terraform' || type === 'github-workflow' || type === 'jira';
