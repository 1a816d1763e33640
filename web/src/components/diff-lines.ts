/** A unified diff's lines by kind, so a diff reads as one (added green, removed red, hunks muted). Pure, so it is unit-tested. */

export type DiffLineKind = 'file' | 'hunk' | 'add' | 'remove' | 'context' | 'note';

export interface DiffLine {
  readonly kind: DiffLineKind;
  readonly text: string;
}

export function diffLines(diff: string): DiffLine[] {
  const lines = diff.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  return lines.map((text): DiffLine => {
    if (text.startsWith('+++ ') || text.startsWith('--- ') || text.startsWith('diff ') || text.startsWith('index ')) return { kind: 'file', text };
    if (text.startsWith('@@')) return { kind: 'hunk', text };
    if (text.startsWith('+')) return { kind: 'add', text };
    if (text.startsWith('-')) return { kind: 'remove', text };
    if (text.startsWith('\\')) return { kind: 'note', text };
    return { kind: 'context', text };
  });
}

/** How many lines a diff adds and removes ("+1 −1"). */
export function diffStat(diff: string): { added: number; removed: number } {
  const lines = diffLines(diff);
  return { added: lines.filter((l) => l.kind === 'add').length, removed: lines.filter((l) => l.kind === 'remove').length };
}
