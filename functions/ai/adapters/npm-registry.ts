/**
 * npm's registry protocol: `GET <registry>/<name>` with `Accept: application/vnd.npm.install-v1+json` answers the
 * package's abbreviated metadata, whose `dist-tags.latest` is its latest stable version (what `npm install <name>`
 * takes). A scoped name keeps its `@` and has its slash encoded (`@scope%2fname`), as the npm client sends it.
 */
import type { PackageRegistry } from '../registries.ts';
import { getText, RegistryLookupError } from './registry-http.ts';

/** npm's rule for names (old names may have capitals); anything else is never put in a URL. */
const NPM_NAME = /^(?:@[A-Za-z0-9-~][A-Za-z0-9-._~]*\/)?[A-Za-z0-9-~][A-Za-z0-9-._~]*$/;
/** The abbreviated document of the largest packages is a few megabytes. */
const MAX_BYTES = 32 * 1024 * 1024;

/** `@scope/name` → `@scope%2fname`; `name` as it is. */
export function npmPackagePath(name: string): string {
  if (!NPM_NAME.test(name) || name.length > 214) throw new RegistryLookupError(`${JSON.stringify(name)} is not an npm package name`);
  return name.startsWith('@') ? `@${encodeURIComponent(name.slice(1).split('/')[0]!)}%2f${encodeURIComponent(name.split('/')[1]!)}` : encodeURIComponent(name);
}

export class NpmRegistry implements PackageRegistry {
  readonly ecosystem = 'npm' as const;

  constructor(readonly url: string) {}

  async latest(name: string, _current: string | undefined, signal: AbortSignal): Promise<string> {
    const { status, text } = await getText(`${this.url}/${npmPackagePath(name)}`, {
      headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*' },
      signal,
      maxBytes: MAX_BYTES,
    });
    if (status === 404) throw new RegistryLookupError(`${name} is not in the npm registry ${this.url}`, 404);
    if (status !== 200) throw new RegistryLookupError(`the npm registry answered ${status} for ${name}`, status);
    let latest: unknown;
    try {
      latest = (JSON.parse(text) as { 'dist-tags'?: { latest?: unknown } })['dist-tags']?.latest;
    } catch (error) {
      throw new RegistryLookupError(`the npm registry's answer for ${name} is not JSON`, status, { cause: error });
    }
    if (typeof latest !== 'string' || !latest) throw new RegistryLookupError(`the npm registry names no latest version of ${name} (no dist-tags.latest)`, status);
    return latest;
  }
}
