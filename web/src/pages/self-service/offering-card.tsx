/** An offering as a card: name, description, owner, SLA, tags, lifecycle, and whether the caller may request it. */
import { Card, Classes, Icon, Tag, Tooltip, type IconName } from '@blueprintjs/core';
import { IconNames } from '@blueprintjs/icons';
import type { CatalogHighlight, CatalogSummary } from '../../../../schemas/types.gen.ts';
import { Link, navigate } from '../../lib/router.tsx';
import { plainText } from './describe.ts';
import { highlightParts } from './self-service-url.ts';
import './self-service.css';

const KNOWN_ICONS = new Set<string>(Object.values(IconNames));
/** The document's icon when Blueprint has it; otherwise a neutral one by category. */
export function offeringIcon(icon: string | undefined, category: string): IconName {
  if (icon && KNOWN_ICONS.has(icon)) return icon as IconName;
  if (/data|db|sql/.test(category)) return 'database';
  if (/stor|bucket/.test(category)) return 'box';
  if (/access|secur|identity/.test(category)) return 'key';
  if (/repo|code|source/.test(category)) return 'git-repo';
  if (/env|infra|compute/.test(category)) return 'cloud';
  return 'cube';
}

export function Highlighted({ text, matches }: { text: string; matches: CatalogHighlight['matches'] }) {
  return (
    <>
      {highlightParts(text, matches).map((part, i) => (part.match ? <mark key={i} className="apollo-mark">{part.text}</mark> : <span key={i}>{part.text}</span>))}
    </>
  );
}

export function LifecycleTag({ lifecycle }: { lifecycle: CatalogSummary['lifecycle'] }) {
  if (lifecycle.state === 'active') return null;
  const deprecated = lifecycle.state === 'deprecated';
  const tip = lifecycle.removedFromSource
    ? 'Its file was removed from the catalog repository'
    : deprecated
      ? `Still requestable${lifecycle.replacement ? `; moving to ${lifecycle.replacement}` : ''}${lifecycle.sunsetDate ? `; retired on ${lifecycle.sunsetDate}` : ''}`
      : `No longer requestable${lifecycle.replacement ? `; use ${lifecycle.replacement}` : ''}`;
  return (
    <Tooltip content={lifecycle.message ? `${tip}. ${lifecycle.message}` : tip} compact>
      <Tag minimal intent={deprecated ? 'warning' : 'danger'} icon={deprecated ? 'warning-sign' : 'disable'} data-testid="lifecycle-tag" data-state={lifecycle.state}>
        {lifecycle.state}
      </Tag>
    </Tooltip>
  );
}

export function ViewOnlyTag({ offering }: { offering: Pick<CatalogSummary, 'canRequest' | 'requestBlockedReason'> }) {
  if (offering.canRequest) return null;
  return (
    <Tooltip content={offering.requestBlockedReason ?? 'You can see this offering but not request it'} compact>
      <Tag minimal icon="eye-open" data-testid="view-only">view only</Tag>
    </Tooltip>
  );
}

export function OfferingCard({ offering, highlights = [] }: { offering: CatalogSummary; highlights?: readonly CatalogHighlight[] }) {
  const to = `/self-service/${encodeURIComponent(offering.id)}`;
  const mark = (field: CatalogHighlight['field']) => highlights.find((h) => h.field === field);
  const name = mark('name');
  const description = mark('description');
  const others = highlights.filter((h) => h.field === 'tags' || h.field === 'category' || h.field === 'owner');
  return (
    <Card interactive compact className={`apollo-offering-card${offering.lifecycle.state === 'retired' ? ' apollo-offering-retired' : ''}`} data-testid="offering-card" data-id={offering.id}
      onClick={(e) => { if (!(e.target as HTMLElement).closest('a')) navigate(to); }}>
      <div className="apollo-offering-card-head">
        <span className="apollo-offering-icon" aria-hidden><Icon icon={offeringIcon(offering.icon, offering.category)} size={20} /></span>
        <div className="apollo-offering-card-title">
          <Link to={to} className="apollo-cell-strong" data-testid="offering-name">{name ? <Highlighted text={name.text} matches={name.matches} /> : offering.name}</Link>
          <div className={`${Classes.TEXT_MUTED} apollo-mono apollo-small`}>{offering.id} · v{offering.version}</div>
        </div>
        <span className="apollo-offering-badges"><LifecycleTag lifecycle={offering.lifecycle} /><ViewOnlyTag offering={offering} /></span>
      </div>
      <p className="apollo-offering-description">{description ? <Highlighted text={description.text} matches={description.matches} /> : plainText(offering.description)}</p>
      {others.map((h) => (
        <div key={h.field} className={`${Classes.TEXT_MUTED} apollo-small apollo-offering-matched`} data-testid="matched-in">
          matched in {h.field}: <Highlighted text={h.text} matches={h.matches} />
        </div>
      ))}
      <div className="apollo-offering-card-foot">
        <Tag minimal round icon="people" title="Owning team">{offering.owner}</Tag>
        {offering.sla && <Tooltip content="Target time from approval to fulfilment" compact><Tag minimal round icon="time" data-testid="offering-sla">{offering.sla}</Tag></Tooltip>}
        {offering.tags.slice(0, 5).map((t) => <Tag key={t} minimal className="apollo-offering-tag">{t}</Tag>)}
      </div>
    </Card>
  );
}
