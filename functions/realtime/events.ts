/**
 * What API Gateway's WebSocket API hands the realtime Lambda (Lambda proxy integration): one event
 * shape for `$connect`, `$disconnect` and `$default`. With IAM auth, `requestContext.identity`
 * carries the caller (`userArn`, Cognito fields) on `$connect`; later routes must not rely on it.
 */
import type { APIGatewayEventIdentity, APIGatewayEventWebsocketRequestContextV2 } from 'aws-lambda';

export interface RealtimeRequestContext extends Omit<APIGatewayEventWebsocketRequestContextV2, 'messageId'> {
  /** On `$default` only. */
  readonly messageId?: string;
  readonly identity?: APIGatewayEventIdentity;
  readonly disconnectStatusCode?: number;
  readonly disconnectReason?: string;
}

export interface RealtimeEvent {
  readonly requestContext: RealtimeRequestContext;
  readonly headers?: Record<string, string | undefined>;
  readonly multiValueHeaders?: Record<string, string[] | undefined>;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
  readonly body?: string | null;
  readonly isBase64Encoded: boolean;
}

/** A non-2xx `statusCode` from `$connect` refuses the connection; other routes' results are ignored. */
export interface RealtimeResult {
  readonly statusCode: number;
  readonly body?: string;
}
