/**
 * An incident's actions as its status and the caller's role allow (actionsFor): Acknowledge (POST …/acknowledge),
 * Investigating (PUT with the status and If-Match: a 412 says someone changed it first and reads it again), Resolve
 * with a note (POST …/resolve; it lifts the locks), Reopen (POST …/reopen; a critical one locks again).
 */
import { Button, Callout, Dialog, DialogBody, DialogFooter, FormGroup, Tag, TextArea, Tooltip } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { Incident } from '../../../../schemas/types.gen.ts';
import { ApiError } from '../../../../shared/api-client.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { incidentKey, timelineKey } from './incident-queries.ts';
import { ACTION_LABEL, actionsFor, locksText, type IncidentAction } from './incident-rules.ts';

const ACTION_ICON = { acknowledge: 'eye-open', investigate: 'search', resolve: 'tick-circle', reopen: 'refresh' } as const;
const ACTION_INTENT = { acknowledge: 'warning', investigate: 'primary', resolve: 'success', reopen: 'danger' } as const;

function useIncidentAction(incident: Incident) {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ action, note }: { action: IncidentAction; note?: string }): Promise<Incident> => {
      const params = { id: incident.id };
      const body = note ? { note } : {};
      switch (action) {
        case 'acknowledge': return api.read('POST /api/v1/incidents/{id}/acknowledge', { params, body });
        case 'resolve': return api.read('POST /api/v1/incidents/{id}/resolve', { params, body });
        case 'reopen': return api.read('POST /api/v1/incidents/{id}/reopen', { params, body });
        case 'investigate': return api.read('PUT /api/v1/incidents/{id}', { params, body: { status: 'investigating' }, ifMatch: incident.version });
      }
    },
    onSuccess: (next, { action }) => {
      client.setQueryData(incidentKey(incident.id), next);
      void client.invalidateQueries({ queryKey: timelineKey(incident.id) });
      void client.invalidateQueries({ queryKey: ['incidents', 'list'] });
      const lifted = action === 'resolve' && incident.locks.length ? `; ${locksText(incident.locks).join('; ').replace(/locked for deploys/g, 'unlocked')}` : '';
      toast({ intent: action === 'resolve' ? 'success' : 'primary', icon: ACTION_ICON[action], message: `${ACTION_LABEL[action]}: ${next.title}${lifted}` });
    },
    onError: (error) => {
      // Someone changed it since it was read (a 412), or it moved on meanwhile (a 409): show what it is now.
      if (error instanceof ApiError && (error.status === 412 || error.status === 409)) void client.invalidateQueries({ queryKey: incidentKey(incident.id) });
    },
  });
}

function NoteDialog({ action, incident, onClose, run, pending, error }: {
  action: 'resolve' | 'reopen' | null; incident: Incident; onClose(): void; run(note: string | undefined): void; pending: boolean; error: unknown;
}) {
  const [note, setNote] = useState('');
  const close = () => { setNote(''); onClose(); };
  const submit = (event: FormEvent) => { event.preventDefault(); run(note.trim() || undefined); };
  const resolving = action === 'resolve';
  return (
    <Dialog isOpen={action !== null} onClose={close} title={resolving ? 'Resolve the incident' : 'Reopen the incident'} icon={resolving ? 'tick-circle' : 'refresh'} className="apollo-dialog">
      <form onSubmit={submit} noValidate data-testid={`${action ?? 'note'}-form`}>
        <DialogBody>
          {error != null && <div className="apollo-form-error"><ErrorState compact error={error} /></div>}
          {resolving && incident.locks.length > 0 && <Callout compact icon="unlock" className="apollo-form-error">Resolving lifts the locks: {locksText(incident.locks).join('; ')}.</Callout>}
          {!resolving && incident.severity === 'critical' && <Callout compact intent="warning" icon="lock" className="apollo-form-error">A critical incident locks its environments for deploys again.</Callout>}
          {incident.source.type === 'pagerduty' && <p className="bp6-text-muted">PagerDuty is told too{resolving ? ', with the note' : ''}.</p>}
          <FormGroup label={resolving ? 'What fixed it' : 'Why it is back'} labelFor="incident-note" labelInfo="(optional)" helperText="On the timeline.">
            <TextArea id="incident-note" fill rows={3} maxLength={2000} value={note} onChange={(e) => setNote(e.currentTarget.value)} autoFocus data-testid="incident-note" />
          </FormGroup>
        </DialogBody>
        <DialogFooter actions={<>
          <Button text="Cancel" onClick={close} />
          <Button type="submit" intent={resolving ? 'success' : 'danger'} icon={resolving ? 'tick-circle' : 'refresh'} text={resolving ? 'Resolve' : 'Reopen'} loading={pending} data-testid="incident-note-confirm" />
        </>} />
      </form>
    </Dialog>
  );
}

export function IncidentActions({ incident, permissions }: { incident: Incident; permissions: readonly string[] }) {
  const { actions, why } = actionsFor(incident.status, permissions);
  const act = useIncidentAction(incident);
  const [asking, setAsking] = useState<'resolve' | 'reopen' | null>(null);
  const conflict = act.error instanceof ApiError && act.error.status === 412;
  if (why) {
    return <Tooltip content={why}><Tag minimal icon="lock" data-testid="incident-actions-locked">View only</Tag></Tooltip>;
  }
  return (
    <div className="apollo-incident-actions" data-testid="incident-actions">
      {actions.map((a) => (
        <Button key={a} icon={ACTION_ICON[a]} intent={ACTION_INTENT[a]} variant={a === 'resolve' ? 'solid' : 'outlined'} text={ACTION_LABEL[a]}
          loading={act.isPending && act.variables?.action === a} disabled={act.isPending}
          onClick={() => (a === 'resolve' || a === 'reopen' ? setAsking(a) : act.mutate({ action: a }))}
          data-testid={`incident-action-${a}`} />
      ))}
      {act.isError && asking === null && (
        <div className="apollo-grid-full" data-testid="incident-action-error" data-status={(act.error as { status?: number }).status}>
          {conflict
            ? <Callout compact intent="warning" icon="warning-sign" data-testid="incident-action-conflict">Someone changed this incident since you read it; it has been read again. Look, then try again.</Callout>
            : <ErrorState compact error={act.error} />}
        </div>
      )}
      <NoteDialog action={asking} incident={incident} onClose={() => { setAsking(null); act.reset(); }} pending={act.isPending} error={asking ? act.error : null}
        run={(note) => act.mutate({ action: asking!, ...(note ? { note } : {}) }, { onSuccess: () => setAsking(null) })} />
    </div>
  );
}
