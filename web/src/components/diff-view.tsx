/** A unified diff in monospace: added lines green, removed red, hunk headers muted (a GitOps change, an approval's). */
import { diffLines } from './diff-lines.ts';
import './diff-view.css';

export function DiffView({ diff, testId = 'diff' }: { diff: string; testId?: string }) {
  const lines = diffLines(diff);
  return (
    <pre className="apollo-diff apollo-mono" data-testid={testId}>
      {lines.map((line, i) => <span key={i} className={`apollo-diff-line apollo-diff-${line.kind}`}>{line.text || ' '}{'\n'}</span>)}
    </pre>
  );
}
