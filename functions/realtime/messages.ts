/**
 * What a client may say on the realtime channel (`$default`): subscribe to a topic it may hear,
 * unsubscribe, ping. Each message is answered with one frame; refusals are named errors that the
 * handler turns into `error` frames (ForbiddenError names the permission the topic needs).
 */
import type { RealtimeFrame, RealtimeMessage } from '#schemas/index.ts';
import { ApolloError, ForbiddenError, UnauthorizedError, ValidationError } from '#shared/errors';
import { roleHas } from '#shared/permissions';
import { topicDef } from '#shared/topics';
import { validate } from '#lib/validation';
import validators from '#schemas/validators/realtime-message.gen.cjs';
import { membershipsOf } from '#lib/memberships';
import { mayFollowRequest } from '#functions/requests/public';
import { mayFollowSession } from '#functions/ai/public';
import { addSubscription, connectionOf, removeSubscription, type ConnectionItem } from './connections.ts';

/** A topic that does not exist (or is malformed for its kind): refused like a missing permission. */
export class UnknownTopicError extends ApolloError {
  readonly code = 'UnknownTopic';
}

/** The message, parsed and validated against schemas/api/realtime-message.schema.json. */
export function parseMessage(body: string | null | undefined): RealtimeMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body ?? '');
  } catch (error) {
    throw new ValidationError('a message is JSON, e.g. {"action":"subscribe","topic":"audit"}', { details: [{ path: '/', message: 'not JSON' }], cause: error });
  }
  try {
    return validate<RealtimeMessage>(validators, 'realtime-message', parsed, 'body');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const details = error.details
      .filter((d) => !/^must match "(then|else)" schema$/.test(d.message)) // the missing field says it
      .map((d) => ({ path: d.path.replace(/^\/body/, '') || '/', message: d.message }));
    throw new ValidationError(`invalid message: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`, { details, cause: error });
  }
}

/** The topic a (possibly invalid) message names, for the error frame. */
export function topicOf(body: string | null | undefined): string | undefined {
  try {
    const topic = (JSON.parse(body ?? '') as { topic?: unknown }).topic;
    return typeof topic === 'string' && topic.length <= 160 ? topic : undefined;
  } catch {
    return undefined;
  }
}

async function subscribe(connectionId: string, topic: string): Promise<RealtimeFrame> {
  const connection = await connectionOf(connectionId);
  if (!connection) throw new UnauthorizedError('this connection is not registered (closed or expired): reconnect');
  const def = topicDef(topic);
  if (!def) throw new UnknownTopicError(`there is no topic ${topic}`);
  if (!roleHas(connection.role, def.permission)) {
    throw new ForbiddenError(`${connection.principal} (role ${connection.role}) lacks the permission ${def.permission} needed to subscribe to ${topic}`, {
      details: [{ path: '/permission', message: def.permission }],
    });
  }
  if (def.owner && !(await owns(connection, def.owner, topic.slice(topic.indexOf(':') + 1)))) {
    // As for a request one may not read: the same answer as a topic that does not exist.
    throw new UnknownTopicError(`there is no topic ${topic} for you`);
  }
  await addSubscription(connection, topic);
  return { type: 'subscribed', topic };
}

/** What the permission alone does not decide (shared/topics.ts `owner`). */
async function owns(connection: ConnectionItem, owner: 'self' | 'team' | 'request' | 'ai-session', id: string): Promise<boolean> {
  if (owner === 'self') return id.toLowerCase() === connection.principal.toLowerCase();
  if (owner === 'ai-session') return mayFollowSession({ principal: connection.principal, role: connection.role }, id);
  const teams = (await membershipsOf(connection.principal)).map((m) => m.teamId);
  if (owner === 'team') return teams.includes(id) || roleHas(connection.role, 'requests:manage');
  return mayFollowRequest({ principal: connection.principal, role: connection.role, teams }, id);
}

/** Acts on one message from a connection and returns the frame that answers it. */
export async function answer(connectionId: string, message: RealtimeMessage): Promise<RealtimeFrame> {
  switch (message.action) {
    case 'ping':
      return { type: 'pong' };
    case 'subscribe':
      return subscribe(connectionId, message.topic!);
    case 'unsubscribe':
      await removeSubscription(connectionId, message.topic!);
      return { type: 'unsubscribed', topic: message.topic! };
  }
}
