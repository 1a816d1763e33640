/**
 * The local API Gateway WebSocket API (ARCHITECTURE.md §5, §7), on the runtime's port at `/realtime`:
 * - `$connect` needs a SigV4-presigned URL, verified like REST (bad, unknown or expired → 403 on the
 *   upgrade, before any socket exists), then the caller's role must be allowed `execute-api:Invoke`
 *   on the `$connect` route (shared/iam-policy.ts), then the realtime Lambda decides: a non-2xx
 *   `statusCode` refuses the connection, as in AWS;
 * - each message invokes `$default`, a close invokes `$disconnect`; identity is only on `$connect`;
 * - `@connections` (`POST/GET/DELETE /realtime/@connections/{id}`) is SigV4-verified and accepts only
 *   the handlers' own credentials; an unknown or closed connection is 410 GoneException.
 * Connections idle for 10 minutes or open for 2 hours are closed, as AWS does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { policyAllows, realtimeConnectPolicy, realtimeRouteArn, type ApiArnParts, type PolicyStatement } from '#shared/iam-policy';
import { roleFromIamRoleName } from '#lib/identity';
import { MAX_FRAME_BYTES } from '#lib/realtime';
import type { RealtimeEvent, RealtimeResult } from '../../functions/realtime/events.ts';
import type { LocalCredentialStore } from '../credentials.ts';
import { invoke } from '../lambda.ts';
import { eventIdentity, headerMap, type GatewayReply } from './rest.ts';
import { verifySigV4, type CredentialRecord } from './sigv4.ts';

export const REALTIME_PATH = '/realtime';
const MANAGEMENT_PREFIX = `${REALTIME_PATH}/@connections/`;
/** API Gateway's limit for a message a client sends (frames of 32 KB, messages of 128 KB). */
export const MAX_MESSAGE_BYTES = 128 * 1024;
/** API Gateway WebSocket's frame limit (ARCHITECTURE.md §9), the same as the frames we send. */
export const MAX_CLIENT_FRAME_BYTES = MAX_FRAME_BYTES;
export const IDLE_TIMEOUT_MS = 10 * 60_000;
export const MAX_CONNECTION_MS = 2 * 3600_000;
const GOING_AWAY = 1001;

export interface RealtimeGatewayOptions {
  readonly region: string;
  /** The WebSocket API: its own api id and stage. */
  readonly api: ApiArnParts;
  readonly credentials: LocalCredentialStore;
  /** The only credentials `@connections` accepts: those the runtime gives its handlers. */
  readonly handlerCredentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly idleTimeoutMs?: number;
}

interface Connection {
  readonly id: string;
  readonly socket: WebSocket;
  readonly connectedAt: Date;
  lastActiveAt: Date;
  readonly sourceIp: string;
  readonly userAgent: string;
  readonly domainName: string;
  /** Messages are handed to `$default` one at a time, in the order received. */
  queue: Promise<void>;
  readonly timers: NodeJS.Timeout[];
}

const json = (status: number, body: unknown, errorType?: string): GatewayReply => ({
  status,
  headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...(errorType ? { 'x-amzn-errortype': errorType } : {}) },
  body: body === undefined ? '' : JSON.stringify(body),
});

/** `25/Nov/2026:19:30:00 +0000`, API Gateway's requestTime. */
function requestTime(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Shaped like API Gateway's (`L0SM9cOFvHcCIhw=`): base64, so it needs encoding in a path. */
const newConnectionId = (): string => randomBytes(11).toString('base64').replace(/\//g, 'A').replace(/\+/g, 'B');

const sourceIpOf = (req: IncomingMessage): string => (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');

export class RealtimeGateway {
  // AWS refuses a client frame over 32 KB; our clients never fragment, so a message is one frame and
  // the message limit (128 KB for fragmented ones) is not reached here: a larger message closes with 1009.
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_FRAME_BYTES });
  private readonly connections = new Map<string, Connection>();
  private readonly pending = new Set<Promise<unknown>>();
  /** The statement every Apollo role carries for `$connect` (the one CDK attaches). */
  private readonly connectPolicy: PolicyStatement;
  private readonly handlerCredential: CredentialRecord;
  private closing = false;

  constructor(private readonly options: RealtimeGatewayOptions) {
    this.connectPolicy = realtimeConnectPolicy(options.api);
    this.handlerCredential = { ...options.handlerCredentials, principalArn: `arn:aws:sts::${options.api.accountId}:assumed-role/ApolloLocalHandlers/local` };
  }

  /** Whether the runtime should hand this request path to `manage`. */
  static handles(path: string): boolean {
    return path.startsWith(MANAGEMENT_PREFIX);
  }

  /** Open connections (tests, the bench). */
  get size(): number {
    return this.connections.size;
  }

  /** Ids of the open connections, oldest first. */
  connectionIds(): string[] {
    return [...this.connections.keys()];
  }

  // ---------------------------------------------------------------- $connect

  /** The runtime server's `upgrade` event. Refusals are HTTP answers written before any socket exists. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    if (rawPath !== REALTIME_PATH) return refuse(socket, 403, { message: 'Missing Authentication Token' }, 'MissingAuthenticationTokenException');
    if (this.closing) return refuse(socket, 503, { message: 'Service Unavailable' });
    const verified = verifySigV4(
      { method: 'GET', rawPath, rawQuery, headers: headerMap(req), body: Buffer.alloc(0) },
      { region: this.options.region, lookup: this.options.credentials.lookup, form: 'presigned' },
    );
    if (!verified.ok) return refuse(socket, 403, { message: verified.message }, verified.errorType);
    const caller = verified.credential;
    const role = roleFromIamRoleName(/assumed-role\/([^/]+)\//.exec(caller.principalArn)?.[1] ?? '');
    const resource = realtimeRouteArn(this.options.api, '$connect');
    if (!role || !policyAllows(this.connectPolicy, resource)) {
      return refuse(socket, 403, { Message: `User: ${caller.principalArn} is not authorized to perform: execute-api:Invoke on resource: ${resource}` }, 'AccessDeniedException');
    }

    const connectionId = newConnectionId();
    const connectedAt = new Date();
    const headers = headerMap(req);
    const single = Object.fromEntries([...headers].map(([k, v]) => [k, v.join(',')]));
    const query = Object.fromEntries(new URLSearchParams(rawQuery));
    const domainName = single.host ?? '127.0.0.1';
    const event: RealtimeEvent = {
      headers: single,
      multiValueHeaders: Object.fromEntries([...headers].map(([k, v]) => [k, [...v]])),
      queryStringParameters: query,
      isBase64Encoded: false,
      requestContext: {
        ...this.context('$connect', 'CONNECT', connectionId, connectedAt, domainName),
        identity: eventIdentity(caller, this.options.api.accountId, sourceIpOf(req), single['user-agent'] ?? null),
      },
    };
    let result: RealtimeResult;
    try {
      result = (await this.track(invoke('realtime', event))) as RealtimeResult;
    } catch (error) {
      console.error('[realtime] $connect handler crashed:', error);
      return refuse(socket, 500, { message: 'Internal server error' });
    }
    if (result.statusCode < 200 || result.statusCode >= 300) return refuse(socket, result.statusCode, { message: result.body || 'Forbidden' });
    if (socket.destroyed || this.closing) {
      // The client left while $connect ran: API Gateway then sends $disconnect.
      await this.track(this.disconnect(connectionId, domainName, 1006, 'Client left during $connect'));
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.open(ws, connectionId, connectedAt, sourceIpOf(req), single['user-agent'] ?? '', domainName));
  }

  private context(routeKey: string, eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT', connectionId: string, connectedAt: Date, domainName: string) {
    const now = new Date();
    return {
      routeKey,
      eventType,
      ...(eventType === 'MESSAGE' ? { messageId: randomBytes(11).toString('base64') } : {}),
      extendedRequestId: randomUUID(),
      requestTime: requestTime(now),
      messageDirection: 'IN' as const,
      stage: this.options.api.stage,
      connectedAt: connectedAt.getTime(),
      requestTimeEpoch: now.getTime(),
      requestId: randomUUID(),
      domainName,
      connectionId,
      apiId: this.options.api.apiId,
    };
  }

  private open(socket: WebSocket, id: string, connectedAt: Date, sourceIp: string, userAgent: string, domainName: string): void {
    const connection: Connection = { id, socket, connectedAt, lastActiveAt: connectedAt, sourceIp, userAgent, domainName, queue: Promise.resolve(), timers: [] };
    const idle = setTimeout(() => socket.close(GOING_AWAY, 'Going away'), this.options.idleTimeoutMs ?? IDLE_TIMEOUT_MS).unref();
    const maxAge = setTimeout(() => socket.close(GOING_AWAY, 'Going away'), MAX_CONNECTION_MS).unref();
    connection.timers.push(idle, maxAge);
    this.connections.set(id, connection);
    socket.on('message', (data: RawData) => {
      connection.lastActiveAt = new Date();
      idle.refresh();
      const body = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8');
      connection.queue = connection.queue.then(() => this.message(connection, body));
    });
    socket.on('close', (code: number, reason: Buffer) => {
      for (const timer of connection.timers) clearTimeout(timer);
      this.connections.delete(id);
      void this.track(connection.queue.then(() => this.disconnect(id, domainName, code, reason.toString() || 'Connection closed')));
    });
    socket.on('error', () => undefined); // 'close' follows
  }

  // ---------------------------------------------------------------- $default, $disconnect

  private async message(connection: Connection, body: string): Promise<void> {
    const event: RealtimeEvent = {
      body,
      isBase64Encoded: false,
      requestContext: this.context('$default', 'MESSAGE', connection.id, connection.connectedAt, connection.domainName),
    };
    try {
      await this.track(invoke('realtime', event));
    } catch (error) {
      // What API Gateway sends the client when the integration fails.
      console.error('[realtime] $default handler crashed:', error);
      if (connection.socket.readyState === connection.socket.OPEN) {
        connection.socket.send(JSON.stringify({ message: 'Internal server error', connectionId: connection.id, requestId: event.requestContext.requestId }));
      }
    }
  }

  private async disconnect(connectionId: string, domainName: string, code: number, reason: string): Promise<void> {
    const event: RealtimeEvent = {
      headers: { Host: domainName },
      isBase64Encoded: false,
      requestContext: { ...this.context('$disconnect', 'DISCONNECT', connectionId, new Date(), domainName), disconnectStatusCode: code, disconnectReason: reason },
    };
    await invoke('realtime', event).catch((error: unknown) => console.error('[realtime] $disconnect handler crashed:', error));
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise)).catch(() => undefined);
    return promise;
  }

  // ---------------------------------------------------------------- @connections

  /** `POST/GET/DELETE /realtime/@connections/{connectionId}`, as the ApiGatewayManagementApi client calls it. */
  async manage(req: IncomingMessage, body: Buffer): Promise<GatewayReply> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const method = (req.method ?? 'GET').toUpperCase();
    // The handler credentials are well known (`local`), so only this machine may use them.
    const remote = req.socket.remoteAddress ?? '';
    if (remote !== req.socket.localAddress && !/^(127\.|::1$|::ffff:127\.)/.test(remote)) {
      return json(403, { Message: 'the local @connections endpoint answers the runtime\'s own handlers only' }, 'AccessDeniedException');
    }
    const verified = verifySigV4(
      { method, rawPath, rawQuery, headers: headerMap(req), body },
      { region: this.options.region, lookup: (id) => (id === this.handlerCredential.accessKeyId ? this.handlerCredential : undefined) },
    );
    if (!verified.ok) return json(403, { message: verified.message }, verified.errorType);
    const segment = rawPath.slice(MANAGEMENT_PREFIX.length);
    let connectionId: string;
    try {
      connectionId = decodeURIComponent(segment);
    } catch {
      connectionId = segment;
    }
    if (!connectionId || segment.includes('/')) return json(403, { message: 'Missing Authentication Token' }, 'MissingAuthenticationTokenException');
    const connection = this.connections.get(connectionId);
    if (!connection || connection.socket.readyState !== connection.socket.OPEN) return json(410, { message: null }, 'GoneException');

    if (method === 'POST') {
      if (body.length > MAX_FRAME_BYTES) return json(413, { message: 'Message too long' }, 'PayloadTooLargeException');
      const sent = await new Promise<boolean>((resolve) => connection.socket.send(body.toString('utf8'), (error) => resolve(!error)));
      if (!sent) return json(410, { message: null }, 'GoneException');
      connection.lastActiveAt = new Date();
      return json(200, undefined);
    }
    if (method === 'GET') {
      // The wire names are camelCase (the SDK shows ConnectedAt, Identity.SourceIp, …).
      return json(200, { connectedAt: connection.connectedAt.toISOString(), identity: { sourceIp: connection.sourceIp, userAgent: connection.userAgent }, lastActiveAt: connection.lastActiveAt.toISOString() });
    }
    if (method === 'DELETE') {
      connection.socket.close(1000, 'Closed by the server');
      return json(204, undefined);
    }
    return json(403, { message: 'Missing Authentication Token' }, 'MissingAuthenticationTokenException');
  }

  // ---------------------------------------------------------------- shutdown

  /** Closes every socket with 1001 (so clients reconnect to the next runtime) and waits for `$disconnect`s. */
  async close(): Promise<void> {
    this.closing = true;
    const sockets = [...this.connections.values()].map((c) => c.socket);
    const closed = sockets.map((socket) => new Promise<void>((resolve) => {
      if (socket.readyState === socket.CLOSED) return resolve();
      socket.once('close', () => resolve());
      socket.close(GOING_AWAY, 'Going away');
    }));
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, 2_000).unref());
    await Promise.race([Promise.all(closed), deadline]);
    for (const socket of sockets) if (socket.readyState !== socket.CLOSED) socket.terminate();
    // Let the $disconnect of each connection reach the table before it closes.
    await Promise.race([Promise.allSettled([...this.pending]), new Promise<void>((resolve) => setTimeout(resolve, 3_000).unref())]);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** An HTTP answer on the raw upgrade socket: the handshake never happens. */
function refuse(socket: Duplex, status: number, body: Record<string, unknown>, errorType?: string): void {
  const text = JSON.stringify(body);
  const reasons: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 410: 'Gone', 500: 'Internal Server Error', 503: 'Service Unavailable' };
  socket.end([
    `HTTP/1.1 ${status} ${reasons[status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(text)}`,
    `x-amzn-RequestId: ${randomUUID()}`,
    ...(errorType ? [`x-amzn-ErrorType: ${errorType}`] : []),
    'Connection: close',
    '',
    text,
  ].join('\r\n'));
}
