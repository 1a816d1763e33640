import { describe, expect, it } from 'vitest';
import { validateService } from './service-rules.ts';

const valid = { name: 'core-service', displayName: 'Core Service', description: '', repository: '', team: 'platform', tier: 'critical', language: 'java', framework: '', tags: ['tier-0'] };

describe('the service form rules', () => {
  it('accepts what the API accepts', () => {
    expect(validateService(valid, true)).toEqual({});
    expect(validateService({ ...valid, repository: 'https://github.com/org/repo' }, true)).toEqual({});
  });

  it('names each field the API would refuse, in words', () => {
    expect(validateService({ ...valid, name: 'Core Service', displayName: ' ', repository: 'github.com/x', team: '', tags: ['Bad Tag'] }, true)).toEqual({
      name: '2–63 characters: lowercase letters, digits and dashes, starting with a letter',
      displayName: 'A service needs a display name',
      repository: 'A URL starting with https://',
      team: 'Choose the owning team',
      tags: '"Bad Tag": lowercase letters, digits and : . _ / -, up to 63 characters',
    });
  });

  it('does not check the name of an existing service (it never changes)', () => {
    expect(validateService({ ...valid, name: 'Anything' }, false)).toEqual({});
  });
});
