/**
 * The shapes a document check answers with, and the one place issues are sorted by severity into a check:
 * the YAML step and the document step both end here, so a document comes back only when nothing is an error.
 */
import type { CatalogItemV2 } from '#schemas/index.ts';

export interface DocumentIssue {
  /** JSON pointer into the document, e.g. /presentation/fields/2/validation/pattern ('' for the whole document). */
  path: string;
  message: string;
  code: string;
  severity: 'error' | 'warning' | 'hint';
  /** 1-based line in the YAML, when checked from YAML text. */
  line?: number;
}

export interface DocumentCheck {
  /** The document, present only when there are no errors. */
  document?: CatalogItemV2;
  errors: DocumentIssue[];
  warnings: DocumentIssue[];
  hints: DocumentIssue[];
}

export type Severity = DocumentIssue['severity'];
/** An issue as the checks find it: without a severity it is an error; lines are added later, from the YAML. */
export type Issue = Omit<DocumentIssue, 'severity' | 'line'> & { severity?: Severity };
/** How the cross-checks report what they find. */
export type Add = (severity: Severity, code: string, path: string, message: string) => void;

export function result(issues: Array<Issue & { line?: number }>, document?: CatalogItemV2): DocumentCheck {
  const of = (severity: Severity): DocumentIssue[] => issues.filter((i) => (i.severity ?? 'error') === severity).map((i) => ({ ...i, severity }));
  const errors = of('error');
  return { ...(document && errors.length === 0 ? { document } : {}), errors, warnings: of('warning'), hints: of('hint') };
}
