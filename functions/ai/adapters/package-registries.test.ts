/**
 * The package registry adapters over real HTTP against the LOCAL FAKE registry on loopback (npm's abbreviated
 * metadata and a Maven repository's maven-metadata.xml), and the bounded lookups: one failing package is its row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakePackageRegistry } from '../../../local/fakes/package-registry-server.ts';
import { latestVersions, packageRegistries, RegistryConfigError } from '../registries.ts';
import { mavenMetadataPath, MavenRepository } from './maven-repository.ts';
import { npmPackagePath, NpmRegistry } from './npm-registry.ts';
import { RegistryLookupError } from './registry-http.ts';

let fake: FakePackageRegistry;
let npm: NpmRegistry;
let maven: MavenRepository;
const signal = () => AbortSignal.timeout(5_000);

beforeAll(async () => {
  fake = await FakePackageRegistry.start();
  npm = new NpmRegistry(fake.npmUrl);
  maven = new MavenRepository(fake.mavenUrl);
});
afterAll(async () => { await fake.close(); });

describe('npm registry', () => {
  it('answers dist-tags.latest of the abbreviated document, a scoped name as @scope%2fname', async () => {
    const from = fake.requests.length;
    expect(await npm.latest('react', '^18.2.0', signal())).toBe('19.1.0');
    expect(await npm.latest('@tanstack/react-query', undefined, signal())).toBe('5.62.0');
    // dist-tags.latest, not the highest version listed.
    expect(await npm.latest('zod', undefined, signal())).toBe('3.24.1');
    expect(fake.requests.slice(from)).toEqual(['GET /npm/react', 'GET /npm/@tanstack%2freact-query', 'GET /npm/zod']);
    expect(npmPackagePath('@types/node')).toBe('@types%2fnode');
  });

  it('says why not: an unknown package, an error answer, a name that is not one', async () => {
    await expect(npm.latest('no-such-package', undefined, signal())).rejects.toThrow(`no-such-package is not in the npm registry ${fake.npmUrl}`);
    fake.failNext('axios', 503);
    await expect(npm.latest('axios', undefined, signal())).rejects.toMatchObject({ name: 'RegistryLookupError', status: 503, message: 'the npm registry answered 503 for axios' });
    await expect(npm.latest('../../etc/passwd', undefined, signal())).rejects.toThrow(RegistryLookupError);
  });
});

describe('Maven repository', () => {
  it('answers the newest release in maven-metadata.xml, past milestones and release candidates', async () => {
    const from = fake.requests.length;
    expect(await maven.latest('org.springframework.boot:spring-boot-starter-parent', '3.3.4', signal())).toBe('3.4.1');
    expect(await maven.latest('org.mapstruct:mapstruct', '1.5.5.Final', signal())).toBe('1.6.3');
    expect(await maven.latest('com.zaxxer:HikariCP', '5.0.1', signal())).toBe('6.2.1');
    expect(fake.requests.slice(from)).toEqual([
      'GET /maven2/org/springframework/boot/spring-boot-starter-parent/maven-metadata.xml',
      'GET /maven2/org/mapstruct/mapstruct/maven-metadata.xml',
      'GET /maven2/com/zaxxer/HikariCP/maven-metadata.xml',
    ]);
  });

  it('keeps a project on its flavour and says when there is no release', async () => {
    fake.setMaven('com.google.guava:guava', ['32.1.3-jre', '32.1.3-android', '33.3.1-jre', '33.4.0-android']);
    expect(await maven.latest('com.google.guava:guava', '32.1.3-jre', signal())).toBe('33.3.1-jre');
    fake.setMaven('dev.example:only-milestones', ['1.0.0-M1', '1.0.0-RC1']);
    await expect(maven.latest('dev.example:only-milestones', '1.0.0-M1', signal())).rejects.toThrow('lists no release of dev.example:only-milestones like 1.0.0-M1');
    await expect(maven.latest('dev.example:missing', undefined, signal())).rejects.toThrow(`dev.example:missing is not in the Maven repository ${fake.mavenUrl}`);
    expect(() => mavenMetadataPath('org.example')).toThrow('is not a Maven groupId:artifactId');
    expect(() => mavenMetadataPath('../..:x')).toThrow(RegistryLookupError);
  });
});

describe('bounded lookups', () => {
  it('answers each package: a failure and a timeout are that package\'s error, the rest are answered', async () => {
    fake.failNext('org.postgresql:postgresql', 500);
    fake.delay('org.testcontainers:junit-jupiter', 2_000);
    const started = Date.now();

    // Act
    const results = await latestVersions(maven, [
      { name: 'org.postgresql:postgresql', current: '42.7.2' },
      { name: 'org.testcontainers:junit-jupiter', current: '1.19.7' },
      { name: 'org.testcontainers:postgresql', current: '1.19.7' },
      { name: 'org.mapstruct:mapstruct', current: '1.5.5.Final' },
    ], { concurrency: 2, timeoutMs: 300 });

    // Assess
    expect(Object.fromEntries(results)).toEqual({
      'org.postgresql:postgresql': { error: 'the Maven repository answered 500 for org.postgresql:postgresql' },
      'org.testcontainers:junit-jupiter': { error: 'the maven registry did not answer within 300 ms' },
      'org.testcontainers:postgresql': { latest: '1.20.4' },
      'org.mapstruct:mapstruct': { latest: '1.6.3' },
    });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('stops every lookup when the caller\'s signal does', async () => {
    const controller = new AbortController();
    controller.abort();
    const results = await latestVersions(npm, [{ name: 'react' }], { signal: controller.signal });
    expect(results.get('react')).toEqual({ error: 'not answered: the lookups were stopped (out of time, or the session ended)' });
  });

  it('reads the registries from the environment, defaulting to npmjs and Maven Central', () => {
    expect(Object.values(packageRegistries({})).map((r) => r.url)).toEqual(['https://registry.npmjs.org', 'https://repo1.maven.org/maven2']);
    expect(Object.values(packageRegistries({ APOLLO_NPM_REGISTRY_URL: 'https://npm.example.test/repo/', APOLLO_MAVEN_REPOSITORY_URL: 'http://nexus.test/maven' })).map((r) => r.url))
      .toEqual(['https://npm.example.test/repo', 'http://nexus.test/maven']);
    expect(() => packageRegistries({ APOLLO_MAVEN_REPOSITORY_URL: 'ftp://x' })).toThrow(RegistryConfigError);
    expect(() => packageRegistries({ APOLLO_NPM_REGISTRY_URL: 'https://user:secret@npm.test' })).toThrow('must not carry credentials');
  });
});
