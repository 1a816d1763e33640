/**
 * A failed network call in words, for people: Node's system error code (directly or as the `cause`) named,
 * e.g. "connection refused", "TLS certificate expired". The health probe and the actions' calls use it.
 */
const WORDS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed TLS certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate not trusted',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not name the host',
};

export function networkError(error: unknown): string {
  const e = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  // Node's name for a server that closed the connection before answering (code ECONNRESET).
  if (e.message === 'socket hang up') return 'connection closed without an answer';
  const code = e.code ?? e.cause?.code;
  if (code && WORDS[code]) return WORDS[code];
  return (e.cause?.message ?? e.message ?? 'request failed').slice(0, 200);
}
