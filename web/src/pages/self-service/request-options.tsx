/**
 * What a request carries beside the offering's fields: its priority, the team it is for, a note for approvers; and,
 * before it is sent, which approval it will need for the values as they are now (describe.ts previewApproval).
 */
import { Callout, FormGroup, HTMLSelect, TextArea } from '@blueprintjs/core';
import type { CatalogItemV2, RequestCreate } from '../../../../schemas/types.gen.ts';
import { previewApproval } from './describe.ts';

export type Priority = NonNullable<RequestCreate['priority']>;

export interface RequestOptionValues {
  readonly priority: Priority;
  readonly team: string;
  readonly note: string;
}

/** The options' own errors from a 400, by `@priority`, `@team`, `@note`. */
export type OptionErrors = Readonly<Record<string, string>>;

const PRIORITIES: ReadonlyArray<{ value: Priority; label: string }> = [
  { value: 'low', label: 'Low' },
  { value: 'normal', label: 'Normal' },
  { value: 'high', label: 'High' },
];

export const NOTE_MAX = 2000;

export function RequestOptions({ doc, values, fieldValues, teams, errors, onChange }: {
  doc: CatalogItemV2;
  values: RequestOptionValues;
  fieldValues: Record<string, unknown>;
  teams: readonly string[];
  errors: OptionErrors;
  onChange(values: RequestOptionValues): void;
}) {
  const preview = previewApproval(doc.approval, fieldValues, doc.presentation.fields, doc.metadata);
  const set = <K extends keyof RequestOptionValues>(key: K, value: RequestOptionValues[K]) => onChange({ ...values, [key]: value });
  const error = (key: string) => errors[`@${key}`];
  return (
    <div className="apollo-request-options" data-testid="request-options">
      <div className="apollo-form-row">
        <FormGroup label="Priority" labelFor="request-priority" helperText={error('priority') ?? 'Orders the fulfilment queue.'} intent={error('priority') ? 'danger' : 'none'}>
          <HTMLSelect id="request-priority" fill value={values.priority} options={PRIORITIES} onChange={(e) => set('priority', e.currentTarget.value as Priority)} data-testid="request-priority" />
        </FormGroup>
        <FormGroup label="For team" labelFor="request-team" helperText={error('team') ?? (teams.length ? 'The team the request counts against.' : 'You are in no team: ask an admin to add you to one.')} intent={error('team') ? 'danger' : 'none'}>
          <HTMLSelect id="request-team" fill value={values.team} disabled={teams.length <= 1} options={teams.length ? [...teams] : [{ value: '', label: 'No team' }]}
            onChange={(e) => set('team', e.currentTarget.value)} data-testid="request-team" />
        </FormGroup>
      </div>
      <FormGroup label="Note" labelFor="request-note" labelInfo="(optional)" helperText={error('note') ?? 'Why you need it: approvers and the fulfilling team read it.'} intent={error('note') ? 'danger' : 'none'}>
        <TextArea id="request-note" fill rows={2} maxLength={NOTE_MAX} value={values.note} onChange={(e) => set('note', e.currentTarget.value)} intent={error('note') ? 'danger' : 'none'} data-testid="request-note" />
      </FormGroup>
      <Callout intent={preview.needed ? 'warning' : 'none'} icon={preview.needed ? 'endorsed' : 'automatic-updates'} compact className="apollo-approval-preview"
        data-testid="approval-preview" data-needed={preview.needed}>
        {preview.text}
      </Callout>
    </div>
  );
}
