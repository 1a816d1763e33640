import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pagerDutySecretsOf, pagerDutySignature, verifyPagerDutySignature } from './pagerduty-signature.ts';

const BODY = '{"event":{"id":"01F0B6ZP4M6T8ZG4X6BP63ZB9O","event_type":"incident.triggered","resource_type":"incident","occurred_at":"2026-12-05T08:00:00.000Z","agent":null,"client":null,"data":{"id":"Q1ABCDEF2GHIJ","title":"Ünïcode ✓"}}}';
const hex = (secret: string, body: string | Buffer) => createHmac('sha256', secret).update(body).digest('hex');

describe('pagerDutySignature', () => {
  it('is v1= and the hex HMAC-SHA256 of the raw body with the secret', () => {
    expect(pagerDutySignature('s3cret', BODY)).toBe(`v1=${hex('s3cret', BODY)}`);
    expect(pagerDutySignature('s3cret', Buffer.from(BODY, 'utf8'))).toBe(`v1=${hex('s3cret', BODY)}`);
  });
});

describe('verifyPagerDutySignature', () => {
  it('accepts the signature made with the secret, over the body as a string or as bytes', () => {
    const header = pagerDutySignature('s3cret', BODY);
    expect(verifyPagerDutySignature(['s3cret'], BODY, header)).toBe(true);
    expect(verifyPagerDutySignature(['s3cret'], Buffer.from(BODY, 'utf8'), header.toUpperCase().replace('V1=', 'v1='))).toBe(true);
  });

  it('accepts a rotation: two signatures in the header (either one ours), or two secrets held (either one used)', () => {
    const both = `${pagerDutySignature('new', BODY)},${pagerDutySignature('old', BODY)}`;
    expect(verifyPagerDutySignature(['old'], BODY, both)).toBe(true);
    expect(verifyPagerDutySignature(['new'], BODY, both)).toBe(true);
    expect(verifyPagerDutySignature(['new', 'old'], BODY, pagerDutySignature('old', BODY))).toBe(true);
    expect(verifyPagerDutySignature(['other', 'new'], BODY, `${pagerDutySignature('elsewhere', BODY)}, ${pagerDutySignature('new', BODY)}`)).toBe(true);
  });

  it('refuses a wrong secret, a changed body, and no secret at all', () => {
    const header = pagerDutySignature('s3cret', BODY);
    expect(verifyPagerDutySignature(['other'], BODY, header)).toBe(false);
    expect(verifyPagerDutySignature(['s3cret'], BODY.replace('triggered', 'resolved'), header)).toBe(false);
    expect(verifyPagerDutySignature([], BODY, header)).toBe(false);
    expect(verifyPagerDutySignature([''], BODY, header)).toBe(false);
  });

  it('refuses a missing or empty header', () => {
    expect(verifyPagerDutySignature(['s3cret'], BODY, undefined)).toBe(false);
    expect(verifyPagerDutySignature(['s3cret'], BODY, '')).toBe(false);
  });

  it('refuses malformed signatures and ignores unknown schemes', () => {
    const good = hex('s3cret', BODY);
    expect(verifyPagerDutySignature(['s3cret'], BODY, good)).toBe(false);
    expect(verifyPagerDutySignature(['s3cret'], BODY, `v2=${good}`)).toBe(false);
    expect(verifyPagerDutySignature(['s3cret'], BODY, `sha256=${good}`)).toBe(false);
    expect(verifyPagerDutySignature(['s3cret'], BODY, `v1=${good.slice(0, 63)}`)).toBe(false);
    expect(verifyPagerDutySignature(['s3cret'], BODY, `v1=${good}00`)).toBe(false);
    expect(verifyPagerDutySignature(['s3cret'], BODY, `v1=${'z'.repeat(64)}`)).toBe(false);
    expect(verifyPagerDutySignature(['s3cret'], BODY, ',,v1=,')).toBe(false);
    // An unknown scheme beside a good v1 signature does not spoil it.
    expect(verifyPagerDutySignature(['s3cret'], BODY, `v2=abc,v1=${good}`)).toBe(true);
  });
});

describe('pagerDutySecretsOf', () => {
  it('reads one secret, or several one a line or comma-separated', () => {
    expect(pagerDutySecretsOf(undefined)).toEqual([]);
    expect(pagerDutySecretsOf('one')).toEqual(['one']);
    expect(pagerDutySecretsOf('new, old\nolder\n')).toEqual(['new', 'old', 'older']);
  });
});
