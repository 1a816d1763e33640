/**
 * The tool registry's shape (ARCHITECTURE.md §6): each tool declares its input JSON Schema, risk class, timeout
 * and output limit, and the permission its caller needs; it runs with the session's user as the caller (it reads
 * through other contexts' public modules with that user's permissions, never with powers of its own).
 */
import type { Permission, Role } from '#shared/permissions';
import type { AiAction, AiFindings } from '#schemas/index.ts';

export type RiskClass = 'read' | 'analysis' | 'safe_mutation' | 'config' | 'prod_mutation' | 'infrastructure';

/** Who a tool runs for: the session's user. */
export interface ToolCaller {
  readonly principal: string;
  readonly role: Role | null;
  readonly teams: readonly string[];
  readonly sessionId: string;
}

export interface ToolContext {
  readonly caller: ToolCaller;
  /** Aborted when the session is terminated or the tool's timeout passes. */
  readonly signal: AbortSignal;
}

export interface ToolDef<I = Record<string, unknown>> {
  /** snake_case, as the model calls it. */
  readonly name: string;
  /** What it does and when to use it, for the model. */
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly risk: RiskClass;
  /** The permission the caller must hold (the same one the route it reads through needs). */
  readonly permission: Permission;
  /** @default 15000 */
  readonly timeoutMs?: number;
  /** The most characters of output the model is given (more is cut, saying so). @default 12000 */
  readonly outputLimit?: number;
  run(input: I, context: ToolContext): Promise<unknown>;
}

/** A built-in command (`debug prod core-service`): its fixed tool plan, run without a model. */
export interface CommandDef {
  readonly name: string;
  /** `debug <env> <service>` */
  readonly usage: string;
  readonly summary: string;
  /** Parses the words after the name; a string is the usage problem to show. */
  parse(args: readonly string[]): Record<string, string> | string;
  /**
   * Runs the plan through the registry's tools (so each call is checked, audited and shown); answers the findings.
   * `act` proposes a change (an action tool): pending its approval, or run now where the approval table allows.
   */
  plan(args: Record<string, string>, run: RunTool, act: ActTool): Promise<CommandOutcome>;
}

export interface CommandOutcome {
  readonly findings: AiFindings;
  /**
   * What the model is then asked to reason about (the findings are in the conversation already). None: the
   * command is done (it proposed a change, whose approval is the user's click).
   */
  readonly prompt?: string;
}

/** Runs a registry tool as part of a plan: checked, audited and streamed like the model's calls. */
export type RunTool = (name: string, input: Record<string, unknown>) => Promise<unknown>;

/** What became of a change a command proposed. */
export interface ActOutcome {
  /** It ran and its route said yes. */
  readonly ok: boolean;
  /** It waits for a click on Approve. */
  readonly pending: boolean;
  /** What happened, or why it was refused. */
  readonly message: string;
  readonly action?: AiAction;
}

/** Proposes a change through an action tool (checked like the model's: sandbox, permission, approval table). */
export type ActTool = (name: string, input: Record<string, unknown>) => Promise<ActOutcome>;
