/**
 * Rendering a value (a string, or any JSON-like structure of them) against a context.
 *
 * - A string that is exactly one template keeps the variable's type: "{{fields.count}}" → 3.
 * - Templates inside text are stringified (objects and arrays as JSON, null as nothing).
 * - Rendered values are never read again as templates: a field value "{{secrets.x}}" stays that text.
 * - A template that fails stays as written in the output, and its issue names the variable and where it is.
 * - Nothing throws: whatever the value or context, the result is a RenderResult.
 */
import { applyFilters, checkFilters } from './filters.ts';
import { parseTemplate, type Segment } from './parser.ts';
import { checkPath, isScope, resolvePath, type RenderState } from './scopes.ts';
import type { FoundVariable, RenderOptions, RenderResult, VariableContext, VariableIssue, VariableUse, WorkMeter } from './types.ts';
import { MASK } from './types.ts';
import { child, isPlainObject, MAX_DEPTH, pointerSegment, toText } from './values.ts';

type TemplateSegment = Extract<Segment, { kind: 'template' }>;

export function render(value: unknown, ctx: VariableContext, options: RenderOptions): RenderResult {
  const errors: VariableIssue[] = [];
  const uses: VariableUse[] = [];
  try {
    const context: VariableContext = isPlainObject(ctx) ? ctx : {};
    const mode = options?.mode === 'execute' ? 'execute' : 'preview';
    const injectedNow = context.system?.now;
    const state: RenderState = { ctx: context, mode, now: injectedNow instanceof Date ? injectedNow : new Date(), uuid: undefined, meter: options?.meter ?? { steps: 0 } };
    const out = walk(value, '', 0, [], (text, where) => renderString(text, where, state, errors, uses), errors);
    return { value: out, errors, uses };
  } catch {
    // Defence in depth: a context built with getters or proxies that throw still gets an answer, not an exception.
    errors.push({ where: '', expression: '', code: 'internal', message: 'the value could not be rendered' });
    return { value, errors, uses };
  }
}

/** Every variable named in a value's templates (syntax errors skipped: see checkTemplates). */
export function findVariables(value: unknown): FoundVariable[] {
  const found: FoundVariable[] = [];
  try {
    walk(value, '', 0, [], (text, where) => {
      for (const segment of templates(text)) {
        if (!segment.parsed) continue;
        const [scope = '', ...keys] = segment.parsed.path;
        found.push({ where, expression: segment.expression, scope, key: keys.join('.'), filters: segment.parsed.filters.map((f) => f.name) });
      }
      return text;
    }, []);
  } catch {
    // Never throws; what was found so far is the answer.
  }
  return found;
}

/** What can be known about a value's templates without a context: syntax, scopes, keys, filters. */
export function checkTemplates(value: unknown): VariableIssue[] {
  const issues: VariableIssue[] = [];
  try {
    walk(value, '', 0, [], (text, where) => {
      for (const segment of templates(text)) {
        const problem = staticProblem(segment);
        if (problem) issues.push({ where, ...problem });
      }
      return text;
    }, issues);
  } catch {
    issues.push({ where: '', expression: '', code: 'internal', message: 'the value could not be checked' });
  }
  return issues;
}

const templates = (text: string): TemplateSegment[] => parseTemplate(text).filter((s): s is TemplateSegment => s.kind === 'template');

function staticProblem(segment: TemplateSegment, meter?: WorkMeter): Omit<VariableIssue, 'where'> | undefined {
  const { expression, parsed, error } = segment;
  if (!parsed) return { expression, code: error?.code ?? 'syntax', message: error?.message ?? 'not a template' };
  const variable = parsed.path.join('.');
  const pathProblem = checkPath(parsed.path);
  if (pathProblem) return { expression, variable, ...pathProblem };
  const filterProblem = checkFilters(parsed.filters, meter);
  if (filterProblem) return { expression, variable, code: filterProblem.code, message: `${variable}: ${filterProblem.message}` };
  return undefined;
}

function renderString(text: string, where: string, state: RenderState, errors: VariableIssue[], uses: VariableUse[]): unknown {
  const segments = parseTemplate(text, state.meter);
  const only = segments.length === 1 ? segments[0] : undefined;
  if (only?.kind === 'template') {
    const rendered = renderTemplate(only, where, state, errors, uses);
    return rendered.ok ? rendered.value : only.source;
  }
  let out = '';
  for (const segment of segments) {
    if (segment.kind === 'text') {
      out += segment.text;
      continue;
    }
    const rendered = renderTemplate(segment, where, state, errors, uses);
    out += rendered.ok ? toText(rendered.value) : segment.source;
  }
  return out;
}

function renderTemplate(
  segment: TemplateSegment,
  where: string,
  state: RenderState,
  errors: VariableIssue[],
  uses: VariableUse[],
): { ok: true; value: unknown } | { ok: false } {
  const problem = staticProblem(segment, state.meter);
  if (problem || !segment.parsed) {
    errors.push({ where, ...(problem ?? { expression: segment.expression, code: 'syntax', message: 'not a template' }) });
    return { ok: false };
  }
  const { path, filters } = segment.parsed;
  const [scope, ...keys] = path;
  if (!scope || !isScope(scope)) return { ok: false };
  const variable = path.join('.');
  const base = { where, expression: segment.expression };
  const resolution = resolvePath(path, state);
  const use = (value: unknown, source: string): void => {
    uses.push({ ...base, scope, key: keys.join('.'), value, source });
  };
  switch (resolution.kind) {
    case 'refused':
      errors.push({ ...base, variable, code: resolution.code, message: resolution.message });
      return { ok: false };
    case 'placeholder':
      // Filters are not applied: a placeholder stands for a value nobody may see, or nobody knows yet.
      use(resolution.secret ? MASK : undefined, resolution.source);
      return { ok: true, value: resolution.text };
    case 'missing': {
      const value = applyFilters(undefined, filters, state.meter);
      if (value === undefined) {
        errors.push({ ...base, variable, code: resolution.code, message: resolution.message });
        return { ok: false };
      }
      use(undefined, `${resolution.source} (not set: default used)`);
      return { ok: true, value };
    }
    case 'value': {
      use(resolution.secret ? MASK : resolution.value, resolution.source);
      const value = applyFilters(resolution.value, filters, state.meter);
      if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
        errors.push({ ...base, variable, code: 'unsupported-value', message: `${variable} is not a value that can be written into a template` });
        return { ok: false };
      }
      return { ok: true, value };
    }
  }
}

/**
 * Walks plain data, calling `onString` for every string with its JSON pointer, and rebuilds the structure.
 * Objects are rebuilt with defined properties, so a `__proto__` key stays a key. Anything that is not a string,
 * an array or a plain object is returned as it is.
 */
function walk(
  value: unknown,
  where: string,
  depth: number,
  stack: unknown[],
  onString: (text: string, where: string) => unknown,
  issues: VariableIssue[],
): unknown {
  if (typeof value === 'string') return onString(value, where);
  if (!Array.isArray(value) && !isPlainObject(value)) return value;
  if (depth >= MAX_DEPTH || stack.includes(value)) {
    issues.push({ where, expression: '', code: 'too-deep', message: `the value is nested more than ${MAX_DEPTH} levels deep (or refers to itself); it is left as it is` });
    return value;
  }
  stack.push(value);
  try {
    if (Array.isArray(value)) {
      return Array.from({ length: value.length }, (_, i) => {
        const item = child(value, String(i));
        return item.found ? walk(item.value, where + pointerSegment(i), depth + 1, stack, onString, issues) : undefined;
      });
    }
    const entries: Array<[string, unknown]> = [];
    for (const key of Object.keys(value)) {
      const item = child(value, key);
      if (item.found) entries.push([key, walk(item.value, where + pointerSegment(key), depth + 1, stack, onString, issues)]);
    }
    return Object.fromEntries(entries);
  } finally {
    stack.pop();
  }
}
