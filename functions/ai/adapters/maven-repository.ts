/**
 * A Maven repository's layout: `GET <repository>/<groupId with dots as slashes>/<artifactId>/maven-metadata.xml`
 * lists the artifact's versions. `<release>` is the newest non-snapshot, which may be a milestone or release
 * candidate, and `<latest>` may be a snapshot: the newest release of the project's flavour is picked from
 * `<versions>`, `<release>` only when the list has none.
 */
import { isStableMaven, latestStableMaven } from '../manifests/versions.ts';
import type { PackageRegistry } from '../registries.ts';
import { getText, RegistryLookupError } from './registry-http.ts';

const COORDINATE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$/;
/** Metadata of artifacts with thousands of versions stays well under this. */
const MAX_BYTES = 4 * 1024 * 1024;

/** `org.postgresql:postgresql` → `org/postgresql/postgresql/maven-metadata.xml` */
export function mavenMetadataPath(name: string): string {
  const [group, artifact, ...rest] = name.split(':');
  if (!group || !artifact || rest.length || !COORDINATE.test(group) || !COORDINATE.test(artifact) || group.includes('..')) {
    throw new RegistryLookupError(`${JSON.stringify(name)} is not a Maven groupId:artifactId`);
  }
  return `${group.split('.').map(encodeURIComponent).join('/')}/${encodeURIComponent(artifact)}/maven-metadata.xml`;
}

const element = (xml: string, name: string): string | undefined => new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(xml)?.[1] || undefined;

/** maven-metadata.xml's versions, release and latest. */
export function readMavenMetadata(xml: string): { versions: string[]; release?: string; latest?: string } {
  const versioning = /<versioning>([\s\S]*?)<\/versioning>/.exec(xml)?.[1] ?? '';
  const list = /<versions>([\s\S]*?)<\/versions>/.exec(versioning)?.[1] ?? '';
  const versions = [...list.matchAll(/<version>\s*([^<]*?)\s*<\/version>/g)].map((m) => m[1]!).filter(Boolean);
  const release = element(versioning, 'release');
  const latest = element(versioning, 'latest');
  return { versions, ...(release ? { release } : {}), ...(latest ? { latest } : {}) };
}

export class MavenRepository implements PackageRegistry {
  readonly ecosystem = 'maven' as const;

  constructor(readonly url: string) {}

  async latest(name: string, current: string | undefined, signal: AbortSignal): Promise<string> {
    const { status, text } = await getText(`${this.url}/${mavenMetadataPath(name)}`, { headers: { accept: 'application/xml, text/xml;q=0.9, */*;q=0.1' }, signal, maxBytes: MAX_BYTES });
    if (status === 404) throw new RegistryLookupError(`${name} is not in the Maven repository ${this.url}`, 404);
    if (status !== 200) throw new RegistryLookupError(`the Maven repository answered ${status} for ${name}`, status);
    if (!/<metadata[\s>]/.test(text)) throw new RegistryLookupError(`the Maven repository's answer for ${name} is not maven-metadata.xml`, status);
    const metadata = readMavenMetadata(text);
    const latest = metadata.versions.length
      ? latestStableMaven(metadata.versions, current)
      : [metadata.release, metadata.latest].find((v): v is string => v !== undefined && isStableMaven(v));
    if (!latest) throw new RegistryLookupError(`the Maven repository lists no release of ${name}${current ? ` like ${current}` : ''}`, status);
    return latest;
  }
}
