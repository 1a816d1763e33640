import { describe, expect, it } from 'vitest';
import { formatTime, possessive, withLocalTimes } from './format.ts';

describe('times in a text', () => {
  it('reads ISO times as local ones and leaves the rest', () => {
    const iso = '2026-12-05T15:00:00.000Z';
    expect(withLocalTimes(`awaiting approval until ${iso}; the change is pull request #7`)).toBe(`awaiting approval until ${formatTime(iso)}; the change is pull request #7`);
    expect(withLocalTimes('committed abc1234 to apps/core-service/prod/values.yaml')).toBe('committed abc1234 to apps/core-service/prod/values.yaml');
    expect(withLocalTimes('not a time 2026-13-45T99:99:00Z')).toBe('not a time 2026-13-45T99:99:00Z');
  });
});

describe('possessive', () => {
  it("gives a team's name its possessive, a name ending in s the apostrophe alone", () => {
    // Act / Assert
    expect(possessive('Growth')).toBe("Growth's");
    expect(possessive('Payments')).toBe("Payments'");
    expect(possessive('ops-tools')).toBe("ops-tools'");
    expect(possessive('SRE')).toBe("SRE's");
    expect(possessive('DATA OPS')).toBe("DATA OPS'");
  });
});
