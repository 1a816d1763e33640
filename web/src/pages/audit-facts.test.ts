import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../schemas/types.gen.ts';
import { entryFacts } from './audit-facts.ts';

const approve: AuditEntry = {
  id: '01J', at: '2026-12-08T10:00:00.000Z', actor: 'operator@apollo.local', actorType: 'user', action: 'approvals.approve', resourceType: 'approval',
  resourceId: '01JAPPROVAL', outcome: 'succeeded', requestId: 'r1', details: { id: '01JAPPROVAL', body: {}, request: '01JREQUEST', onBehalfOf: 'admin@apollo.local' },
};

describe('entryFacts (what the audit drawer says an approval entry is for)', () => {
  it("names an approval's request and for whom its delegate decided", () => {
    // Act
    const facts = entryFacts(approve);

    // Assert
    expect(facts).toEqual({ request: '01JREQUEST', onBehalfOf: 'admin@apollo.local' });
  });

  it("names a deployment's approval's deployment, and nothing for entries written before approvals said it", () => {
    // Act / Assert
    expect(entryFacts({ ...approve, details: { id: '01JAPPROVAL', deployment: '01JDEPLOY' } })).toEqual({ deployment: '01JDEPLOY' });
    expect(entryFacts({ ...approve, details: { id: '01JAPPROVAL', body: {} } })).toEqual({});
    expect(entryFacts({ ...approve, details: undefined })).toEqual({});
  });

  it('reads nothing into other entries: a request entry is about its own resource', () => {
    // Act / Assert
    expect(entryFacts({ ...approve, resourceType: 'request', details: { request: 'x', body: {} } })).toEqual({});
  });
});
