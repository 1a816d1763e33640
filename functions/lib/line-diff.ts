/**
 * A unified diff of two small texts (a values file before and after a deployment's change), as
 * `git diff` prints it: `--- a/<path>` / `+++ b/<path>` (`/dev/null` for a side that does not exist),
 * hunks with three lines of context. The common start and end are set aside first, so a change of a
 * line or two in a long file costs next to nothing; what is left is compared line by line (longest
 * common subsequence), or, past a few thousand lines each side, shown as removed and added whole.
 */

/** Past this many cells (lines before × lines after, once the common start and end are set aside) the middle is not compared line by line. */
const MAX_CELLS = 4_000_000;

type Op = { readonly kind: ' ' | '-' | '+'; readonly line: string };

/** Marks a last line without a newline, so that it differs from the same line with one. */
const NO_NEWLINE = '\u0000';

/** The lines of a text. */
function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += NO_NEWLINE;
  return lines;
}

/** The edit script from `a` to `b`: kept, removed and added lines in order. */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; }
  const ops: Op[] = a.slice(0, start).map((line) => ({ kind: ' ', line }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if (midA.length * midB.length > MAX_CELLS) {
    ops.push(...midA.map((line): Op => ({ kind: '-', line })), ...midB.map((line): Op => ({ kind: '+', line })));
  } else {
    // lcs[i][j]: the longest common subsequence of midA[i..] and midB[j..].
    const width = midB.length + 1;
    const lcs = new Uint32Array((midA.length + 1) * width);
    for (let i = midA.length - 1; i >= 0; i--) {
      for (let j = midB.length - 1; j >= 0; j--) {
        lcs[i * width + j] = midA[i] === midB[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < midA.length || j < midB.length) {
      if (i < midA.length && j < midB.length && midA[i] === midB[j]) { ops.push({ kind: ' ', line: midA[i]! }); i++; j++; }
      // Removals before additions, as git prints them.
      else if (i < midA.length && (j === midB.length || lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) { ops.push({ kind: '-', line: midA[i]! }); i++; }
      else { ops.push({ kind: '+', line: midB[j]! }); j++; }
    }
  }
  ops.push(...a.slice(endA).map((line): Op => ({ kind: ' ', line })));
  return ops;
}

/**
 * The unified diff of `before` → `after` for `path` ('' when they are the same). `undefined` means the
 * file does not exist on that side.
 */
export function unifiedDiff(path: string, before: string | undefined, after: string | undefined, context = 3): string {
  if ((before ?? '') === (after ?? '') && (before === undefined) === (after === undefined)) return '';
  const a = linesOf(before ?? '');
  const b = linesOf(after ?? '');
  const ops = editScript(a, b);
  const changed = ops.map((op, index) => (op.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  const out = [`--- ${before === undefined ? '/dev/null' : `a/${path}`}`, `+++ ${after === undefined ? '/dev/null' : `b/${path}`}`];
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let oldLine = 0;
  let newLine = 0;
  for (const op of ops) {
    oldAt.push(oldLine);
    newAt.push(newLine);
    if (op.kind !== '+') oldLine++;
    if (op.kind !== '-') newLine++;
  }
  let k = 0;
  while (k < changed.length) {
    // One hunk: changes closer than twice the context join it.
    const first = changed[k]!;
    let last = first;
    while (k + 1 < changed.length && changed[k + 1]! - last <= 2 * context + 1) last = changed[++k]!;
    k++;
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    const hunk = ops.slice(from, to + 1);
    const oldCount = hunk.filter((op) => op.kind !== '+').length;
    const newCount = hunk.filter((op) => op.kind !== '-').length;
    // An empty side names the line before it (0 at the top), as diff does.
    const oldStart = oldCount === 0 ? oldAt[from]! : oldAt[from]! + 1;
    const newStart = newCount === 0 ? newAt[from]! : newAt[from]! + 1;
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const op of hunk) {
      if (op.line.endsWith(NO_NEWLINE)) out.push(`${op.kind}${op.line.slice(0, -1)}`, '\\ No newline at end of file');
      else out.push(`${op.kind}${op.line}`);
    }
  }
  return `${out.join('\n')}\n`;
}
