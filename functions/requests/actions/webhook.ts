/**
 * The webhook executor: POSTs (or PUTs) the rendered JSON payload, signed so the receiver can tell it
 * came from Apollo and is fresh (docs/webhook-signatures.md):
 *
 *   X-Apollo-Timestamp: <unix seconds>
 *   X-Apollo-Signature-256: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>   (or `signatureHeader`)
 *   X-Apollo-Delivery: <idempotency key>   (and Idempotency-Key: the same)
 *
 * Any 2xx is success; declared outputs are read from a JSON answer as for REST.
 */
import { createHmac } from 'node:crypto';
import { MASK } from '#shared/variables/index';
import type { ActionExecutor, ActionResult, ActionRun } from './ports.ts';
import { ActionFailure, Attempt, withHeaders, textMap, type ExecutorDeps } from './attempt.ts';
import { logOutputs, readOutputs } from './outputs.ts';

export const DEFAULT_SIGNATURE_HEADER = 'X-Apollo-Signature-256';
export const TIMESTAMP_HEADER = 'X-Apollo-Timestamp';
export const DELIVERY_HEADER = 'X-Apollo-Delivery';

/** `sha256=<hex>` over `<timestamp>.<body>`: what the signature header carries. */
export function webhookSignature(secret: string, timestamp: number | string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export class WebhookExecutor implements ActionExecutor {
  constructor(private readonly deps: ExecutorDeps) {}

  async execute(run: ActionRun): Promise<ActionResult> {
    const attempt = new Attempt(run, this.deps);
    if (run.action.type !== 'webhook') return attempt.fail(new ActionFailure('internal', `the webhook executor cannot run a ${run.action.type} action`, false));
    const config = run.action.config;
    let status: number | undefined;
    try {
      const { preview, execute: rendered } = await attempt.render(config);
      const method = config.method ?? 'POST';
      const signatureHeader = config.signatureHeader ?? DEFAULT_SIGNATURE_HEADER;
      attempt.maskedHeaders.add(signatureHeader.toLowerCase());
      const timestamp = Math.floor(this.now() / 1000);
      const fixed = {
        'Content-Type': 'application/json',
        [TIMESTAMP_HEADER]: String(timestamp),
        [signatureHeader]: MASK,
        [DELIVERY_HEADER]: run.idempotencyKey,
        'Idempotency-Key': run.idempotencyKey,
      };
      attempt.input = {
        method,
        url: String(preview.url),
        headers: attempt.maskHeaders(withHeaders(textMap(preview.headers, 'header'), fixed)),
        body: preview.payload ?? {},
      };

      const execute = rendered();
      const secret: unknown = execute.secret;
      if (typeof secret !== 'string' || secret === '') throw new ActionFailure('template', 'the webhook secret rendered empty', false);
      attempt.addSecret(secret);
      const body = JSON.stringify(execute.payload ?? {});
      const headers = withHeaders(textMap(execute.headers, 'header'), { ...fixed, [signatureHeader]: webhookSignature(secret, timestamp, body) });
      const target = await attempt.vet(String(execute.url));
      const what = `${method} ${target.url.origin}${target.url.pathname}`;
      const response = await attempt.exchange(target, method, headers, body);
      status = response.status;
      if (status < 200 || status > 299) throw attempt.statusFailure(what, response);
      attempt.log('info', `${what} answered ${status} (delivery ${run.idempotencyKey})`);
      const { outputs, sensitive } = readOutputs(run.action.outputs, response);
      logOutputs(attempt, outputs, sensitive);
      return attempt.succeed(outputs, sensitive, status);
    } catch (error) {
      return attempt.fail(error, status);
    }
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }
}
