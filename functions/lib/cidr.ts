/**
 * IP addresses and CIDR ranges (IPv4, IPv6, IPv4 inside IPv6), compared as numbers: the egress guard of
 * actions and the source allowlists of webhooks use them.
 */
import { isIP } from 'node:net';

export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
}

export interface Address {
  readonly family: 4 | 6;
  readonly value: bigint;
}

function parseIPv4(text: string): bigint | undefined {
  if (isIP(text) !== 4) return undefined;
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIPv6(raw: string): bigint | undefined {
  const text = raw.split('%')[0] ?? '';
  if (isIP(text) !== 6) return undefined;
  let groups: string[];
  const tailV4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let head = text;
  const extra: string[] = [];
  if (tailV4) {
    const v4 = parseIPv4(tailV4[1]!);
    if (v4 === undefined) return undefined;
    head = text.slice(0, -tailV4[1]!.length);
    extra.push(((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16));
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const [left = '', right] = head.split('::');
  const leftGroups = left ? left.split(':') : [];
  const rightGroups = right === undefined ? [] : right ? right.split(':') : [];
  const known = [...leftGroups, ...rightGroups, ...extra];
  if (right === undefined) groups = [...leftGroups, ...extra];
  else groups = [...leftGroups, ...Array<string>(8 - known.length).fill('0'), ...rightGroups, ...extra];
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

export function parseAddress(text: string): Address | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIPv6(text);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

const width = (family: 4 | 6): bigint => (family === 4 ? 32n : 128n);

export function inCidr(address: Address, cidr: Cidr): boolean {
  if (address.family !== cidr.family) return false;
  const shift = width(cidr.family) - BigInt(cidr.bits);
  return address.value >> shift === cidr.base >> shift;
}

export function parseCidr(text: string): Cidr | undefined {
  const [ip = '', bitsText] = text.split('/');
  const address = parseAddress(ip);
  if (!address) return undefined;
  const max = address.family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? max : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return undefined;
  return { family: address.family, base: address.value, bits };
}

/** Whether `ip` is in one of the comma-separated ranges (CIDRs or single addresses); a bad range throws. */
export function inRanges(ip: string, ranges: string): boolean {
  const address = parseAddress(ip.replace(/^::ffff:(?=\d+\.)/i, ''));
  if (!address) return false;
  return ranges.split(',').map((r) => r.trim()).filter(Boolean).some((text) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`not an address or CIDR range: ${text}`);
    return inCidr(address, cidr);
  });
}
