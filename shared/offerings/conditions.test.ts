import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { conditionFields, conditionProblems, conditionToJsonSchema, evaluateCondition, type Condition } from './conditions.ts';

// As @rjsf/validator-ajv8 configures it (not strict: an `if` reads like any JSON Schema).
const ajv = new Ajv2020({ strict: false });
const bySchema = (c: Condition, fields: Record<string, unknown>, metadata = {}) => ajv.validate(conditionToJsonSchema(c, { metadata }), fields);

describe('conditions', () => {
  const cases: Array<[string, Condition, Record<string, unknown>, boolean]> = [
    ['equals, same value', { field: 'environment', equals: 'prod' }, { environment: 'prod' }, true],
    ['equals, other value', { field: 'environment', equals: 'prod' }, { environment: 'dev' }, false],
    ['equals, no value', { field: 'environment', equals: 'prod' }, {}, false],
    ['equals compares strictly', { field: 'replicas', equals: 2 }, { replicas: '2' }, false],
    ['equals a boolean', { field: 'versioning', equals: true }, { versioning: true }, true],
    ['equals on a multiselect means contains', { field: 'features', equals: 'redis' }, { features: ['postgres', 'redis'] }, true],
    ['in', { field: 'classification', in: ['confidential', 'restricted'] }, { classification: 'restricted' }, true],
    ['in, not listed', { field: 'classification', in: ['confidential', 'restricted'] }, { classification: 'public' }, false],
    ['in on a multiselect means contains one of', { field: 'features', in: ['kafka', 'grpc'] }, { features: ['redis'] }, false],
    ['not of a missing field is true', { not: { field: 'environment', equals: 'prod' } }, {}, true],
    ['all', { all: [{ field: 'a', equals: 1 }, { field: 'b', equals: 2 }] }, { a: 1, b: 2 }, true],
    ['all, one false', { all: [{ field: 'a', equals: 1 }, { field: 'b', equals: 2 }] }, { a: 1, b: 3 }, false],
    ['any', { any: [{ field: 'a', equals: 1 }, { field: 'b', equals: 2 }] }, { a: 0, b: 2 }, true],
    ['null is no value', { field: 'a', in: ['x'] }, { a: null }, false],
  ];

  it.each(cases)('%s: evaluated and as JSON Schema alike', (_name, c, fields, expected) => {
    expect(evaluateCondition(c, { fields })).toBe(expected);
    expect(bySchema(c, fields)).toBe(expected);
  });

  it('reads metadata, and a metadata condition is constant in the JSON Schema', () => {
    const metadata = { id: 'postgresql-database', owner: 'platform', category: 'databases', version: '2.3.0' };
    expect(evaluateCondition({ metadata: 'owner', equals: 'platform' }, { fields: {}, metadata })).toBe(true);
    expect(evaluateCondition({ metadata: 'category', in: ['storage'] }, { fields: {}, metadata })).toBe(false);
    expect(conditionToJsonSchema({ metadata: 'owner', equals: 'platform' }, { metadata })).toEqual({});
    expect(conditionToJsonSchema({ metadata: 'owner', equals: 'data' }, { metadata })).toEqual({ not: {} });
  });

  it('agrees with its JSON Schema for any condition and any values (property)', () => {
    const scalar = fc.oneof(fc.constantFrom('dev', 'prod', 'x', ''), fc.integer({ min: -2, max: 2 }), fc.boolean());
    const fieldName = fc.constantFrom('a', 'b', 'c');
    const { condition } = fc.letrec<{ condition: Condition }>((tie) => ({
      condition: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.record({ field: fieldName, equals: scalar }),
        fc.record({ field: fieldName, in: fc.array(scalar, { minLength: 1, maxLength: 3 }) }),
        fc.record({ not: tie('condition') as fc.Arbitrary<Condition> }),
        fc.record({ all: fc.array(tie('condition') as fc.Arbitrary<Condition>, { minLength: 1, maxLength: 3 }) }),
        fc.record({ any: fc.array(tie('condition') as fc.Arbitrary<Condition>, { minLength: 1, maxLength: 3 }) }),
      ),
    }));
    const values = fc.dictionary(fieldName, fc.oneof(scalar, fc.constant(null), fc.array(fc.constantFrom('dev', 'prod', 'x'), { maxLength: 3 })));
    fc.assert(fc.property(condition, values, (c, fields) => evaluateCondition(c, { fields }) === bySchema(c, fields)), { numRuns: 400 });
  });

  it('lists the fields a condition reads, with where each is named', () => {
    expect(conditionFields({ all: [{ field: 'a', equals: 1 }, { not: { field: 'b', in: [2] } }] }, '/approval/when')).toEqual([
      { field: 'a', path: '/approval/when/all/0/field', condition: { field: 'a', equals: 1 } },
      { field: 'b', path: '/approval/when/all/1/not/field', condition: { field: 'b', in: [2] } },
    ]);
  });

  it('says what is wrong with a malformed condition, with paths', () => {
    expect(conditionProblems({ field: 'environment' }, '/c')).toEqual([{ path: '/c', message: 'a { field } condition needs equals or in' }]);
    expect(conditionProblems({ field: 'environment', equals: 'prod', in: ['dev'] }, '/c')).toEqual([{ path: '/c', message: 'has both equals and in: use one' }]);
    expect(conditionProblems({ field: 'environment', equals: { a: 1 } }, '/c')).toEqual([{ path: '/c/equals', message: 'must be a string, a number or a boolean' }]);
    expect(conditionProblems({ all: [] }, '/c')).toEqual([{ path: '/c/all', message: 'must be a non-empty list of conditions' }]);
    expect(conditionProblems({ not: { metadata: 'colour', equals: 'red' } }, '/c')).toEqual([{ path: '/c/not/metadata', message: 'must be one of: id, category, owner, version' }]);
    expect(conditionProblems({ field: 'a', equals: 1, also: true }, '/c')).toEqual([{ path: '/c/also', message: 'unknown field (a { field } condition has field, equals, in)' }]);
    expect(conditionProblems('prod', '/c')).toHaveLength(1);
    expect(conditionProblems({ any: [{ field: 'a', equals: 1 }] }, '/c')).toEqual([]);
  });
});
