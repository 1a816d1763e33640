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

it('keeps each invocation\'s log keys and function name to itself when many run in one process (the local runtime)', async () => {
  const { logger, withLoggerScope } = await import('./observability.ts');
  const seen: Array<Record<string, unknown>> = [];
  const invocation = (fn: string, route: string, waitMs: number) => withLoggerScope(fn, async () => {
    // Persistent keys, to read them back; appendKeys' temporary ones live on the same scoped logger.
    logger.appendPersistentKeys({ route });
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    seen.push({ fn, keys: { ...logger.getPersistentLogAttributes() }, service: (logger as unknown as { powertoolsLogData: { serviceName: string } }).powertoolsLogData.serviceName });
  });
  // The first starts first and ends last: a shared logger would end with the second's route.
  await Promise.all([invocation('apollo-services', 'GET /api/v1/services', 30), invocation('apollo-realtime', '$connect', 5)]);
  expect(seen).toEqual([
    { fn: 'apollo-realtime', keys: { route: '$connect' }, service: 'apollo-realtime' },
    { fn: 'apollo-services', keys: { route: 'GET /api/v1/services' }, service: 'apollo-services' },
  ]);
  expect(logger.getPersistentLogAttributes()).toEqual({});
});
