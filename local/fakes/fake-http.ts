/**
 * What the LOCAL FAKE servers of outside systems share on the wire (JIRA, PagerDuty): an answer written with the
 * label every fake carries (`X-Apollo-Fake`), and a request body read up to a bound.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface FakeAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Writes an answer: a string as HTML (when it is a page) or text, anything else as JSON (`jsonType` as the system words it). */
export function sendFakeAnswer(res: ServerResponse, answer: FakeAnswer, label: string, jsonType = 'application/json; charset=utf-8'): void {
  const html = typeof answer.body === 'string' && answer.body.startsWith('<!doctype');
  const text = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...(text ? { 'content-type': html ? 'text/html; charset=utf-8' : typeof answer.body === 'string' ? 'text/plain; charset=utf-8' : jsonType } : {}),
    'cache-control': 'no-store',
    'x-apollo-fake': label,
    ...answer.headers,
  });
  res.end(text);
}

/** The request's body, or null when it is longer than `max` bytes. */
export function readFakeBody(req: IncomingMessage, max = 1024 * 1024): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > max ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
