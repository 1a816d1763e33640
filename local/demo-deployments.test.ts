import { describe, expect, it } from 'vitest';
import { previousTag } from './demo-deployments.ts';

describe('the demo history\u2019s earlier tags', () => {
  it('count semver down through zero majors, and number a tag that is not semver instead of chaining suffixes', () => {
    expect(previousTag('v1.4.3')).toBe('v1.4.2');
    expect(previousTag('v1.4.0')).toBe('v1.3.9');
    expect(previousTag('v1.0.0')).toBe('v0.9.9');
    expect(previousTag('v0.0.0')).toBe('v0.0.0-prev1');
    expect(previousTag('build-7')).toBe('build-7-prev1');
    expect(previousTag(previousTag('build-7'))).toBe('build-7-prev2');
  });
});
