/**
 * Property tests of the variable engine (fast-check): for any template and any context it answers with its own
 * issues, never an exception; it never runs code; a preview never shows a secret; a whole-value template keeps
 * the value's type; with an injected clock and uuid it is deterministic.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkTemplates, findVariables, render, SCOPES, type VariableContext, type VariableIssueCode } from './index.ts';

const CODES: readonly VariableIssueCode[] = [
  'unclosed-template', 'empty-expression', 'syntax', 'unknown-scope', 'missing-key', 'unknown-variable', 'missing-value',
  'env-not-allowlisted', 'unknown-secret', 'unknown-filter', 'filter-arguments', 'unsupported-value', 'too-deep',
];
const NOW = new Date('2026-11-26T09:05:07Z');
const HOSTILE = ['constructor', '__proto__', 'prototype', 'process', 'globalThis', 'this', 'eval', 'Function', 'require', 'import', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'call', 'apply', 'bind', 'exit', 'env'];
const FILTER_NAMES = ['default', 'upper', 'lower', 'slug', 'trim', 'replace', 'json', 'nope', 'constructor'];

const name = fc.oneof(fc.constantFrom(...HOSTILE, 'name', 'environment', 'tags', '0', '1', 'tf_token', 'admin_password', 'create_repo', 'url', 'id', 'date', 'uuid', 'AWS_REGION'), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/));
const literal = fc.oneof(
  fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)),
  fc.constantFrom('"${process.exit(1)}"', "'`${this}`'", '"}}"', '"{{secrets.tf_token}}"', '-1.5', '42', 'true', 'null', 'x', '"unterminated'),
);
const filter = fc.tuple(fc.constantFrom(...FILTER_NAMES), fc.option(fc.array(literal, { maxLength: 3 }))).map(([f, args]) => (args === null ? f : `${f}(${args.join(', ')})`));
const path = fc.tuple(fc.constantFrom(...SCOPES, 'vault', 'process', 'constructor', '__proto__', 'this'), fc.array(name, { maxLength: 4 })).map(([scope, keys]) => [scope, ...keys].join('.'));
const space = fc.constantFrom('', ' ', '  ', '\n');
/** A well-formed-looking template: {{ scope.key.path | filter(args) }}. */
const template = fc.tuple(space, path, fc.array(filter, { maxLength: 3 }), space).map(([a, p, fs, b]) => `{{${a}${[p, ...fs].join(' | ')}${b}}}`);
/** Token soup: pieces of the syntax in any order, including broken ones. */
const soup = fc
  .array(fc.oneof(template, fc.constantFrom('{{', '}}', '\\{{', '\\', '|', '.', '(', ')', '"', "'", ',', ' ', '${', '`', ...HOSTILE), fc.string({ maxLength: 6 })), { maxLength: 12 })
  .map((parts) => parts.join(''));
const anyTemplateString = fc.oneof(soup, template, fc.string(), fc.string({ unit: 'binary' }));
/** A value to render: strings anywhere in JSON-like data, keys included. */
const renderable = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    anyTemplateString,
    fc.jsonValue({ maxDepth: 1 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(name, fc.string({ maxLength: 4 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A context of arbitrary JSON data under every scope; secrets resolve to whatever `secretValue` says. */
function contextOf(data: Record<string, unknown>, secretValue: (name: string) => string | undefined, uuid = (): string => 'uuid-1'): VariableContext {
  return {
    fields: data.fields as Record<string, unknown>,
    metadata: data.metadata as Record<string, unknown>,
    request: data.request as VariableContext['request'],
    user: data.user as Record<string, unknown>,
    team: data.team as Record<string, unknown>,
    system: { region: 'eu-west-1', stage: 'dev', now: NOW, uuid },
    env: { AWS_REGION: 'eu-west-1' },
    output: data.output as VariableContext['output'],
    approval: data.approval as Record<string, unknown>,
    secrets: secretValue,
    secretFields: ['admin_password', 'tf_token'],
  };
}
const contextData = fc.record({
  fields: fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  metadata: fc.dictionary(name, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  request: fc.record({ id: fc.string(), requester: fc.string() }, { requiredKeys: [] }),
  user: fc.dictionary(name, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  team: fc.dictionary(name, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  output: fc.option(fc.dictionary(name, fc.dictionary(name, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }), { maxKeys: 3 }), { nil: undefined }),
  approval: fc.option(fc.dictionary(name, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }), { nil: undefined }),
});
/** Values whose templates name the secrets and the secret fields often, in text and alone, with filters. */
const secretPath = fc.oneof(name.map((n) => `secrets.${n}`), fc.constantFrom('secrets.tf_token', 'fields.admin_password', 'fields.tf_token', 'fields.tf_token.nested', 'fields.admin_password.0'));
const secretTemplate = fc.tuple(space, secretPath, fc.array(filter, { maxLength: 3 }), space).map(([a, p, fs, b]) => `{{${a}${[p, ...fs].join(' | ')}${b}}}`);
const secretRenderable = fc.oneof(
  secretTemplate,
  fc.array(fc.oneof(secretTemplate, template, soup), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(' ')),
  fc.dictionary(name, fc.oneof(secretTemplate, renderable), { maxKeys: 4 }),
);
const mode = fc.constantFrom('preview' as const, 'execute' as const);

/** Secret values no template can contain: the generators above never produce '§'. */
const secretValue = fc.string({ minLength: 1, maxLength: 12 }).map((s) => `§${s}§`);

describe('variable engine properties', () => {
  it('answers any value and context with its own issues only, never an exception', () => {
    fc.assert(
      fc.property(renderable, contextData, mode, (value, data, m) => {
        const result = render(value, contextOf(data, () => 'secret'), { mode: m });
        for (const issue of result.errors) {
          expect(CODES).toContain(issue.code);
          expect(typeof issue.where).toBe('string');
          expect(typeof issue.expression).toBe('string');
          expect(issue.message).not.toBe('');
        }
        expect(() => findVariables(value)).not.toThrow();
        expect(checkTemplates(value).every((issue) => CODES.includes(issue.code))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('answers arbitrary garbage in place of a context and options', () => {
    fc.assert(
      fc.property(anyTemplateString, fc.anything(), fc.anything(), (text, ctx, options) => {
        const result = render(text, ctx as VariableContext, options as { mode: 'preview' });
        expect(result.errors.every((issue) => CODES.includes(issue.code))).toBe(true);
      }),
    );
  });

  it('never runs code: no function of the context is called, no prototype changes, nothing global appears', () => {
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    const globals = Object.getOwnPropertyNames(globalThis).sort();
    fc.assert(
      fc.property(renderable, contextData, mode, (value, data, m) => {
        // Prepare: functions reachable from the context under hostile names
        let called = 0;
        const trap = (): string => {
          called++;
          return 'ran';
        };
        const ctx = contextOf(data, m === 'execute' ? () => 'secret' : trap);
        ctx.fields = { ...ctx.fields, ...Object.fromEntries(HOSTILE.map((key) => [key, trap])), nested: { constructor: trap, toString: trap } };

        // Act
        const result = render(value, ctx, { mode: m });

        // Assess
        expect(called).toBe(0);
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
        expect(Object.getOwnPropertyNames(globalThis).sort()).toEqual(globals);
        expect(JSON.stringify(result.value) ?? '').not.toContain('"ran"');
      }),
      { numRuns: 300 },
    );
  });

  it('resolves no prototype member, in any scope', () => {
    const members = [...new Set([...Object.getOwnPropertyNames(Object.prototype), ...Object.getOwnPropertyNames(Array.prototype), ...Object.getOwnPropertyNames(String.prototype), 'prototype'])];
    fc.assert(
      fc.property(fc.constantFrom(...members), fc.constantFrom('fields', 'fields.tags', 'fields.name', 'metadata', 'user', 'team', 'approval', 'output.create_repo', 'env', 'request'), (member, at) => {
        // Prepare
        const ctx: VariableContext = { fields: { tags: ['a'], name: 'n' }, metadata: {}, user: {}, team: {}, approval: {}, output: { create_repo: {} }, env: {}, request: {} };

        // Act
        const result = render(`{{${at}.${member}}}`, ctx, { mode: 'execute' });

        // Assess
        expect(result.uses).toEqual([]);
        expect(result.errors).toHaveLength(1);
      }),
    );
  });

  it('never shows a secret or a secret field in a preview, whatever the templates', () => {
    fc.assert(
      fc.property(secretRenderable, contextData, secretValue, secretValue, (value, data, secret, fieldSecret) => {
        // Prepare: the secret resolver and the secret fields both hold values no template contains
        const ctx = contextOf(data, () => secret);
        ctx.fields = { ...ctx.fields, admin_password: fieldSecret, tf_token: { nested: fieldSecret } };

        // Act
        const result = render(value, ctx, { mode: 'preview' });

        // Assess
        const shown = JSON.stringify(result) ?? '';
        expect(shown).not.toContain(secret);
        expect(shown).not.toContain(fieldSecret);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same preview whatever the secrets are (nothing about them leaks, not even their length)', () => {
    fc.assert(
      fc.property(secretRenderable, contextData, fc.string(), fc.string(), fc.jsonValue(), fc.jsonValue(), (value, data, secretA, secretB, fieldA, fieldB) => {
        const withSecrets = (secret: string, field: unknown): VariableContext => {
          const ctx = contextOf(data, () => secret);
          ctx.fields = { ...ctx.fields, admin_password: field, tf_token: field };
          return ctx;
        };
        expect(render(value, withSecrets(secretA, fieldA), { mode: 'preview' })).toEqual(render(value, withSecrets(secretB, fieldB), { mode: 'preview' }));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps the type of a value that is the whole template, and writes it as text inside text', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // Prepare
        const ctx: VariableContext = { fields: { x: value } };

        // Act
        const whole = render('{{ fields.x }}', ctx, { mode: 'execute' });
        const inText = render('<{{fields.x}}>', ctx, { mode: 'execute' });

        // Assess
        expect(whole).toMatchObject({ errors: [] });
        expect(whole.value).toStrictEqual(value);
        const text = typeof value === 'string' ? value : value === null ? '' : JSON.stringify(value);
        expect(inText.value).toBe(`<${text}>`);
      }),
    );
  });

  it('is deterministic given the clock and the uuid generator', () => {
    fc.assert(
      fc.property(renderable, contextData, mode, (value, data, m) => {
        const counter = (): (() => string) => {
          let n = 0;
          return () => `uuid-${++n}`;
        };
        const first = render(value, contextOf(data, (s) => `secret-${s}`, counter()), { mode: m });
        const second = render(value, contextOf(data, (s) => `secret-${s}`, counter()), { mode: m });
        expect(second).toEqual(first);
      }),
      { numRuns: 200 },
    );
  });
});
