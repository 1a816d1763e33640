/**
 * "Edit dependencies": a service's direct dependencies as rows (target from the catalog, type, description),
 * saved at once with PUT …/dependencies; the answer is the new graph, so the page redraws without a re-read.
 */
import { Button, Callout, Dialog, DialogBody, DialogFooter, FormGroup, HTMLSelect, InputGroup, NonIdealState } from '@blueprintjs/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError } from '../../../../shared/api-client.ts';
import type { Service } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { useDebounced } from '../../lib/use-debounced.ts';
import './catalog-edit.css';
import { DEPENDENCY_TYPES, dependenciesBody, rowErrorsFromDetails, rowsOf, validateRows, type DependencyRow, type RowErrors } from './dependency-rows.ts';

/** A service name with suggestions from the catalog's search (typos tolerated), read while the field has focus. */
function ServicePicker({ id, value, exclude, intent, onChange }: { id: string; value: string; exclude: string; intent: 'none' | 'danger'; onChange(v: string): void }) {
  const { api } = useServices();
  const [q, setQ] = useState(value);
  const [focused, setFocused] = useState(false);
  useDebounced(value, setQ, 200);
  const query = q.trim() ? { q: q.trim(), limit: 20 } : { sort: 'name' as const, limit: 50 };
  const found = useQuery({
    queryKey: ['services', 'list', query],
    queryFn: () => api.read('GET /api/v1/services', { query }),
    enabled: focused,
    placeholderData: keepPreviousData,
  });
  const listId = `${id}-options`;
  return (
    <>
      <InputGroup id={id} value={value} onValueChange={onChange} intent={intent} list={listId} placeholder="service name" className="apollo-mono-input" leftIcon="cube"
        onFocus={() => setFocused(true)} onBlur={() => setFocused(false)} autoComplete="off" />
      <datalist id={listId}>
        {(found.data?.items ?? []).filter((s) => s.id !== exclude).map((s) => <option key={s.id} value={s.id}>{s.displayName}</option>)}
      </datalist>
    </>
  );
}

export function DependenciesDialog({ service, onClose }: { service: Service; onClose(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [rows, setRows] = useState<DependencyRow[]>(() => rowsOf(service.dependencies));
  const [nextKey, setNextKey] = useState(service.dependencies.length);
  const [errors, setErrors] = useState<RowErrors>({});
  const [formError, setFormError] = useState<unknown>(null);
  const save = useMutation({
    mutationFn: async () => api.read('PUT /api/v1/services/{id}/dependencies', { params: { id: service.id }, body: dependenciesBody(rows) }),
    onSuccess: (graph) => {
      toast({ intent: 'success', icon: 'tick', message: `${service.displayName}'s dependencies saved` });
      client.setQueryData(['services', 'one', service.id, 'dependencies'], graph);
      // The service's own list, and every other page's graph that may pass through it.
      void client.invalidateQueries({ queryKey: ['services'], predicate: (q) => q.queryKey[3] !== 'dependencies' || q.queryKey[2] !== service.id });
      onClose();
    },
    onError: (error) => {
      if (error instanceof ApiError && error.status === 400 && error.details.length) {
        const { rows: byRow, rest } = rowErrorsFromDetails(error.details);
        setErrors(byRow);
        setFormError(rest.length ? new ApiError(400, error.code, `${error.message} (${rest.join('; ')})`, [], error.requestId) : null);
      } else {
        setErrors({});
        setFormError(error);
      }
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const local = validateRows(service.id, rows);
    setErrors(local);
    setFormError(null);
    if (Object.keys(local).length === 0) save.mutate();
  };
  const update = (i: number, change: Partial<DependencyRow>) => {
    setRows((all) => all.map((r, j) => (j === i ? { ...r, ...change } : r)));
    setErrors((e) => { if (!(i in e)) return e; const { [i]: _gone, ...rest } = e; return rest; });
  };
  const remove = (i: number) => {
    setRows((all) => all.filter((_, j) => j !== i));
    setErrors({}); // indexes move: the messages would land on the wrong rows
  };
  const add = () => {
    setRows((all) => [...all, { key: nextKey, serviceId: '', type: 'runtime', description: '' }]);
    setNextKey((k) => k + 1);
  };
  return (
    <Dialog isOpen onClose={onClose} title={`Dependencies of ${service.displayName}`} icon="graph" className="apollo-dialog apollo-deps-dialog">
      <form onSubmit={submit} noValidate data-testid="dependencies-form">
        <DialogBody>
          {formError !== null && <div className="apollo-form-error"><ErrorState compact error={formError} /></div>}
          {service.source === 'manifest' && (
            <Callout intent="primary" icon="git-repo" compact className="apollo-form-error">
              Discovered from <strong>{service.manifest?.path ?? 'apollo.yaml'}</strong>: a sync applies the manifest's dependencies again, so prefer editing the manifest.
            </Callout>
          )}
          <p>What {service.displayName} needs, directly. Runtime: it fails without it; build: needed to build or deploy; optional: it degrades gracefully.</p>
          {rows.length === 0
            ? <NonIdealState icon="graph" title="No direct dependencies" description="Saving an empty list removes them all." className="apollo-empty" />
            : rows.map((r, i) => {
              const e = errors[i] ?? {};
              return (
                <div key={r.key} className="apollo-dep-row" data-testid="dependency-row">
                  <FormGroup label={i === 0 ? 'Service' : undefined} labelFor={`dep-${r.key}-service`} intent={e.serviceId ? 'danger' : 'none'} helperText={e.serviceId}>
                    <ServicePicker id={`dep-${r.key}-service`} value={r.serviceId} exclude={service.id} intent={e.serviceId ? 'danger' : 'none'} onChange={(v) => update(i, { serviceId: v.trim().toLowerCase() })} />
                  </FormGroup>
                  <FormGroup label={i === 0 ? 'Type' : undefined} labelFor={`dep-${r.key}-type`} intent={e.type ? 'danger' : 'none'} helperText={e.type}>
                    <HTMLSelect id={`dep-${r.key}-type`} value={r.type} options={[...DEPENDENCY_TYPES]} fill onChange={(ev) => update(i, { type: ev.currentTarget.value as DependencyRow['type'] })} />
                  </FormGroup>
                  <FormGroup label={i === 0 ? 'Description' : undefined} labelFor={`dep-${r.key}-description`} intent={e.description ? 'danger' : 'none'} helperText={e.description}>
                    <InputGroup id={`dep-${r.key}-description`} value={r.description} placeholder="what it is used for" intent={e.description ? 'danger' : 'none'} onValueChange={(v) => update(i, { description: v })} />
                  </FormGroup>
                  <FormGroup label={i === 0 ? '\u00a0' : undefined}>
                    <Button icon="cross" variant="minimal" aria-label={`Remove ${r.serviceId || 'this row'}`} onClick={() => remove(i)} data-testid="remove-dependency" />
                  </FormGroup>
                </div>
              );
            })}
          <Button icon="add" text="Add dependency" variant="outlined" onClick={add} data-testid="add-dependency" />
        </DialogBody>
        <DialogFooter actions={<><Button text="Cancel" onClick={onClose} /><Button type="submit" intent="primary" text="Save" loading={save.isPending} /></>} />
      </form>
    </Dialog>
  );
}

/** "Edit dependencies": the button and its dialog. */
export function EditDependenciesButton({ service }: { service: Service }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button icon="edit" text="Edit dependencies" variant="outlined" onClick={() => setOpen(true)} data-testid="edit-dependencies" />
      {open && <DependenciesDialog service={service} onClose={() => setOpen(false)} />}
    </>
  );
}
