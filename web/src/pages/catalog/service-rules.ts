/** The service form's fields and the API's own rules for them (schemas/api/service-create.schema.json), checked before sending. */
import type { FieldErrors } from '../../components/field-errors.ts';

export const SERVICE_FIELDS = ['name', 'displayName', 'description', 'repository', 'team', 'tier', 'language', 'framework', 'tags'] as const;
export type Field = (typeof SERVICE_FIELDS)[number];
export type Values = { [K in Exclude<Field, 'tags'>]: string } & { tags: string[] };

const NAME = /^[a-z][a-z0-9-]{1,62}$/;
const TEAM = /^[a-z][a-z0-9-]{1,62}[a-z0-9]$/;
const REPOSITORY = /^(|https?:\/\/\S+)$/;
const TAG = /^[a-z0-9][a-z0-9:._/-]{0,62}$/;

export function validateService(v: Values, creating: boolean): FieldErrors {
  const e: FieldErrors = {};
  if (creating && !NAME.test(v.name)) e.name = '2–63 characters: lowercase letters, digits and dashes, starting with a letter';
  if (!v.displayName.trim()) e.displayName = 'A service needs a display name';
  else if (v.displayName.length > 200) e.displayName = 'At most 200 characters';
  if (v.description.length > 4000) e.description = 'At most 4000 characters';
  if (v.repository.length > 500) e.repository = 'At most 500 characters';
  else if (!REPOSITORY.test(v.repository.trim())) e.repository = 'A URL starting with https://';
  if (!TEAM.test(v.team)) e.team = 'Choose the owning team';
  if (v.language.length > 50) e.language = 'At most 50 characters';
  if (v.framework.length > 50) e.framework = 'At most 50 characters';
  const bad = v.tags.find((t) => !TAG.test(t));
  if (bad !== undefined) e.tags = `"${bad}": lowercase letters, digits and : . _ / -, up to 63 characters`;
  else if (v.tags.length > 30) e.tags = 'At most 30 tags';
  return e;
}

