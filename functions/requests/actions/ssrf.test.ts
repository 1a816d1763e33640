import { describe, expect, it } from 'vitest';
import { blockedReason, EgressRefusedError, HostLookupError, parseEgressAllow, vetUrl, type Resolve } from './ssrf.ts';

/** A resolver that answers from a table (and counts its lookups). */
function stubResolver(table: Record<string, string[]>): Resolve & { calls: string[] } {
  const calls: string[] = [];
  const resolve: Resolve = async (host) => {
    calls.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { calls });
}

const refusal = (promise: Promise<unknown>): Promise<string> =>
  promise.then(() => 'accepted', (error: unknown) => (error instanceof EgressRefusedError ? `refused: ${error.message}` : `other: ${String(error)}`));

describe('blockedReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.2.3.4', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['0.0.0.0', '"this network"'],
    ['169.254.169.254', 'link-local (the cloud metadata endpoint lives here)'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved (and broadcast)'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00:ec2::254', 'private (unique local; the cloud metadata endpoint fd00:ec2::254 lives here)'],
    ['fc00::1', 'private (unique local; the cloud metadata endpoint fd00:ec2::254 lives here)'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback, as IPv4 inside IPv6'],
    ['::ffff:a9fe:a9fe', 'link-local (the cloud metadata endpoint lives here), as IPv4 inside IPv6'],
    ['::ffff:10.0.0.1', 'private, as IPv4 inside IPv6'],
    ['64:ff9b::a9fe:a9fe', 'link-local (the cloud metadata endpoint lives here), as IPv4 inside IPv6'],
    ['2002:7f00:1::', 'loopback, as IPv4 inside IPv6'],
  ])('%s is %s', (address, reason) => {
    expect(blockedReason(address)).toBe(reason);
  });

  it.each(['93.184.216.34', '172.32.0.1', '100.128.0.1', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8', '169.253.1.1'])('%s is public', (address) => {
    expect(blockedReason(address)).toBeUndefined();
  });
});

describe('vetUrl', () => {
  const resolve = stubResolver({
    'api.example.com': ['93.184.216.34'],
    'metadata.evil.test': ['169.254.169.254'],
    'mixed.evil.test': ['93.184.216.34', '10.0.0.7'],
    'v6meta.evil.test': ['fd00:ec2::254'],
    'internal.corp': ['10.1.2.3'],
    'svc.corp.example': ['10.9.9.9'],
  });

  it('accepts a public https URL and answers the address it checked', async () => {
    const target = await vetUrl('https://api.example.com/v1/records?x=1', { resolve });
    expect({ href: target.url.href, address: target.address, family: target.family }).toEqual({ href: 'https://api.example.com/v1/records?x=1', address: '93.184.216.34', family: 4 });
  });

  it('refuses the metadata endpoint, by address and by a name that resolves to it', async () => {
    expect(await refusal(vetUrl('http://169.254.169.254/latest/meta-data/', { resolve }))).toBe('refused: 169.254.169.254 is link-local (the cloud metadata endpoint lives here): refused unless allowlisted in APOLLO_EGRESS_ALLOW');
    expect(await refusal(vetUrl('https://metadata.evil.test/', { resolve }))).toBe('refused: 169.254.169.254 is link-local (the cloud metadata endpoint lives here) (metadata.evil.test resolves to it): refused unless allowlisted in APOLLO_EGRESS_ALLOW');
    expect(await refusal(vetUrl('https://v6meta.evil.test/', { resolve }))).toMatch(/^refused: fd00:ec2::254 is private \(unique local/);
    expect(await refusal(vetUrl('https://[fd00:ec2::254]/', { resolve }))).toMatch(/^refused: fd00:ec2::254 is private/);
  });

  it('refuses when any one of the addresses is internal', async () => {
    expect(await refusal(vetUrl('https://mixed.evil.test/', { resolve }))).toBe('refused: 10.0.0.7 is private (mixed.evil.test resolves to it): refused unless allowlisted in APOLLO_EGRESS_ALLOW');
  });

  it('refuses loopback in its disguises: decimal, hex, IPv4-mapped IPv6', async () => {
    expect(await refusal(vetUrl('https://2130706433/', { resolve }))).toMatch(/^refused: 127\.0\.0\.1 is loopback/);
    expect(await refusal(vetUrl('https://0x7f.1/', { resolve }))).toMatch(/^refused: 127\.0\.0\.1 is loopback/);
    expect(await refusal(vetUrl('https://[::ffff:127.0.0.1]/', { resolve }))).toMatch(/^refused: ::ffff:7f00:1 is loopback, as IPv4 inside IPv6/);
    expect(await refusal(vetUrl('https://[::1]:8080/', { resolve }))).toMatch(/^refused: ::1 is loopback/);
  });

  it('refuses other schemes, credentials in the URL and plain http to a public host', async () => {
    expect(await refusal(vetUrl('file:///etc/passwd', { resolve }))).toBe('refused: file: URLs are refused: only https (and allowlisted http)');
    expect(await refusal(vetUrl('gopher://api.example.com/', { resolve }))).toBe('refused: gopher: URLs are refused: only https (and allowlisted http)');
    expect(await refusal(vetUrl('https://user:pw@api.example.com/', { resolve }))).toBe("refused: a URL with credentials in it is refused: put them in the action's auth");
    expect(await refusal(vetUrl('http://api.example.com/', { resolve }))).toBe('refused: plain http to api.example.com is refused: use https, or allowlist the target in APOLLO_EGRESS_ALLOW');
    expect(await refusal(vetUrl('not a url', { resolve }))).toBe("refused: 'not a url' is not an absolute URL");
  });

  it('says a name that does not resolve is a lookup failure (retryable), not a refusal', async () => {
    const error = await vetUrl('https://nowhere.example/', { resolve }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostLookupError);
    expect((error as Error).message).toBe('the host nowhere.example could not be resolved (ENOTFOUND)');
  });

  it('lets allowlisted targets through: a CIDR, a host name, a wildcard, a URL prefix (and only under it)', async () => {
    const allow = parseEgressAllow(' 10.1.0.0/16, internal.corp ,*.corp.example, http://127.0.0.1:4000/fakes/ ');
    expect((await vetUrl('https://internal.corp/x', { resolve, allow })).address).toBe('10.1.2.3');
    expect((await vetUrl('http://internal.corp/x', { resolve, allow })).address).toBe('10.1.2.3');
    expect((await vetUrl('https://svc.corp.example/', { resolve, allow })).address).toBe('10.9.9.9');
    expect((await vetUrl('https://10.1.200.1/', { resolve, allow })).address).toBe('10.1.200.1');
    expect((await vetUrl('http://10.1.200.1/', { resolve, allow })).address).toBe('10.1.200.1');
    expect((await vetUrl('http://127.0.0.1:4000/fakes/integrations/dns/records', { resolve, allow })).address).toBe('127.0.0.1');
    expect(await refusal(vetUrl('http://127.0.0.1:4000/api/v1/teams', { resolve, allow }))).toMatch(/^refused: 127\.0\.0\.1 is loopback/);
    expect(await refusal(vetUrl('http://127.0.0.1:4000/fakes/../api/v1/teams', { resolve, allow }))).toMatch(/^refused: 127\.0\.0\.1 is loopback/);
    expect(await refusal(vetUrl('http://127.0.0.1:4001/fakes/x', { resolve, allow }))).toMatch(/^refused: 127\.0\.0\.1 is loopback/);
    expect(await refusal(vetUrl('https://10.2.0.1/', { resolve, allow }))).toMatch(/^refused: 10\.2\.0\.1 is private/);
  });

  it('does not resolve an IP literal', async () => {
    const counting = stubResolver({});
    await vetUrl('https://93.184.216.34/', { resolve: counting });
    expect(counting.calls).toEqual([]);
  });

  it('refuses an allowlist entry it cannot read', () => {
    expect(() => parseEgressAllow('10.0.0.0/33')).toThrow("APOLLO_EGRESS_ALLOW: '10.0.0.0/33' is neither a CIDR, a host name nor an http(s) URL prefix");
    expect(() => parseEgressAllow('ftp://x')).toThrow(/is neither/);
    expect(() => parseEgressAllow('http://u:p@x/')).toThrow('must be a plain URL prefix');
  });
});
