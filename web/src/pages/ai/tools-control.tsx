/**
 * The session owner's "Tools" control: which read tools this session's model may use (PUT …/tools; none named: every
 * one the role allows). Changes are never on this list: each waits for its own Approve. The tools this session already
 * called are offered; any other is typed by name (the API refuses one that is not a read tool, and says which).
 */
import { Button, Classes, Popover, TagInput, Tag } from '@blueprintjs/core';
import { useState } from 'react';
import type { ToolCallView } from './frame-log.ts';
import { useSetTools } from './ai-queries.ts';
import { toolNames } from './ai-rules.ts';

export function ToolsControl({ sessionId, allowlist, calls }: { sessionId: string; allowlist: readonly string[] | null | undefined; calls: readonly ToolCallView[] }) {
  const save = useSetTools(sessionId);
  const [draft, setDraft] = useState<string[]>([]);
  const [isOpen, setOpen] = useState(false);
  const seen = [...new Set(calls.filter((c) => c.risk === 'read').map((c) => c.name))].filter((n) => !draft.includes(n));
  const openWith = () => { setDraft([...(allowlist ?? [])]); setOpen(true); };
  const apply = (allow: string[] | null) => save.mutate(allow, { onSuccess: () => setOpen(false) });
  return (
    <Popover isOpen={isOpen} onInteraction={(next) => (next ? openWith() : setOpen(false))} placement="bottom-end"
      content={
        <div className="apollo-ai-tools-control" data-testid="ai-tools-control">
          <p className={Classes.TEXT_MUTED}>The read tools the model may use in this session. Empty: every one your role allows. Changes always wait for Approve.</p>
          <TagInput values={draft} onChange={(values) => setDraft(toolNames(values as string[]))} placeholder="logs_search, metrics_service…" addOnBlur
            inputProps={{ 'aria-label': 'Allowed read tools' }} tagProps={{ minimal: true }} data-testid="ai-tools-input" />
          {seen.length > 0 && (
            <div className="apollo-ai-tools-seen">
              <span className={Classes.TEXT_MUTED}>Used here:</span>
              {seen.map((n) => <Tag key={n} minimal interactive icon="plus" onClick={() => setDraft([...draft, n])}>{n}</Tag>)}
            </div>
          )}
          <div className="apollo-ai-action-buttons">
            <Button intent="primary" text={draft.length ? `Allow only these ${draft.length}` : 'Allow every read tool'} loading={save.isPending}
              onClick={() => apply(draft.length ? draft : null)} data-testid="ai-tools-save" />
            {allowlist && <Button variant="minimal" text="Reset to all" disabled={save.isPending} onClick={() => apply(null)} />}
          </div>
        </div>
      }>
      <Button variant="minimal" icon="wrench" text={allowlist ? `Tools: ${allowlist.length} allowed` : 'Tools: all'} data-testid="ai-tools" data-count={allowlist?.length ?? ''} />
    </Popover>
  );
}
