/**
 * The environment form: its values, the API's rules for them (schemas/api/environment-put.schema.json and the
 * environment name the route takes), the PUT body, and the API's 400 details on the fields their paths name.
 */
import type { Environment, EnvironmentPut } from '../../../../schemas/types.gen.ts';
import type { FieldErrors } from '../../components/field-errors.ts';

export interface SecretValues { key: number; name: string; secretId: string; jsonKey: string }

export interface EnvironmentValues {
  name: string;
  cluster: string;
  namespace: string;
  imageTag: string;
  replicas: string;
  internal: string;
  external: string;
  healthCheck: string;
  cpuRequest: string;
  cpuLimit: string;
  memoryRequest: string;
  memoryLimit: string;
  secrets: SecretValues[];
}

const ENV_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const CLUSTER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,127}$/;

export function environmentValues(env: Environment | null): EnvironmentValues {
  return {
    name: env?.name ?? '', cluster: env?.cluster ?? '', namespace: env?.namespace ?? '',
    imageTag: env?.deployment.imageTag ?? '', replicas: env?.deployment.replicas === undefined ? '' : String(env.deployment.replicas),
    internal: env?.endpoints.internal ?? '', external: env?.endpoints.external ?? '', healthCheck: env?.endpoints.healthCheck ?? '',
    cpuRequest: env?.resources.cpu?.request ?? '', cpuLimit: env?.resources.cpu?.limit ?? '',
    memoryRequest: env?.resources.memory?.request ?? '', memoryLimit: env?.resources.memory?.limit ?? '',
    secrets: (env?.secrets ?? []).map((s, i) => ({ key: i, name: s.name, secretId: s.secretId, jsonKey: s.key ?? '' })),
  };
}

const isUri = (v: string): boolean => {
  if (!/^[a-z][a-z0-9+.-]*:/i.test(v)) return false;
  try { new URL(v); return true; } catch { return false; }
};

/** Field errors, keyed by field name (`secrets.2.name` for a secret's). `taken` are the service's other environment names. */
export function validateEnvironment(v: EnvironmentValues, creating: boolean, taken: readonly string[]): FieldErrors {
  const e: FieldErrors = {};
  if (creating) {
    if (!ENV_NAME.test(v.name)) e.name = '1–32 lowercase letters, digits and dashes, starting with a letter (prod, staging, dev)';
    else if (taken.includes(v.name)) e.name = `${v.name} exists already: edit it instead`;
  }
  if (!CLUSTER.test(v.cluster.trim())) e.cluster = 'The EKS cluster name: letters, digits, _ and -';
  if (!NAMESPACE.test(v.namespace.trim())) e.namespace = 'A Kubernetes namespace: lowercase letters, digits and -, up to 63';
  if (v.imageTag.length > 200) e.imageTag = 'At most 200 characters';
  const replicas = v.replicas.trim();
  if (replicas !== '' && (!/^\d+$/.test(replicas) || Number(replicas) > 10_000)) e.replicas = 'A whole number from 0 to 10,000';
  if (v.internal.length > 500) e.internal = 'At most 500 characters';
  for (const f of ['external', 'healthCheck'] as const) {
    const url = v[f].trim();
    if (url.length > 500) e[f] = 'At most 500 characters';
    else if (url !== '' && !isUri(url)) e[f] = 'A full URL, e.g. https://…';
  }
  for (const r of ['cpu', 'memory'] as const) {
    const request = v[`${r}Request`].trim();
    const limit = v[`${r}Limit`].trim();
    if (request === '' && limit === '') continue;
    const example = r === 'cpu' ? '250m or 1' : '256Mi or 1Gi';
    if (!QUANTITY.test(request)) e[`${r}Request`] = request === '' ? 'Give the request with the limit' : `A Kubernetes quantity, e.g. ${example}`;
    if (!QUANTITY.test(limit)) e[`${r}Limit`] = limit === '' ? 'Give the limit with the request' : `A Kubernetes quantity, e.g. ${example}`;
  }
  const seen = new Set<string>();
  v.secrets.forEach((s, i) => {
    const name = s.name.trim();
    if (!SECRET_NAME.test(name)) e[`secrets.${i}.name`] = 'Letters, digits and _ . -, starting with a letter or _';
    else if (seen.has(name)) e[`secrets.${i}.name`] = `${name} is listed twice`;
    seen.add(name);
    const id = s.secretId.trim();
    if (id === '') e[`secrets.${i}.secretId`] = 'The Secrets Manager secret name or ARN';
    else if (id.length > 512) e[`secrets.${i}.secretId`] = 'At most 512 characters';
    if (s.jsonKey.length > 128) e[`secrets.${i}.jsonKey`] = 'At most 128 characters';
  });
  if (v.secrets.length > 100) e.secrets = 'At most 100 secrets';
  return e;
}

/**
 * The PUT body: the form's values, trimmed, empty ones left out. The PUT replaces the environment, so what the
 * form does not show (the last deploy: when, by whom, its commit) is carried over from `before`.
 */
export function environmentBody(v: EnvironmentValues, before: Environment | null): EnvironmentPut {
  const t = (s: string) => s.trim();
  const { lastDeployedAt, lastDeployedBy, gitCommit } = before?.deployment ?? {};
  const deployment = {
    ...(t(v.imageTag) && { imageTag: t(v.imageTag) }),
    ...(t(v.replicas) !== '' && { replicas: Number(t(v.replicas)) }),
    ...(lastDeployedAt !== undefined && { lastDeployedAt }),
    ...(lastDeployedBy !== undefined && { lastDeployedBy }),
    ...(gitCommit !== undefined && { gitCommit }),
  };
  const endpoints = {
    ...(t(v.internal) && { internal: t(v.internal) }),
    ...(t(v.external) && { external: t(v.external) }),
    ...(t(v.healthCheck) && { healthCheck: t(v.healthCheck) }),
  };
  const resources = {
    ...(t(v.cpuRequest) && t(v.cpuLimit) && { cpu: { request: t(v.cpuRequest), limit: t(v.cpuLimit) } }),
    ...(t(v.memoryRequest) && t(v.memoryLimit) && { memory: { request: t(v.memoryRequest), limit: t(v.memoryLimit) } }),
  };
  return {
    cluster: t(v.cluster), namespace: t(v.namespace), deployment, endpoints, resources,
    secrets: v.secrets.map((s) => ({ name: t(s.name), secretId: t(s.secretId), ...(t(s.jsonKey) && { key: t(s.jsonKey) }) })),
  };
}

const API_FIELDS: Record<string, string> = {
  '/path/env': 'name', '/body/cluster': 'cluster', '/body/namespace': 'namespace',
  '/body/deployment/imageTag': 'imageTag', '/body/deployment/replicas': 'replicas',
  '/body/endpoints/internal': 'internal', '/body/endpoints/external': 'external', '/body/endpoints/healthCheck': 'healthCheck',
  '/body/resources/cpu': 'cpuRequest', '/body/resources/cpu/request': 'cpuRequest', '/body/resources/cpu/limit': 'cpuLimit',
  '/body/resources/memory': 'memoryRequest', '/body/resources/memory/request': 'memoryRequest', '/body/resources/memory/limit': 'memoryLimit',
  '/body/secrets': 'secrets',
};

/** The form field an API error path belongs to (`/body/secrets/1/key` → `secrets.1.jsonKey`), for useFieldErrors().fromApi. */
export function environmentField(path: string): string | undefined {
  const secret = /^\/body\/secrets\/(\d+)\/(name|secretId|key)$/.exec(path);
  return secret ? `secrets.${secret[1]}.${secret[2] === 'key' ? 'jsonKey' : secret[2]}` : API_FIELDS[path];
}
