/**
 * The expiring dashboard (`/secrets?tab=expiring`, GET /api/v1/secrets/expiring): the share of secrets rotated on
 * schedule now (a big number, the target is 100 %) and per day (a Recharts line with the 100 % target), then the
 * overdue, due-soon and unused secrets. Loaded with the tab (Recharts is not in the app's first load).
 */
import { Callout, Classes, FormGroup, HTMLSelect, HTMLTable, NonIdealState, Section, SectionCard, Spinner, Tag } from '@blueprintjs/core';
import { useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Secret } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { sortEnvironments } from '../deployments/deployment-rules.ts';
import { useServiceChoices } from '../deployments/deployment-queries.ts';
import { CategoryTag, LocalStoreTag, ProductionTag, SecretStatusTag } from './secret-parts.tsx';
import { useSecretsExpiring } from './secret-queries.ts';
import { complianceIntent, complianceRows, dueText, percentText, secretHref } from './secret-rules.ts';

const INTENT_COLOR = { success: '#238551', warning: '#c87619', danger: '#cd4246', none: 'inherit' } as const;

function SecretRows({ items, kind, empty }: { items: readonly Secret[]; kind: 'overdue' | 'due-soon' | 'unused'; empty: string }) {
  if (items.length === 0) return <NonIdealState icon="tick-circle" title={empty} className="apollo-empty apollo-secrets-empty-small" />;
  return (
    <HTMLTable compact className="apollo-table apollo-secrets-due-table">
      <thead><tr><th>Secret</th><th>Environment</th><th>Category</th><th>{kind === 'unused' ? 'Last read' : 'Due'}</th><th>Owner</th></tr></thead>
      <tbody>
        {items.map((s) => (
          <tr key={s.secretName} data-testid={`secret-${kind}-row`} data-name={s.name} data-service={s.service} data-environment={s.environment}>
            <td>
              <Link to={secretHref(s)} className="apollo-cell-strong apollo-mono" data-testid="secret-due-link">{s.service}/{s.name}</Link>
              <div className={`${Classes.TEXT_MUTED} apollo-small`}>{s.statusReason}</div>
            </td>
            <td className="apollo-nowrap">{s.environment} {s.production && <ProductionTag />}</td>
            <td><CategoryTag category={s.category} /></td>
            <td className="apollo-nowrap" title={formatTime((kind === 'unused' ? s.lastAccessedAt : s.nextRotationDue) ?? undefined)}>
              {kind === 'unused' ? (s.lastAccessedAt ? formatAgo(s.lastAccessedAt) : 'never') : <SecretStatusTag status={s.status} />}
              {kind !== 'unused' && <div className="apollo-small">{dueText(s)}</div>}
            </td>
            <td>{s.owner ?? <span className={Classes.TEXT_MUTED}>no owner</span>}</td>
          </tr>
        ))}
      </tbody>
    </HTMLTable>
  );
}

export function ExpiringDashboard({ environment, onEnvironment }: { environment?: string | undefined; onEnvironment(environment: string | undefined): void }) {
  const [withinDays, setWithinDays] = useState(14);
  const [days, setDays] = useState(30);
  const expiring = useSecretsExpiring({ environment, withinDays, days });
  const services = useServiceChoices();
  const envs = sortEnvironments([...new Set([...(services.data ?? []).flatMap((s) => s.environments.map((e) => e.name)), ...(environment ? [environment] : [])])]);
  const data = expiring.data;
  const rows = data ? complianceRows(data.compliance.history) : [];
  const intent = complianceIntent(data?.compliance.percent ?? null);
  const simulated = data ? [...data.overdue, ...data.dueSoon, ...data.unused].some((s) => s.simulated) : false;
  return (
    <div className="apollo-secrets-expiring" data-testid="secrets-expiring">
      <form className="apollo-filters apollo-secrets-expiring-filters" onSubmit={(e) => e.preventDefault()} aria-label="Dashboard settings">
        <FormGroup label="Environment" labelFor="se-environment">
          <HTMLSelect id="se-environment" fill value={environment ?? ''} onChange={(e) => onEnvironment(e.currentTarget.value || undefined)} data-testid="secrets-expiring-environment"
            options={[{ value: '', label: 'Every environment' }, ...envs]} />
        </FormGroup>
        <FormGroup label="Due soon means within" labelFor="se-within">
          <HTMLSelect id="se-within" fill value={withinDays} onChange={(e) => setWithinDays(Number(e.currentTarget.value))} data-testid="secrets-expiring-within"
            options={[7, 14, 30, 60].map((d) => ({ value: d, label: `${d} days` }))} />
        </FormGroup>
        <FormGroup label="History" labelFor="se-days">
          <HTMLSelect id="se-days" fill value={days} onChange={(e) => setDays(Number(e.currentTarget.value))} data-testid="secrets-expiring-days"
            options={[30, 90, 180].map((d) => ({ value: d, label: `the last ${d} days` }))} />
        </FormGroup>
      </form>
      {expiring.isError && !data && <ErrorState error={expiring.error} onRetry={() => void expiring.refetch()} />}
      {!data && !expiring.isError && <div className={Classes.SKELETON} style={{ height: 320 }} />}
      {data && (
        <>
          <Section title="Rotated on schedule" icon="endorsed" className="apollo-section" data-testid="secrets-compliance"
            subtitle={<>as of {formatTime(data.asOf)}{simulated ? ' · ' : ''}{simulated && <LocalStoreTag />}</>}>
            <SectionCard>
              <div className="apollo-secrets-compliance">
                <div className="apollo-secrets-figure-box">
                  <span className="apollo-secrets-figure" style={{ color: INTENT_COLOR[intent] }} data-testid="secrets-compliance-percent" data-percent={data.compliance.percent ?? ''}>
                    {percentText(data.compliance.percent)}
                  </span>
                  <span className={Classes.TEXT_MUTED}>{data.compliance.onSchedule} of {data.compliance.total} secrets on schedule · target 100&nbsp;%</span>
                  <div className="apollo-secrets-figure-tags">
                    <Tag minimal intent="danger" data-testid="secrets-overdue-count">{data.overdue.length} overdue</Tag>
                    <Tag minimal intent="warning" data-testid="secrets-due-soon-count">{data.dueSoon.length} due soon</Tag>
                    <Tag minimal data-testid="secrets-unused-count">{data.unused.length} unused</Tag>
                  </div>
                  {expiring.isFetching && <Spinner size={14} />}
                </div>
                <figure className="apollo-secrets-chart" data-testid="secrets-compliance-chart" data-points={rows.length}>
                  <figcaption className={Classes.TEXT_SMALL}>Share rotated on schedule per day (the expiry job&apos;s daily snapshot)</figcaption>
                  {rows.length === 0
                    ? <NonIdealState icon="timeline-line-chart" title="No history yet" description="The expiry job records one point a day." className="apollo-empty" />
                    : (
                      <ResponsiveContainer width="100%" height={220}>
                        <LineChart data={rows} margin={{ top: 12, right: 16, bottom: 0, left: 0 }}>
                          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="rgba(143, 153, 168, 0.3)" />
                          <XAxis dataKey="label" fontSize={11} tickLine={false} minTickGap={16} />
                          <YAxis domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} fontSize={11} width={40} tickFormatter={(v: number) => `${v} %`} />
                          <Tooltip formatter={(value) => [`${String(value)} %`, 'On schedule']} labelFormatter={(label) => String(label)} />
                          <ReferenceLine y={100} stroke="#238551" strokeDasharray="6 4" label={{ value: 'target 100 %', position: 'insideBottomRight', fontSize: 11, fill: '#238551' }} />
                          <Line dataKey="percent" name="On schedule" stroke="#2d72d2" strokeWidth={2} dot={{ r: 2 }} connectNulls isAnimationActive={false} />
                        </LineChart>
                      </ResponsiveContainer>
                    )}
                </figure>
              </div>
            </SectionCard>
          </Section>
          {data.overdue.length > 0 && (
            <Callout intent="danger" icon="error" className="apollo-secrets-scope" data-testid="secrets-overdue-callout">
              {data.overdue.length} secret{data.overdue.length === 1 ? ' is' : 's are'} past {data.overdue.length === 1 ? 'its' : 'their'} rotation date: rotate {data.overdue.length === 1 ? 'it' : 'them'}, or update the value where a rotation cannot make one.
            </Callout>
          )}
          <Section title={`Overdue (${data.overdue.length})`} icon="error" className="apollo-section" data-testid="secrets-overdue">
            <SectionCard padded={false}><SecretRows items={data.overdue} kind="overdue" empty="Nothing is overdue" /></SectionCard>
          </Section>
          <Section title={`Due within ${withinDays} days (${data.dueSoon.length})`} icon="time" className="apollo-section" data-testid="secrets-due-soon">
            <SectionCard padded={false}><SecretRows items={data.dueSoon} kind="due-soon" empty="Nothing is due soon" /></SectionCard>
          </Section>
          <Section title={`Unused (${data.unused.length})`} icon="disable" className="apollo-section" collapsible data-testid="secrets-unused"
            subtitle="Not read in a long time: still needed?">
            <SectionCard padded={false}><SecretRows items={data.unused} kind="unused" empty="Every secret is being read" /></SectionCard>
          </Section>
        </>
      )}
    </div>
  );
}
