/**
 * The deployment tests' way to the API through the harness: a signed call as a role (the query may ride in the
 * path), one deployment, waiting for it to reach a status (the error says where it stopped and its timeline),
 * an environment as the catalog has it, and approving a deployment from the inbox.
 */
import { expect } from 'vitest';
import type { ApprovalList, Deployment, Environment } from '#schemas/index.ts';
import type { Role } from '#shared/permissions';
import { until, type Harness } from './harness.ts';

export function deploymentApi(harness: () => Harness) {
  async function api<T>(role: Role, method: string, path: string, body?: unknown, idempotencyKey?: string): Promise<{ status: number; body: T }> {
    const [bare, search] = path.split('?') as [string, string | undefined];
    const query = search ? Object.fromEntries(new URLSearchParams(search)) : undefined;
    const res = await harness().client(role).send(method, bare, { ...(query ? { query } : {}), ...(body === undefined ? {} : { body }), ...(idempotencyKey ? { idempotencyKey } : {}) });
    return { status: res.status, body: res.body as T };
  }
  const get = async (id: string) => (await api<Deployment>('viewer', 'GET', `/api/v1/deployments/${id}`)).body;
  async function reaches(id: string, statuses: string[], timeoutMs = 25_000): Promise<Deployment> {
    try {
      await until(async () => statuses.includes((await get(id)).status), timeoutMs);
    } catch (error) {
      const d = await get(id);
      throw new Error(`deployment ${id} is ${d.status}/${d.stage}, not ${statuses.join('/')}: ${d.timeline?.map((l) => l.message).join(' | ') ?? JSON.stringify(d)}`, { cause: error });
    }
    return get(id);
  }
  async function environment(service: string, env: string): Promise<Environment | undefined> {
    const body = (await api<Environment[] | { items: Environment[] }>('viewer', 'GET', `/api/v1/services/${service}/environments`)).body;
    return (Array.isArray(body) ? body : body.items).find((e) => e.name === env);
  }
  const tagOf = async (service: string, env: string): Promise<string | undefined> => (await environment(service, env))?.deployment.imageTag;
  async function approveAs(role: Role, deploymentId: string): Promise<{ status: number; body: unknown }> {
    const inbox = await api<ApprovalList>(role, 'GET', '/api/v1/approvals/pending');
    const approval = inbox.body.items.find((a) => a.kind === 'deployment' && a.deployment?.id === deploymentId);
    expect(approval, `no pending approval of ${deploymentId} for ${role}`).toBeDefined();
    return api(role, 'POST', `/api/v1/approvals/${approval!.id}/approve`, {});
  }
  return { api, get, reaches, environment, tagOf, approveAs };
}
