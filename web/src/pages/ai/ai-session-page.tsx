/**
 * One AI session (`/ai/<id>`): the terminal with its transcript replayed and new frames live, the tool calls beside
 * it with the changes it proposed waiting for Approve (action-panel.tsx), the viewer's sandbox and budgets, and a
 * header with what it is about, the model (or how to configure one), usage, status, Terminate (owner or
 * ai:admin), Copy transcript, Replay (every message and tool call in a drawer, exported as JSON) and how it ended
 * (said by its owner, shown to everyone).
 */
import { Alert, Button, Callout, Classes, Code, Icon, NonIdealState, Tag, Tooltip } from '@blueprintjs/core';
import { useEffect, useState } from 'react';
import { ErrorState } from '../../components/error-state.tsx';
import { PageHeader } from '../../components/shell.tsx';
import { RequestError } from '../../lib/api.ts';
import { formatTime } from '../../lib/format.ts';
import { useMe } from '../../lib/queries.ts';
import { Link } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { ActionPanel } from './action-panel.tsx';
import { mayDecide } from './ai-actions.ts';
import { SessionStatusTag } from './ai-page.tsx';
import { useAiSession, useTerminateSession } from './ai-queries.ts';
import { maySetOutcome } from './ai-outcome.ts';
import { mayTerminate, targetText, usageText } from './ai-rules.ts';
import { AiStanding } from './ai-standing.tsx';
import { AiTerminal, type SendOutcome } from './ai-terminal.tsx';
import { ReplayDrawer } from './replay-drawer.tsx';
import { OutcomeControl, OutcomeTag } from './session-outcome.tsx';
import { INITIAL_RENDER, clockTime, plainText, renderFrames } from './terminal-render.ts';
import { ToolPanel } from './tool-panel.tsx';
import { ToolsControl } from './tools-control.tsx';
import { shownUsage, useSessionStream } from './use-session-stream.ts';
import './ai.css';

const MODEL_HELP = 'No model is configured, so built-in commands print their findings without analysis. An operator sets ANTHROPIC_API_KEY '
  + '(APOLLO_AI_FAKE_MODEL=1 with npm start for a local fake), APOLLO_ANTHROPIC_KEY_SECRET_ARN (a Secrets Manager secret) in AWS, '
  + 'or APOLLO_AI_PROVIDER=bedrock for Claude on Amazon Bedrock.';

function TargetLink({ target }: { target: { service?: string; environment?: string; incidentId?: string } }) {
  if (target.service) return <Link to={`/catalog/${encodeURIComponent(target.service)}`} className="apollo-mono">{targetText(target)}</Link>;
  if (target.incidentId) return <Link to={`/incidents/${encodeURIComponent(target.incidentId)}`} className="apollo-mono">{targetText(target)}</Link>;
  return <span className={Classes.TEXT_MUTED}>general</span>;
}

export function AiSessionPage({ id }: { id: string }) {
  const { api } = useServices();
  const query = useAiSession(id);
  const me = useMe();
  const stream = useSessionStream(id, query.data);
  const terminate = useTerminateSession();
  const [confirming, setConfirming] = useState(false);
  const [replaying, setReplaying] = useState(false);
  const session = query.data;
  useEffect(() => { if (session) document.title = `${session.title} · AI console · Apollo`; }, [session?.title]);

  if (query.isPending) {
    return <div className="apollo-page"><div className={Classes.SKELETON} style={{ height: 32, width: 320, marginBottom: 24 }} /><div className={Classes.SKELETON} style={{ height: 420 }} /></div>;
  }
  if (query.isError) {
    const notFound = (query.error as { status?: number }).status === 404;
    return (
      <div className="apollo-page" data-testid="ai-session-error">
        {notFound
          ? <NonIdealState icon="search" title="No such AI session" description={<>No session of yours has the id <Code>{id}</Code>.</>} action={<Link to="/ai">Back to the AI console</Link>} />
          : <ErrorState error={query.error} onRetry={() => void query.refetch()} />}
      </div>
    );
  }

  const s = query.data;
  const terminated = stream.status.session === 'terminated';
  const status = terminated ? 'terminated' : stream.status.turn === 'running' ? 'running' : 'active';
  const canSend = (me.data?.permissions ?? []).includes('ai:sessions:create') && (me.data?.principal === s.owner);
  const usage = shownUsage(s, stream.liveUsage);
  const owner = maySetOutcome(s, me.data);

  const send = async (text: string): Promise<SendOutcome> => {
    try {
      await api.read('POST /api/v1/ai/sessions/{id}/message', { params: { id }, body: { text } });
      return { kind: 'sent' };
    } catch (error) {
      if (error instanceof RequestError && error.status === 409) {
        if (!/terminated/i.test(error.message)) return { kind: 'busy' };
        void query.refetch();
      }
      return { kind: 'error', message: (error as Error).message };
    }
  };

  const copy = async () => {
    const text = plainText(renderFrames(stream.feed.frames, INITIAL_RENDER, { cols: 120, timeText: clockTime }).text);
    try {
      await navigator.clipboard.writeText(text);
      toast({ intent: 'success', icon: 'clipboard', message: 'Transcript copied' });
    } catch {
      toast({ intent: 'danger', icon: 'error', message: 'The browser did not allow copying to the clipboard' });
    }
  };

  return (
    <div className="apollo-page apollo-ai apollo-ai-session" data-testid="ai-session-page" data-id={s.id} data-status={status}>
      <div className="apollo-breadcrumb"><Link to="/ai">AI console</Link> <Icon icon="chevron-right" size={12} /> <span className="apollo-mono">{s.id}</span></div>
      <PageHeader
        title={<>{s.title} <SessionStatusTag session={{ status: terminated ? 'terminated' : 'active', turn: { status: stream.status.turn } }} /></>}
        description={
          <span className="apollo-ai-facts">
            <span>About <TargetLink target={s.target} /></span>
            <span data-testid="ai-model" data-model={s.model ?? ''}>
              {s.model
                ? <>Model <Code>{s.model}</Code>{s.modelSource ? ` via ${s.modelSource === 'bedrock' ? 'Amazon Bedrock' : 'Anthropic'}` : ''}</>
                : <Tooltip content={<div className="apollo-ai-tooltip">{MODEL_HELP}</div>}><Tag minimal intent="warning" icon="info-sign">no model configured</Tag></Tooltip>}
            </span>
            <span data-testid="ai-usage" data-input={usage.inputTokens} data-output={usage.outputTokens}>{usageText(usage)}</span>
            {me.data && s.owner !== me.data.principal && <span>Owner {s.owner}</span>}
            <OutcomeTag outcome={s.outcome} owner={owner} />
          </span>
        }
        actions={<>
          {owner && <OutcomeControl session={s} />}
          {owner && !terminated && <ToolsControl sessionId={s.id} allowlist={s.toolAllowlist} calls={stream.toolCalls} />}
          <Button variant="minimal" icon="history" text="Replay" onClick={() => setReplaying(true)} data-testid="ai-replay" />
          <Button variant="minimal" icon="clipboard" text="Copy transcript" onClick={() => void copy()} data-testid="ai-copy" />
          {!terminated && mayTerminate({ owner: s.owner, status: 'active' }, me.data) && (
            <Button intent="danger" variant="outlined" icon="stop" text="Terminate" onClick={() => setConfirming(true)} data-testid="ai-terminate" />
          )}
        </>}
      />
      {terminated && (
        <Callout intent="danger" icon="stop" className="apollo-ai-ended" data-testid="ai-input-disabled" title="This session was terminated">
          {s.terminatedBy ? `By ${s.terminatedBy}${s.terminatedAt ? ` at ${formatTime(s.terminatedAt)}` : ''}. ` : ''}The transcript is kept; it takes no more messages.
          {' '}<Link to="/ai">Open a new session</Link>
        </Callout>
      )}
      {!terminated && !canSend && (
        <Callout intent="primary" icon="eye-open" className="apollo-ai-ended" data-testid="ai-input-disabled" title="Watching">
          {s.owner === me.data?.principal ? 'Your role cannot send messages (ai:sessions:create).' : `This is ${s.owner}'s session: you can watch it, not type in it.`}
        </Callout>
      )}
      {me.data?.principal === s.owner && <AiStanding principal={s.owner} />}
      <div className="apollo-ai-body">
        <AiTerminal sessionId={s.id} feed={stream.feed} disabled={terminated || !canSend} status={status} send={send} />
        <div className="apollo-ai-side">
          <ActionPanel sessionId={s.id} actions={stream.actions} canDecide={mayDecide({ owner: s.owner, status: terminated ? 'terminated' : 'active' }, me.data)} ended={terminated} />
          <ToolPanel calls={stream.toolCalls} />
        </div>
      </div>
      <div className={`${Classes.TEXT_MUTED} apollo-ai-hint`}>
        Try <Code>help</Code>, <Code>debug prod core-service</Code>, <Code>logs</Code> or a question. Changes wait for Approve beside the terminal. ↑/↓ history · Ctrl-C clears the line · Ctrl-L clears the screen.
      </div>
      <ReplayDrawer sessionId={s.id} isOpen={replaying} onClose={() => setReplaying(false)} />
      <Alert isOpen={confirming} intent="danger" icon="stop" confirmButtonText="Terminate" cancelButtonText="Cancel" loading={terminate.isPending}
        onCancel={() => setConfirming(false)}
        onConfirm={() => terminate.mutate(s.id, { onSettled: () => { setConfirming(false); void query.refetch(); } })}>
        <p>Terminate this session?</p>
        <p className={Classes.TEXT_MUTED}>A running turn stops within a second; the transcript so far is kept and the session takes no more messages.</p>
      </Alert>
    </div>
  );
}
