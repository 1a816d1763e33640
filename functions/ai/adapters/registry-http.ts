/**
 * What the package registry adapters share on the wire: one GET with the caller's signal, a body read up to a
 * bound (npm's abbreviated documents of big packages run to megabytes), and failures said as RegistryLookupError.
 */

/** A registry could not say (not there, an error answer, a timeout, an unreadable document). */
export class RegistryLookupError extends Error {
  override readonly name = 'RegistryLookupError';
  constructor(message: string, readonly status?: number, options: { cause?: unknown } = {}) {
    super(message, options);
  }
}

export const USER_AGENT = 'apollo-upgrade (dependency check)';

/** The answer's status and text (up to `maxBytes`); a 404 is answered, not thrown, so each adapter words it. */
export async function getText(url: string, options: { readonly headers?: Record<string, string>; readonly signal: AbortSignal; readonly maxBytes: number }): Promise<{ status: number; text: string }> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { 'user-agent': USER_AGENT, ...options.headers }, signal: options.signal, redirect: 'follow' });
  } catch (error) {
    if (options.signal.aborted) throw error;
    throw new RegistryLookupError(`could not reach ${new URL(url).host}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`, undefined, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status, text: '' };
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new RegistryLookupError(`the answer is ${declared} bytes, more than the ${options.maxBytes} read`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > options.maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw new RegistryLookupError(`the answer is more than the ${options.maxBytes} bytes read`);
      }
      chunks.push(value);
    }
  }
  return { status: response.status, text: Buffer.concat(chunks).toString('utf8') };
}
