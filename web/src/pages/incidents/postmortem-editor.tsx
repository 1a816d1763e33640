/**
 * An incident's postmortem (GET/POST/PUT /api/v1/incidents/{id}/postmortem): "Draft postmortem" makes one from the
 * timeline's facts; with a model configured, the model then writes its draft from the same records ("The model is
 * writing the draft…"; its version replaces the one shown when the incident's topic says it is saved, unless
 * something was typed meanwhile), and the byline says who wrote it. Then the editor (summary, impact, timeline rows, root cause, action items with owner, due date and
 * done, draft or final) saves the whole of it with PUT and If-Match. Someone else's save in between (a 412) is said
 * plainly, with their version one click away; "Draft again" replaces the postmortem (confirmed: its edits are lost).
 * Read-only for roles without incidents:manage.
 */
import {
  Alert, Button, Callout, Checkbox, Classes, FormGroup, HTMLSelect, InputGroup, NonIdealState, Section, SectionCard, Spinner, Tag, TextArea,
} from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import type { Incident, Postmortem } from '../../../../schemas/types.gen.ts';
import { ApiError } from '../../../../shared/api-client.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { Markdown } from '../../components/markdown.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { incidentKey, postmortemKey, usePostmortem } from './incident-queries.ts';
import {
  actionProgress, adoptsNewer, bodyFromForm, formFromPostmortem, formProblems, isDirty, postmortemAuthorship, toLocalInput, type ActionItemRow, type PostmortemForm, type TimelineRow,
} from './postmortem-rules.ts';

function useDraft(incident: Incident) {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (replace: boolean) => api.read('POST /api/v1/incidents/{id}/postmortem', { params: { id: incident.id }, body: replace ? { replace: true } : {} }),
    onSuccess: (p) => {
      client.setQueryData(postmortemKey(incident.id), p);
      client.setQueryData<Incident>(incidentKey(incident.id), (i) => (i ? { ...i, hasPostmortem: true } : i));
      toast({
        intent: 'success', icon: 'document',
        message: p.modelDraft?.status === 'writing'
          ? 'Postmortem drafted from the records; the model is writing its draft, which shows here when it is done.'
          : 'Postmortem drafted from the timeline: edit it, then mark it final.',
      });
    },
  });
}

/** Who wrote the draft: the model (named), the records, or the model still writing; and why the model's draft is not there. */
function Authorship({ p }: { p: Postmortem }) {
  const a = postmortemAuthorship(p);
  return (
    <div className="apollo-postmortem-author" data-testid="postmortem-author" data-state={a.state}>
      <Tag minimal round intent={a.state === 'model' ? 'primary' : 'none'} icon={a.state === 'writing' ? <Spinner size={12} /> : a.state === 'model' ? 'predictive-analysis' : 'th-list'}>{a.byline}</Tag>
      {a.note && <Callout compact intent={a.note.intent === 'warning' ? 'warning' : 'none'} icon={a.note.intent === 'warning' ? 'warning-sign' : 'info-sign'} data-testid="postmortem-author-note">{a.note.text}</Callout>}
    </div>
  );
}

function ReadOnly({ p }: { p: Postmortem }) {
  return (
    <div data-testid="postmortem-view">
      <Authorship p={p} />
      <h4 className="apollo-subheading">Summary</h4><Markdown source={p.summary || '_None yet._'} />
      <h4 className="apollo-subheading">Impact</h4><Markdown source={p.impact || '_None yet._'} />
      <h4 className="apollo-subheading">Timeline</h4>
      <ul>{p.timeline.map((t, i) => <li key={i}><span className="apollo-mono apollo-small">{formatTime(t.at)}</span> {t.content}</li>)}</ul>
      <h4 className="apollo-subheading">Root cause</h4><Markdown source={p.rootCause || '_None yet._'} />
      <h4 className="apollo-subheading">Action items <span className={Classes.TEXT_MUTED}>{actionProgress(p.actionItems)}</span></h4>
      <ul>{p.actionItems.map((a, i) => <li key={i} data-testid="postmortem-view-item" data-done={a.done}>{a.done ? '✓ ' : ''}{a.title}{a.owner ? ` — ${a.owner}` : ''}{a.due ? `, due ${a.due}` : ''}</li>)}</ul>
    </div>
  );
}

/** `latest`: the postmortem as last read (someone else's save shows up there); the form edits the version it started from. */
function Editor({ incident, latest }: { incident: Incident; latest: Postmortem }) {
  const postmortem = latest;
  const { api } = useServices();
  const client = useQueryClient();
  const [form, setForm] = useState<PostmortemForm>(() => formFromPostmortem(postmortem));
  const [base, setBase] = useState(postmortem);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [conflict, setConflict] = useState(false);
  const [redrafting, setRedrafting] = useState(false);
  const draft = useDraft(incident);
  const save = useMutation({
    mutationFn: (next: PostmortemForm) => api.read('PUT /api/v1/incidents/{id}/postmortem', { params: { id: incident.id }, body: bodyFromForm(next), ifMatch: base.version }),
    onSuccess: (p) => {
      client.setQueryData(postmortemKey(incident.id), p);
      setBase(p); setForm(formFromPostmortem(p)); setConflict(false);
      toast({ intent: 'success', icon: 'saved', message: p.status === 'final' ? 'Postmortem saved as final.' : 'Postmortem saved.' });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) {
        setConflict(true);
        void client.invalidateQueries({ queryKey: postmortemKey(incident.id) });
      }
    },
  });
  // Someone else's save arrived (a reread): theirs is what the next save must name.
  const newer = latest.version > base.version ? latest : null;
  const dirty = isDirty(form, base);
  // The model's draft (or why there is none) replaces the draft it was writing over, when nothing was typed since.
  useEffect(() => {
    if (adoptsNewer(base, newer, dirty)) { setBase(newer); setForm(formFromPostmortem(newer)); }
  }, [base, newer, dirty]);

  const set = <K extends keyof PostmortemForm>(key: K, value: PostmortemForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setRow = (i: number, change: Partial<TimelineRow>) => set('timeline', form.timeline.map((r, j) => (j === i ? { ...r, ...change } : r)));
  const setItem = (i: number, change: Partial<ActionItemRow>) => set('actionItems', form.actionItems.map((r, j) => (j === i ? { ...r, ...change } : r)));
  const submit = (event: FormEvent, status?: Postmortem['status']) => {
    event.preventDefault();
    const next = status ? { ...form, status } : form;
    const found = formProblems(next);
    setProblems(found);
    if (Object.keys(found).length) return;
    setForm(next);
    save.mutate(next);
  };
  const takeTheirs = () => {
    if (!newer) return;
    setBase(newer); setForm(formFromPostmortem(newer)); setConflict(false); save.reset();
  };
  const keepMine = () => {
    // Theirs is read: saving now writes mine over it, knowingly.
    if (!newer) return;
    setBase(newer); setConflict(false); save.reset();
  };
  const problem = (key: string) => problems[key] && <span className="apollo-postmortem-error" data-testid="postmortem-problem" data-field={key}>{problems[key]}</span>;

  return (
    <form onSubmit={submit} noValidate data-testid="postmortem-editor" data-status={form.status} data-version={base.version} data-dirty={dirty}>
      <Authorship p={base} />
      {conflict && (
        <Callout intent="warning" icon="warning-sign" title="Someone saved this postmortem after you opened it" className="apollo-form-error" data-testid="postmortem-conflict">
          {newer
            ? <>{newer.updatedBy} saved version {newer.version} {formatAgo(newer.updatedAt)}. Your changes are still here, not saved.</>
            : <>Reading their version… Your changes are still here, not saved.</>}
          <div className="apollo-callout-actions">
            <Button text="Load theirs (drop my changes)" icon="refresh" onClick={takeTheirs} disabled={!newer} data-testid="postmortem-conflict-theirs" />
            <Button text="Keep mine, save over theirs" icon="edit" onClick={keepMine} disabled={!newer} data-testid="postmortem-conflict-mine" />
          </div>
        </Callout>
      )}
      {!conflict && newer && (
        <Callout intent="primary" icon="info-sign" className="apollo-form-error" data-testid="postmortem-newer">
          {newer.generatedByAI && base.modelDraft?.status === 'writing'
            ? <>{newer.model ?? 'The model'} finished its draft (version {newer.version}); your changes are not in it.</>
            : <>{newer.updatedBy} saved a newer version ({newer.version}).</>}
          {' '}<Button variant="minimal" size="small" text="Load it" onClick={takeTheirs} data-testid="postmortem-newer-load" />
        </Callout>
      )}
      {save.isError && !conflict && <div className="apollo-form-error"><ErrorState compact error={save.error} /></div>}
      {draft.isError && <div className="apollo-form-error"><ErrorState compact error={draft.error} /></div>}
      <FormGroup label="Summary" labelFor="pm-summary" labelInfo="(Markdown)">
        <TextArea id="pm-summary" fill rows={4} value={form.summary} onChange={(e) => set('summary', e.currentTarget.value)} data-testid="postmortem-summary" />
      </FormGroup>
      <FormGroup label="Impact" labelFor="pm-impact" labelInfo="(Markdown)">
        <TextArea id="pm-impact" fill rows={3} value={form.impact} onChange={(e) => set('impact', e.currentTarget.value)} data-testid="postmortem-impact" />
      </FormGroup>
      <FormGroup label="Timeline">
        <div className="apollo-postmortem-rows" data-testid="postmortem-timeline">
          {form.timeline.map((row, i) => (
            <div key={i} className="apollo-postmortem-row" data-testid="postmortem-timeline-row">
              <InputGroup type="datetime-local" value={row.at} onValueChange={(v) => setRow(i, { at: v })} aria-label="When" intent={problems[`timeline/${i}/at`] ? 'danger' : 'none'} data-testid="postmortem-timeline-at" />
              <InputGroup value={row.content} maxLength={2000} onValueChange={(v) => setRow(i, { content: v })} aria-label="What happened" intent={problems[`timeline/${i}/content`] ? 'danger' : 'none'} data-testid="postmortem-timeline-content" />
              <Button variant="minimal" icon="trash" aria-label="Remove the row" onClick={() => set('timeline', form.timeline.filter((_, j) => j !== i))} data-testid="postmortem-timeline-remove" />
              {problem(`timeline/${i}/at`)}{problem(`timeline/${i}/content`)}
            </div>
          ))}
        </div>
        <Button icon="add" variant="outlined" size="small" text="Add a row" onClick={() => set('timeline', [...form.timeline, { at: toLocalInput(new Date().toISOString()), content: '' }])} data-testid="postmortem-timeline-add" />
      </FormGroup>
      <FormGroup label="Root cause" labelFor="pm-root-cause" labelInfo="(Markdown)">
        <TextArea id="pm-root-cause" fill rows={3} value={form.rootCause} onChange={(e) => set('rootCause', e.currentTarget.value)} data-testid="postmortem-root-cause" />
      </FormGroup>
      <FormGroup label={<>Action items <span className={Classes.TEXT_MUTED}>{actionProgress(form.actionItems)}</span></>}>
        <div className="apollo-postmortem-rows" data-testid="postmortem-action-items">
          {form.actionItems.map((item, i) => (
            <div key={i} className="apollo-postmortem-item" data-testid="postmortem-action-item" data-done={item.done}>
              <Checkbox checked={item.done} onChange={(e) => setItem(i, { done: e.currentTarget.checked })} aria-label="Done" data-testid="postmortem-item-done" />
              <InputGroup value={item.title} maxLength={500} placeholder="What is to be done" onValueChange={(v) => setItem(i, { title: v })} intent={problems[`actionItems/${i}/title`] ? 'danger' : 'none'} data-testid="postmortem-item-title" />
              <InputGroup value={item.owner} maxLength={128} placeholder="owner@example.com" onValueChange={(v) => setItem(i, { owner: v })} leftIcon="person" intent={problems[`actionItems/${i}/owner`] ? 'danger' : 'none'} data-testid="postmortem-item-owner" />
              <InputGroup type="date" value={item.due} onValueChange={(v) => setItem(i, { due: v })} aria-label="Due" intent={problems[`actionItems/${i}/due`] ? 'danger' : 'none'} data-testid="postmortem-item-due" />
              <Button variant="minimal" icon="trash" aria-label="Remove the item" onClick={() => set('actionItems', form.actionItems.filter((_, j) => j !== i))} data-testid="postmortem-item-remove" />
              {problem(`actionItems/${i}/title`)}{problem(`actionItems/${i}/owner`)}{problem(`actionItems/${i}/due`)}
            </div>
          ))}
        </div>
        <Button icon="add" variant="outlined" size="small" text="Add an action item" onClick={() => set('actionItems', [...form.actionItems, { title: '', owner: '', due: '', done: false }])} data-testid="postmortem-item-add" />
      </FormGroup>
      <div className="apollo-postmortem-footer">
        <span className={`${Classes.TEXT_MUTED} apollo-small apollo-postmortem-meta`}>
          Version {base.version}, saved by {base.updatedBy} {formatAgo(base.updatedAt)}{dirty ? ' · unsaved changes' : ''}
        </span>
        <Button variant="minimal" icon="refresh" text="Draft again" onClick={() => setRedrafting(true)} loading={draft.isPending} data-testid="postmortem-redraft" />
        <HTMLSelect value={form.status} onChange={(e) => set('status', e.currentTarget.value as Postmortem['status'])} aria-label="Status" data-testid="postmortem-status"
          options={[{ value: 'draft', label: 'Draft' }, { value: 'final', label: 'Final' }]} />
        <Button type="submit" intent="primary" icon="floppy-disk" text="Save" loading={save.isPending} disabled={conflict} data-testid="postmortem-save" />
      </div>
      <Alert isOpen={redrafting} intent="warning" icon="refresh" cancelButtonText="Keep this one" confirmButtonText="Draft again"
        onCancel={() => setRedrafting(false)}
        onConfirm={() => { setRedrafting(false); draft.mutate(true, { onSuccess: (p) => { setBase(p); setForm(formFromPostmortem(p)); } }); }}>
        Draft the postmortem again from the timeline? Every edit made to this one is lost.
      </Alert>
    </form>
  );
}

export function PostmortemSection({ incident, canManage }: { incident: Incident; canManage: boolean }) {
  const postmortem = usePostmortem(incident.id, true);
  const draft = useDraft(incident);
  const p = postmortem.data;
  return (
    <Section title="Postmortem" icon="document" className="apollo-section" data-testid="postmortem" data-state={p ? p.status : postmortem.isPending ? 'loading' : 'none'}
      rightElement={p ? <Tag minimal intent={p.status === 'final' ? 'success' : 'warning'} data-testid="postmortem-state">{p.status}</Tag> : undefined}>
      <SectionCard>
        {postmortem.isError ? <ErrorState compact error={postmortem.error} onRetry={() => void postmortem.refetch()} />
          : postmortem.isPending ? <div className={Classes.SKELETON} style={{ height: 160 }} />
            : !p ? (
              <div data-testid="postmortem-none">
                <NonIdealState icon="document" title="No postmortem yet" className="apollo-empty"
                  description={canManage
                    ? `Draft one from the timeline's facts${incident.status === 'resolved' ? '' : ' (the incident is still open: the draft says so)'}; then edit it and mark it final.`
                    : 'Operators draft one (incidents:manage); it shows here once they have.'}
                  action={canManage ? <Button intent="primary" icon="document" text="Draft postmortem" loading={draft.isPending} onClick={() => draft.mutate(false)} data-testid="postmortem-draft" /> : undefined} />
                {draft.isError && <ErrorState compact error={draft.error} />}
              </div>
            )
              : canManage ? <Editor key={p.createdAt} incident={incident} latest={p} /> : <ReadOnly p={p} />}
      </SectionCard>
    </Section>
  );
}
