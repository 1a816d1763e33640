/**
 * What the fault scenarios of request actions that run elsewhere share (faults-terraform.ts, faults-jira.ts):
 * an offering stored as the catalog would store it, a request submitted and followed to a status, and a loopback
 * proxy answer that forwards to a LOCAL FAKE of the system but may lose the answer of a request that reached it
 * (the fake did the work; Apollo sees a timeout or a gateway's 504), which is what tests idempotency.
 */
import type { Request } from '#schemas/index.ts';
import type { ApiClient } from '#shared/api-client';
import { forwardTo, until, type Call, type HealthyAnswer } from './faults-common.ts';

/** A request's statuses after which nothing happens by itself. */
export const ENDED = new Set(['completed', 'failed', 'cancelled', 'interrupted', 'deprovisioned']);

/** Stores `doc` as the catalog refresh would (owned by the demo team `platform`). */
export async function putOffering(doc: { metadata: { id: string } }): Promise<void> {
  const { putVersion } = await import('../../functions/offerings/adapters/dynamo-store.ts');
  const id = doc.metadata.id;
  await putVersion(doc as unknown as Parameters<typeof putVersion>[0], { repo: 'apollo-reliability/catalog', path: `catalog/${id}.yaml`, sha: `reliability-${Date.now()}`, ownerTeam: 'platform' });
}

/** Submits a request for `offeringId` by team `platform`; its id. */
export async function submit(client: ApiClient, offeringId: string, fields: Record<string, unknown>): Promise<string> {
  const res = await client.send('POST', '/api/v1/requests', { body: { offeringId, team: 'platform', fields } });
  if (res.status !== 201) throw new Error(`POST /api/v1/requests (${offeringId}) answered ${res.status}: ${JSON.stringify(res.body)}`);
  return (res.body as Request).id;
}

export async function readRequest(client: ApiClient, id: string): Promise<Request> {
  const res = await client.send('GET', `/api/v1/requests/${id}`);
  if (res.status !== 200) throw new Error(`GET /api/v1/requests/${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as Request;
}

/** The request once `done(request)` holds (asked every 150 ms), or as it is after `timeoutMs`. */
export async function follow(client: ApiClient, id: string, done: (request: Request) => boolean, timeoutMs: number): Promise<Request> {
  let request = await readRequest(client, id);
  await until(async () => done(request = await readRequest(client, id)), timeoutMs, 150);
  return request;
}

/** The request once it has ended (ENDED), or as it is after `timeoutMs`. */
export const untilEnded = (client: ApiClient, id: string, timeoutMs: number): Promise<Request> => follow(client, id, (r) => ENDED.has(r.status), timeoutMs);

/** How a proxy loses the answer of a request that reached the fake: never answers (the caller times out), or answers this status. */
export type LostAnswer = 'hang' | number;

/**
 * A healthy answer that forwards to `upstream`, except that a call `lose(call)` names is forwarded (the fake does
 * the work) and its answer lost: withheld until the caller gives up, or replaced by a gateway's status.
 */
export function forwardLosing(upstream: string, lose: (call: Call) => LostAnswer | undefined): HealthyAnswer {
  const forward = forwardTo(upstream);
  return (call, res) => {
    const lost = lose(call);
    if (lost === undefined) return forward(call, res);
    const headers = Object.fromEntries(Object.entries(call.headers).filter(([name, value]) => typeof value === 'string' && !['host', 'connection', 'content-length', 'accept-encoding'].includes(name))) as Record<string, string>;
    void fetch(`${upstream}${call.path}`, { method: call.method, headers, ...(call.body ? { body: call.body } : {}) })
      .then((answer) => answer.arrayBuffer())
      .catch(() => undefined)
      .then(() => {
        if (lost === 'hang' || res.destroyed) return;
        res.writeHead(lost, { 'content-type': 'text/plain' }).end(`gateway timeout (reliability fault): the upstream took the request, its answer was lost`);
      });
  };
}

/** Timeline lines of a request that match `pattern`. */
export const said = (request: Request, pattern: RegExp): Request['timeline'] => request.timeline.filter((e) => pattern.test(e.message));

/** A long message shortened in its middle (its start says what failed, its end what happens next). */
export const clip = (text: string, max = 170): string => (text.length <= max ? text : `${text.slice(0, max - 70)} … ${text.slice(-65)}`);
