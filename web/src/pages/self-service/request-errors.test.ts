import { describe, expect, it } from 'vitest';
import { splitDetails } from '../../components/field-errors.ts';
import { requestFieldOf } from './request-errors.ts';

describe('requestFieldOf (a 400 on the offering page)', () => {
  const fields = new Set(['environment', 'name']);
  const fieldOf = (path: string) => requestFieldOf(path, fields);

  it('puts field problems on their field, option problems on the option, the rest above the buttons', () => {
    const { fields: mapped, rest } = splitDetails([
      { path: '/body/fields/name', message: 'must be a DNS label' },
      { path: '/body/fields/environment/0', message: 'choose one of the options' },
      { path: '/body/fields/unknown', message: 'is not a field of this form' },
      { path: '/body/team', message: 'is not one of your teams' },
      { path: '/body/note', message: 'is too long' },
      { path: '/body/offeringId', message: 'no such offering' },
    ], fieldOf);
    expect(mapped).toEqual({ name: 'must be a DNS label', environment: 'choose one of the options', '@team': 'is not one of your teams', '@note': 'is too long' });
    expect(rest).toEqual(['/body/fields/unknown: is not a field of this form', '/body/offeringId: no such offering']);
  });
});
