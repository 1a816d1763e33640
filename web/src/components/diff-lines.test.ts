import { describe, expect, it } from 'vitest';
import { diffLines, diffStat } from './diff-lines.ts';

const DIFF = `--- a/apps/core-service/prod/values.yaml
+++ b/apps/core-service/prod/values.yaml
@@ -1,3 +1,3 @@
 image:
-  tag: v1.4.1
+  tag: v1.4.2
 replicas: 3
\\ No newline at end of file
`;

describe('diffLines', () => {
  it('reads each line of a unified diff by kind', () => {
    expect(diffLines(DIFF).map((l) => l.kind)).toEqual(['file', 'file', 'hunk', 'context', 'remove', 'add', 'context', 'note']);
    expect(diffLines(DIFF)[5]).toEqual({ kind: 'add', text: '+  tag: v1.4.2' });
  });

  it('counts what it adds and removes', () => {
    expect(diffStat(DIFF)).toEqual({ added: 1, removed: 1 });
    expect(diffStat('')).toEqual({ added: 0, removed: 0 });
  });
});
