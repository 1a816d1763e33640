/** The AI console's read tools run as a role, as the turn runner runs them (its permission checked first), for tests of built-in commands. */
import { ForbiddenError } from '#shared/errors';
import { roleHas, type Role } from '#shared/permissions';
import { toolNamed } from '#functions/ai/tools/registry';
import type { RunTool, ToolCaller } from '#functions/ai/tools/types';

export function runToolAs(role: Role, calls: string[] = []): RunTool {
  const caller: ToolCaller = { principal: `${role}@apollo.test`, role, teams: ['platform'], sessionId: 'test-session' };
  return async (name, input) => {
    const tool = toolNamed(name);
    if (!tool) throw new Error(`no tool ${name}`);
    if (!roleHas(caller.role, tool.permission)) throw new ForbiddenError(`${name} needs ${tool.permission}`);
    calls.push(name);
    return tool.run(input, { caller, signal: new AbortController().signal });
  };
}
