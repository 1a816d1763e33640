import { expect, it } from 'vitest';
import { redact, redactingReplacer } from './observability.ts';

it('keeps secret-bearing values out of log lines, wherever the key sits', () => {
  const line = JSON.stringify({
    headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=…', 'X-Amz-Security-Token': 'IQo…', accept: 'application/json' },
    body: { name: 'db', password: 'hunter2', nested: [{ apiKey: 'k', githubToken: 't', clientSecret: 's' }] },
  }, redactingReplacer);
  expect(JSON.parse(line)).toEqual({
    headers: { Authorization: '[redacted]', 'X-Amz-Security-Token': '[redacted]', accept: 'application/json' },
    body: { name: 'db', password: '[redacted]', nested: [{ apiKey: '[redacted]', githubToken: '[redacted]', clientSecret: '[redacted]' }] },
  });
});

it('redacts copies for the audit log without touching the original', () => {
  const body = { id: 'x', secret: { value: 'v' }, tokens: 3 };
  expect(redact(body)).toEqual({ id: 'x', secret: '[redacted]', tokens: 3 });
  expect(body.secret).toEqual({ value: 'v' });
});
