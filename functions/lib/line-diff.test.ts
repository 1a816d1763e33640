import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './line-diff.ts';

const lines = (n: number, change: Record<number, string> = {}) => Array.from({ length: n }, (_, i) => change[i + 1] ?? `line ${i + 1}`).join('\n') + '\n';

describe('unifiedDiff', () => {
  it('shows a changed line with three lines of context, as git diff does', () => {
    expect(unifiedDiff('apps/a/values.yaml', lines(10), lines(10, { 5: 'five' }))).toBe([
      '--- a/apps/a/values.yaml',
      '+++ b/apps/a/values.yaml',
      '@@ -2,7 +2,7 @@',
      ' line 2', ' line 3', ' line 4', '-line 5', '+five', ' line 6', ' line 7', ' line 8',
      '',
    ].join('\n'));
  });

  it('joins changes closer than twice the context into one hunk and keeps far ones apart', () => {
    const near = unifiedDiff('f', lines(20), lines(20, { 3: 'x', 8: 'y' }));
    const far = unifiedDiff('f', lines(30), lines(30, { 3: 'x', 20: 'y' }));
    expect(near.match(/^@@.*$/gm)).toEqual(['@@ -1,11 +1,11 @@']);
    expect(far.match(/^@@.*$/gm)).toEqual(['@@ -1,6 +1,6 @@', '@@ -17,7 +17,7 @@']);
  });

  it('counts added and removed lines in the hunk header', () => {
    const diff = unifiedDiff('f', 'a\nb\nc\n', 'a\nb\nb2\nc\nd\n');
    expect(diff).toBe('--- a/f\n+++ b/f\n@@ -1,3 +1,5 @@\n a\n b\n+b2\n c\n+d\n');
    expect(unifiedDiff('f', 'a\nb\n', 'b\n')).toBe('--- a/f\n+++ b/f\n@@ -1,2 +1,1 @@\n-a\n b\n');
  });

  it('says nothing when nothing changed, and names a missing side /dev/null', () => {
    expect(unifiedDiff('f', 'same\n', 'same\n')).toBe('');
    expect(unifiedDiff('f', undefined, 'new\n')).toBe('--- /dev/null\n+++ b/f\n@@ -0,0 +1,1 @@\n+new\n');
    expect(unifiedDiff('f', 'old\n', undefined)).toBe('--- a/f\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-old\n');
  });

  it('marks a last line without a newline', () => {
    expect(unifiedDiff('f', 'a\nb', 'a\nb\n')).toBe('--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n');
  });

  it('still answers for long files (the common start and end are set aside)', () => {
    const before = lines(50_000);
    const after = lines(50_000, { 25_000: 'changed' });
    const started = Date.now();
    expect(unifiedDiff('big', before, after).split('\n')).toContain('+changed');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
