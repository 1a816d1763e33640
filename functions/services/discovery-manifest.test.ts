import { describe, expect, it } from 'vitest';
import { CORE_SERVICE_MANIFEST } from '../../local/fakes/demo-github.ts';
import { ManifestError, manifestFields, parseManifest } from './discovery-manifest.ts';

const problems = (text: string) => {
  try {
    parseManifest(text);
  } catch (error) {
    if (error instanceof ManifestError) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('the manifest was accepted');
};

describe('apollo.yaml', () => {
  it("accepts the design doc's example as written, and reads the fields it owns", () => {
    // Act
    const manifest = parseManifest(CORE_SERVICE_MANIFEST);

    // Assess
    expect(manifest).toEqual({
      apiVersion: 'apollo/v1',
      kind: 'Service',
      metadata: { name: 'core-service', displayName: 'Core Service', team: 'platform', tier: 'critical' },
      spec: {
        language: 'java', framework: 'spring-boot', port: 5080, healthCheck: '/actuator/health',
        dependencies: [{ service: 'postgres', type: 'runtime' }, { service: 'redis', type: 'runtime' }],
        runbooks: [
          { trigger: 'HighErrorRate', path: './docs/runbooks/high-error-rate.md', automatable: true },
          { trigger: 'DatabaseConnectionExhausted', path: './docs/runbooks/db-pool-exhausted.md', automatable: true },
        ],
      },
    });
    expect(manifestFields(manifest, 'https://github.com/acme/core-service')).toEqual({
      repository: 'https://github.com/acme/core-service', team: 'platform', displayName: 'Core Service', tier: 'critical', language: 'java', framework: 'spring-boot',
    });
  });

  it('rejects unknown fields and bad values with the path of each', () => {
    const text = CORE_SERVICE_MANIFEST
      .replace('tier: critical', 'tier: gold\n  owner: alice')
      .replace('port: 5080', 'port: 99999')
      .replace('path: ./docs/runbooks/high-error-rate.md', 'path: ../../etc/passwd.md')
      .replace('type: runtime\n    - service: redis', 'type: sometimes\n    - service: redis');
    expect(problems(text)).toEqual({
      code: 'InvalidManifest',
      details: [
        { path: '/metadata/owner', message: 'unknown field' },
        { path: '/metadata/tier', message: 'must be one of: critical, standard, experimental' },
        { path: '/spec/port', message: 'must be <= 65535' },
        { path: '/spec/dependencies/0/type', message: 'must be one of: runtime, build, optional' },
        { path: '/spec/runbooks/0/path', message: expect.stringMatching(/^must match pattern/) },
      ],
    });
  });

  it('names the missing required fields and the wrong kind', () => {
    expect(problems('apiVersion: apollo/v2\nkind: Service\nmetadata:\n  displayName: X\n')).toEqual({
      code: 'InvalidManifest',
      details: [
        { path: '/spec', message: 'is required' },
        { path: '/apiVersion', message: 'must be equal to constant' },
        { path: '/metadata/name', message: 'is required' },
        { path: '/metadata/team', message: 'is required' },
      ],
    });
  });

  it('reports YAML syntax errors with their line, and refuses duplicate keys', () => {
    expect(problems('apiVersion: apollo/v1\nkind: [Service\n')).toMatchObject({ code: 'InvalidYaml', details: [{ path: expect.stringMatching(/^line \d+, column \d+$/) }] });
    expect(problems('apiVersion: apollo/v1\napiVersion: apollo/v1\n')).toMatchObject({ code: 'InvalidYaml' });
  });

  it('refuses a manifest over 64 KB before parsing it', () => {
    expect(problems(`# ${'x'.repeat(70_000)}\n`)).toMatchObject({ code: 'ManifestTooLarge' });
  });
});
