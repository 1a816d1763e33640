/**
 * `--wait` and `--follow`: what happens, as it happens. Subscribes to the thing's realtime topic
 * (request:<id>, deployment:<id>) and prints each line as its frame arrives; reads the thing itself
 * when it starts (what happened before the subscription), on each frame and every few seconds (a frame
 * lost in a reconnect is never a hang), and ends when it reaches an end state, or at --timeout.
 */
import type { RealtimeClient } from '#shared/realtime-client';
import type { Cli } from './context.ts';
import { CliError, EXIT } from './exit.ts';

export interface Line {
  /** Dedupes a line seen both in a frame and in a read. */
  readonly key: string;
  readonly at: string;
  readonly text: string;
  readonly severity?: string;
  /** What the line was made from (a log entry), for `-o json` when lines are the output. */
  readonly data?: unknown;
}

export interface Watch<T> {
  readonly topic: string;
  /** The thing now, and its lines so far (in order). */
  read(): Promise<{ value: T; lines: readonly Line[] }>;
  /**
   * The line a frame carries, printed at once. Without it every frame is only a wake-up: the thing is read
   * again at once and its lines print from the read, in their order (for logs whose every line is not published).
   */
  lineOf?(data: unknown): Line | undefined;
  /** Whether the frame says it may have ended (then it is read again at once). */
  mayHaveEnded(data: unknown): boolean;
  ended(value: T): boolean;
  /** The spinner's text while it runs. */
  status(value: T): string;
  /** Lines are the command's output (`logs --follow`): on stdout, as JSON lines with -o json. Otherwise progress notes on stderr. */
  readonly linesAreOutput?: boolean;
  /** How to look at it again, said when --timeout or Ctrl-C ends the wait (`apollo requests get <id>`). */
  readonly again: string;
  readonly timeoutMs: number;
}

const POLL_WITH_REALTIME_MS = 3_000;
const POLL_WITHOUT_REALTIME_MS = 1_000;
const CONNECT_WAIT_MS = 5_000;

/** Follows until `ended`; answers the last value read. Throws CliError(timeout) at the deadline. */
export async function follow<T>(cli: Cli, watch: Watch<T>): Promise<T> {
  const printed = new Set<string>();
  const spinner = cli.spinner();
  const print = (line: Line) => {
    if (printed.has(line.key)) return;
    printed.add(line.key);
    spinner.stop();
    const time = line.at.slice(11, 19);
    const style = cli.style;
    if (watch.linesAreOutput && cli.format !== 'table') {
      cli.io.stdout.write(`${JSON.stringify(line.data ?? line)}\n`);
      return;
    }
    const text = line.severity === 'error' ? style.red(line.text) : line.severity === 'warn' ? style.yellow(line.text) : line.text;
    if (watch.linesAreOutput) cli.io.stdout.write(`${time}  ${text}\n`);
    else cli.note(`${style.dim(time)}  ${text}`);
  };

  const realtime: RealtimeClient | undefined = cli.realtime();
  let wake: (() => void) | undefined;
  // Set by a frame; the loop clears it before each read, so a frame during the read means read again.
  let woken: boolean;
  const nudge = () => {
    woken = true;
    wake?.();
  };
  let unsubscribe: (() => void) | undefined;
  if (realtime) {
    unsubscribe = realtime.subscribe(watch.topic, (frame) => {
      if (!watch.lineOf) return nudge();
      const line = watch.lineOf(frame.data);
      if (line) print(line);
      if (watch.mayHaveEnded(frame.data)) nudge();
    });
    realtime.onError((error) => { if (error.topic === watch.topic) cli.note(`live updates refused (${error.message}); reading every second instead`); });
    realtime.connect();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CONNECT_WAIT_MS);
      if (realtime.connectionState === 'open') return resolve();
      realtime.onStateChange((state) => { if (state === 'open') { clearTimeout(timer); resolve(); } });
    });
  }
  const live = () => realtime?.connectionState === 'open';
  // Ctrl-C stops the following, not the work: say so, and how to look again (exit 130, as a shell would).
  const interrupted = () => {
    spinner.stop();
    cli.note(`stopped following; it goes on without you: ${watch.again}`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  const deadline = Date.now() + watch.timeoutMs;
  try {
    for (;;) {
      woken = false;
      const { value, lines } = await watch.read();
      for (const line of lines) print(line);
      if (watch.ended(value)) return value;
      if (Date.now() >= deadline) {
        throw new CliError(`still ${watch.status(value)} after ${Math.round(watch.timeoutMs / 1000)} s`, EXIT.timeout, `it goes on without you: ${watch.again}`);
      }
      spinner.start(watch.status(value));
      if (!woken) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(live() ? POLL_WITH_REALTIME_MS : POLL_WITHOUT_REALTIME_MS, Math.max(0, deadline - Date.now())));
          wake = () => { clearTimeout(timer); resolve(); };
        });
        wake = undefined;
      }
    }
  } finally {
    process.removeListener('SIGINT', interrupted);
    spinner.stop();
    unsubscribe?.();
    realtime?.close();
  }
}

/** `--timeout 10m` / `90s` / `600` (seconds) → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new CliError(`--timeout ${text}: say a duration like 90s, 10m or 1h`, EXIT.usage);
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  return Math.round(n * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[unit]!);
}
