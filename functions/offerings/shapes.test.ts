import { describe, expect, it } from 'vitest';
import { canView, lifecycleOf, requestability, secretFieldsOf, type Caller, type OfferingDocument } from './shapes.ts';
import type { OfferingRecord } from './ports.ts';

function record(extra: Partial<Pick<OfferingDocument, 'access' | 'lifecycle'>> = {}, removed = false): OfferingRecord {
  const document = {
    schemaVersion: '2.0',
    metadata: { id: 'x', name: 'X', description: 'x', category: 'c', owner: 'platform', version: '1.0.0' },
    presentation: { fields: [{ id: 'a', type: 'string', label: 'A' }, { id: 'pw', type: 'secret', label: 'Password' }] },
    fulfillment: { type: 'manual' },
    ...extra,
  } as unknown as OfferingDocument;
  return {
    id: 'x', version: '1.0.0', document, source: { repo: 'r', path: 'p', sha: 's', ownerTeam: 'platform' }, storedAt: 't', updatedAt: 't',
    ...(removed ? { removedFromSource: { at: 't', path: 'p' } } : {}),
  };
}
const as = (role: Caller['role'], teams: string[] = []): Caller => ({ principal: 'p@acme.test', role, teams });

describe('who may see an offering', () => {
  it('is everyone without a view audience; with one, its roles and above or its teams, plus the owning team and admins', () => {
    expect(canView(record(), as('viewer'))).toBe(true);
    const restricted = record({ access: { view: { roles: ['operator'], teams: ['data'] } } });
    expect([as('viewer'), as('developer'), as('operator'), as('admin'), as('viewer', ['data']), as('viewer', ['platform'])].map((c) => canView(restricted, c)))
      .toEqual([false, false, true, true, true, true]);
    expect(canView(restricted, as(null))).toBe(false);
  });
});

describe('who may request it', () => {
  it('needs requests:create, the request audience (or the owning team) and a live offering, and says why not', () => {
    const teamOnly = record({ access: { request: { teams: ['data', 'growth'] } } });
    expect(requestability(teamOnly, as('developer', ['data']))).toEqual({ canRequest: true });
    expect(requestability(teamOnly, as('developer', ['platform']))).toEqual({ canRequest: true });
    expect(requestability(teamOnly, as('developer'))).toEqual({ canRequest: false, reason: 'Only members of data, growth may request it.' });
    expect(requestability(record({ access: { request: { roles: ['operator', 'admin'], teams: ['data'] } } }), as('developer')))
      .toEqual({ canRequest: false, reason: 'Only members of data or the operator, admin roles and above may request it.' });
    expect(requestability(record(), as('viewer', ['platform']))).toEqual({ canRequest: false, reason: 'Your role (viewer) cannot create requests.' });
    expect(requestability(record({ lifecycle: { status: 'retired' } }), as('admin'))).toEqual({ canRequest: false, reason: 'It is retired.' });
    expect(requestability(record({}, true), as('admin'))).toEqual({ canRequest: false, reason: 'It was removed from the catalog repository.' });
    expect(requestability(record({ lifecycle: { status: 'deprecated', sunsetDate: '2027-01-01' } }), as('developer'))).toEqual({ canRequest: true });
  });
});

describe('lifecycleOf', () => {
  it('reads the document, and an offering removed from the repository as retired', () => {
    expect(lifecycleOf(record())).toEqual({ state: 'active' });
    expect(lifecycleOf(record({ lifecycle: { status: 'deprecated', replacement: 'y', sunsetDate: '2027-01-01', message: 'Move to y.' } })))
      .toEqual({ state: 'deprecated', replacement: 'y', sunsetDate: '2027-01-01', message: 'Move to y.' });
    expect(lifecycleOf(record({ lifecycle: { status: 'deprecated' } }, true))).toEqual({ state: 'retired', removedFromSource: true });
  });
});

it('lists the secret fields (masked in previews)', () => {
  expect(secretFieldsOf(record().document)).toEqual(['pw']);
});
