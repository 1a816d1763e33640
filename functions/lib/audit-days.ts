/**
 * The days that have audit entries: one marker item per day (`AUDITDAYS` / `<yyyy-mm-dd>`), written
 * before that day's first entry. An audit search without actor or resource reads the markers (one
 * Query) and then only the day partitions that hold entries, instead of one Query per calendar day.
 */
import { putItem, queryPage } from './table.ts';

const PARTITION = 'AUDITDAYS';
/** Days this container has marked already: a marker is written once per day per container. */
const marked = new Set<string>();

/** Records that `day` has audit entries. Idempotent; throws if it cannot (the audit fails closed). */
export async function markAuditDay(day: string): Promise<void> {
  if (marked.has(day)) return;
  await putItem({ PK: PARTITION, SK: day, entity: 'audit-day' });
  if (marked.size >= 8) marked.clear();
  marked.add(day);
}

/** The days between `from` and `to` (inclusive, `yyyy-mm-dd`) that have entries, newest first. */
export async function auditDaysBetween(from: string, to: string, limit: number): Promise<string[]> {
  const page = await queryPage({ partition: PARTITION, sortKey: { between: [from, to] }, limit, newestFirst: true });
  return page.items.map((item) => item.SK);
}
