/**
 * Set, change and delete a monthly budget (costs:manage): a scope (service, team or environment), the amount in USD and
 * when to alert (default 80 % and 100 % of month to date, 100 % of the forecast). Field-level messages from the form's
 * own checks, then the API's 400 details by field path; an edit and a delete send If-Match with the budget's version,
 * and a 412 is explained.
 */
import { Alert, Button, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, InputGroup, TextArea } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../../../shared/api-client.ts';
import type { CostBudget } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useFieldErrors } from '../../components/field-errors.ts';
import { useTeams } from '../../lib/queries.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { useServiceChoices } from '../deployments/deployment-queries.ts';
import { budgetCreateBody, budgetFieldOf, budgetUpdateBody, budgetValues, formatUsd, validateBudget, type AlertBasis, type BudgetValues } from './cost-format.ts';
import { COSTS_KEY } from './cost-queries.ts';

const CHANGED = 'Someone changed this budget since you opened it. Close this dialog to see their version, then edit again.';
const SCOPE_TYPES = ['service', 'team', 'environment'] as const;

/** The ids a scope can take, for the input's suggestions. */
function useScopeChoices(type: BudgetValues['scopeType'], environments: readonly string[]): string[] {
  const services = useServiceChoices();
  const teams = useTeams();
  if (type === 'service') return (services.data ?? []).map((s) => s.id);
  if (type === 'team') return (teams.data?.pages ?? []).flatMap((p) => p.items.map((t) => t.id));
  return [...environments];
}

/**
 * `budget`: the one to edit, or null to set one. `scope`: a new budget's scope, fixed (a service's Costs tab).
 * `environments`: the environments to suggest.
 */
export function BudgetDialog({ budget: current, scope, environments = [], onClose }: {
  budget: CostBudget | null; scope?: { type: BudgetValues['scopeType']; id: string }; environments?: readonly string[]; onClose(): void;
}) {
  // The budget as it was when the dialog opened: its version is what If-Match promises.
  const [budget] = useState(current);
  const creating = budget === null;
  const { api } = useServices();
  const client = useQueryClient();
  const [values, setValues] = useState<BudgetValues>(() => budgetValues(budget, scope));
  const form = useFieldErrors();
  const choices = useScopeChoices(values.scopeType, environments);
  const save = useMutation({
    mutationFn: async () => {
      if (creating) return api.read('POST /api/v1/costs/budgets', { body: budgetCreateBody(values) });
      const body = budgetUpdateBody(budget, values);
      if (Object.keys(body).length === 0) return budget;
      return api.read('PUT /api/v1/costs/budgets/{id}', { params: { id: budget.id }, body, ifMatch: budget.version });
    },
    onSuccess: (saved) => {
      toast({ intent: 'success', icon: 'tick', message: `Budget for ${saved.scope.type} ${saved.scope.id}: ${formatUsd(saved.monthlyAmount)} a month (${saved.state === 'ok' ? 'ok' : saved.state === 'at-risk' ? 'at risk by forecast' : 'breached'})` });
      void client.invalidateQueries({ queryKey: COSTS_KEY });
      onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 412) {
        void client.invalidateQueries({ queryKey: COSTS_KEY });
        form.fromApi(new ApiError(412, error.code, CHANGED, [], error.requestId), budgetFieldOf);
      } else {
        form.fromApi(error, budgetFieldOf);
      }
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (form.setLocal(validateBudget(values, creating))) save.mutate();
  };
  const set = <K extends keyof BudgetValues>(name: K, value: BudgetValues[K], field: string = name) => {
    setValues((v) => ({ ...v, [name]: value }));
    form.clear(field);
  };
  const setAlert = (i: number, change: Partial<{ percent: string; basis: AlertBasis }>) =>
    set('alerts', values.alerts.map((a, j) => (j === i ? { ...a, ...change } : a)));
  const intent = (name: string) => (form.errors[name] ? 'danger' : 'none');
  const scopeFixed = !creating || scope !== undefined;
  return (
    <Dialog isOpen onClose={onClose} title={creating ? `Set a budget${scope ? ` for ${scope.id}` : ''}` : `Budget of ${budget.scope.type} ${budget.scope.id}`} icon="dollar" className="apollo-dialog apollo-cost-budget-dialog">
      <form onSubmit={submit} noValidate data-testid="cost-budget-form">
        <DialogBody>
          {form.formError !== null && <div className="apollo-form-error" data-testid="cost-budget-form-error"><ErrorState compact error={form.formError} /></div>}
          <div className="apollo-form-row">
            <FormGroup label="Scope" labelFor="cb-scope-type" intent={intent('scopeType')} helperText={form.errors.scopeType ?? 'A service, a team (its services) or an environment.'}>
              <HTMLSelect id="cb-scope-type" fill value={values.scopeType} disabled={scopeFixed} data-testid="cost-budget-scope-type"
                onChange={(e) => { set('scopeType', e.currentTarget.value as BudgetValues['scopeType']); set('scopeId', '', 'scopeId'); }}
                options={SCOPE_TYPES.map((t) => ({ value: t, label: t }))} />
            </FormGroup>
            <FormGroup label={`The ${values.scopeType}`} labelFor="cb-scope-id" labelInfo="(required)" intent={intent('scopeId')} helperText={form.errors.scopeId ?? 'One budget per scope.'}>
              <InputGroup id="cb-scope-id" value={values.scopeId} disabled={scopeFixed} onValueChange={(v) => set('scopeId', v)} intent={intent('scopeId')} list="cb-scope-choices"
                className="apollo-mono-input" data-testid="cost-budget-scope-id" autoFocus={!scopeFixed} />
              <datalist id="cb-scope-choices">{choices.map((c) => <option key={c} value={c} />)}</datalist>
            </FormGroup>
          </div>
          <FormGroup label="Monthly amount (USD)" labelFor="cb-amount" labelInfo="(required)" intent={intent('monthlyAmount')}
            helperText={form.errors.monthlyAmount ?? 'Per calendar month (UTC).'}>
            <InputGroup id="cb-amount" value={values.monthlyAmount} onValueChange={(v) => set('monthlyAmount', v)} intent={intent('monthlyAmount')} leftIcon="dollar"
              inputMode="decimal" data-testid="cost-budget-amount" autoFocus={scopeFixed} />
          </FormGroup>
          <FormGroup label="Alerts" intent={intent('alerts')} helperText={form.errors.alerts ?? "Tell the owners when month to date (actual) or the month-end forecast reaches a share of the amount."}>
            <div className="apollo-cost-alerts" data-testid="cost-budget-alerts">
              {values.alerts.map((a, i) => (
                <div key={i} className="apollo-cost-alert-row" data-testid="cost-budget-alert">
                  <InputGroup value={a.percent} onValueChange={(v) => setAlert(i, { percent: v })} rightElement={<span className="apollo-cost-unit">%</span>} inputMode="numeric" aria-label={`Alert ${i + 1} percent`} />
                  <HTMLSelect value={a.basis} onChange={(e) => setAlert(i, { basis: e.currentTarget.value as AlertBasis })} aria-label={`Alert ${i + 1} basis`}
                    options={[{ value: 'actual', label: 'of month to date' }, { value: 'forecast', label: 'of the forecast' }]} />
                  <Button variant="minimal" icon="cross" aria-label={`Remove alert ${i + 1}`} onClick={() => set('alerts', values.alerts.filter((_, j) => j !== i))} disabled={values.alerts.length === 1} />
                </div>
              ))}
              {values.alerts.length < 10 && <Button variant="minimal" icon="add" text="Add alert" onClick={() => set('alerts', [...values.alerts, { percent: '100', basis: 'forecast' }])} />}
            </div>
          </FormGroup>
          <FormGroup label="Description" labelFor="cb-description" intent={intent('description')} helperText={form.errors.description ?? 'Optional: why this amount.'}>
            <TextArea id="cb-description" value={values.description} onChange={(e) => set('description', e.currentTarget.value)} intent={intent('description')} fill rows={2} />
          </FormGroup>
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={onClose} /><Button type="submit" intent="primary" text={creating ? 'Set budget' : 'Save'} loading={save.isPending} data-testid="cost-budget-save" /></>} />
      </form>
    </Dialog>
  );
}

export function DeleteBudgetAlert({ budget, isOpen, onClose }: { budget: CostBudget; isOpen: boolean; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const del = useMutation({
    mutationFn: () => api.request('DELETE /api/v1/costs/budgets/{id}', { params: { id: budget.id }, ifMatch: budget.version }),
    onSuccess: () => toast({ intent: 'success', icon: 'trash', message: `Budget of ${budget.scope.type} ${budget.scope.id} deleted` }),
    onError: (error) => {
      const changed = error instanceof ApiError && error.status === 412;
      toast({ intent: 'danger', icon: 'error', message: changed ? 'Not deleted: someone changed this budget since the page loaded. Check their change, then try again.' : `Not deleted: ${(error as Error).message}` });
    },
    onSettled: () => {
      void client.invalidateQueries({ queryKey: COSTS_KEY });
      onClose();
    },
  });
  return (
    <Alert isOpen={isOpen} intent="danger" icon="trash" confirmButtonText="Delete" cancelButtonText="Cancel" loading={del.isPending} onConfirm={() => del.mutate()} onCancel={onClose}>
      <p>Delete the budget of {budget.scope.type} <strong>{budget.scope.id}</strong> ({formatUsd(budget.monthlyAmount)} a month)?</p>
      <p>Its alerts stop. This is recorded in the audit log.</p>
    </Alert>
  );
}
