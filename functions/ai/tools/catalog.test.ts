import { describe, expect, it } from 'vitest';
import { impactsOf } from './catalog.ts';

describe('the impact of a service\'s failure on its dependents', () => {
  it('breaks a dependent whose runtime path reaches it, degrades one behind an optional dependency, spares a build dependency, the worst path winning', () => {
    // Prepare: arrows are "depends on".
    const edge = (from: string, to: string, type: 'runtime' | 'optional' | 'build') => ({ from, to, type, description: '' });
    const graph = { edges: [
      edge('frontend', 'core-service', 'build'), edge('frontend', 'api-gateway', 'runtime'), edge('api-gateway', 'core-service', 'runtime'),
      edge('notification-service', 'core-service', 'optional'), edge('core-service', 'notification-service', 'runtime'),
      edge('reports', 'notification-service', 'runtime'),
      edge('search-service', 'core-service', 'build'),
    ] };

    // Act
    const impacts = impactsOf(graph, 'core-service');

    // Assess
    expect(Object.fromEntries([...impacts].sort())).toEqual({
      'api-gateway': 'breaks', frontend: 'breaks', 'notification-service': 'degrades', reports: 'degrades', 'search-service': 'build only',
    });
  });
});
