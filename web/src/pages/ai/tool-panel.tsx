/** The turn's tool calls beside the terminal (xterm cannot fold its output): each opens to its arguments and the result's preview. */
import { Button, Classes, Collapse, Icon, Section, SectionCard, Tag } from '@blueprintjs/core';
import { useState } from 'react';
import type { ToolCallView } from './frame-log.ts';
import { formatSize } from './terminal-render.ts';

const STATUS = {
  running: { icon: 'refresh', intent: 'primary' },
  ok: { icon: 'tick', intent: 'success' },
  failed: { icon: 'cross', intent: 'danger' },
  refused: { icon: 'disable', intent: 'danger' },
  pending_approval: { icon: 'pause', intent: 'warning' },
} as const;

function ToolCall({ call }: { call: ToolCallView }) {
  const [open, setOpen] = useState(false);
  const s = STATUS[call.status];
  return (
    <li className="apollo-ai-tool" data-testid="ai-tool-call" data-name={call.name} data-status={call.status} data-call-id={call.callId}>
      <Button variant="minimal" size="small" fill alignText="start" icon={open ? 'chevron-down' : 'chevron-right'} onClick={() => setOpen(!open)}
        aria-expanded={open} data-testid="ai-tool-toggle"
        text={<span className="apollo-ai-tool-head"><Icon icon={s.icon} intent={s.intent} size={12} /> <span className="apollo-mono">{call.name}</span></span>}
        endIcon={call.risk ? <Tag minimal round>{call.risk}</Tag> : undefined} />
      <Collapse isOpen={open} keepChildrenMounted={false}>
        <div className="apollo-ai-tool-body" data-testid="ai-tool-output">
          <div className={Classes.TEXT_MUTED}>Arguments</div>
          <pre className="apollo-ai-pre">{JSON.stringify(call.arguments, null, 2)}</pre>
          {call.status === 'refused' && <div className="apollo-ai-tool-reason">Refused{call.reason ? `: ${call.reason}` : ''}</div>}
          {call.result && (
            <>
              <div className={Classes.TEXT_MUTED}>
                Result · {formatSize(call.result.size)}{call.result.truncated ? ' · preview truncated' : ''}
              </div>
              {call.result.error && <div className="apollo-ai-tool-reason">{call.result.error}</div>}
              {call.result.preview && <pre className="apollo-ai-pre">{call.result.preview}</pre>}
            </>
          )}
          {call.status === 'running' && <div className={Classes.TEXT_MUTED}>Running…</div>}
          {call.status === 'pending_approval' && <div className={Classes.TEXT_MUTED}>A change: it runs only once approved (Approve, in the panel of changes above).</div>}
        </div>
      </Collapse>
    </li>
  );
}

export function ToolPanel({ calls }: { calls: readonly ToolCallView[] }) {
  const [open, setOpen] = useState(true);
  return (
    <Section className="apollo-ai-tools" title={`Tool calls (${calls.length})`} icon="wrench" compact collapsible
      collapseProps={{ isOpen: open, onToggle: () => setOpen(!open) }} data-testid="ai-tool-panel">
      <SectionCard padded={false}>
        {calls.length === 0
          ? <div className={`${Classes.TEXT_MUTED} apollo-ai-tools-empty`}>No tool calls yet. Each one the session makes is listed here, with its output.</div>
          : <ul className="apollo-ai-tool-list">{[...calls].reverse().map((c) => <ToolCall key={c.seq} call={c} />)}</ul>}
      </SectionCard>
    </Section>
  );
}
