/**
 * `Idempotency-Key` on POSTs that start work (Powertools idempotency, stored in the one table under
 * `PK = IDEMPOTENCY`). The key is scoped to the caller and the route, so two people can't collide;
 * the same key with a different body is refused (422); a duplicate still running gets 409.
 */
import { createHmac } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { IdempotencyConfig, IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ConflictError, UnprocessableError, ValidationError } from '#shared/errors';
import type { ApiRequest } from './http/request.ts';
import { config } from './config.ts';
import { dynamoClient } from './table.ts';

/** How long a completed response is replayed for a repeated key. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

type Event = APIGatewayProxyEvent & { apollo?: ApiRequest; apolloIdempotencyKey?: string };

let persistence: DynamoDBPersistenceLayer | undefined;
const persistenceStore = (): DynamoDBPersistenceLayer =>
  (persistence ??= new DynamoDBPersistenceLayer({
    tableName: config().tableName,
    keyAttr: 'PK',
    sortKeyAttr: 'SK',
    staticPkValue: 'IDEMPOTENCY',
    expiryAttr: 'expiresAt',
    awsSdkV3Client: dynamoClient,
  }));

const KEY_FORMAT = /^[A-Za-z0-9._:-]{8,128}$/;

export function idempotency(): MiddlewareObj<Event> {
  const powertools = makeHandlerIdempotent({
    persistenceStore: persistenceStore(),
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'apolloIdempotencyKey',
      payloadValidationJmesPath: 'apolloPayload',
      expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
      throwOnNoIdempotencyKey: false,
    }),
  }) as MiddlewareObj<Event>;
  const owners = new WeakSet<object>();
  return {
    before: async (request) => {
      const req = request.event.apollo!;
      const key = req.headers['idempotency-key'];
      if (key === undefined) return;
      if (!KEY_FORMAT.test(key)) {
        throw new ValidationError('Idempotency-Key must be 8-128 characters of letters, digits, ".", "_", ":" or "-" (a UUID or ULID)', {
          details: [{ path: '/headers/idempotency-key', message: 'invalid format' }],
        });
      }
      Object.assign(request.event, {
        apolloIdempotencyKey: `${req.identity.principal} ${req.route.method} ${req.route.path} ${JSON.stringify(req.params)} ${key}`,
        apolloPayload: payloadOf(req, key),
      });
      let replay: unknown;
      try {
        replay = await powertools.before!(request as never);
      } catch (error) {
        throw translate(error);
      }
      if (replay !== undefined) return replay;
      // Only the request that saved the in-progress record may complete or delete it; a duplicate
      // refused above must not, or it would delete the record of the request still running.
      owners.add(request.event);
      return undefined;
    },
    after: async (request) => {
      if (owners.has(request.event)) await powertools.after!(request as never);
    },
    onError: async (request) => {
      if (owners.has(request.event)) await powertools.onError!(request as never);
    },
  };
}

/**
 * What a repeated key's body is compared by (Powertools keeps its hash): the body, with each field the route never
 * records (`omitBodyFields`: a secret's value) as an HMAC keyed by the Idempotency-Key, which is kept nowhere, so
 * the stored hash cannot be tried against guessed values; another value is still another body (422).
 */
function payloadOf(req: ApiRequest, key: string): unknown {
  const fields = req.route.audit?.omitBodyFields;
  const body = req.body as unknown;
  if (!fields?.length || !body || typeof body !== 'object' || Array.isArray(body)) return body ?? null;
  return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, fields.includes(k) ? createHmac('sha256', key).update(JSON.stringify(v)).digest('base64url') : v]));
}

function translate(error: unknown): unknown {
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return new ConflictError('a request with this Idempotency-Key is still being processed; retry in a few seconds', { cause: error, retryAfterSeconds: 2 });
  }
  if (error instanceof IdempotencyValidationError) {
    return new UnprocessableError('this Idempotency-Key was already used with a different request body', { cause: error });
  }
  return error;
}
