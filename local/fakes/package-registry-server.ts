/**
 * A LOCAL FAKE package registry on loopback, for `upgrade` in `npm start` and the tests: its own node:http server on
 * a free port, every answer labelled `X-Apollo-Fake: LOCAL FAKE`, speaking the two protocols Apollo's adapters use
 * (functions/ai/adapters/npm-registry.ts, maven-repository.ts):
 *
 * - npm under `/npm`: `GET /npm/<name>` (a scoped name as `@scope%2fname`, or with its slash) answers the package's
 *   document, abbreviated (`application/vnd.npm.install-v1+json`: name, modified, dist-tags, versions) when the
 *   Accept header asks for it, else the full one; 404 `{"error":"Not found"}` for an unknown package.
 * - Maven under `/maven2`: `GET /maven2/<group path>/<artifact>/maven-metadata.xml` answers the artifact's
 *   metadata (groupId, artifactId, versioning: latest, release, versions, lastUpdated); 404 for an unknown one.
 *
 * It knows the demo's dependencies (core-service's pom.xml, frontend's package.json, local/fakes/demo-github.ts) with
 * made-up version lists: their latest versions are this fake's, not the real registries'. `GET /` lists them. Tests
 * may add packages (`setNpm`, `setMaven`) and make one fail (`failNext`) or hang (`delay`), and read `requests`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_MAVEN_REPOSITORY, DEFAULT_NPM_REGISTRY, MAVEN_REPOSITORY_ENV, NPM_REGISTRY_ENV } from '#functions/ai/registries';
import { sendFakeAnswer } from './fake-http.ts';

export const FAKE_REGISTRY_LABEL = 'LOCAL FAKE';

/** npm packages: their versions, oldest first; `latest` defaults to the last one without a prerelease. */
export interface FakeNpmPackage { readonly versions: readonly string[]; readonly latest?: string }

/** The demo's npm packages (frontend's package.json). */
export const DEMO_NPM_PACKAGES: Readonly<Record<string, FakeNpmPackage>> = {
  react: { versions: ['18.2.0', '18.3.0', '18.3.1', '19.0.0-rc.1', '19.0.0', '19.1.0'] },
  'react-dom': { versions: ['18.2.0', '18.3.0', '18.3.1', '19.0.0', '19.1.0'] },
  '@tanstack/react-query': { versions: ['5.28.0', '5.28.4', '5.51.1', '5.62.0'] },
  axios: { versions: ['1.6.7', '1.6.8', '1.7.2', '1.7.9'] },
  zod: { versions: ['3.22.4', '3.23.8', '3.24.1', '4.0.0-beta.1'], latest: '3.24.1' },
  typescript: { versions: ['5.4.5', '5.5.4', '5.6.3', '5.7.2'] },
  vite: { versions: ['5.2.0', '5.4.11', '6.0.0', '6.0.5'] },
  vitest: { versions: ['1.5.0', '1.6.0', '1.6.1'] },
  eslint: { versions: ['8.57.0', '8.57.1'] },
};

/** The demo's Maven artifacts (core-service's pom.xml), oldest first, milestones and release candidates among them. */
export const DEMO_MAVEN_ARTIFACTS: Readonly<Record<string, readonly string[]>> = {
  'org.springframework.boot:spring-boot-starter-parent': ['3.2.5', '3.3.4', '3.3.5', '3.3.6', '3.4.0', '3.4.1', '3.5.0-M1'],
  'com.zaxxer:HikariCP': ['5.0.1', '5.1.0', '6.0.0', '6.2.1'],
  'org.postgresql:postgresql': ['42.7.2', '42.7.3', '42.7.4'],
  'org.mapstruct:mapstruct': ['1.5.5.Final', '1.6.0.Beta1', '1.6.0.RC1', '1.6.3'],
  'org.testcontainers:postgresql': ['1.19.7', '1.19.8', '1.20.4'],
  'org.testcontainers:junit-jupiter': ['1.19.7', '1.19.8', '1.20.4'],
};

const isPrerelease = (v: string): boolean => v.includes('-');

export class FakePackageRegistry {
  /** Each request as `GET <path>`, in order. */
  readonly requests: string[] = [];
  private readonly npm = new Map<string, FakeNpmPackage>();
  private readonly maven = new Map<string, readonly string[]>();
  private readonly failures = new Map<string, number>();
  private readonly delays = new Map<string, number>();

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(options: { readonly npm?: Readonly<Record<string, FakeNpmPackage>>; readonly maven?: Readonly<Record<string, readonly string[]>> } = {}): Promise<FakePackageRegistry> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const fake = new FakePackageRegistry(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => fake.handle(req, res));
    for (const [name, pkg] of Object.entries(options.npm ?? DEMO_NPM_PACKAGES)) fake.setNpm(name, pkg);
    for (const [name, versions] of Object.entries(options.maven ?? DEMO_MAVEN_ARTIFACTS)) fake.setMaven(name, versions);
    return fake;
  }

  /** npm's base URL (APOLLO_NPM_REGISTRY_URL). */
  get npmUrl(): string { return `${this.url}/npm`; }
  /** The Maven repository's base URL (APOLLO_MAVEN_REPOSITORY_URL). */
  get mavenUrl(): string { return `${this.url}/maven2`; }

  setNpm(name: string, pkg: FakeNpmPackage): void { this.npm.set(name, pkg); }
  setMaven(name: string, versions: readonly string[]): void { this.maven.set(name, versions); }
  /** The next lookup of `name` (npm name or groupId:artifactId) answers `status`. */
  failNext(name: string, status: number): void { this.failures.set(name, status); }
  /** Lookups of `name` answer after `ms`. */
  delay(name: string, ms: number): void { this.delays.set(name, ms); }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push(`${req.method} ${path}`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendFakeAnswer(res, { status: 405, body: { error: 'method not allowed' } }, FAKE_REGISTRY_LABEL);
    if (path === '/') return sendFakeAnswer(res, { status: 200, body: this.page() }, FAKE_REGISTRY_LABEL);
    const npm = /^\/npm\/(.+)$/.exec(path);
    if (npm) {
      const name = decodeURIComponent(npm[1]!);
      return this.answer(res, name, () => this.npmDocument(name, /application\/vnd\.npm\.install-v1\+json/.test(req.headers.accept ?? '')));
    }
    const maven = /^\/maven2\/(.+)\/([^/]+)\/maven-metadata\.xml$/.exec(path);
    if (maven) {
      const name = `${maven[1]!.split('/').map(decodeURIComponent).join('.')}:${decodeURIComponent(maven[2]!)}`;
      return this.answer(res, name, () => this.mavenMetadata(name));
    }
    sendFakeAnswer(res, { status: 404, body: { error: 'Not found' } }, FAKE_REGISTRY_LABEL);
  }

  private answer(res: ServerResponse, name: string, make: () => { status: number; body: unknown; type?: string }): void {
    const send = () => {
      const failure = this.failures.get(name);
      if (failure !== undefined) {
        this.failures.delete(name);
        return sendFakeAnswer(res, { status: failure, body: { error: `LOCAL FAKE failure ${failure}` } }, FAKE_REGISTRY_LABEL);
      }
      const { status, body, type } = make();
      sendFakeAnswer(res, { status, body, ...(type ? { headers: { 'content-type': type } } : {}) }, FAKE_REGISTRY_LABEL);
    };
    const ms = this.delays.get(name);
    if (ms) setTimeout(send, ms).unref();
    else send();
  }

  private npmDocument(name: string, abbreviated: boolean): { status: number; body: unknown; type?: string } {
    const pkg = this.npm.get(name);
    if (!pkg) return { status: 404, body: { error: 'Not found' } };
    const latest = pkg.latest ?? [...pkg.versions].reverse().find((v) => !isPrerelease(v)) ?? pkg.versions.at(-1)!;
    const modified = '2026-11-01T00:00:00.000Z';
    const versions = Object.fromEntries(pkg.versions.map((v) => [v, {
      name, version: v,
      dist: { tarball: `${this.npmUrl}/${name}/-/${name.split('/').at(-1)}-${v}.tgz`, shasum: '0000000000000000000000000000000000000000' },
    }]));
    const body = { name, modified, 'dist-tags': { latest }, versions };
    return abbreviated
      ? { status: 200, body, type: 'application/vnd.npm.install-v1+json' }
      : { status: 200, body: { _id: name, ...body, time: { modified }, description: `${name} (LOCAL FAKE registry entry)` } };
  }

  private mavenMetadata(name: string): { status: number; body: unknown; type?: string } {
    const versions = this.maven.get(name);
    if (!versions) return { status: 404, body: 'Not found' };
    const [groupId, artifactId] = name.split(':');
    const release = [...versions].reverse().find((v) => !/SNAPSHOT/i.test(v));
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- LOCAL FAKE Maven repository metadata -->
<metadata>
  <groupId>${groupId}</groupId>
  <artifactId>${artifactId}</artifactId>
  <versioning>
    <latest>${versions.at(-1)}</latest>
${release ? `    <release>${release}</release>\n` : ''}    <versions>
${versions.map((v) => `      <version>${v}</version>`).join('\n')}
    </versions>
    <lastUpdated>20261101000000</lastUpdated>
  </versioning>
</metadata>
`;
    return { status: 200, body: xml, type: 'text/xml' };
  }

  private page(): string {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    const rows = [
      ...[...this.npm].map(([name, pkg]) => `<tr><td>npm</td><td>${esc(name)}</td><td>${esc(pkg.versions.join(', '))}</td></tr>`),
      ...[...this.maven].map(([name, versions]) => `<tr><td>Maven</td><td>${esc(name)}</td><td>${esc(versions.join(', '))}</td></tr>`),
    ].join('');
    return `<!doctype html><meta charset="utf-8"><title>Local fake package registry</title>
<style>body{font:14px system-ui;margin:2rem}td,th{padding:4px 10px;text-align:left;border-bottom:1px solid #ddd}</style>
<h1>Local fake package registry (LOCAL FAKE)</h1><p>npm at <code>${esc(this.npmUrl)}</code>, Maven at <code>${esc(this.mavenUrl)}</code>. Made-up versions for the demo's dependencies: not the real registries'.</p>
<table><tr><th>Ecosystem</th><th>Package</th><th>Versions</th></tr>${rows}</table>`;
  }
}

const startedHere = new Set<string>();

/**
 * Starts the fake and points APOLLO_NPM_REGISTRY_URL and APOLLO_MAVEN_REPOSITORY_URL at it, unless either names a
 * registry of someone's choosing (then the real ones, or theirs, are asked).
 */
export async function startLocalPackageRegistry(env: NodeJS.ProcessEnv = process.env): Promise<FakePackageRegistry | undefined> {
  const configured = [env[NPM_REGISTRY_ENV], env[MAVEN_REPOSITORY_ENV]].filter((v): v is string => Boolean(v));
  if (configured.some((url) => !startedHere.has(url))) return undefined;
  const fake = await FakePackageRegistry.start();
  startedHere.add(fake.npmUrl);
  startedHere.add(fake.mavenUrl);
  env[NPM_REGISTRY_ENV] = fake.npmUrl;
  env[MAVEN_REPOSITORY_ENV] = fake.mavenUrl;
  return fake;
}

/** The terminal's line about it. */
export function localPackageRegistryBanner(fake: FakePackageRegistry): string {
  return `Package registries: a LOCAL FAKE npm registry at ${fake.npmUrl} and Maven repository at ${fake.mavenUrl} (${NPM_REGISTRY_ENV}, ${MAVEN_REPOSITORY_ENV}; made-up versions of the demo's dependencies, listed at ${fake.url}/, for \`upgrade\`; unset, Apollo asks ${DEFAULT_NPM_REGISTRY} and ${DEFAULT_MAVEN_REPOSITORY})`;
}
