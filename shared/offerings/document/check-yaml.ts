/**
 * An offering document as YAML text: refused when too large, YAML syntax errors reported with their line, then
 * checked as data, and every issue given the line of the YAML node its pointer names, so an editor can point at it.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { checkCatalogDocument } from './check-document.ts';
import { result, type DocumentCheck, type DocumentIssue } from './issues.ts';
import { segments } from './pointer.ts';

/** A document larger than this is refused before parsing. */
export const MAX_DOCUMENT_BYTES = 256 * 1024;

/** Parses YAML text and checks the document; YAML syntax errors are errors with their line. */
export function checkCatalogYaml(text: string): DocumentCheck {
  if (new TextEncoder().encode(text).length > MAX_DOCUMENT_BYTES) {
    return result([{ path: '', code: 'too-large', message: `the document is larger than ${MAX_DOCUMENT_BYTES / 1024} KB` }]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (doc.errors.length) {
    return result(doc.errors.map((e) => ({
      path: '',
      code: 'yaml-syntax',
      message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, ''),
      ...(e.linePos ? { line: e.linePos[0].line } : {}),
    })));
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    return result([{ path: '', code: 'yaml-syntax', message: error instanceof Error ? error.message : 'the YAML could not be read' }]);
  }
  const check = checkCatalogDocument(value);
  const withLine = (issue: DocumentIssue): DocumentIssue => {
    const line = lineOf(doc.contents, issue.path, lineCounter);
    return line === undefined ? issue : { ...issue, line };
  };
  const warnings = doc.warnings.map((w): DocumentIssue => ({ path: '', code: 'yaml', severity: 'warning', message: w.message.split('\n')[0]!, ...(w.linePos ? { line: w.linePos[0].line } : {}) }));
  return { ...check, errors: check.errors.map(withLine), warnings: [...warnings, ...check.warnings.map(withLine)], hints: check.hints.map(withLine) };
}

/** The line of the YAML node a pointer names, or of its nearest ancestor that exists (keys point at their key). */
function lineOf(root: unknown, pointer: string, counter: LineCounter): number | undefined {
  let node: unknown = root;
  let offset = (root as Node | null)?.range?.[0];
  for (const segment of segments(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === segment);
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(segment)] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else break;
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}
