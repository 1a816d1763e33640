/**
 * Domain errors name the fields of the input they were given (`/team`, `/dependencies/2/serviceId`),
 * not where that input came from: a handler places them in the request (`/body/team`), discovery in
 * the manifest (`/metadata/team`). One function re-addresses them.
 */
import { ApolloError, type ErrorDetail } from '#shared/errors';

type ErrorClass = new (message: string, options: { details?: readonly ErrorDetail[]; cause?: unknown }) => ApolloError;

/** The same error with each detail's path mapped, or the error itself when it is not a named one. */
export function readdressed(error: unknown, mapPath: (path: string) => string): unknown {
  if (!(error instanceof ApolloError) || error.details.length === 0) return error;
  const details = error.details.map((d) => ({ path: mapPath(d.path), message: d.message }));
  return new (error.constructor as ErrorClass)(error.message, { details, cause: error.cause });
}

/** Runs a domain call whose input sits at `root` of the request: `inputAt('/body', () => register(req.body))`. */
export async function inputAt<T>(root: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw readdressed(error, (path) => (path.startsWith('/') ? `${root}${path}` : path));
  }
}
