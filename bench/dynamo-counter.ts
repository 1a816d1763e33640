/**
 * Counts the DynamoDB commands the handlers send, by name. The local runtime runs the handlers in
 * this process, so a middleware on their shared client sees every command. The client must be
 * imported after the runtime has set the environment (it reads the endpoint when created), and
 * through the handlers' own specifier, so this is the very instance they use.
 */
export type CommandCounts = Record<string, number>;

export interface CommandCounter {
  /** What was counted since the last reset: a copy, which later commands don't change. */
  readonly counts: CommandCounts;
  reset(): void;
  /** Takes the middleware off the client. */
  remove(): void;
}

export async function countDynamoCommands(name: string): Promise<CommandCounter> {
  const { dynamoClient } = await import('#lib/table');
  let counts: CommandCounts = {};
  // `initialize` runs once per logical command, before the retry step: retries don't inflate counts.
  dynamoClient.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      counts[command] = (counts[command] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name },
  );
  return {
    get counts() { return { ...counts }; },
    reset() { counts = {}; },
    remove() { dynamoClient.middlewareStack.remove(name); },
  };
}

/**
 * Waits until the handlers' client has sent nothing for `quietMs` (work the local engine still does in
 * the background, after a response or a frame) and answers what was counted since the last reset.
 */
export async function untilIdle(counter: CommandCounter, quietMs = 250, timeoutMs = 60_000): Promise<CommandCounts> {
  const total = () => Object.values(counter.counts).reduce((a, b) => a + b, 0);
  const deadline = Date.now() + timeoutMs;
  let seen = total();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const now = total();
    if (now === seen) return counter.counts;
    if (Date.now() > deadline) throw new Error(`the handlers' DynamoDB client was still busy after ${timeoutMs / 1000} s`);
    seen = now;
  }
}

/** Writes items straight into the table with BatchWriteItem: 25 a batch, four in flight (dynalite is in this process, so more only queues). */
export async function batchPut(items: readonly Record<string, unknown>[]): Promise<void> {
  const { db } = await import('#lib/table');
  const { config } = await import('#lib/config');
  const { BatchWriteCommand } = await import('@aws-sdk/lib-dynamodb');
  for (let i = 0; i < items.length; i += 100) {
    await Promise.all([0, 25, 50, 75].map(async (offset) => {
      let pending: Record<string, unknown>[] = items.slice(i + offset, i + offset + 25);
      while (pending.length) {
        const out = await db.send(new BatchWriteCommand({ RequestItems: { [config().tableName]: pending.map((Item) => ({ PutRequest: { Item } })) } }));
        pending = (out.UnprocessedItems?.[config().tableName] ?? []).map((r) => r.PutRequest!.Item!);
      }
    }));
  }
}

/** Runs each call once more, alone, and answers the DynamoDB commands each sent (after a timed loop of them). */
export async function countEach(counter: CommandCounter, calls: ReadonlyArray<() => Promise<unknown>>): Promise<CommandCounts[]> {
  const commands: CommandCounts[] = [];
  for (const call of calls) {
    counter.reset();
    await call();
    commands.push(counter.counts);
  }
  return commands;
}
