/**
 * A half-filled request form, kept per offering and version in the tab's sessionStorage: it survives a reload of the
 * tab, is not shared with other tabs and goes when the tab closes. Secret fields are never written: neither the
 * offering's fields of type `secret` nor any field the compiled form shows as a password or marks secret.
 */

export type FormValues = Record<string, unknown>;

/** The part of the Web Storage API a draft uses (sessionStorage in the browser). */
export type DraftStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface FormDraft {
  /** The values kept for this offering, or null when there are none. */
  load(): FormValues | null;
  /** Keeps the values, without secret fields; nothing left to keep removes the draft. */
  save(values: FormValues): void;
  clear(): void;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field ids whose compiled schema is write-only or a password anywhere in it (top level or the `then` of an if/then). */
function secretInSchema(schema: unknown, into: Set<string>, depth = 0): void {
  if (depth > 32) return;
  if (Array.isArray(schema)) { schema.forEach((s) => secretInSchema(s, into, depth + 1)); return; }
  if (!isRecord(schema)) return;
  if (isRecord(schema.properties)) {
    for (const [id, field] of Object.entries(schema.properties)) {
      if (isRecord(field) && (field.writeOnly === true || field.format === 'password')) into.add(id);
    }
  }
  for (const value of Object.values(schema)) secretInSchema(value, into, depth + 1);
}

/**
 * The fields never kept: the offering's fields of type `secret`, and those the compiled form (GET …/schema) shows with
 * a password widget, marks `ui:options.secret`, or declares write-only or a password in its JSON Schema.
 */
export function secretFieldIds(fields: ReadonlyArray<{ readonly id: string; readonly type: string }>, uiSchema?: unknown, schema?: unknown): Set<string> {
  const secrets = new Set(fields.filter((f) => f.type === 'secret').map((f) => f.id));
  if (isRecord(uiSchema)) {
    for (const [id, ui] of Object.entries(uiSchema)) {
      if (id.startsWith('ui:') || !isRecord(ui)) continue;
      const options = isRecord(ui['ui:options']) ? ui['ui:options'] : {};
      if (ui['ui:widget'] === 'password' || options.widget === 'password' || options.secret === true || ui['ui:autocomplete'] === 'new-password') secrets.add(id);
    }
  }
  secretInSchema(schema, secrets);
  return secrets;
}

export function withoutSecrets(values: FormValues, secrets: ReadonlySet<string>): FormValues {
  return Object.fromEntries(Object.entries(values).filter(([id, value]) => !secrets.has(id) && value !== undefined));
}

export const draftKey = (offering: { readonly id: string; readonly version: string }): string => `apollo.draft.${offering.id}@${offering.version}`;

/** The draft of one offering's form (version included: another version's form may have other fields). */
export function formDraft(storage: DraftStorage | undefined, offering: { readonly id: string; readonly version: string }, secrets: ReadonlySet<string>): FormDraft {
  const key = draftKey(offering);
  // Storage may be missing, full or refused (private modes): a draft is a convenience, never an error.
  const attempt = <T>(fn: () => T, fallback: T): T => { try { return fn(); } catch { return fallback; } };
  const clear = () => attempt(() => storage?.removeItem(key), undefined);
  return {
    load() {
      const stored = attempt(() => JSON.parse(storage?.getItem(key) ?? 'null') as unknown, null);
      if (!isRecord(stored) || !isRecord(stored.values)) return null;
      const values = withoutSecrets(stored.values, secrets);
      return Object.keys(values).length ? values : null;
    },
    save(values) {
      const kept = withoutSecrets(values, secrets);
      if (!Object.keys(kept).length) { clear(); return; }
      attempt(() => storage?.setItem(key, JSON.stringify({ values: kept, savedAt: new Date().toISOString() })), undefined);
    },
    clear,
  };
}

/** The tab's sessionStorage, or nothing where the browser refuses it. */
export function tabStorage(): DraftStorage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}
