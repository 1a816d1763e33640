import { describe, expect, it } from 'vitest';
import { maskSecrets } from './mask-secrets.ts';

describe('maskSecrets', () => {
  it('masks AWS access key ids, keeping the prefix', () => {
    expect(maskSecrets('using key AKIAIOSFODNN7EXAMPLE for s3')).toBe('using key AKIA[masked] for s3');
    expect(maskSecrets('session ASIAZ3EXAMPLE1234567 expired')).toBe('session ASIA[masked] expired');
  });

  it('masks a secret access key after a key-ish label, in env, YAML and JSON forms', () => {
    const key = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    expect(maskSecrets(`aws_secret_access_key=${key} loaded`)).toBe('aws_secret_access_key=[masked] loaded');
    expect(maskSecrets(`AWS_SECRET_ACCESS_KEY: ${key}`)).toBe('AWS_SECRET_ACCESS_KEY: [masked]');
    expect(maskSecrets(`{"secretAccessKey":"${key}"}`)).toBe('{"secretAccessKey":"[masked]"}');
  });

  it('masks bearer tokens and JWTs', () => {
    expect(maskSecrets('Authorization: Bearer abc.def-ghi_jkl~mno')).toBe('Authorization: Bearer [masked]');
    expect(maskSecrets('id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlX2hlcmU end')).toBe('id [masked] end');
  });

  it('masks the password of a URL and keeps the user and host', () => {
    expect(maskSecrets('connecting to postgres://cobalt:hunter2@db.internal:5432/core'))
      .toBe('connecting to postgres://cobalt:[masked]@db.internal:5432/core');
  });

  it('masks password=, secret= and token= pairs', () => {
    expect(maskSecrets('login failed user=bob password=hunter2 ip=10.0.0.1')).toBe('login failed user=bob password=[masked] ip=10.0.0.1');
    expect(maskSecrets('client_secret: s3cr3t, retry')).toBe('client_secret: [masked], retry');
    expect(maskSecrets('"token":"abc123"')).toBe('"token":"[masked]"');
    expect(maskSecrets('GET /cb?code=1&access_token=xyz&state=2')).toBe('GET /cb?code=1&access_token=[masked]&state=2');
  });

  it('masks a private key block, whole or cut at the end of the line', () => {
    expect(maskSecrets('key -----BEGIN RSA PRIVATE KEY-----MIIEow…abc-----END RSA PRIVATE KEY----- loaded'))
      .toBe('key -----BEGIN RSA PRIVATE KEY-----[masked]-----END RSA PRIVATE KEY----- loaded');
    expect(maskSecrets('-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg')).toBe('-----BEGIN PRIVATE KEY-----[masked]-----END PRIVATE KEY-----');
  });

  it('leaves ordinary lines alone', () => {
    const lines = [
      'HikariPool-1 - Connection is not available, request timed out after 30000ms',
      'INFO  [http-nio-8080-exec-3] c.c.core.AccountController : GET /accounts/42 200 12ms',
      'secretName=apollo/prod/core-service/db-password rotated',
      'tokens used: 42',
    ];
    for (const line of lines) expect(maskSecrets(line)).toBe(line);
  });
});
