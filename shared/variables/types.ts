/**
 * The variable engine's public shapes (issue 6, "Variable System"). Pure data: the server and the web
 * preview share them.
 */

export type Scope = 'fields' | 'metadata' | 'request' | 'user' | 'team' | 'system' | 'env' | 'output' | 'secrets' | 'approval';

export interface VariableContext {
  /** The request form's values by field id. */
  fields?: Record<string, unknown>;
  /** The offering document's metadata (id, name, category, …). */
  metadata?: Record<string, unknown>;
  request?: { id?: string; requester?: string; team?: string; createdAt?: string };
  /** The requesting user. */
  user?: Record<string, unknown>;
  /** The requesting team. */
  team?: Record<string, unknown>;
  /** `now` and `uuid` are injectable so a render is deterministic in tests; otherwise the clock and crypto.randomUUID. */
  system?: { region?: string; stage?: string; now?: Date; uuid?: () => string };
  /** Already filtered to the allowlist: a name not in it is reported as not allowlisted. */
  env?: Record<string, string>;
  /** Outputs of the actions that have run, by action id. */
  output?: Record<string, Record<string, unknown>>;
  approval?: Record<string, unknown>;
  /** Resolves a secret by name. Called in execute mode only, never in preview. */
  secrets?: (name: string) => string | undefined;
  /** Ids of form fields of type secret: masked like secrets in preview, and in `uses` always. */
  secretFields?: readonly string[];
}

export interface VariableIssue {
  /** JSON pointer of the string inside the rendered value; '' for a bare string. */
  where: string;
  /** The text between the braces, trimmed (for an unclosed template: what follows the braces). */
  expression: string;
  /** The variable named, e.g. `fields.environment`, when the expression got that far. */
  variable?: string;
  code: VariableIssueCode;
  message: string;
}

export type VariableIssueCode =
  | 'unclosed-template'
  | 'empty-expression'
  | 'syntax'
  | 'unknown-scope'
  | 'missing-key'
  | 'unknown-variable'
  | 'missing-value'
  | 'env-not-allowlisted'
  | 'unknown-secret'
  | 'unknown-filter'
  | 'filter-arguments'
  | 'unsupported-value'
  | 'too-deep'
  | 'internal';

export interface VariableUse {
  where: string;
  expression: string;
  scope: Scope;
  /** The path after the scope, dot-joined: `environment`, `tags.0`, `create_repo.url`. */
  key: string;
  /** The value found before filters; '••••' for secrets and secret fields. */
  value: unknown;
  /** Where it came from, in words: "form field 'environment'". */
  source: string;
}

export interface RenderResult {
  value: unknown;
  errors: VariableIssue[];
  uses: VariableUse[];
}

export interface RenderOptions {
  /** `preview` never resolves a secret and masks secret fields; `execute` resolves them. */
  mode: 'preview' | 'execute';
  /** Counts the render's steps, so a test can bound its work on hostile input. Not needed otherwise. */
  meter?: WorkMeter;
}

/**
 * Steps of work, added to as the engine runs: a character the parser examines (its `indexOf` counted by
 * the characters it passes), a filter checked or applied.
 */
export interface WorkMeter {
  steps: number;
}

export interface FoundVariable {
  where: string;
  expression: string;
  scope: Scope | string;
  key: string;
  filters: string[];
}

/** What `uses[].value` shows for a secret or a secret field. */
export const MASK = '••••';
