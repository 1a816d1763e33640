/**
 * The AI console's resolution rate (stats:read; the design doc's success metric: more than 60 % of sessions resolved):
 * sessions whose owner said how they ended, overall, per built-in command run in them and per the owner's team.
 */
import { Callout, Classes, HTMLTable, NonIdealState, Spinner, Tag } from '@blueprintjs/core';
import type { AiStats } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useAiStats } from './ai-queries.ts';
import { RESOLUTION_TARGET, dayOf, rateIntent, rateText } from './ai-rules.ts';

type Row = AiStats['overall'];

function RateTable({ title, keyTitle, rows, testId }: { title: string; keyTitle: string; rows: readonly Row[]; testId: string }) {
  return (
    <section className="apollo-ai-resolution-table">
      <h3 className={Classes.HEADING}>{title}</h3>
      {rows.length === 0 ? <p className={Classes.TEXT_MUTED}>None yet.</p> : (
        <HTMLTable compact striped className="apollo-table" data-testid={testId}>
          <thead><tr><th>{keyTitle}</th><th>Sessions</th><th>With an outcome</th><th>Resolved</th><th>Escalated</th><th>Failed</th><th>Resolution rate</th></tr></thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} data-testid="ai-resolution-row" data-key={r.key}>
                <td className="apollo-mono">{r.key}</td><td>{r.sessions}</td><td>{r.withOutcome}</td><td>{r.resolved}</td><td>{r.escalated}</td><td>{r.failed}</td>
                <td><Tag minimal intent={rateIntent(r.resolutionRate)}>{rateText(r.resolutionRate)}</Tag></td>
              </tr>
            ))}
          </tbody>
        </HTMLTable>
      )}
    </section>
  );
}

export function ResolutionTab() {
  const stats = useAiStats(true);
  if (stats.isPending) return <Spinner size={24} />;
  if (stats.isError) return <ErrorState error={stats.error} onRetry={() => void stats.refetch()} />;
  const { overall, byCommand, byTeam, from, to } = stats.data;
  if (overall.sessions === 0) return <NonIdealState icon="chart" title="No sessions yet" description={`No AI session was opened from ${dayOf(from)} to ${dayOf(to)}.`} />;
  return (
    <div data-testid="ai-resolution">
      <Callout intent={rateIntent(overall.resolutionRate)} icon="chart" compact data-testid="ai-resolution-overall" data-rate={overall.resolutionRate ?? ''}>
        <strong>{rateText(overall.resolutionRate)}</strong> of the sessions their owners said how they ended were resolved
        ({overall.resolved} of {overall.withOutcome}; {overall.sessions} session{overall.sessions === 1 ? '' : 's'} from {dayOf(from)} to {dayOf(to)}).
        {' '}The target is more than {Math.round(RESOLUTION_TARGET * 100)} %.
      </Callout>
      <RateTable title="By command" keyTitle="Command (question: free questions)" rows={byCommand} testId="ai-resolution-commands" />
      <RateTable title="By team" keyTitle="Owner's team" rows={byTeam} testId="ai-resolution-teams" />
    </div>
  );
}
