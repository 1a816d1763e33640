/**
 * `apollo ai`: the AI console in the terminal. Opens a session (about a service, an environment, an incident) or
 * resumes one, listens on its realtime topic ai:<id> before anything is sent, and reads messages at an `apollo>`
 * prompt: each is a turn whose text streams to stdout as it comes (tool calls, notices and the turn's end go to
 * stderr). A change the turn proposes waits for an approval: the terminal shows exactly what it would do and asks
 * "Approve? [y/N]"; y approves that action (it runs once, as you, through its route), anything else rejects it.
 *
 * Without a terminal nothing is ever approved: a proposed change is shown with its id and left pending (exit 6),
 * for a person to approve at a terminal, in the web console, or with `--approve <id>`. `/exit` or end of input
 * leaves the session as it is (resumable with --session); `/terminate` ends it for good (its transcript is kept).
 */
import { createInterface, type Interface } from 'node:readline';
import { Option, type Command } from 'commander';
import type { AiAction, AiFindings, AiFrame, AiSession, AiSessionDetail } from '#schemas/index.ts';
import { ApiError } from '#shared/api-client';
import type { RealtimeClient } from '#shared/realtime-client';
import type { Cli } from '../context.ts';
import { CliError, EXIT, exitCodeOfStatus, type ExitCode } from '../exit.ts';
import { ago } from '../helpers.ts';
import { renderTable } from '../output.ts';

const OUTCOMES = ['resolved', 'escalated', 'failed'] as const;
/** How long to wait for the realtime connection before sending anyway (the turn is then read when it ends). */
const CONNECT_WAIT_MS = 5_000;
/** The session is read this often while a turn runs: a frame lost in a reconnect is never a hang. */
const POLL_LIVE_MS = 3_000;
const POLL_WITHOUT_LIVE_MS = 1_000;
/** A read completes a turn only when nothing came live for this long (live frames may still be on their way). */
const QUIET_MS = 2_000;

type Frame<T extends AiFrame['type']> = Extract<AiFrame, { type: T }>;

/** Model and tool text is data: escape sequences and other control characters never reach the terminal. */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-~]?/g, '').replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u009b]/g, '').replace(/\r\n?/g, '\n');
}
const oneLine = (text: string): string => sanitize(text).replace(/\s*\n\s*/g, ' ');
const count = (n: number): string => n.toLocaleString('en-US');
const size = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);
const clock = (iso: string): string => (Number.isNaN(Date.parse(iso)) ? iso : `${new Date(iso).toISOString().slice(11, 16)} UTC`);

/** What a stop reason leaves for the user, said after it. */
const STOP_SAYS: Readonly<Partial<Record<Frame<'end'>['stopReason'], string>>> = {
  approval_required: 'a change waits for your approval',
  budget: "the AI budget is spent (this session's or today's): no more model turns until it resets",
  no_model: 'no model is configured: built-in commands still run',
  terminated: 'the session was terminated',
};

/** How a one-shot turn (`--message`) exits, by the way it stopped. */
function exitOfStop(stop: Frame<'end'>['stopReason'] | 'terminated'): ExitCode {
  // Nothing answered: the message needed a model and none is configured.
  if (stop === 'error' || stop === 'no_model') return EXIT.failure;
  // approval_required: the actions left pending say it (exit 6), unless someone decided them meanwhile.
  if (stop === 'budget') return EXIT.policy;
  if (stop === 'terminated') return EXIT.conflict;
  return EXIT.ok;
}

/**
 * Prints frames as a terminal reads them: the turn's text (streamed deltas) and findings on stdout, what the turn
 * did on the way (tool calls, results, notices, errors, its end) on stderr, each on a line of its own.
 */
class FrameRenderer {
  /** stdout is mid-line after streamed text. */
  private midLine = false;
  /** Tool calls refused (the sandbox, a role, a safeguard) since `resetRefusals`: a one-shot turn exits 6 on them. */
  refusals: string[] = [];
  private usage: { input: number; output: number } | undefined;

  constructor(private readonly cli: Cli, private readonly content: boolean) {}

  /** Ends a streamed line before anything else prints. */
  breakLine(): void {
    if (!this.midLine) return;
    this.cli.io.stdout.write('\n');
    this.midLine = false;
  }

  private note(text: string): void {
    this.breakLine();
    this.cli.note(text);
  }

  private out(lines: readonly string[]): void {
    if (!this.content) return;
    this.breakLine();
    this.cli.io.stdout.write(lines.map((l) => `${l}\n`).join(''));
  }

  frame(frame: AiFrame): void {
    const style = this.cli.style;
    switch (frame.type) {
      case 'user':
      case 'turn':
        return;
      case 'text': {
        const text = sanitize(frame.text);
        if (!text || !this.content) return;
        this.cli.io.stdout.write(text);
        this.midLine = !text.endsWith('\n');
        return;
      }
      case 'tool_call': {
        const head = `▸ ${frame.name} ${clip(JSON.stringify(frame.arguments), 120)} [${frame.risk}]`;
        if (frame.status === 'refused') {
          this.refusals.push(`${frame.name}${frame.reason ? `: ${oneLine(frame.reason)}` : ''}`);
          return this.note(style.red(`${head} refused${frame.reason ? `: ${oneLine(frame.reason)}` : ''}`));
        }
        if (frame.status === 'pending_approval') return this.note(`${style.dim(head)} ${style.yellow('awaiting approval')}`);
        return this.note(style.dim(head));
      }
      case 'tool_result':
        return this.note(frame.ok ? style.dim(`  ✓ ${size(frame.size)}${frame.truncated ? ' (truncated)' : ''}`) : style.red(`  ✗ ${oneLine(frame.error ?? 'failed')}`));
      case 'findings':
        return this.out([...findingsLines(frame.findings, this.cli), '']);
      case 'notice':
        return this.note(style.yellow(`${frame.level === 'warn' ? '⚠' : 'ℹ'} ${sanitize(frame.text)}`));
      case 'usage':
        this.usage = { input: frame.inputTokens, output: frame.outputTokens };
        return;
      case 'error':
        return this.note(style.red(`✗ ${oneLine(frame.code)}: ${oneLine(frame.message)}${frame.retryable ? ' (retryable)' : ''}`));
      case 'end': {
        const says = STOP_SAYS[frame.stopReason];
        const tokens = this.usage ? ` · ${count(this.usage.input)} in / ${count(this.usage.output)} out tokens` : '';
        this.usage = undefined;
        return this.note(style.dim(`— ${frame.stopReason}${says ? `: ${says}` : ''}${tokens}`));
      }
      case 'action':
        return this.note(actionLine(frame.action, this.cli));
      case 'terminated':
        return this.note(style.red(`■ session terminated by ${oneLine(frame.by)}: the transcript is kept; it takes no more messages`));
    }
  }
}

const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

function findingsLines(findings: AiFindings, cli: Cli): string[] {
  const style = cli.style;
  const lines = [style.bold(`■ ${oneLine(findings.title)}`)];
  const mark = { ok: style.green('●'), warn: style.yellow('▲'), bad: style.red('✗'), unknown: style.dim('?') } as const;
  for (const section of findings.sections) {
    lines.push('', style.bold(oneLine(section.title)));
    if (section.kind === 'table') {
      const columns = section.columns.map((header, i) => ({ header: oneLine(header), value: (row: ReadonlyArray<string | number | null>) => (typeof row[i] === 'string' ? oneLine(row[i]) : row[i]) }));
      lines.push(section.rows.length ? renderTable(section.rows, columns, style).trimEnd() : '(no rows)');
      if (section.note) lines.push(style.dim(oneLine(section.note)));
    } else if (section.kind === 'facts') {
      const width = Math.min(32, Math.max(0, ...section.items.map((f) => oneLine(f.label).length)));
      for (const fact of section.items) lines.push(`  ${fact.status ? mark[fact.status] : ' '} ${oneLine(fact.label).padEnd(width)}  ${oneLine(fact.value)}`);
    } else {
      lines.push(...sanitize(section.text).split('\n'));
    }
  }
  return lines;
}

/** One line of an action's news: proposed, running, done, failed, rejected, lapsed. */
function actionLine(action: AiAction, cli: Cli): string {
  const style = cli.style;
  const summary = oneLine(action.summary);
  const said = action.result ? oneLine(action.result.message) : '';
  // A route's message may already start with the summary ("Scale …: deployment 01J… created"): say it once.
  const message = said.startsWith(`${summary}: `) ? said.slice(summary.length + 2) : said;
  switch (action.status) {
    case 'pending':
      return style.yellow(`‖ needs your approval: ${summary} (expires ${clock(action.expiresAt)})`);
    case 'executing':
      return style.dim(`▶ ${summary}: running${action.decidedBy ? `, approved by ${action.decidedBy}` : ''}`);
    case 'executed':
      return style.green(`✓ ${summary}: ${message || 'done'}`);
    case 'failed':
      return style.red(`✗ ${summary} failed: ${message || 'the route refused it'}`);
    case 'rejected':
      return style.yellow(`✗ ${summary}: rejected${action.decidedBy ? ` by ${action.decidedBy}` : ''}${action.note ? ` (${oneLine(action.note)})` : ''}; it did not run`);
    case 'expired':
      return style.dim(`⌛ ${summary}: expired before an approval; it did not run`);
  }
}

/** Exactly what approving an action would do: the route it calls, as whom, with which arguments. */
function actionDetail(action: AiAction, owner: string, cli: Cli): string[] {
  const style = cli.style;
  const rows: Array<[string, string]> = [
    ['action', action.id],
    ['tool', `${action.tool} (${action.risk.replace('_', ' ')})`],
    ['calls', `${action.route} as ${owner}`],
    ['needs', action.permission],
    ['proposed by', action.origin === 'model' ? 'the model' : `a command ${action.requestedBy} typed`],
    ['expires', `${clock(action.expiresAt)} (${ago(action.expiresAt)})`],
  ];
  // The arguments whole, as JSON (strings escaped, so a file's content stays on its lines), one key a line.
  const args = sanitize(JSON.stringify(action.arguments, null, 2)).split('\n').map((line, i) => (i === 0 ? line : `${' '.repeat(16)}${line}`));
  return [
    style.bold(style.yellow(`‖ Needs your approval: ${oneLine(action.summary)}`)),
    ...rows.map(([k, v]) => `    ${style.dim(k.padEnd(11))} ${oneLine(v)}`),
    `    ${style.dim('arguments'.padEnd(11))} ${args.join('\n')}`,
  ];
}

/** A realtime event's data as a frame, or undefined when it is not one. */
function asFrame(event: string, data: unknown): AiFrame | undefined {
  if (event !== 'ai.frame' || typeof data !== 'object' || data === null) return undefined;
  const f = data as { type?: unknown; seq?: unknown; turnId?: unknown };
  return typeof f.type === 'string' && typeof f.turnId === 'string' && Number.isInteger(f.seq) ? (data as AiFrame) : undefined;
}

/** Lines typed (or piped) in, each read once, in order; a prompt shows only on a terminal. */
class LineReader {
  private readonly queue: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private closed = false;

  constructor(private readonly rl: Interface, private readonly prompts: { write(text: string): unknown } | undefined, private readonly terminal: boolean) {
    rl.on('line', (line) => {
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(line);
      else this.queue.push(line);
    });
    rl.on('close', () => {
      this.closed = true;
      this.waiting?.(undefined);
      this.waiting = undefined;
    });
    // Ctrl-C at the prompt leaves like Ctrl-D (readline would only pause without a listener).
    rl.on('SIGINT', () => rl.close());
  }

  /** The next line; undefined at the end of input. */
  read(prompt: string): Promise<string | undefined> {
    if (this.closed && !this.queue.length) return Promise.resolve(undefined);
    if (this.prompts) {
      if (this.terminal) {
        this.rl.setPrompt(prompt);
        this.rl.prompt();
      } else {
        this.prompts.write(prompt);
      }
    }
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => { this.waiting = resolve; });
  }

  close(): void {
    this.rl.close();
  }
}

interface AiFlags {
  readonly service?: string;
  readonly env?: string;
  readonly incident?: string;
  readonly title?: string;
  readonly session?: string;
  readonly message?: string;
  readonly approve?: string;
  readonly reject?: string;
  readonly note?: string;
}

/**
 * One session as this terminal follows it: the frames of the turn it sent, printed once each in seq order (live
 * from ai:<id>, or from the session's transcript when the stream missed them), and the actions it asked about.
 */
class Conversation {
  /** Seqs already printed or passed over. */
  private readonly seen = new Set<number>();
  private readonly buffered: AiFrame[] = [];
  /** idle: frames of other turns pass by; sending: kept until the message's turn id is known; a turn id: printed. */
  private state: { kind: 'idle' } | { kind: 'sending' } | { kind: 'turn'; turnId: string } = { kind: 'idle' };
  private ended: ((stop: Frame<'end'>['stopReason'] | 'terminated') => void) | undefined;
  private lastLiveAt = 0;
  /** While a turn waits for its first frame (a terminal only). */
  private spinner: ReturnType<Cli['spinner']> | undefined;
  /** Whether frames come live: connected, and the topic not refused. */
  private live = false;
  private refused = false;
  terminatedBy: string | undefined;
  /** Pending actions already put to the user (each is asked once). */
  readonly asked = new Set<string>();
  readonly renderer: FrameRenderer;

  constructor(private readonly cli: Cli, readonly session: AiSession, content: boolean) {
    this.renderer = new FrameRenderer(cli, content);
  }

  get id(): string {
    return this.session.id;
  }

  /** Subscribes before anything is sent, and waits (a while) for the connection. */
  async listen(realtime: RealtimeClient | undefined): Promise<void> {
    if (!realtime) {
      this.cli.note(this.cli.style.dim('no realtime endpoint configured: each turn prints when it ends'));
      return;
    }
    realtime.subscribe(`ai:${this.id}`, (event) => {
      const frame = asFrame(event.event, event.data);
      if (frame) this.receive(frame);
    });
    realtime.onError((error) => {
      if (error.topic !== `ai:${this.id}`) return;
      this.refused = true;
      this.live = false;
      this.cli.note(`live updates refused (${error.message}); each turn prints when it ends`);
    });
    realtime.onStateChange((state) => { this.live = state === 'open' && !this.refused; });
    realtime.connect();
    await new Promise<void>((resolve) => {
      if (realtime.connectionState === 'open') return resolve();
      const timer = setTimeout(resolve, CONNECT_WAIT_MS);
      realtime.onStateChange((state) => { if (state === 'open') { clearTimeout(timer); resolve(); } });
    });
    this.live = realtime.connectionState === 'open' && !this.refused;
  }

  private receive(frame: AiFrame): void {
    this.lastLiveAt = Date.now();
    this.buffered.push(frame);
    this.pump();
  }

  /** Prints what is buffered for the turn being followed; passes over frames of other turns. */
  private pump(frames: AiFrame[] = this.buffered.splice(0)): void {
    if (this.state.kind === 'sending') {
      this.buffered.push(...frames);
      return;
    }
    for (const frame of frames.sort((a, b) => a.seq - b.seq)) {
      if (this.seen.has(frame.seq)) continue;
      this.seen.add(frame.seq);
      if (frame.type === 'terminated') {
        this.terminatedBy = frame.by;
        this.spinner?.stop();
        this.renderer.frame(frame);
        this.finish('terminated');
        continue;
      }
      if (this.state.kind !== 'turn' || frame.turnId !== this.state.turnId) continue;
      this.spinner?.stop();
      this.renderer.frame(frame);
      if (frame.type === 'end') this.finish(frame.stopReason);
    }
  }

  private finish(stop: Frame<'end'>['stopReason'] | 'terminated'): void {
    this.state = { kind: 'idle' };
    const ended = this.ended;
    this.ended = undefined;
    ended?.(stop);
  }

  /** Sends one message and prints its turn until its end frame; answers how it stopped. */
  async turn(text: string): Promise<Frame<'end'>['stopReason'] | 'terminated'> {
    this.state = { kind: 'sending' };
    let turnId: string;
    try {
      turnId = (await this.cli.request('POST /api/v1/ai/sessions/{id}/message', { params: { id: this.id }, body: { text } })).body.turnId;
    } catch (error) {
      this.state = { kind: 'idle' };
      this.pump();
      throw error;
    }
    const done = new Promise<Frame<'end'>['stopReason'] | 'terminated'>((resolve) => { this.ended = resolve; });
    this.spinner = this.cli.spinner().start('thinking…');
    this.state = { kind: 'turn', turnId };
    this.pump();
    try {
      for (;;) {
        const stop = await Promise.race([done, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), this.live ? POLL_LIVE_MS : POLL_WITHOUT_LIVE_MS))]);
        if (stop !== undefined) return stop;
        // The stream may have missed frames (a reconnect, a subscription not yet in place): the transcript has them.
        if (this.live && Date.now() - this.lastLiveAt < QUIET_MS) continue;
        const detail = await this.detail();
        const over = detail.status === 'terminated' || detail.transcript.some((f) => f.turnId === turnId && f.type === 'end');
        if (!over) continue;
        this.pump(detail.transcript.filter((f) => !this.seen.has(f.seq)));
        if (this.state.kind === 'turn') this.finish(detail.status === 'terminated' ? 'terminated' : 'end_turn');
      }
    } finally {
      this.spinner.stop();
      this.spinner = undefined;
      this.renderer.breakLine();
    }
  }

  detail(): Promise<AiSessionDetail> {
    return this.cli.request('GET /api/v1/ai/sessions/{id}', { params: { id: this.id } }).then((r) => r.body);
  }

  /** The session's actions waiting for an approval that this terminal has not asked about yet. */
  async pending(): Promise<AiAction[]> {
    const detail = await this.detail();
    return detail.actions.filter((a) => a.status === 'pending' && !this.asked.has(a.id));
  }

  /** Approves or rejects one action; prints what became of it. */
  async decide(action: AiAction, approve: boolean, note?: string): Promise<AiAction> {
    this.asked.add(action.id);
    const body = { actionId: action.id, ...(note ? { note } : {}) };
    // Short: a spinner line wider than the terminal wraps, and only its last row is cleared.
    const spinner = this.cli.spinner().start(approve ? 'approved: running it…' : 'rejecting…');
    try {
      const res = approve
        ? await this.cli.request('POST /api/v1/ai/sessions/{id}/approve', { params: { id: this.id }, body })
        : await this.cli.request('POST /api/v1/ai/sessions/{id}/reject', { params: { id: this.id }, body });
      return res.body;
    } finally {
      spinner.stop();
    }
  }
}

/** An API refusal inside the session: said, and the session goes on. */
function noteError(cli: Cli, error: unknown): void {
  if (!(error instanceof ApiError) && !(error instanceof CliError)) throw error;
  cli.note(`${cli.style.red('error:')} ${error.message}${error instanceof ApiError ? ` (HTTP ${error.status} ${error.code})` : ''}`);
  if (error instanceof ApiError) for (const d of error.details) cli.note(`  ${d.path}: ${d.message}`);
}

async function openSession(cli: Cli, flags: AiFlags): Promise<AiSession> {
  if (flags.session) {
    const detail = (await cli.request('GET /api/v1/ai/sessions/{id}', { params: { id: flags.session } })).body;
    if (detail.status === 'terminated') {
      throw new CliError(`AI session ${detail.id} was terminated${detail.terminatedBy ? ` by ${detail.terminatedBy}` : ''}: it takes no more messages`, EXIT.conflict, 'its transcript is kept; start a new session with `apollo ai`');
    }
    return detail;
  }
  if (flags.incident) {
    if (flags.service || flags.env) throw new CliError('a session is about an incident or a service, not both: drop --service/--env or --incident', EXIT.usage);
    return (await cli.request('POST /api/v1/incidents/{id}/ai-session', { params: { id: flags.incident } })).body;
  }
  const target = { ...(flags.service ? { service: flags.service } : {}), ...(flags.env ? { environment: flags.env } : {}) };
  return (await cli.request('POST /api/v1/ai/sessions', { body: { target, ...(flags.title ? { title: flags.title } : {}) } })).body;
}

function banner(cli: Cli, session: AiSession, resumed: boolean): void {
  const style = cli.style;
  const about = [session.target.service, session.target.environment, session.target.incidentId ? `incident ${session.target.incidentId}` : undefined].filter(Boolean).join(' ');
  cli.note(`${style.bold(resumed ? 'Resumed AI session' : 'AI session')} ${session.id} · ${oneLine(session.title)}${about ? ` · ${about}` : ''}`);
  cli.note(style.dim(session.model ? `model ${session.model} (${session.modelSource ?? '?'})` : 'no model configured: the built-in commands run, questions get no analysis'));
}

/** `--approve <id>` / `--reject <id>`: one decision, named by the action's id, no prompt. */
async function decideOne(cli: Cli, flags: AiFlags): Promise<void> {
  if (!flags.session) throw new CliError(`--${flags.approve ? 'approve' : 'reject'} needs the session: --session <id>`, EXIT.usage);
  if (flags.message) throw new CliError('--message cannot go with --approve or --reject: decide first, then send', EXIT.usage);
  const session = await openSession(cli, flags);
  const conversation = new Conversation(cli, session, false);
  const id = (flags.approve ?? flags.reject)!;
  const action = (await conversation.detail()).actions.find((a) => a.id === id);
  if (!action) throw new CliError(`AI session ${session.id} has no action ${id}`, EXIT.notFound, `its actions: apollo ai --session ${session.id} (asks about each pending one)`);
  const done = await conversation.decide(action, flags.approve !== undefined, flags.note);
  cli.note(actionLine(done, cli));
  cli.print(done, {
    kind: 'fields',
    fields: [['action', done.id], ['summary', done.summary], ['status', done.status], ['decided by', done.decidedBy], ['result', done.result?.message]],
  });
  // The route's own refusal keeps its class (a safeguard's 409 is policy, a 5xx a failure).
  if (done.status === 'failed') {
    const result = done.result;
    throw new CliError(`the action ran and failed: ${result?.message ?? 'the route refused it'}`, result ? exitCodeOfStatus(result.statusCode, result.code ?? '', result.message) : EXIT.failure);
  }
}

/** Puts each pending action to the user (a terminal) or, without one, shows it and leaves it pending. */
async function askPending(cli: Cli, conversation: Conversation, lines: LineReader | undefined): Promise<AiAction[]> {
  const left: AiAction[] = [];
  for (const action of await conversation.pending()) {
    conversation.renderer.breakLine();
    for (const line of actionDetail(action, conversation.session.owner, cli)) cli.note(line);
    if (!lines) {
      conversation.asked.add(action.id);
      left.push(action);
      continue;
    }
    const answer = await lines.read('Approve? [y/N] ');
    if (answer === undefined) {
      // Leaving (Ctrl-D, Ctrl-C) decides nothing: the action stays pending for later.
      conversation.asked.add(action.id);
      left.push(action);
      continue;
    }
    try {
      cli.note(actionLine(await conversation.decide(action, /^y(es)?$/i.test(answer.trim())), cli));
    } catch (error) {
      noteError(cli, error);
    }
  }
  return left;
}

function leftPendingError(session: AiSession, left: readonly AiAction[]): CliError {
  return new CliError(
    `${left.length === 1 ? 'a change waits' : `${left.length} changes wait`} for an approval, and none is given without a terminal (or when you leave the prompt)`,
    EXIT.policy,
    `approve it at a terminal (apollo ai --session ${session.id}), in the web console, or by its id: apollo ai --session ${session.id} --approve ${left[0]!.id}`,
  );
}

/** The CLI's own words at the prompt; anything else is a message (the API's built-in commands included). */
const LOCAL_HELP = '/exit (or Ctrl-D) leaves, the session kept · /outcome resolved|escalated|failed [note] · /terminate ends the session for good · help lists the console\'s commands';

async function interactive(cli: Cli, conversation: Conversation, lines: LineReader, prompts: boolean): Promise<void> {
  const style = cli.style;
  let left: AiAction[] = [];
  if (prompts) cli.note(style.dim(LOCAL_HELP));
  left.push(...await askPending(cli, conversation, prompts ? lines : undefined));
  for (;;) {
    if (conversation.terminatedBy) throw new CliError(`AI session ${conversation.id} was terminated by ${conversation.terminatedBy}`, EXIT.conflict, 'its transcript is kept; start a new session with `apollo ai`');
    const line = await lines.read('apollo> ');
    if (line === undefined) break;
    const text = line.trim();
    if (!text) continue;
    if (text === '/exit' || text === '/quit') break;
    try {
      const outcome = /^\/outcome(?:\s+(\S+))?(?:\s+(.+))?$/.exec(text);
      if (outcome) {
        const value = outcome[1] as (typeof OUTCOMES)[number] | undefined;
        if (!value || !OUTCOMES.includes(value)) throw new CliError(`say /outcome ${OUTCOMES.join('|')} [note]`, EXIT.usage);
        await cli.request('PUT /api/v1/ai/sessions/{id}/outcome', { params: { id: conversation.id }, body: { outcome: value, ...(outcome[2] ? { note: outcome[2] } : {}) } });
        cli.note(`outcome: ${value}`);
        continue;
      }
      if (text === '/terminate') {
        const sure = prompts ? await lines.read(`Terminate session ${conversation.id}? It takes no more messages; the transcript is kept. [y/N] `) : 'y';
        if (!sure || !/^y(es)?$/i.test(sure.trim())) { cli.note('not terminated'); continue; }
        await cli.request('DELETE /api/v1/ai/sessions/{id}', { params: { id: conversation.id } });
        cli.note(`terminated AI session ${conversation.id}`);
        return;
      }
      const stop = await conversation.turn(text);
      if (stop === 'terminated') continue;
      left = [...left, ...await askPending(cli, conversation, prompts ? lines : undefined)];
    } catch (error) {
      noteError(cli, error);
      if (error instanceof ApiError && error.status === 404) throw error;
    }
  }
  conversation.renderer.breakLine();
  cli.note(style.dim(`session ${conversation.id} kept: resume it with apollo ai --session ${conversation.id}`));
  if (!left.length) return;
  // Piped input never approves: the script learns a change waits. A person who left the prompt knows it.
  if (!prompts) throw leftPendingError(conversation.session, left);
  cli.note(style.yellow(`${left.length === 1 ? 'a change is' : `${left.length} changes are`} left pending: resume the session to decide, or approve in the web console before ${clock(left[0]!.expiresAt)}`));
}

export function registerAi(program: Command, cli: Cli): void {
  const ai = program
    .command('ai')
    .description('An AI console session in the terminal: questions and built-in commands (debug, logs, scale …), with each proposed change approved at a prompt')
    .option('--service <id>', 'the session is about this service')
    .option('--env <env>', 'in this environment (with --service)')
    .option('--incident <id>', 'the session is about this incident (its services, timeline and runbook in its context)')
    .option('--title <text>', 'a title for a new session')
    .option('--session <id>', 'resume this session (it asks first about its changes still waiting for approval)')
    .option('-m, --message <text>', 'send one message, print its turn and exit (a change it proposes is asked about at a terminal, else left pending: exit 6)')
    .addOption(new Option('--approve <actionId>', 'approve this pending action of --session (it runs once, now) and exit').conflicts('reject'))
    .option('--reject <actionId>', 'reject this pending action of --session (it never runs) and exit')
    .option('--note <text>', 'a note with --approve or --reject')
    .addHelpText('after', [
      '',
      'At the prompt: a question in plain words, or a built-in command (help lists them: debug prod core-service,',
      'logs, incident, explain, scale prod core-service 4 …). A change waits for your answer to "Approve? [y/N]":',
      'y runs it once, as you, through its Apollo route with that route\'s safeguards; anything else rejects it.',
      LOCAL_HELP.split(' · ').map((s) => `  ${s}`).join('\n'),
      '',
      'Without a terminal (piped input, a script\'s --message) nothing is approved: a proposed change is printed',
      'with its id and left pending, and the command exits 6. -o json|yaml with --message prints the session as',
      'the API answers it (its transcript and actions).',
      '',
      'Examples:',
      '  $ apollo ai --service core-service --env prod',
      '  $ apollo ai --session 01JABCDEFGHJKMNPQRSTVWXYZ0',
      '  $ apollo ai --service core-service --env prod -m "debug prod core-service"',
      '  $ apollo ai -m "why is the error rate up since the last deploy?" -o json',
      '  $ apollo ai --session 01JABCDEFGHJKMNPQRSTVWXYZ0 --approve 3f2a…',
    ].join('\n'))
    .action(async (flags: AiFlags) => {
      if (flags.note && !flags.approve && !flags.reject) throw new CliError('--note goes with --approve or --reject', EXIT.usage);
      if (flags.session && (flags.service || flags.env || flags.incident || flags.title)) {
        throw new CliError('a resumed session keeps its own target: drop --service, --env, --incident and --title, or --session', EXIT.usage);
      }
      if (flags.approve || flags.reject) return decideOne(cli, flags);
      if (flags.message !== undefined && !flags.message.trim()) throw new CliError('--message is empty', EXIT.usage);

      const oneShot = flags.message !== undefined;
      // Approvals are asked only of a person at a terminal; piped input and scripts never approve.
      const atTerminal = cli.io.stdin.isTTY === true && cli.io.stderr.isTTY === true;
      const session = await openSession(cli, flags);
      // A script's -o json gets the session as the API answers it at the end, instead of the streamed text.
      const content = !oneShot || cli.format === 'table';
      const conversation = new Conversation(cli, session, content);
      banner(cli, session, flags.session !== undefined);
      const realtime = cli.realtime();
      let lines: LineReader | undefined;
      // stdin is read only when something is asked of it (a one-shot message with nothing to approve leaves it be).
      const readLines = (): LineReader => {
        const terminal = atTerminal && typeof (cli.io.stdin as { setRawMode?: unknown }).setRawMode === 'function';
        const rl = createInterface({ input: cli.io.stdin, ...(terminal ? { output: cli.io.stderr as NodeJS.WritableStream } : {}), terminal });
        lines = new LineReader(rl, atTerminal ? cli.io.stderr : undefined, terminal);
        return lines;
      };
      try {
        await conversation.listen(realtime);
        if (oneShot) {
          // Only what this message proposes is asked about and decides the exit; earlier ones are the resumed session's.
          for (const action of flags.session ? await conversation.pending() : []) conversation.asked.add(action.id);
          const stop = await conversation.turn(flags.message!);
          const ask = atTerminal && (await conversation.pending()).length > 0 ? readLines() : undefined;
          const left = await askPending(cli, conversation, ask);
          if (!content) cli.print(await conversation.detail(), { kind: 'text', text: '' });
          if (left.length) throw leftPendingError(session, left);
          const refused = conversation.renderer.refusals;
          if (refused.length) throw new CliError(`refused: ${refused.join('; ')}`, EXIT.policy, 'an admin lifts the AI sandbox with `apollo ai sandbox <you> --lift --reason …`; a role or a safeguard says no as the API would');
          const code = exitOfStop(stop);
          if (code !== EXIT.ok) throw new CliError(stop === 'terminated' ? `AI session ${session.id} was terminated` : `the turn stopped: ${stop}${STOP_SAYS[stop] ? ` (${STOP_SAYS[stop]})` : ''}`, code);
          return;
        }
        await interactive(cli, conversation, readLines(), atTerminal);
      } finally {
        conversation.renderer.breakLine();
        lines?.close();
        realtime?.close();
      }
    });

  ai
    .command('users')
    .description('People\'s AI console standing: sandbox or not, today\'s turns, tokens and cost against the budgets (ai:admin)')
    .option('--date <yyyy-mm-dd>', 'that day\'s usage (default today, UTC)')
    .addHelpText('after', '\nExamples:\n  $ apollo ai users\n  $ apollo ai users --date 2026-12-01 -o json')
    .action(async (o: { date?: string }) => {
      const list = (await cli.request('GET /api/v1/ai/users', { query: { date: o.date } })).body;
      cli.print(list, {
        kind: 'table', rows: list.items, empty: `Nobody used the AI console on ${list.date}.`,
        columns: [
          { header: 'principal', value: (u) => u.principal },
          { header: 'sandbox', value: (u) => (u.sandbox.enabled ? 'yes' : `lifted${u.sandbox.changedBy ? ` by ${u.sandbox.changedBy}` : ''}`) },
          { header: 'turns', value: (u) => u.today.turns },
          { header: 'tokens in/out', value: (u) => `${count(u.today.inputTokens)}/${count(u.today.outputTokens)}` },
          { header: 'cost', value: (u) => `$${u.today.costUsd.toFixed(2)}` },
        ],
      });
    });

  ai
    .command('sandbox <principal>')
    .description('Put a person in the AI console\'s sandbox (read-only: every change refused) or lift it (ai:admin); new users start in it')
    .option('--lift', 'let their changes be proposed (each still needs their approval, and their role)')
    .option('--restore', 'put them back in the sandbox')
    .requiredOption('--reason <text>', 'why (on the audit log) (required)')
    .addHelpText('after', '\nExamples:\n  $ apollo ai sandbox operator@apollo.local --lift --reason "on call for core-service; trained on the console"\n  $ apollo ai sandbox dana@example.com --restore --reason "left the on-call rotation"')
    .action(async (principal: string, o: { lift?: boolean; restore?: boolean; reason: string }) => {
      if (o.lift === o.restore) throw new CliError('say one of --lift or --restore', EXIT.usage);
      const user = (await cli.request('PUT /api/v1/ai/users/{principal}/sandbox', { params: { principal }, body: { enabled: o.restore === true, reason: o.reason } })).body;
      cli.note(`${user.principal} ${user.sandbox.enabled ? 'is in the sandbox' : 'is out of the sandbox'}`);
      cli.print(user, { kind: 'fields', fields: [['principal', user.principal], ['sandbox', user.sandbox.enabled ? 'yes (read-only)' : 'lifted'], ['changed', `${user.sandbox.changedAt ?? '-'} by ${user.sandbox.changedBy ?? '-'}`], ['reason', user.sandbox.reason]] });
    });
}
