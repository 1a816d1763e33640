/**
 * What the requests tests do over signed HTTP: call as a role (any status), submit, wait for a status (and
 * say where the request got to when it does not come), approve from the inbox.
 */
import { expect } from 'vitest';
import type { ApprovalList, Request, RequestStatus } from '#schemas/index.ts';
import type { Role } from '#shared/permissions';
import { until, type Harness } from './harness.ts';

export function requestsApi(harness: () => Harness) {
  async function api<T>(role: Role, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await harness().client(role).send(method, path, body === undefined ? {} : { body });
    return { status: res.status, body: res.body as T };
  }
  async function submit(offeringId: string, fields: Record<string, unknown>, role: Role = 'developer'): Promise<string> {
    const res = await api<Request>(role, 'POST', '/api/v1/requests', { offeringId, fields });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id;
  }
  const status = async (id: string): Promise<string> => (await api<RequestStatus>('developer', 'GET', `/api/v1/requests/${id}/status`)).body.status;
  async function reaches(id: string, statuses: string[], timeoutMs = 30_000): Promise<Request> {
    try {
      await until(async () => statuses.includes(await status(id)), timeoutMs);
    } catch (error) {
      const { body } = await api<Request>('developer', 'GET', `/api/v1/requests/${id}`);
      throw new Error(`request ${id} is ${body.status}, not ${statuses.join('/')}: ${body.timeline.map((e) => e.message).join(' | ')}`, { cause: error });
    }
    return (await api<Request>('developer', 'GET', `/api/v1/requests/${id}`)).body;
  }
  /** Approves the request's approval as `role` from the inbox; the answer's status. */
  async function approveAs(role: Role, requestId: string): Promise<number> {
    const inbox = await api<ApprovalList>(role, 'GET', '/api/v1/approvals/pending');
    const approval = inbox.body.items.find((a) => a.requestId === requestId);
    expect(approval, `no pending approval of ${requestId} for ${role}`).toBeDefined();
    expect(approval!.canDecide, approval!.why).toBe(true);
    return (await api(role, 'POST', `/api/v1/approvals/${approval!.id}/approve`, {})).status;
  }
  return { api, submit, status, reaches, approveAs };
}
