import { describe, expect, it } from 'vitest';
import { isValidSignature, signBody } from './github-signature.ts';

describe("GitHub's X-Hub-Signature-256", () => {
  // GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".
  const documented = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';

  it('matches the value GitHub documents', () => {
    expect(signBody("It's a Secret to Everybody", 'Hello, World!')).toBe(documented);
    expect(isValidSignature("It's a Secret to Everybody", 'Hello, World!', documented)).toBe(true);
  });

  it('refuses a missing, malformed, truncated or wrong signature, another body and another secret', () => {
    const secret = "It's a Secret to Everybody";
    for (const header of [undefined, '', 'sha1=abc', documented.slice(0, -2), documented.replace('sha256=7', 'sha256=8'), `${documented}00`]) {
      expect(isValidSignature(secret, 'Hello, World!', header), String(header)).toBe(false);
    }
    expect(isValidSignature(secret, 'Hello, World?', documented)).toBe(false);
    expect(isValidSignature('another secret', 'Hello, World!', documented)).toBe(false);
  });
});
