/**
 * One turn of an AI session (ARCHITECTURE.md §6), run asynchronously after `POST …/message` answered 202: in AWS
 * the jobs Lambda's `ai-turn` (dispatched), locally in this process.
 *
 * 1. A built-in command (`debug prod core-service`) first runs its fixed tool plan, no model needed, and posts
 *    its findings (computed, not generated). With no model configured the turn then ends saying how to set one.
 * 2. The model streams (text coalesced to ≤ ~20 posts a second); a read tool it asks for runs only if the user's
 *    role holds the tool's permission (and the session's allowlist names it, when there is one); every call is
 *    audited (actor type ai, on the user's behalf, with the session id) and its output goes back to the model
 *    marked as untrusted data. At most APOLLO_AI_MAX_TOOL_ROUNDS rounds.
 * 3. A change (an action tool: approvals.ts) is checked as its route would check the user (the permission over
 *    the exact body, and the route's own rule such as the owning team: actions.ts `check`), refused in the sandbox,
 *    and becomes a pending action that ends the turn: only a click on
 *    Approve runs it. A typed command whose change the approval table lets through (scale staging) runs at once.
 * 4. Budgets: the turn stops itself (`budget`, its partial text kept) when it would spend more than what is left
 *    of the session's or the owner's day's tokens and dollars.
 * 5. The kill switch: a terminated session (re-read every APOLLO_AI_KILL_POLL_MS, or at once in this process)
 *    aborts the model's stream and the tool running; the partial text is kept and the turn ends `terminated`.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { AiAction, AiFindings, AiFrame } from '#schemas/index.ts';
import { ApolloError, STATUS_BY_ERROR } from '#shared/errors';
import { roleHas, type Permission, type Role } from '#shared/permissions';
import { ROUTES, gatePermissions, requiredPermission, routeKey } from '#shared/routes';
import { auditLog } from '#lib/audit-log';
import { membershipsOf } from '#lib/memberships';
import { logger } from '#lib/observability';
import { executePermission, needsApproval, type ActionDef } from './actions.ts';
import { executeAction, proposeAction, SessionTerminatedError } from './approvals.ts';
import { aiConfig, costUsd } from './config.ts';
import { aiDeps } from './deps.ts';
import { ModelUnavailableError, type ContentBlock, type MessageParam, type ModelPort, type ToolResultBlock } from './ports.ts';
import { endTurn, noteSessionShort, readConversation, requireSession, sessionStatus, writeConversation } from './records.ts';
import { FrameStream } from './stream.ts';
import { systemPrompt } from './system-prompt.ts';
import type { ToolCaller, ToolDef } from './tools/types.ts';
import { untrusted } from './untrusted.ts';
import { addUsage, allowanceOf, nextMidnight, noteDayShort, sandboxOf, usageToday, type Allowance } from './users.ts';

/** The turns running in this process, by session: the kill switch aborts them at once. */
const running = new Map<string, AbortController>();

/** Aborts a session's turn if it runs in this process (elsewhere the poll sees the terminate). */
export function abortLocalTurn(sessionId: string): boolean {
  const controller = running.get(sessionId);
  controller?.abort(new TerminatedError());
  return Boolean(controller);
}

class TerminatedError extends Error {
  override readonly name = 'TerminatedError';
}
class TurnTimeoutError extends Error {
  override readonly name = 'TurnTimeoutError';
}
class BudgetError extends Error {
  override readonly name = 'BudgetError';
  /** Stopped before asking the model: the tokens the message needed and whose budget could not pay them. */
  constructor(message: string, readonly short?: { tokens: number; limitedBy: Allowance['limitedBy'] }) {
    super(message);
  }
}

const READ_RISKS = new Set(['read', 'analysis']);
/** The most characters of a tool's output a frame previews. */
const PREVIEW = 4_000;
/** The conversation sent to the model is cut (oldest first) past this many characters. */
const MAX_CONVERSATION_CHARS = 300_000;

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validators = new Map<string, ValidateFunction>();
function validatorOf(tool: Pick<ToolDef, 'name' | 'inputSchema'>): ValidateFunction {
  let validate = validators.get(tool.name);
  if (!validate) {
    validate = ajv.compile(tool.inputSchema);
    validators.set(tool.name, validate);
  }
  return validate;
}

export interface TurnInput {
  readonly sessionId: string;
  readonly turnId: string;
  /** The first seq reserved for the turn after the user's frame, and the last reserved. */
  readonly firstSeq: number;
  readonly reservedThrough: number;
  readonly text: string;
  /** The owner's role when they sent it (a role is the IAM role of the call; the turn runs as that). */
  readonly role: Role | null;
}

interface Usage { inputTokens: number; outputTokens: number; toolCalls: number }

/** The session's user as a turn knows them: their role, teams, sandbox, what is left of their budgets. */
interface TurnCaller extends ToolCaller {
  readonly sandboxed: boolean;
  readonly allowance: Allowance;
  readonly allowlist: readonly string[] | null;
}

/** Whether the tokens so far (and those of the message streaming) fit what was left when the turn began. */
function overBudget(caller: TurnCaller, usage: Usage, message: { inputTokens: number; outputTokens: number }): boolean {
  const total = { inputTokens: usage.inputTokens + message.inputTokens, outputTokens: usage.outputTokens + message.outputTokens };
  return total.inputTokens + total.outputTokens > caller.allowance.tokens || costUsd(total) > caller.allowance.usd;
}

/** Runs a whole turn; never throws (what fails is said on the stream and in the transcript). */
export async function runTurn(input: TurnInput): Promise<void> {
  const config = aiConfig();
  const controller = new AbortController();
  running.set(input.sessionId, controller);
  const stream = new FrameStream(input.sessionId, input.turnId, input.firstSeq, input.reservedThrough, config.flushMs);
  const usage: Usage = { inputTokens: 0, outputTokens: 0, toolCalls: 0 };
  const timeout = setTimeout(() => controller.abort(new TurnTimeoutError(`the turn ran longer than ${config.turnSeconds} s`)), config.turnSeconds * 1000);
  const poll = setInterval(() => {
    void sessionStatus(input.sessionId).then((status) => { if (status !== 'active') controller.abort(new TerminatedError()); }).catch(() => undefined);
  }, config.killPollMs);
  let stopReason: Extract<AiFrame, { type: 'end' }>['stopReason'] = 'end_turn';
  let owner: string | undefined;
  try {
    const session = await requireSession(input.sessionId, true);
    owner = session.owner;
    const [memberships, sandbox, day] = await Promise.all([membershipsOf(session.owner), sandboxOf(session.owner), usageToday(session.owner)]);
    const caller: TurnCaller = {
      principal: session.owner, role: input.role, teams: memberships.map((m) => m.teamId), sessionId: session.id,
      sandboxed: sandbox.enabled, allowance: allowanceOf(session, day), allowlist: session.toolAllowlist ?? null,
    };
    const deps = await aiDeps();
    const parsed = deps.parseCommand(input.text);
    await stream.emit({ type: 'turn', status: 'started', ...(parsed && 'command' in parsed ? { command: parsed.command.name } : {}), model: deps.model ? deps.model.modelFor(parsed && 'command' in parsed ? parsed.command.name : undefined) : null });
    let planCalls = 0;
    // Each call of a command's plan has an id of its own, as the model's calls have theirs.
    const runTool = (name: string, toolInput: Record<string, unknown>) => callTool(name, toolInput, caller, stream, controller.signal, usage, `cmd-${input.turnId}-${++planCalls}`, 'command');

    let prompt: string = input.text;
    if (parsed && 'problem' in parsed) {
      await stream.emit({ type: 'notice', level: 'warn', text: parsed.problem });
      stopReason = 'end_turn';
      return;
    }
    if (parsed && 'command' in parsed) {
      let pending = false;
      const outcome = await parsed.command.plan(parsed.args, async (name, toolInput) => {
        const result = await runTool(name, toolInput);
        if (!result.ok) throw new Error(result.error ?? `${name} failed`);
        return result.value;
      }, async (name, toolInput) => {
        const result = await runTool(name, toolInput);
        if (result.pending) pending = true;
        return { ok: result.ok, pending: Boolean(result.pending), message: result.action?.result?.message ?? result.error ?? result.content, ...(result.action ? { action: result.action } : {}) };
      });
      await stream.emit({ type: 'findings', findings: outcome.findings });
      // A command that proposed or made a change is done: what happens next is the user's click.
      if (outcome.prompt === undefined) {
        stopReason = pending ? 'approval_required' : 'end_turn';
        return;
      }
      prompt = commandPrompt(input.text, outcome.findings, outcome.prompt);
    }
    if (!deps.model) {
      await stream.emit({ type: 'notice', level: 'warn', text: deps.describeModelSetup() });
      stopReason = 'no_model';
      return;
    }
    // A built-in command still runs its plan when the budget is spent (no tokens); the model's part does not.
    if (caller.allowance.tokens <= 0 || caller.allowance.usd <= 0) {
      await stream.emit({ type: 'notice', level: 'warn', text: `The findings are above; the model's analysis is skipped: ${caller.allowance.limitedBy === 'session' ? "this session's" : "today's"} AI budget is spent.` });
      stopReason = 'budget';
      return;
    }
    stopReason = await modelLoop(deps.model, parsed && 'command' in parsed ? parsed.command.name : undefined, session, caller, prompt, stream, controller, usage, deps.tools, deps.actions);
  } catch (error) {
    const reason: unknown = controller.signal.aborted ? controller.signal.reason : error;
    // Terminated meanwhile: this turn's abort, or a change refused because the session no longer takes any.
    if (reason instanceof TerminatedError || reason instanceof SessionTerminatedError) {
      stopReason = 'terminated';
    } else if (reason instanceof BudgetError) {
      stopReason = 'budget';
      await stream.emit({ type: 'notice', level: 'warn', text: reason.message }).catch(() => undefined);
      // Before the end frame: the next question (sent as soon as the end is read) is refused with 429.
      if (reason.short && owner) {
        const { tokens, limitedBy } = reason.short;
        await (limitedBy === 'day' ? noteDayShort(owner, tokens) : noteSessionShort(input.sessionId, tokens))
          .catch((error: unknown) => logger.warn('ai budget stop not noted', { sessionId: input.sessionId, error: error as Error }));
      }
    } else {
      stopReason = 'error';
      const message = reason instanceof ModelUnavailableError || reason instanceof TurnTimeoutError ? reason.message : `the turn failed: ${(reason as Error).message}`;
      logger.warn('ai turn failed', { sessionId: input.sessionId, error: reason as Error });
      await stream.emit({ type: 'error', code: (reason as Error).name ?? 'Error', message, retryable: reason instanceof ModelUnavailableError ? reason.retryable : false }).catch(() => undefined);
    }
  } finally {
    clearTimeout(timeout);
    clearInterval(poll);
    running.delete(input.sessionId);
    try {
      if (usage.inputTokens || usage.outputTokens) await stream.emit({ type: 'usage', inputTokens: usage.inputTokens, outputTokens: usage.outputTokens });
      // Every turn counts toward its owner's day, a built-in command's with no model too.
      if (owner) await addUsage(owner, usage);
      await stream.endBlock();
    } catch (error) {
      logger.error('ai turn usage not written', { sessionId: input.sessionId, error: error as Error });
    }
    // Idle before the end frame goes out: whoever reads the end may send the next message at once.
    await endTurn(input.sessionId, input.turnId, { ...usage, costUsd: costUsd(usage) }, new Date().toISOString()).catch((error: unknown) => logger.error('ai turn not ended', { sessionId: input.sessionId, error: error as Error }));
    try {
      await stream.emit({ type: 'end', stopReason });
      await stream.close();
    } catch (error) {
      logger.error('ai turn end not written', { sessionId: input.sessionId, error: error as Error });
    }
  }
}

function commandPrompt(text: string, findings: AiFindings, ask: string): string {
  return `The user ran the built-in command \`${text}\`. Apollo ran its fixed plan and found what follows (data from Apollo's tools, shown to the user already).\n`
    + `${untrusted('findings', JSON.stringify(findings))}\n\n${ask}`;
}

interface ToolCallResult {
  ok: boolean;
  value?: unknown;
  content: string;
  error?: string;
  /** A change waits for its approval: the turn ends after this round. */
  pending?: boolean;
  action?: AiAction;
}

const ROUTE_BY_KEY = new Map(ROUTES.map((r) => [routeKey(r), r]));

/** Whether the role could call the action's route at all (the gate IAM applies): what the model is offered. */
function mayOffer(action: ActionDef, role: Role | null): boolean {
  const route = ROUTE_BY_KEY.get(action.route);
  return Boolean(route?.permission && gatePermissions(route.permission).some((p) => roleHas(role, p)));
}

/** Runs one tool call for the session's user: checked, audited, streamed, bounded. A change becomes an action. */
async function callTool(name: string, toolInput: Record<string, unknown>, caller: TurnCaller, stream: FrameStream, signal: AbortSignal, usage: Usage, callId: string, origin: AiAction['origin']): Promise<ToolCallResult> {
  const { tools, actions } = await aiDeps();
  const tool = tools.find((t) => t.name === name);
  const action = tool ? undefined : actions.find((a) => a.name === name);
  const refuse = async (reason: string, risk: ToolDef['risk'] = tool?.risk ?? 'read'): Promise<ToolCallResult> => {
    // Every call is audited, refused ones too: what was asked, and why it did not run.
    const auditId = await auditLog.recordIntent({
      actor: caller.principal, actorType: 'ai', actorRole: caller.role ?? undefined, action: `ai.tool.${name}`, resourceType: 'ai-session', resourceId: caller.sessionId,
      aiSessionId: caller.sessionId, details: { input: toolInput, risk, refused: reason }, requestId: callId,
    });
    await auditLog.recordOutcome(auditId, { outcome: 'failed', statusCode: 403, errorCode: 'Refused' });
    await stream.emit({ type: 'tool_call', callId, name, arguments: toolInput, risk, status: 'refused', reason });
    return { ok: false, content: `refused: ${reason}`, error: reason };
  };
  if (action) return callAction(action, toolInput, caller, stream, usage, callId, origin, refuse);
  if (!tool) return refuse(`there is no tool ${name}`);
  if (!roleHas(caller.role, tool.permission)) return refuse(`${caller.principal} (role ${caller.role ?? 'none'}) lacks ${tool.permission}, which ${name} needs`);
  if (!READ_RISKS.has(tool.risk)) return refuse(`${name} changes things (${tool.risk}) outside an action: it is not callable`);
  if (origin === 'model' && caller.allowlist && !caller.allowlist.includes(name)) return refuse(`${name} is not among the read tools this session allows (${caller.allowlist.join(', ') || 'none'})`);
  const validate = validatorOf(tool);
  if (!validate(toolInput)) return refuse(`its input does not fit: ${ajv.errorsText(validate.errors, { dataVar: 'input' })}`);
  await stream.emit({ type: 'tool_call', callId, name, arguments: toolInput, risk: tool.risk, status: 'running' });
  usage.toolCalls++;
  const auditId = await auditLog.recordIntent({
    actor: caller.principal, actorType: 'ai', actorRole: caller.role ?? undefined, action: `ai.tool.${name}`, resourceType: 'ai-session', resourceId: caller.sessionId,
    aiSessionId: caller.sessionId, details: { input: toolInput, risk: tool.risk }, requestId: callId,
  } as Parameters<typeof auditLog.recordIntent>[0]);
  const limit = tool.outputLimit ?? 12_000;
  const toolSignal = AbortSignal.any([signal, AbortSignal.timeout(tool.timeoutMs ?? 15_000)]);
  try {
    const value = await Promise.race([
      tool.run(toolInput, { caller, signal: toolSignal }),
      new Promise<never>((_, reject) => toolSignal.addEventListener('abort', () => reject(signal.aborted ? signal.reason : new Error(`${name} took longer than ${tool.timeoutMs ?? 15_000} ms`)), { once: true })),
    ]);
    const whole = JSON.stringify(value) ?? 'null';
    const truncated = whole.length > limit;
    const content = truncated ? `${whole.slice(0, limit)}… [cut: ${whole.length - limit} more characters]` : whole;
    await auditLog.recordOutcome(auditId, { outcome: 'succeeded', statusCode: 200 });
    await stream.emit({ type: 'tool_result', callId, name, ok: true, size: whole.length, truncated, preview: whole.slice(0, PREVIEW) });
    return { ok: true, value, content };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const message = (error as Error).message;
    await auditLog.recordOutcome(auditId, { outcome: 'failed', statusCode: (error as { status?: number }).status ?? 500, errorCode: (error as Error).name });
    await stream.emit({ type: 'tool_result', callId, name, ok: false, size: 0, truncated: false, preview: '', error: message });
    return { ok: false, content: `error: ${message}`, error: message };
  }
}

/**
 * What the route would answer the user beyond its permission (the action's check: an owning team, a form…), as a
 * refusal; nothing when it would let it through, or when the check could not tell (the route decides on Approve).
 */
async function routeRefusal(action: ActionDef, toolInput: Record<string, unknown>, caller: TurnCaller): Promise<string | undefined> {
  if (!action.check) return undefined;
  try {
    await action.check(toolInput, caller);
    return undefined;
  } catch (error) {
    return refusalOf(action, caller, 'check', error);
  }
}

/**
 * The input to propose: the action's bind (what the route would decide when it runs, made explicit now); a refusal
 * when the route would refuse it; the input as the model gave it when bind could not tell (the route decides on Approve).
 */
async function boundInput(action: ActionDef, toolInput: Record<string, unknown>, caller: TurnCaller): Promise<Record<string, unknown> | string> {
  if (!action.bind) return toolInput;
  try {
    return await action.bind(toolInput);
  } catch (error) {
    return refusalOf(action, caller, 'bind', error) ?? toolInput;
  }
}

/** An action's check or bind that threw: the route's refusal in words (a 4xx), or undefined (logged: the route decides on Approve). */
function refusalOf(action: ActionDef, caller: TurnCaller, step: 'check' | 'bind', error: unknown): string | undefined {
  if (error instanceof ApolloError && (STATUS_BY_ERROR.get(error.code) ?? 500) < 500) return `${action.route} would refuse it: ${error.message}`;
  logger.warn(`ai action ${step} failed: the route decides`, { sessionId: caller.sessionId, tool: action.name, error: error as Error });
  return undefined;
}

/**
 * A change: refused in the sandbox, or when the route would refuse the user (its permission over the exact
 * body, and its own rule: the action's check); else a pending action (the model's call, or a typed one the approval table holds), or run now.
 */
async function callAction(
  action: ActionDef, toolInput: Record<string, unknown>, caller: TurnCaller, stream: FrameStream, usage: Usage, callId: string,
  origin: AiAction['origin'], refuse: (reason: string, risk?: ToolDef['risk']) => Promise<ToolCallResult>,
): Promise<ToolCallResult> {
  const validate = validatorOf(action);
  if (!validate(toolInput)) return refuse(`its input does not fit: ${ajv.errorsText(validate.errors, { dataVar: 'input' })}`, 'safe_mutation');
  const risk = action.risk(toolInput);
  if (caller.sandboxed) return refuse(`${caller.principal} is in the sandbox (read-only): nothing is changed until an AI admin lifts it`, risk);
  const route = ROUTE_BY_KEY.get(action.route)!;
  const { params, body } = action.request(toolInput, caller.sessionId);
  const permission = requiredPermission(route.permission!, { pathParameters: params ?? {}, query: {}, body }) as Permission;
  if (!roleHas(caller.role, permission)) return refuse(`${caller.principal} (role ${caller.role ?? 'none'}) lacks ${permission}, which ${action.route} needs: the console does only what you could do yourself`, risk);
  const consolePermission = executePermission(risk);
  if (!roleHas(caller.role, consolePermission)) return refuse(`${caller.principal} (role ${caller.role ?? 'none'}) lacks ${consolePermission}, which a ${risk.replace('_', ' ')} through the AI console needs`, risk);
  const refusal = await routeRefusal(action, toolInput, caller);
  if (refusal) return refuse(refusal, risk);
  const bound = await boundInput(action, toolInput, caller);
  if (typeof bound === 'string') return refuse(bound, risk);
  const approval = needsApproval(risk, origin);
  usage.toolCalls++;
  const proposed = await proposeAction({
    sessionId: caller.sessionId, turnId: stream.turnId, callId, tool: action.name, arguments: bound, origin, owner: caller.principal, role: caller.role,
    risk, summary: action.summary(bound), route: action.route, permission,
  }, approval ? 'pending' : 'executing');
  if (approval) {
    await stream.emit({ type: 'tool_call', callId, name: action.name, arguments: bound, risk, status: 'pending_approval', actionId: proposed.id });
    await stream.emit({ type: 'action', action: proposed });
    return {
      ok: false, pending: true, action: proposed,
      content: `pending: "${proposed.summary}" waits for a person to click Approve beside the terminal (until ${proposed.expiresAt}). Nothing has changed; do not claim it has. Tell the user what it will do and stop.`,
      error: 'waiting for approval',
    };
  }
  await stream.emit({ type: 'tool_call', callId, name: action.name, arguments: bound, risk, status: 'running', actionId: proposed.id });
  await stream.emit({ type: 'action', action: proposed });
  const done = await executeAction(proposed, { principal: caller.principal, role: caller.role });
  await stream.emit({ type: 'tool_result', callId, name: action.name, ok: done.result!.ok, size: done.result!.message.length, truncated: false, preview: done.result!.message, ...(done.result!.ok ? {} : { error: done.result!.message }) });
  await stream.emit({ type: 'action', action: done });
  return { ok: done.result!.ok, value: done.result, content: JSON.stringify(done.result), action: done, ...(done.result!.ok ? {} : { error: done.result!.message }) };
}

/** The conversation, cut oldest first to fit (a cut starts at a user message that is not a tool result). */
function bounded(messages: MessageParam[]): MessageParam[] {
  let size = JSON.stringify(messages).length;
  let start = 0;
  while (size > MAX_CONVERSATION_CHARS && start < messages.length - 1) {
    size -= JSON.stringify(messages[start]).length;
    start++;
    while (start < messages.length && !(messages[start]!.role === 'user' && typeof messages[start]!.content === 'string')) {
      size -= JSON.stringify(messages[start]).length;
      start++;
    }
  }
  return messages.slice(start);
}

async function modelLoop(
  model: ModelPort, command: string | undefined, session: Awaited<ReturnType<typeof requireSession>>, caller: TurnCaller,
  prompt: string, stream: FrameStream, controller: AbortController, usage: Usage, tools: readonly ToolDef[], actions: readonly ActionDef[],
): Promise<Extract<AiFrame, { type: 'end' }>['stopReason']> {
  const config = aiConfig();
  const signal = controller.signal;
  const allowed = tools.filter((t) => READ_RISKS.has(t.risk) && roleHas(caller.role, t.permission) && (!caller.allowlist || caller.allowlist.includes(t.name)));
  // Changes are offered unless the user is in the sandbox; each still waits for a click.
  const offered = caller.sandboxed ? [] : actions.filter((a) => mayOffer(a, caller.role));
  const messages: MessageParam[] = [...(await readConversation(session.id)), { role: 'user', content: prompt }];
  const system = await systemPrompt(session, caller, allowed, offered, caller.sandboxed);
  try {
    const modelTools = [...allowed, ...offered].map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema }));
    for (let round = 0; round < config.maxToolRounds; round++) {
      let stop: { reason: string; content: readonly ContentBlock[] } | undefined;
      let messageUsage = { inputTokens: 0, outputTokens: 0 };
      const sent = bounded(messages);
      // Before asking: a message whose input alone (about 4 characters a token) would pass the budget is not sent.
      const estimate = { inputTokens: Math.ceil((system.length + JSON.stringify(sent).length + JSON.stringify(modelTools).length) / 4), outputTokens: 0 };
      if (overBudget(caller, usage, estimate)) {
        const which = caller.allowance.limitedBy === 'session' ? "this session's budget: start a new session to go on" : `${caller.principal}'s budget for today, which resets at ${nextMidnight()}`;
        controller.abort(new BudgetError(`Stopped before asking the model: about ${estimate.inputTokens.toLocaleString('en')} more tokens would pass ${which}. What it said so far is kept.`, { tokens: estimate.inputTokens, limitedBy: caller.allowance.limitedBy }));
        throw signal.reason;
      }
      for await (const event of model.stream({
        model: model.modelFor(command), system, messages: sent, maxTokens: config.maxTokens, tools: modelTools,
      }, signal)) {
        if (event.type === 'text_delta') stream.text(event.text);
        else if (event.type === 'tool_use') await stream.endBlock();
        else if (event.type === 'usage') {
          messageUsage = { inputTokens: event.inputTokens, outputTokens: event.outputTokens };
          if (overBudget(caller, usage, messageUsage)) {
            usage.inputTokens += messageUsage.inputTokens;
            usage.outputTokens += messageUsage.outputTokens;
            messageUsage = { inputTokens: 0, outputTokens: 0 };
            const which = caller.allowance.limitedBy === 'session' ? "this session's budget" : `${caller.principal}'s budget for today`;
            const next = caller.allowance.limitedBy === 'session' ? 'start a new session to go on' : `it resets at ${nextMidnight()}`;
            controller.abort(new BudgetError(`Stopped: this turn reached ${which} (APOLLO_AI_${caller.allowance.limitedBy === 'session' ? 'SESSION' : 'DAILY'}_TOKENS / _COST_CENTS); ${next}. What it said so far is kept.`));
            throw signal.reason;
          }
        }
        else if (event.type === 'retry') await stream.emit({ type: 'notice', level: 'info', text: `The model is busy (${event.reason}); trying again in ${Math.ceil(event.waitMs / 1000)} s (attempt ${event.attempt})` });
        else if (event.type === 'stop') stop = { reason: event.stopReason, content: event.content };
      }
      await stream.endBlock();
      usage.inputTokens += messageUsage.inputTokens;
      usage.outputTokens += messageUsage.outputTokens;
      if (!stop) throw new ModelUnavailableError('the model\'s stream ended without a stop', true);
      messages.push({ role: 'assistant', content: stop.content });
      if (stop.reason !== 'tool_use') return stop.reason as Extract<AiFrame, { type: 'end' }>['stopReason'];
      const results: ToolResultBlock[] = [];
      let pending = false;
      for (const block of stop.content) {
        if (block.type !== 'tool_use') continue;
        const input = block.input && typeof block.input === 'object' && !Array.isArray(block.input) ? block.input as Record<string, unknown> : {};
        const result = await callTool(block.name, input, caller, stream, signal, usage, block.id, 'model');
        if (result.pending) pending = true;
        results.push({ type: 'tool_result', tool_use_id: block.id, content: result.pending ? result.content : untrusted(block.name, result.content), ...(result.ok || result.pending ? {} : { is_error: true }) });
      }
      messages.push({ role: 'user', content: results });
      // A change waits for a click: the turn ends here; the approval (or not) is told to the next turn.
      if (pending) return 'approval_required';
    }
    await stream.emit({ type: 'notice', level: 'warn', text: `Stopped after ${config.maxToolRounds} rounds of tool calls (APOLLO_AI_MAX_TOOL_ROUNDS); ask again to go on.` });
    return 'tool_limit';
  } finally {
    // What was said so far is the next turn's context, whether this one ended or was cut short.
    await writeConversation(session.id, bounded(messages)).catch((error: unknown) => logger.warn('ai conversation not kept', { sessionId: session.id, error: error as Error }));
  }
}

