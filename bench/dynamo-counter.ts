/**
 * Counts the DynamoDB commands the handlers send, by name. The local runtime runs the handlers in
 * this process, so a middleware on their shared client sees every command. The client must be
 * imported after the runtime has set the environment (it reads the endpoint when created), and
 * through the handlers' own specifier, so this is the very instance they use.
 */
export type CommandCounts = Record<string, number>;

export interface CommandCounter {
  /** What was counted since the last reset (a new object after each reset). */
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
    get counts() { return counts; },
    reset() { counts = {}; },
    remove() { dynamoClient.middlewareStack.remove(name); },
  };
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
