import { describe, expect, it } from 'vitest';
import { ManifestParseError, readPackageJson, rewritePackageJson } from './package-json.ts';

const MANIFEST = `{
    "name": "web",
    "version": "1.0.0",
    "dependencies": {
        "react": "^18.2.0",
        "@tanstack/react-query": "^5.28.0",
        "left-pad": "github:someone/left-pad"
    },
    "devDependencies": {
        "react": "^18.2.0",
        "eslint": "8.57.0"
    },
    "peerDependencies": { "react": ">=17" },
    "overrides": { "eslint": "8.57.0" }
}
`;

describe('package.json', () => {
  it('reads dependencies, devDependencies and optionalDependencies, saying which specs are not versions', () => {
    expect(readPackageJson(MANIFEST)).toEqual([
      { name: 'react', section: 'dependencies', spec: '^18.2.0' },
      { name: '@tanstack/react-query', section: 'dependencies', spec: '^5.28.0' },
      { name: 'left-pad', section: 'dependencies', spec: 'github:someone/left-pad', note: 'not a version or simple range: left as it is' },
      { name: 'react', section: 'devDependencies', spec: '^18.2.0' },
      { name: 'eslint', section: 'devDependencies', spec: '8.57.0' },
    ]);
    expect(() => readPackageJson('{"dependencies": ', 'web/package.json')).toThrow(ManifestParseError);
    expect(() => readPackageJson('[]')).toThrow('package.json is not a JSON object');
  });

  it('rewrites only the named entries, keeping the formatting, the peers and the overrides', () => {
    // Act
    const result = rewritePackageJson(MANIFEST, [
      { name: 'react', section: 'devDependencies', from: '^18.2.0', to: '^18.3.1' },
      { name: 'eslint', section: 'devDependencies', from: '8.57.0', to: '8.57.1' },
      { name: '@tanstack/react-query', section: 'dependencies', from: '^5.28.0', to: '^5.62.0' },
      { name: 'axios', section: 'dependencies', from: '^1.6.7', to: '^1.7.9' },
    ]);

    // Assess
    expect(result.text).toBe(MANIFEST
      .replace('"@tanstack/react-query": "^5.28.0"', '"@tanstack/react-query": "^5.62.0"')
      .replace(/("devDependencies": \{\n {8}"react": )"\^18\.2\.0"/, '$1"^18.3.1"')
      .replace('"eslint": "8.57.0"\n    }', '"eslint": "8.57.1"\n    }'));
    expect(JSON.parse(result.text)).toMatchObject({ dependencies: { react: '^18.2.0' }, peerDependencies: { react: '>=17' }, overrides: { eslint: '8.57.0' } });
    expect(result.applied.map((c) => c.name)).toEqual(['react', 'eslint', '@tanstack/react-query']);
    expect(result.skipped).toEqual([{ change: expect.objectContaining({ name: 'axios' }), reason: '"axios": "^1.6.7" is not in dependencies as written' }]);
  });
});
