/**
 * The templates' variables, checked where they appear: each place of a document (a default, an action's config,
 * a ticket, monitoring) allows different scopes, earlier actions' outputs only, and secrets only where no person
 * reads the text.
 */
import type { CatalogAction, CatalogField, CatalogItemV2 } from '#schemas/index.ts';
import { checkTemplates, findVariables } from '#shared/variables/index';
import type { Add } from './issues.ts';

interface TemplatePlace {
  at: string;
  value: unknown;
  /** What the place is, in words, for messages. */
  what: string;
  /** Action ids whose outputs exist here, with whether they may have been skipped. Absent: no outputs exist. */
  outputs?: ReadonlyArray<CatalogAction>;
  /** Action ids that exist but are not (yet) available here, with why. */
  notYet?: ReadonlyMap<string, string>;
  /** Scopes that cannot be used here, with why. */
  forbidden: Readonly<Record<string, string>>;
  /** Whether secret fields may appear (false: the text is shown to people). */
  secretFields: boolean;
}

const AT_FORM_TIME = { output: 'no action has run when the form is shown', approval: 'nothing is approved when the form is shown', secrets: 'a default is shown to the requester', fields: 'defaults cannot depend on other fields' };

function templatePlaces(doc: CatalogItemV2): TemplatePlace[] {
  const places: TemplatePlace[] = [];
  doc.presentation.fields.forEach((f, i) => {
    if (typeof f.default === 'string' || (f.default !== null && typeof f.default === 'object')) places.push({ at: `/presentation/fields/${i}/default`, value: f.default, what: 'a default', forbidden: AT_FORM_TIME, secretFields: false });
  });
  const f = doc.fulfillment;
  if (f.type === 'manual') {
    places.push({ at: '/fulfillment/jira', value: f.jira, what: 'the JIRA ticket', forbidden: { output: 'a manual offering has no actions', secrets: 'a ticket is read by people' }, secretFields: false });
  } else {
    f.actions.forEach((a, i) => {
      const notYet = new Map<string, string>();
      f.actions.forEach((b, j) => { if (j >= i) notYet.set(b.id, j === i ? 'an action cannot use its own outputs' : `${b.id} runs after ${a.id}`); });
      (f.rollbackActions ?? []).forEach((b) => notYet.set(b.id, `${b.id} is a rollback action: its outputs are not available`));
      const isTicket = a.type === 'jira';
      places.push({
        at: `/fulfillment/actions/${i}/config`, value: a.config, what: `action ${a.id}`, outputs: f.actions.slice(0, i), notYet,
        forbidden: isTicket ? { secrets: 'a ticket is read by people' } : {}, secretFields: !isTicket,
      });
    });
    (f.rollbackActions ?? []).forEach((a, i) => {
      const notYet = new Map<string, string>();
      (f.rollbackActions ?? []).forEach((b) => notYet.set(b.id, `${b.id} is a rollback action: its outputs are not available`));
      places.push({ at: `/fulfillment/rollbackActions/${i}/config`, value: a.config, what: `rollback action ${a.id}`, outputs: f.actions, notYet, forbidden: a.type === 'jira' ? { secrets: 'a ticket is read by people' } : {}, secretFields: a.type !== 'jira' });
    });
  }
  if (doc.monitoring) {
    const outputs = f.type === 'automated' ? f.actions : undefined;
    places.push({ at: '/monitoring', value: doc.monitoring, what: 'monitoring', ...(outputs ? { outputs } : {}), forbidden: { secrets: 'monitoring links are shown to people', approval: 'monitoring does not know the approval' }, secretFields: false });
  }
  return places;
}

export function checkTemplatesOf(doc: CatalogItemV2, fieldById: (id: string) => CatalogField | undefined, add: Add): void {
  for (const place of templatePlaces(doc)) {
    for (const issue of checkTemplates(place.value)) add('error', 'template', place.at + issue.where, issue.message);
    for (const v of findVariables(place.value)) {
      const at = place.at + v.where;
      const [first = '', second] = v.key.split('.');
      const why = place.forbidden[v.scope];
      if (why) {
        add('error', 'variable-not-here', at, `{{${v.expression}}}: ${v.scope} cannot be used in ${place.what}: ${why}`);
        continue;
      }
      if (v.scope === 'secrets' && /\/(url|query\/[^/]+)$/.test(v.where)) {
        add('warning', 'secret-in-url', at, `{{${v.expression}}}: a secret in an address ends up in access logs and proxies; send it in a header or the auth block`);
      }
      if (v.scope === 'fields') {
        const field = fieldById(first);
        if (!field) {
          add('error', 'unknown-field-ref', at, `{{${v.expression}}}: names no field of this offering: ${first}`);
          continue;
        }
        if (field.type === 'secret' && !place.secretFields) add('error', 'secret-field-exposed', at, `{{${v.expression}}}: ${first} is a secret field and ${place.what} is shown to people`);
        const mayBeEmpty = field.visibleWhen !== undefined || (!field.validation?.required && !('default' in field));
        if (mayBeEmpty && !v.filters.includes('default') && place.at.startsWith('/fulfillment/')) {
          add('warning', 'optional-field-without-default', at, `{{${v.expression}}}: ${first} may have no value (${field.visibleWhen ? 'it is not always shown' : 'it is optional'}); add a default, e.g. | default('')`);
        }
      }
      if (v.scope === 'output') {
        if (!place.outputs) {
          add('error', 'variable-not-here', at, `{{${v.expression}}}: there are no action outputs here`);
          continue;
        }
        const action = place.outputs.find((a) => a.id === first);
        if (!action) {
          const why = place.notYet?.get(first);
          add('error', why ? 'output-not-earlier' : 'unknown-action-ref', at, `{{${v.expression}}}: ${why ?? `names no action of this offering: ${first}`}`);
          continue;
        }
        if (second !== undefined && !(action.outputs ?? []).some((o) => o.name === second)) {
          add('error', 'unknown-output', at, `{{${v.expression}}}: ${action.id} declares no output ${second} (${(action.outputs ?? []).map((o) => o.name).join(', ') || 'it declares none'})`);
        } else if (action.when && !v.filters.includes('default')) {
          add('warning', 'output-may-be-missing', at, `{{${v.expression}}}: ${action.id} runs only when its condition holds; add a default`);
        }
      }
    }
  }
}
