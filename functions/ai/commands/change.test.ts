/**
 * `scale <env> <service> <replicas>` over scripted tools: the findings say where the service stands and what is
 * proposed in words that fit the count (1 replica, 2 replicas), and the change is proposed once.
 */
import { describe, expect, it } from 'vitest';
import type { AiFindings } from '#schemas/index.ts';
import type { ActOutcome } from '../tools/types.ts';
import { scaleCommand } from './change.ts';

const service = (replicas: number | null) => ({ environments: [{ name: 'staging', version: 'v1.0.4', replicas, health: 'healthy' }] });
const preflight = { allowed: true, checks: [{ safeguard: 'permission', outcome: 'pass', reason: 'you hold deployments:create:non-prod' }] };

async function scale(from: number | null, to: number): Promise<{ facts: Array<{ label: string; value: string }>; acts: Array<[string, Record<string, unknown>]> }> {
  const acts: Array<[string, Record<string, unknown>]> = [];
  const run = async (name: string) => (name === 'catalog_service' ? service(from) : preflight);
  const act = async (name: string, input: Record<string, unknown>): Promise<ActOutcome> => {
    acts.push([name, input]);
    return { ok: true, pending: false, message: 'done' };
  };
  const outcome = await scaleCommand.plan({ environment: 'staging', service: 'core-service', replicas: String(to) }, run, act);
  const change = outcome.findings.sections.find((s) => s.kind === 'facts' && s.title === 'Change') as Extract<AiFindings['sections'][number], { kind: 'facts' }>;
  return { facts: change.items.map(({ label, value }) => ({ label, value })), acts };
}

describe('scale <env> <service> <replicas>', () => {
  it('says 1 replica, not 1 replicas, both for where it stands and for what it proposes', async () => {
    // Act
    const down = await scale(2, 1);
    const up = await scale(1, 3);
    const unknown = await scale(null, 1);

    // Assess
    expect(down.facts.slice(0, 2)).toEqual([{ label: 'Now', value: 'v1.0.4 · 2 replicas · healthy' }, { label: 'Proposed', value: '1 replica (from 2)' }]);
    expect(up.facts.slice(0, 2)).toEqual([{ label: 'Now', value: 'v1.0.4 · 1 replica · healthy' }, { label: 'Proposed', value: '3 replicas (from 1)' }]);
    expect(unknown.facts[0]).toEqual({ label: 'Now', value: 'v1.0.4 · ? replicas · healthy' });
    expect(down.acts).toEqual([['scale_service', { service: 'core-service', environment: 'staging', replicas: 1 }]]);
  });
});
