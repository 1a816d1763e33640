/**
 * `postmortem <incident-id>`: the words it takes, and its plan over scripted tools: the findings print the incident,
 * its measures (duration, time to acknowledge, the candidate change), its timeline, its services' errors and its
 * postmortem's state; the prompt asks the model to write the postmortem here, saving nothing; a read that fails is said.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorGroupsAnswer } from '../tools/logs.ts';
import type { PostmortemRead } from '../tools/postmortem.ts';
import { postmortemCommand } from './postmortem.ts';

const ID = '01JEX4MPQE0000000000000000';

const read = (over: Partial<PostmortemRead> = {}): PostmortemRead => ({
  incident: {
    id: ID, title: 'HighErrorRate: core-service error rate above 5% in prod', severity: 'critical', status: 'resolved', source: 'pagerduty', alert: 'HighErrorRate',
    services: ['core-service'], environments: ['prod'], assignee: 'operator@apollo.local', description: '', createdAt: '2026-12-05T06:00:00.000Z',
    acknowledgedAt: '2026-12-05T06:04:00.000Z', acknowledgedBy: 'operator@apollo.local', resolvedAt: '2026-12-05T06:45:00.000Z',
  },
  where: 'core-service in prod', durationMinutes: 45, ackMinutes: 4,
  candidateChange: { at: '2026-12-05T05:52:00.000Z', content: 'core-service prod 2.15.0 deployed by developer@apollo.local', minutesBefore: 8 },
  rollbacks: [{ at: '2026-12-05T06:30:00.000Z', content: 'core-service prod rolled back to 2.14.1' }],
  timeline: [{ at: '2026-12-05T06:00:00.000Z', type: 'alert', actor: 'pagerduty', content: 'HighErrorRate triggered' }],
  postmortem: null,
  ...over,
});

const errors: ErrorGroupsAnswer = {
  service: 'core-service', environment: 'prod', source: 'cloudwatch', from: '2026-12-05T05:55:00.000Z', to: '2026-12-05T06:45:00.000Z', linesRead: 5200, complete: true, groupsLeftOut: 0,
  groups: [{ count: 412, level: 'ERROR', message: 'HikariPool-1 - Connection is not available', firstSeen: '2026-12-05T06:00:10.000Z', lastSeen: '2026-12-05T06:29:50.000Z', example: '' }],
};

function tools(answers: Record<string, unknown>) {
  const calls: Array<[string, Record<string, unknown>]> = [];
  const run = (name: string, input: Record<string, unknown>) => {
    calls.push([name, input]);
    const answer = answers[name];
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { run, calls };
}

/** The command proposes no change: a plan that did would fail here. */
const act = () => Promise.reject(new Error('postmortem proposes no change'));

describe('postmortem <incident-id>', () => {
  it('takes one incident id', () => {
    expect(postmortemCommand.parse(['01jex4mpqe0000000000000000'])).toEqual({ id: ID });
    expect(postmortemCommand.parse(['42'])).toMatch(/^usage: postmortem <incident-id>/);
    expect(postmortemCommand.parse([])).toMatch(/^usage: postmortem <incident-id>/);
  });

  it('prints the measures, the candidate change, the errors and that there is no postmortem; asks the model to write one here', async () => {
    // Prepare
    const { run, calls } = tools({ incident_postmortem: read(), error_groups: errors });

    // Act
    const outcome = await postmortemCommand.plan({ id: ID }, run, act);

    // Assess
    expect(calls).toEqual([
      ['incident_postmortem', { id: ID }],
      ['error_groups', { service: 'core-service', environment: 'prod', sinceMinutes: 50, to: '2026-12-05T06:45:00.000Z' }],
    ]);
    expect(outcome.findings.title).toBe(`postmortem of incident ${ID}: HighErrorRate: core-service error rate above 5% in prod`);
    expect(outcome.findings.sections.map((s) => s.title)).toEqual(['Incident', 'Measures', 'Timeline', 'Errors of core-service in prod during the incident', 'Postmortem']);
    expect(outcome.findings.sections[1]).toEqual({
      kind: 'facts', title: 'Measures', items: [
        { label: 'Duration', value: '45 min', status: 'ok' },
        { label: 'Time to acknowledge', value: '4 min (operator@apollo.local)', status: 'ok' },
        { label: 'Candidate change', value: 'core-service prod 2.15.0 deployed by developer@apollo.local, 2026-12-05 05:52 UTC: 8 min before it began (to be confirmed)', status: 'warn' },
        { label: 'Rollbacks', value: 'core-service prod rolled back to 2.14.1 (2026-12-05 06:30 UTC)' },
      ],
    });
    expect(JSON.stringify(outcome.findings.sections[3])).toContain('HikariPool-1 - Connection is not available');
    expect(outcome.findings.sections[4]).toMatchObject({ kind: 'text', text: expect.stringMatching(/^None yet\./) });
    expect(outcome.prompt).toMatch(/Write its postmortem here, blameless, in Markdown, with the sections Summary, Impact, Timeline .* Root cause and Action items/);
    expect(outcome.prompt).toContain('"to be confirmed"');
    expect(outcome.prompt).toContain('It has no postmortem yet. Do not save or change anything.');
  });

  it('says the state of the postmortem there is, and asks where the model\'s differs from it', async () => {
    const postmortem = {
      status: 'draft', version: 2, generatedByAI: true, model: 'claude-sonnet-5-5', modelDraft: 'written', updatedAt: '2026-12-05T07:00:00.000Z', updatedBy: 'operator@apollo.local',
      rootCause: 'To be confirmed: 2.15.0.', actionItems: 3, actionItemsDone: 1,
    };
    const { run } = tools({ incident_postmortem: read({ postmortem, ackMinutes: null, incident: { ...read().incident, acknowledgedAt: null, acknowledgedBy: null } }), error_groups: new Error('logs:read is not yours') });

    const outcome = await postmortemCommand.plan({ id: ID }, run, act);

    expect(outcome.findings.sections[4]).toEqual({ kind: 'text', title: 'Postmortem', text: 'Draft, version 2, written by claude-sonnet-5-5; last saved by operator@apollo.local 2026-12-05 07:00 UTC. Action items: 1 of 3 done.\nRoot cause as it stands: To be confirmed: 2.15.0.' });
    expect(outcome.findings.sections[1]).toMatchObject({ items: expect.arrayContaining([{ label: 'Time to acknowledge', value: 'not acknowledged', status: 'bad' }]) });
    expect(outcome.findings.sections[3]).toMatchObject({ kind: 'table', rows: [], note: 'not read: logs:read is not yours' });
    expect(outcome.prompt).toContain('It has a postmortem already (draft, version 2): after yours, say in a few lines where it differs from that one.');
  });

  it('says when the incident cannot be read', async () => {
    const { run } = tools({ incident_postmortem: new Error(`incident ${ID} not found`) });

    const outcome = await postmortemCommand.plan({ id: ID }, run, act);

    expect(outcome.findings).toEqual({ title: `postmortem of incident ${ID}`, sections: [{ kind: 'text', title: 'Not read', text: `incident ${ID} not found` }] });
  });
});
