/** A runbook as the service page shows it (and an incident's page): its trigger, automatable or not, and its Markdown. */
import { Classes, Section, SectionCard, Tag, Tooltip } from '@blueprintjs/core';
import type { ReactElement } from 'react';
import type { Runbook } from '../../../../schemas/types.gen.ts';
import { Markdown } from '../../components/markdown.tsx';

/** `collapsed`: shown folded at first (an incident's other services' runbooks). */
export function RunbookCard({ runbook, actions, collapsed = false }: { runbook: Runbook; actions?: ReactElement | undefined; collapsed?: boolean }) {
  return (
    <Section collapsible collapseProps={{ defaultIsOpen: !collapsed }} title={runbook.title} icon="manual" className="apollo-section apollo-runbook" data-testid="runbook" data-trigger={runbook.trigger}
      subtitle={<span className="apollo-runbook-meta">
        <Tag minimal intent="danger" icon="notifications" className="apollo-mono">{runbook.trigger}</Tag>
        {runbook.automatable
          ? <Tooltip content={runbook.aiPrompt ? `AI prompt: ${runbook.aiPrompt}` : 'The AI operations console may execute it (with approval where the action needs it)'} compact><Tag minimal intent="success" icon="predictive-analysis">automatable</Tag></Tooltip>
          : <Tag minimal icon="person">manual</Tag>}
        {runbook.source === 'manifest' && runbook.manifestPath && <span className={`${Classes.TEXT_MUTED} apollo-mono apollo-small`}>{runbook.manifestPath}</span>}
      </span>}
      rightElement={actions}>
      <SectionCard><Markdown source={runbook.content} /></SectionCard>
    </Section>
  );
}
