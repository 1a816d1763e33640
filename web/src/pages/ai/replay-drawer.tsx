/**
 * A session's replay in a drawer: each message, each tool call with its arguments, risk and status, each result with
 * its size and kept preview, each decision on a change (approved by whom, rejected, with the note), in order; and the
 * same as a JSON file (what an audit or a bug report wants).
 */
import { Button, Classes, Collapse, Drawer, Icon, NonIdealState, Spinner, Tag } from '@blueprintjs/core';
import { useMemo, useState } from 'react';
import type { AiReplay } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatTime } from '../../lib/format.ts';
import { toast } from '../../lib/toaster.ts';
import { replayFileName, replayJson, replayRows, type ReplayRow } from './ai-replay.ts';
import { useReplay } from './ai-queries.ts';

/** Saves the replay through a Blob's object URL (released once the click has started the download). */
function download(replay: AiReplay, sessionId: string) {
  const url = URL.createObjectURL(new Blob([replayJson(replay)], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = replayFileName(sessionId);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
  toast({ intent: 'success', icon: 'download', message: `Replay saved as ${a.download}` });
}

function ResultPreview({ preview }: { preview: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="minimal" size="small" icon={open ? 'chevron-down' : 'chevron-right'} text={open ? 'Hide preview' : 'Show preview'}
        onClick={() => setOpen(!open)} aria-expanded={open} data-testid="ai-replay-preview-toggle" />
      <Collapse isOpen={open} keepChildrenMounted={false}>
        <pre className="apollo-ai-pre" data-testid="ai-replay-preview">{preview}</pre>
      </Collapse>
    </>
  );
}

function RowBody({ row }: { row: ReplayRow }) {
  switch (row.kind) {
    case 'message':
      return (
        <>
          <div className="apollo-ai-replay-head"><Icon icon="user" size={12} /> <strong>{row.by ?? 'Message'}</strong> <span className={Classes.TEXT_MUTED}>{formatTime(row.at)}</span></div>
          <div className="apollo-ai-replay-text">{row.text}</div>
        </>
      );
    case 'answer':
      return (
        <>
          <div className="apollo-ai-replay-head"><Icon icon="predictive-analysis" size={12} /> <strong>Model</strong> <span className={Classes.TEXT_MUTED}>{formatTime(row.at)}</span></div>
          <div className="apollo-ai-replay-text" data-testid="ai-replay-answer">{row.text}</div>
        </>
      );
    case 'tool_call':
      return (
        <>
          <div className="apollo-ai-replay-head">
            <Icon icon="wrench" size={12} /> <span className="apollo-mono">{row.name}</span>
            {row.risk && <Tag minimal round intent={row.risk.intent}>{row.risk.label}</Tag>}
            {row.status && <Tag minimal intent={row.status.intent}>{row.status.label}</Tag>}
            <span className={Classes.TEXT_MUTED}>{formatTime(row.at)}</span>
          </div>
          {row.reason && <div className="apollo-ai-tool-reason">{row.reason}</div>}
          <pre className="apollo-ai-pre">{row.argumentsText}</pre>
        </>
      );
    case 'tool_result':
      return (
        <>
          <div className="apollo-ai-replay-head">
            <Icon icon={row.ok ? 'tick' : 'cross'} intent={row.ok ? 'success' : 'danger'} size={12} /> <span className="apollo-mono">{row.name}</span>
            <Tag minimal intent={row.ok ? 'success' : 'danger'}>{row.ok ? 'ok' : 'failed'}</Tag>
            {row.size !== null && <span className={Classes.TEXT_MUTED}>{row.size}</span>}
            {row.truncated && <Tag minimal intent="warning">preview truncated</Tag>}
          </div>
          {row.error && <div className="apollo-ai-tool-reason">{row.error}</div>}
          {row.preview !== null && <ResultPreview preview={row.preview} />}
        </>
      );
    case 'action':
      return (
        <>
          <div className="apollo-ai-replay-head">
            <Icon icon={row.decision.intent === 'danger' ? 'disable' : 'endorsed'} intent={row.decision.intent} size={12} /> <span className="apollo-mono">{row.name}</span>
            <Tag minimal intent={row.decision.intent} data-testid="ai-replay-decision">{row.decision.label}</Tag>
            {row.by && <span>by <strong>{row.by}</strong></span>}
            <span className={Classes.TEXT_MUTED}>{formatTime(row.at)}</span>
          </div>
          <div className="apollo-ai-replay-text">{row.summary}</div>
          {row.note && <div className={Classes.TEXT_MUTED}>{row.note}</div>}
        </>
      );
  }
}

export function ReplayDrawer({ sessionId, isOpen, onClose }: { sessionId: string; isOpen: boolean; onClose: () => void }) {
  const query = useReplay(sessionId, isOpen);
  const rows = useMemo(() => (query.data ? replayRows(query.data.items) : []), [query.data]);
  return (
    <Drawer isOpen={isOpen} onClose={onClose} title="Replay" icon="history" size="720px" className="apollo-drawer">
      <div className={Classes.DRAWER_BODY} data-testid="ai-replay-drawer">
        <div className={Classes.DIALOG_BODY}>
          <div className="apollo-ai-replay-bar">
            <span className={Classes.TEXT_MUTED}>Every message, answer and tool call of this session, in order, with what each call returned and who approved or rejected each change.</span>
            <Button icon="download" text="Export JSON" disabled={!query.data} onClick={() => query.data && download(query.data, sessionId)} data-testid="ai-replay-export" />
          </div>
          {query.isPending && <Spinner size={24} />}
          {query.isError && <ErrorState error={query.error} onRetry={() => void query.refetch()} />}
          {query.data && rows.length === 0 && <NonIdealState icon="history" title="Nothing to replay yet" description="The session has no messages or tool calls." />}
          {rows.length > 0 && (
            <ol className="apollo-ai-replay">
              {rows.map((row) => (
                <li key={row.seq} className={`apollo-ai-replay-item apollo-ai-replay-${row.kind}`} data-testid="ai-replay-item" data-kind={row.kind} data-seq={row.seq}>
                  {row.firstOfTurn && <div className={`${Classes.TEXT_MUTED} apollo-ai-replay-turn`}>Turn {row.turn}</div>}
                  <RowBody row={row} />
                </li>
              ))}
            </ol>
          )}
        </div>
      </div>
    </Drawer>
  );
}
