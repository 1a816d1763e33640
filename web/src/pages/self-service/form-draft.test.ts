import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import postgresYaml from '../../../../examples/catalog/postgresql-database.yaml?raw';
import type { CatalogItemV2 } from '../../../../schemas/types.gen.ts';
import { compileForm } from '../../../../shared/offerings/form.ts';
import { draftKey, formDraft, secretFieldIds, type DraftStorage } from './form-draft.ts';

/** sessionStorage as the browser has it: strings by key. */
function memoryStorage(): DraftStorage & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    getItem: (key) => entries.get(key) ?? null,
    setItem: (key, value) => { entries.set(key, String(value)); },
    removeItem: (key) => { entries.delete(key); },
  };
}

const postgres = parse(postgresYaml) as CatalogItemV2;
const offering = { id: 'postgresql-database', version: '3.1.0' };
const half = { service: 'frontend', db_name: 'orders', environment: 'prod', multi_az: true, admin_password: 'correct horse battery staple' };

describe('the draft of a request form', () => {
  it('keeps the values per offering and version, and never the secret field', () => {
    const storage = memoryStorage();
    const draft = formDraft(storage, offering, secretFieldIds(postgres.presentation.fields));
    draft.save(half);
    const { admin_password: _, ...kept } = half;
    expect(draft.load()).toEqual(kept);
    expect([...storage.entries.keys()]).toEqual(['apollo.draft.postgresql-database@3.1.0']);
    expect(storage.entries.get(draftKey(offering))).not.toContain('correct horse');
    // Another version of the offering starts empty.
    expect(formDraft(storage, { ...offering, version: '3.2.0' }, new Set()).load()).toBeNull();
  });

  it('finds the secret fields from the compiled form alone (password widget, ui:options.secret, write-only or password schema)', () => {
    const { schema, uiSchema } = compileForm(postgres);
    expect([...secretFieldIds([], uiSchema, schema)]).toEqual(['admin_password']);
    expect([...secretFieldIds([], { token: { 'ui:options': { secret: true } }, pin: { 'ui:widget': 'password' } })].sort()).toEqual(['pin', 'token']);
    const conditional = { properties: { a: { type: 'string' } }, allOf: [{ if: {}, then: { properties: { key: { type: 'string', writeOnly: true }, pass: { type: 'string', format: 'password' } } } }] };
    expect([...secretFieldIds([], {}, conditional)].sort()).toEqual(['key', 'pass']);

    const storage = memoryStorage();
    formDraft(storage, offering, secretFieldIds([], uiSchema, schema)).save(half);
    expect(storage.entries.get(draftKey(offering))).not.toContain('admin_password');
  });

  it('drops secret fields from what it reads back, and keeps nothing when only a secret was filled', () => {
    const storage = memoryStorage();
    storage.setItem(draftKey(offering), JSON.stringify({ values: { db_name: 'orders', admin_password: 'left by a bug' } }));
    const draft = formDraft(storage, offering, new Set(['admin_password']));
    expect(draft.load()).toEqual({ db_name: 'orders' });
    draft.save({ admin_password: 'x'.repeat(20) });
    expect(storage.entries.size).toBe(0);
    expect(draft.load()).toBeNull();
  });

  it('forgets the draft when cleared', () => {
    const storage = memoryStorage();
    const draft = formDraft(storage, offering, new Set());
    draft.save({ db_name: 'orders' });
    draft.clear();
    expect(draft.load()).toBeNull();
    expect(storage.entries.size).toBe(0);
  });

  it('treats unreadable, refused or missing storage as no draft', () => {
    const storage = memoryStorage();
    storage.setItem(draftKey(offering), '{not json');
    expect(formDraft(storage, offering, new Set()).load()).toBeNull();
    storage.setItem(draftKey(offering), JSON.stringify({ values: ['a'] }));
    expect(formDraft(storage, offering, new Set()).load()).toBeNull();
    const full: DraftStorage = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); }, removeItem: () => undefined };
    expect(() => formDraft(full, offering, new Set()).save({ db_name: 'orders' })).not.toThrow();
    expect(formDraft(undefined, offering, new Set()).load()).toBeNull();
  });
});
