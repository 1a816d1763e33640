import { describe, expect, it } from 'vitest';
import type { Environment } from '../../../../schemas/types.gen.ts';
import { splitDetails } from '../../components/field-errors.ts';
import { environmentBody, environmentField, environmentValues, validateEnvironment } from './environment-rules.ts';

const prod: Environment = {
  serviceId: 'billing-service', name: 'prod', cluster: 'eks-prod-us-east-1', namespace: 'payments',
  deployment: { imageTag: 'v2.4.1', replicas: 3, lastDeployedAt: '2026-11-20T10:00:00Z', lastDeployedBy: 'github-actions', gitCommit: 'abc1234' },
  endpoints: { internal: 'http://billing.payments.svc.cluster.local:8080', healthCheck: 'https://billing.example.com/health' },
  resources: { cpu: { request: '250m', limit: '1' } },
  secrets: [{ name: 'DB_PASSWORD', secretId: 'prod/billing/db', key: 'password' }, { name: 'STRIPE_API_KEY', secretId: 'prod/billing/stripe' }],
  health: { status: 'healthy' } as Environment['health'], updatedAt: '2026-11-20T10:00:00Z', updatedBy: 'x', version: 4,
};

describe('the environment form rules', () => {
  it('accepts an existing environment as it is, and a new one with just its cluster and namespace', () => {
    expect(validateEnvironment(environmentValues(prod), false, ['prod', 'dev'])).toEqual({});
    expect(validateEnvironment({ ...environmentValues(null), name: 'qa', cluster: 'eks-dev', namespace: 'payments' }, true, ['prod'])).toEqual({});
  });

  it('names each field the API would refuse, in words', () => {
    const v = {
      ...environmentValues(prod), name: 'QA', cluster: 'eks prod', namespace: 'Payments', replicas: '2.5', external: 'example.com', healthCheck: 'x'.repeat(501),
      cpuRequest: '', memoryRequest: '1 Gi', memoryLimit: '2Gi',
      secrets: [{ key: 0, name: '1PASSWORD', secretId: ' ', jsonKey: '' }, { key: 1, name: 'TOKEN', secretId: 'a', jsonKey: '' }, { key: 2, name: 'TOKEN', secretId: 'b', jsonKey: 'k'.repeat(129) }],
    };
    expect(validateEnvironment(v, true, [])).toEqual({
      name: '1–32 lowercase letters, digits and dashes, starting with a letter (prod, staging, dev)',
      cluster: 'The EKS cluster name: letters, digits, _ and -',
      namespace: 'A Kubernetes namespace: lowercase letters, digits and -, up to 63',
      replicas: 'A whole number from 0 to 10,000',
      external: 'A full URL, e.g. https://…',
      healthCheck: 'At most 500 characters',
      cpuRequest: 'Give the request with the limit',
      memoryRequest: 'A Kubernetes quantity, e.g. 256Mi or 1Gi',
      'secrets.0.name': 'Letters, digits and _ . -, starting with a letter or _',
      'secrets.0.secretId': 'The Secrets Manager secret name or ARN',
      'secrets.2.name': 'TOKEN is listed twice',
      'secrets.2.jsonKey': 'At most 128 characters',
    });
    expect(validateEnvironment({ ...environmentValues(prod), name: 'prod' }, true, ['prod'])).toEqual({ name: 'prod exists already: edit it instead' });
    expect(validateEnvironment({ ...environmentValues(prod), replicas: '10001' }, false, [])).toEqual({ replicas: 'A whole number from 0 to 10,000' });
  });

  it('builds the PUT body: trimmed, empty fields left out, the last deploy carried over', () => {
    expect(environmentBody({ ...environmentValues(prod), imageTag: ' v2.5.0 ', replicas: '0', internal: '' }, prod)).toEqual({
      cluster: 'eks-prod-us-east-1', namespace: 'payments',
      deployment: { imageTag: 'v2.5.0', replicas: 0, lastDeployedAt: '2026-11-20T10:00:00Z', lastDeployedBy: 'github-actions', gitCommit: 'abc1234' },
      endpoints: { healthCheck: 'https://billing.example.com/health' },
      resources: { cpu: { request: '250m', limit: '1' } },
      secrets: [{ name: 'DB_PASSWORD', secretId: 'prod/billing/db', key: 'password' }, { name: 'STRIPE_API_KEY', secretId: 'prod/billing/stripe' }],
    });
    expect(environmentBody({ ...environmentValues(null), cluster: 'eks-dev ', namespace: 'growth' }, null)).toEqual({
      cluster: 'eks-dev', namespace: 'growth', deployment: {}, endpoints: {}, resources: {}, secrets: [],
    });
  });

  it('puts the API’s details on the fields their paths name and keeps the rest for above the form', () => {
    expect(splitDetails([
      { path: '/path/env', message: 'not an environment name' },
      { path: '/body/endpoints/healthCheck', message: 'must match format "uri"' },
      { path: '/body/resources/memory', message: "must have required property 'limit'" },
      { path: '/body/secrets/1/key', message: 'must NOT have more than 128 characters' },
      { path: '/body/extra', message: 'must NOT have additional properties' },
    ], environmentField)).toEqual({
      fields: {
        name: 'not an environment name',
        healthCheck: 'must match format "uri"',
        memoryRequest: "must have required property 'limit'",
        'secrets.1.jsonKey': 'must NOT have more than 128 characters',
      },
      rest: ['/body/extra: must NOT have additional properties'],
    });
  });
});
