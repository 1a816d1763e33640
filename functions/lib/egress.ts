/**
 * The egress guard for every URL Apollo fetches that someone other than its operator writes: the URLs a request's
 * actions render (and the OAuth token URL: an offering author writes the URL, a requester may fill part of it) and
 * the health-check endpoints of the catalog's environments (a service's owners or its apollo.yaml set them). None of
 * them may point Apollo's Lambdas at their own network. Only http(s); the host is resolved (every address) and
 * refused when any address is loopback, link-local (the metadata endpoints 169.254.169.254 and fd00:ec2::254 among
 * them), private, CGNAT, "this network", multicast or reserved, IPv4 embedded in IPv6 included, unless
 * `APOLLO_EGRESS_ALLOW` allowlists it. Plain http only for allowlisted targets (unless the caller sends nothing worth
 * protecting: `plainHttp`). The caller connects to the address checked here (pinned), so a second DNS answer cannot
 * swap it (rebinding).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { inCidr, parseAddress, parseCidr, type Address, type Cidr } from '#lib/cidr';

/** The config env: comma-separated CIDRs (`10.1.0.0/16`), host names (`api.internal`, `*.corp.example`) or URL prefixes (`http://127.0.0.1:4000/fakes/`). */
export const EGRESS_ALLOW_ENV = 'APOLLO_EGRESS_ALLOW';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Every address a host name resolves to (tests inject a stub). */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolve: Resolve = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

/** A URL that passed the guard and the address to connect to. */
export interface VettedTarget {
  readonly url: URL;
  readonly address: string;
  readonly family: 4 | 6;
}

/** The guard refused the URL: not retryable, the offering (or a field) must change. */
export class EgressRefusedError extends Error {
  override readonly name = 'EgressRefusedError';
}

/** The host name could not be resolved: retryable (DNS can come back). */
export class HostLookupError extends Error {
  override readonly name = 'HostLookupError';
}

export interface EgressAllowlist {
  readonly cidrs: readonly Cidr[];
  /** Exact host names, lower case. */
  readonly hosts: ReadonlySet<string>;
  /** `.corp.example` for `*.corp.example`. */
  readonly suffixes: readonly string[];
  /** Normalised URL prefixes. */
  readonly prefixes: readonly string[];
}

export const EMPTY_ALLOWLIST: EgressAllowlist = { cidrs: [], hosts: new Set(), suffixes: [], prefixes: [] };

const range = (text: string, reason: string): { cidr: Cidr; reason: string } => ({ cidr: parseCidr(text)!, reason });

/** Where an action may not go, with the reason given in the refusal. */
const BLOCKED = [
  range('0.0.0.0/8', '"this network"'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'carrier-grade NAT'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local (the cloud metadata endpoint lives here)'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved (IETF protocol assignments)'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'reserved (benchmarking)'),
  range('224.0.0.0/4', 'multicast'),
  range('240.0.0.0/4', 'reserved (and broadcast)'),
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'private (site-local)'),
  range('fc00::/7', 'private (unique local; the cloud metadata endpoint fd00:ec2::254 lives here)'),
  range('ff00::/8', 'multicast'),
];

/** IPv6 ranges that carry an IPv4 address in their low bits (or, for 6to4, bits 80–111). */
function embeddedIPv4(address: Address): Address | undefined {
  if (address.family !== 6) return undefined;
  const v = address.value;
  const low32 = v & 0xffffffffn;
  if (v >> 32n === 0xffffn) return { family: 4, value: low32 }; // ::ffff:a.b.c.d (mapped)
  if (v >> 32n === 0x0064ff9b0000000000000000n) return { family: 4, value: low32 }; // 64:ff9b::/96 (NAT64)
  if (v >> 32n === 0n && v > 1n) return { family: 4, value: low32 }; // ::a.b.c.d (compatible, deprecated)
  if (v >> 112n === 0x2002n) return { family: 4, value: (v >> 80n) & 0xffffffffn }; // 2002::/16 (6to4)
  return undefined;
}

/** Why an address is refused, or undefined when it is public. */
export function blockedReason(text: string): string | undefined {
  const address = parseAddress(text);
  if (!address) return 'not an IP address';
  const inner = embeddedIPv4(address);
  if (inner) {
    const reason = BLOCKED.find((b) => inCidr(inner, b.cidr))?.reason;
    if (reason) return `${reason}, as IPv4 inside IPv6`;
  }
  return BLOCKED.find((b) => inCidr(address, b.cidr))?.reason;
}

// ---------------------------------------------------------------------------------------------------
// The allowlist

/** Parses APOLLO_EGRESS_ALLOW; an entry that is none of a CIDR, a host name or an http(s) URL prefix throws (fail at cold start). */
export function parseEgressAllow(text: string | undefined): EgressAllowlist {
  const cidrs: Cidr[] = [];
  const hosts = new Set<string>();
  const suffixes: string[] = [];
  const prefixes: string[] = [];
  for (const raw of (text ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    if (/^https?:\/\//i.test(entry)) {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw new Error(`${EGRESS_ALLOW_ENV}: '${entry}' is not a URL`);
      }
      if (url.username || url.password || url.search || url.hash) throw new Error(`${EGRESS_ALLOW_ENV}: '${entry}' must be a plain URL prefix (no credentials, query or fragment)`);
      prefixes.push(url.href);
      continue;
    }
    const cidr = parseCidr(entry.replace(/^\[|\](?=\/|$)/g, ''));
    if (cidr) {
      cidrs.push(cidr);
      continue;
    }
    const host = normaliseHost(entry);
    if (/^\*\.[a-z0-9.-]+$/.test(host)) suffixes.push(host.slice(1));
    else if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(host)) hosts.add(host);
    else throw new Error(`${EGRESS_ALLOW_ENV}: '${entry}' is neither a CIDR, a host name nor an http(s) URL prefix`);
  }
  return { cidrs, hosts, suffixes, prefixes };
}

let memo: { text: string | undefined; list: EgressAllowlist } | undefined;

/** The allowlist of the environment (re-parsed only when the variable changes: the local runtime sets it once it knows its port). */
export function egressAllowFromEnv(env: NodeJS.ProcessEnv = process.env): EgressAllowlist {
  const text = env[EGRESS_ALLOW_ENV];
  if (!memo || memo.text !== text) memo = { text, list: parseEgressAllow(text) };
  return memo.list;
}

const normaliseHost = (host: string): string => host.toLowerCase().replace(/\.$/, '');

// ---------------------------------------------------------------------------------------------------
// The guard

export interface VetOptions {
  readonly resolve?: Resolve;
  readonly allow?: EgressAllowlist;
  /** Plain http to a public address too: the caller sends no credentials (a health probe reads a status code). @default false */
  readonly plainHttp?: boolean;
}

/** Checks a URL and answers the address to connect to; throws EgressRefusedError (or HostLookupError). */
export async function vetUrl(raw: string, options: VetOptions = {}): Promise<VettedTarget> {
  const allow = options.allow ?? EMPTY_ALLOWLIST;
  const resolve = options.resolve ?? systemResolve;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EgressRefusedError(`'${shorten(raw)}' is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new EgressRefusedError(`${url.protocol} URLs are refused: only https (and allowlisted http)`);
  if (url.username || url.password) throw new EgressRefusedError('a URL with credentials in it is refused: put them in the action\'s auth');
  const host = normaliseHost(url.hostname.replace(/^\[|\]$/g, ''));
  if (!host) throw new EgressRefusedError('the URL has no host');
  const byName = allow.prefixes.some((p) => url.href.startsWith(p)) || allow.hosts.has(host) || allow.suffixes.some((s) => host.endsWith(s));

  let addresses: readonly ResolvedAddress[];
  const literal = isIP(host);
  if (literal) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolve(host);
    } catch (error) {
      throw new HostLookupError(`the host ${host} could not be resolved (${(error as { code?: string }).code ?? 'lookup failed'})`, { cause: error });
    }
    if (addresses.length === 0) throw new HostLookupError(`the host ${host} has no address`);
  }

  let allByAddress = true;
  for (const { address } of addresses) {
    const parsed = parseAddress(address);
    const allowed = parsed !== undefined && allow.cidrs.some((c) => inCidr(parsed, c) || (embeddedIPv4(parsed) !== undefined && inCidr(embeddedIPv4(parsed)!, c)));
    if (!allowed) allByAddress = false;
    if (byName || allowed) continue;
    const reason = blockedReason(address);
    if (reason) {
      const via = literal ? '' : ` (${host} resolves to it)`;
      throw new EgressRefusedError(`${address} is ${reason}${via}: refused unless allowlisted in ${EGRESS_ALLOW_ENV}`);
    }
  }
  if (url.protocol === 'http:' && !byName && !allByAddress && !options.plainHttp) {
    throw new EgressRefusedError(`plain http to ${host} is refused: use https, or allowlist the target in ${EGRESS_ALLOW_ENV}`);
  }
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family };
}

const shorten = (text: string): string => (text.length > 120 ? `${text.slice(0, 117)}…` : text);
