/**
 * The realtime client (web app, CLI, tests): connects to the WebSocket API with a SigV4-presigned
 * URL (IAM auth on `$connect`), subscribes to topics, reassembles chunked frames, and reconnects with
 * backoff, resubscribing to every topic it had. Browser-safe: only the global WebSocket (Node 22+,
 * browsers) or one passed in.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RealtimeFrame, RealtimeMessage } from '../schemas/types.gen.ts';
import type { CredentialProvider, Credentials } from './api-client.ts';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';
export type EventFrame = Extract<RealtimeFrame, { type: 'event' }>;

/** The subset of the WebSocket interface the client uses (browser WebSocket, `ws`). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
}

export interface RealtimeClientOptions {
  /** `wss://<api>.execute-api.<region>.amazonaws.com/<stage>` or `ws://127.0.0.1:3000/realtime`. */
  readonly url: string;
  readonly region: string;
  readonly credentials: CredentialProvider | Credentials;
  readonly WebSocket?: new (url: string) => SocketLike;
  /** Reconnect backoff: first delay and cap (ms). */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Keep-alive ping interval (API Gateway closes idle connections after 10 minutes). */
  readonly pingIntervalMs?: number;
}

type Listener = (frame: EventFrame) => void;
const OPEN = 1;

/** A URL for `$connect`, presigned for `execute-api` (valid one minute, enough to open the socket). */
export async function presignConnectUrl(url: string, region: string, credentials: CredentialProvider | Credentials): Promise<string> {
  const target = new URL(url);
  const signer = new SignatureV4({ service: 'execute-api', region, sha256: Sha256, credentials: typeof credentials === 'function' ? credentials : async () => credentials });
  const query: Record<string, string> = {};
  target.searchParams.forEach((v, k) => { query[k] = v; });
  const signed = await signer.presign(
    new HttpRequest({ method: 'GET', protocol: target.protocol, hostname: target.hostname, port: target.port ? Number(target.port) : undefined, path: target.pathname, query, headers: { host: target.host } }),
    { expiresIn: 60 },
  );
  const search = Object.entries(signed.query ?? {}).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
  return `${target.protocol}//${target.host}${target.pathname}?${search}`;
}

export class RealtimeClient {
  private socket: SocketLike | undefined;
  private state: ConnectionState = 'closed';
  private readonly topics = new Map<string, Set<Listener>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly errorListeners = new Set<(error: { code: string; message: string; topic?: string }) => void>();
  private readonly chunks = new Map<string, string[]>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ping: ReturnType<typeof setInterval> | undefined;
  private stopped = true;

  constructor(private readonly options: RealtimeClientOptions) {}

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** Opens the connection (and keeps it open until `close`). */
  connect(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.open();
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.ping);
    this.socket?.close(1000, 'client closed');
    this.socket = undefined;
    this.setState('closed');
  }

  /** Listens to a topic; returns the function that stops listening (and unsubscribes when last). */
  subscribe(topic: string, listener: Listener): () => void {
    let listeners = this.topics.get(topic);
    if (!listeners) {
      listeners = new Set();
      this.topics.set(topic, listeners);
      this.send({ action: 'subscribe', topic });
    }
    listeners.add(listener);
    return () => {
      const set = this.topics.get(topic);
      if (!set) return;
      set.delete(listener);
      if (set.size === 0) {
        this.topics.delete(topic);
        this.send({ action: 'unsubscribe', topic });
      }
    };
  }

  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onError(listener: (error: { code: string; message: string; topic?: string }) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const l of this.stateListeners) l(state);
  }

  private send(message: RealtimeMessage): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(message));
  }

  private async open(): Promise<void> {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let url: string;
    try {
      url = await presignConnectUrl(this.options.url, this.options.region, this.options.credentials);
    } catch {
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;
    const Socket = this.options.WebSocket ?? (globalThis as unknown as { WebSocket: new (url: string) => SocketLike }).WebSocket;
    const socket = new Socket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState('open');
      for (const topic of this.topics.keys()) this.send({ action: 'subscribe', topic });
      clearInterval(this.ping);
      this.ping = setInterval(() => this.send({ action: 'ping' }), this.options.pingIntervalMs ?? 5 * 60_000);
    };
    socket.onmessage = (ev) => this.receive(String(ev.data));
    socket.onerror = () => undefined; // onclose follows and decides
    socket.onclose = () => {
      clearInterval(this.ping);
      if (this.socket === socket) this.socket = undefined;
      if (!this.stopped) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    this.setState('reconnecting');
    const min = this.options.minDelayMs ?? 1_000;
    const max = this.options.maxDelayMs ?? 30_000;
    const delay = Math.min(max, min * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => { if (!this.stopped) void this.open(); }, delay);
  }

  private receive(text: string): void {
    let frame: RealtimeFrame;
    try {
      frame = JSON.parse(text) as RealtimeFrame;
    } catch {
      return;
    }
    if (frame.type === 'chunk') {
      const parts = this.chunks.get(frame.id) ?? new Array<string>(frame.total);
      parts[frame.seq] = frame.data;
      this.chunks.set(frame.id, parts);
      if (parts.filter((p) => p !== undefined).length === frame.total) {
        this.chunks.delete(frame.id);
        this.receive(parts.join(''));
      }
      return;
    }
    if (frame.type === 'event') {
      for (const listener of this.topics.get(frame.topic) ?? []) listener(frame);
    } else if (frame.type === 'error') {
      for (const listener of this.errorListeners) listener(frame);
    }
  }
}
