/**
 * repo_dependencies' manifest check against the LOCAL FAKE package registry on loopback, with the demo's manifests:
 * each dependency's current and latest version and the update kind, and the manifest with the patch and minor
 * updates made (majors never).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CORE_SERVICE_POM, DEMO_FRONTEND_PACKAGE_JSON } from '../../../local/fakes/demo-github.ts';
import { FakePackageRegistry } from '../../../local/fakes/package-registry-server.ts';
import { MavenRepository } from '../adapters/maven-repository.ts';
import { NpmRegistry } from '../adapters/npm-registry.ts';
import { checkManifest } from './dependencies.ts';

let fake: FakePackageRegistry;
beforeAll(async () => { fake = await FakePackageRegistry.start(); });
afterAll(async () => { await fake.close(); });

const signal = () => AbortSignal.timeout(10_000);

describe('checkManifest', () => {
  it("reads core-service's pom.xml: a major behind on HikariCP, minors and a patch elsewhere", async () => {
    // Act
    const report = await checkManifest('pom.xml', DEMO_CORE_SERVICE_POM, new MavenRepository(fake.mavenUrl), { signal: signal(), propose: 'minor' });

    // Assess
    expect(report.dependencies.map((d) => [d.name, d.current, d.latest, d.update, d.via ?? ''])).toEqual([
      ['org.springframework.boot:spring-boot-starter-parent', '3.3.4', '3.4.1', 'minor', ''],
      ['com.zaxxer:HikariCP', '5.0.1', '6.2.1', 'major', 'property hikaricp.version'],
      ['org.postgresql:postgresql', '42.7.2', '42.7.4', 'patch', 'property postgresql.version'],
      ['org.mapstruct:mapstruct', '1.5.5.Final', '1.6.3', 'minor', ''],
      ['org.testcontainers:postgresql', '1.19.7', '1.20.4', 'minor', 'property testcontainers.version'],
      ['org.testcontainers:junit-jupiter', '1.19.7', '1.20.4', 'minor', 'property testcontainers.version'],
    ]);
    expect(report.counts).toEqual({ major: 1, minor: 4, patch: 1, none: 0, failed: 0 });
    expect(report.managedElsewhere).toEqual(['org.springframework.boot:spring-boot-starter-web', 'org.springframework.boot:spring-boot-starter-data-jpa', 'org.springframework.boot:spring-boot-starter-actuator']);
    expect(report.proposed!.applied.map((a) => `${a.name} ${a.from} -> ${a.to} (${a.update})`)).toEqual([
      'org.springframework.boot:spring-boot-starter-parent 3.3.4 -> 3.4.1 (minor)',
      'org.postgresql:postgresql 42.7.2 -> 42.7.4 (patch)',
      'org.mapstruct:mapstruct 1.5.5.Final -> 1.6.3 (minor)',
      'org.testcontainers:postgresql 1.19.7 -> 1.20.4 (minor)',
      'org.testcontainers:junit-jupiter 1.19.7 -> 1.20.4 (minor)',
    ]);
    expect(report.proposed!.content).toBe(DEMO_CORE_SERVICE_POM
      .replace('<version>3.3.4</version>', '<version>3.4.1</version>')
      .replace('<postgresql.version>42.7.2<', '<postgresql.version>42.7.4<')
      .replace('<version>1.5.5.Final</version>', '<version>1.6.3</version>')
      .replace('<testcontainers.version>1.19.7<', '<testcontainers.version>1.20.4<'));
    expect(report.proposed!.content).toContain('<hikaricp.version>5.0.1</hikaricp.version>');
  });

  it("reads the frontend's package.json; patch only when asked; a failed lookup is its row", async () => {
    fake.failNext('axios', 502);
    const report = await checkManifest('package.json', DEMO_FRONTEND_PACKAGE_JSON, new NpmRegistry(fake.npmUrl), { signal: signal(), propose: 'patch' });
    expect(report.dependencies.map((d) => [d.name, d.current, d.latest, d.update, d.error ?? ''])).toEqual([
      ['@tanstack/react-query', '^5.28.0', '5.62.0', 'minor', ''],
      ['axios', '^1.6.7', null, 'none', 'the npm registry answered 502 for axios'],
      ['react', '^18.2.0', '19.1.0', 'major', ''],
      ['react-dom', '^18.2.0', '19.1.0', 'major', ''],
      ['zod', '~3.22.4', '3.24.1', 'minor', ''],
      ['eslint', '8.57.0', '8.57.1', 'patch', ''],
      ['typescript', '~5.4.5', '5.7.2', 'minor', ''],
      ['vite', '^5.2.0', '6.0.5', 'major', ''],
      ['vitest', '^1.5.0', '1.6.1', 'minor', ''],
    ]);
    expect(report.counts).toEqual({ major: 3, minor: 4, patch: 1, none: 0, failed: 1 });
    expect(report.proposed).toEqual({ content: DEMO_FRONTEND_PACKAGE_JSON.replace('"eslint": "8.57.0"', '"eslint": "8.57.1"'), applied: [{ name: 'eslint', from: '8.57.0', to: '8.57.1', update: 'patch' }], notApplied: [] });
  });

  it('says what is wrong with a manifest it cannot read, and proposes nothing without updates', async () => {
    const broken = await checkManifest('package.json', '{ "dependencies": ', new NpmRegistry(fake.npmUrl), { signal: signal(), propose: 'minor' });
    expect(broken).toMatchObject({ dependencies: [], problem: expect.stringContaining('package.json is not valid JSON') });
    const current = await checkManifest('web/package.json', '{"dependencies":{"eslint":"8.57.1"}}', new NpmRegistry(fake.npmUrl), { signal: signal(), propose: 'minor' });
    expect(current).toMatchObject({ path: 'web/package.json', ecosystem: 'npm', counts: { none: 1 } });
    expect(current.proposed).toBeUndefined();
  });
});
