/**
 * The egress guard's rules are tested with the requests' actions (functions/requests/actions/ssrf.test.ts); here what
 * only its other caller, the health probe, asks of it: plain http to a public address, and still none inward.
 */
import { describe, expect, it } from 'vitest';
import { EgressRefusedError, vetUrl, type Resolve } from './egress.ts';

const resolve: Resolve = async (host) => [{ address: host === 'inward.example' ? '10.0.0.7' : '93.184.216.34', family: 4 }];

describe('vetUrl with plainHttp (a caller that sends no credentials)', () => {
  it('allows plain http to a public address', async () => {
    // Act
    const vetted = await vetUrl('http://status.example.com/health', { resolve, plainHttp: true });

    // Assess
    expect(vetted.address).toBe('93.184.216.34');
  });

  it('still refuses an address inside, by number or by name', async () => {
    // Act
    const refusals = await Promise.all(['http://169.254.169.254/latest/meta-data/', 'http://inward.example/health'].map((url) =>
      vetUrl(url, { resolve, plainHttp: true }).then(() => 'accepted', (error: unknown) => (error instanceof EgressRefusedError ? error.message : String(error)))));

    // Assess
    expect(refusals).toEqual([
      '169.254.169.254 is link-local (the cloud metadata endpoint lives here): refused unless allowlisted in APOLLO_EGRESS_ALLOW',
      '10.0.0.7 is private (inward.example resolves to it): refused unless allowlisted in APOLLO_EGRESS_ALLOW',
    ]);
  });
});
