/**
 * A request's rating: its requester rates it once it completed (1 to 5 and a comment the owning team reads in its
 * catalog analytics), sees what they gave and may change it; everyone else reads it once given. The API refuses
 * anyone else (403) and a request not yet completed (409), and says why.
 */
import { Button, ButtonGroup, Classes, FormGroup, Icon, Section, SectionCard, TextArea } from '@blueprintjs/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { Request, RequestRating } from '../../../../schemas/types.gen.ts';
import { ErrorState } from '../../components/error-state.tsx';
import { formatAgo, formatTime } from '../../lib/format.ts';
import { requestKey, useMe } from '../../lib/queries.ts';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { mayRate, scoreText } from './request-status.ts';

const SCORES = [1, 2, 3, 4, 5] as const;
const COMMENT_MAX = 1000;

function Stars({ score }: { score: number }) {
  return (
    <span className="apollo-rating-stars" role="img" aria-label={scoreText(score)} title={scoreText(score)} data-testid="rating-stars" data-score={score}>
      {SCORES.map((s) => <Icon key={s} icon={s <= score ? 'star' : 'star-empty'} className={s <= score ? 'apollo-rating-star-on' : Classes.TEXT_MUTED} />)}
    </span>
  );
}

function SavedRating({ rating, mine }: { rating: RequestRating; mine: boolean }) {
  return (
    <div className="apollo-rating-saved" data-testid="rating-saved" data-score={rating.score}>
      <span><Stars score={rating.score} /> <span className="apollo-small">{scoreText(rating.score)}</span></span>
      {rating.comment && <p className="apollo-rating-comment" data-testid="rating-comment">“{rating.comment}”</p>}
      <span className={`${Classes.TEXT_MUTED} apollo-small`} title={formatTime(rating.at)}>{mine ? 'You rated it' : `Rated by ${rating.by}`} {formatAgo(rating.at)}</span>
    </div>
  );
}

function RatingForm({ request, rating, onDone }: { request: Request; rating: RequestRating | null; onDone(): void }) {
  const { api } = useServices();
  const client = useQueryClient();
  const [score, setScore] = useState<number>(rating?.score ?? 0);
  const [comment, setComment] = useState(rating?.comment ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (body: { score: number; comment?: string }) => api.read('PUT /api/v1/requests/{id}/rating', { params: { id: request.id }, body }),
    onSuccess: (saved) => {
      client.setQueryData<Request>(requestKey(request.id), (old) => (old ? { ...old, rating: saved } : old));
      toast({ intent: 'success', icon: 'star', message: `Rated ${scoreText(saved.score)}: the ${request.offering.owner ?? 'owning'} team reads it` });
      onDone();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (score < 1) { setProblem('Pick a score from 1 (poor) to 5 (great).'); return; }
    save.mutate({ score, ...(comment.trim() ? { comment: comment.trim() } : {}) });
  };
  return (
    <form onSubmit={submit} noValidate data-testid="rating-form">
      {save.isError && <div className="apollo-form-error"><ErrorState compact error={save.error} /></div>}
      <FormGroup label="How did it go?" intent={problem ? 'danger' : 'none'} helperText={problem ?? (score ? scoreText(score) : '1 is poor, 5 is great.')}>
        <ButtonGroup className="apollo-rating-stars" role="radiogroup" aria-label="Score">
          {SCORES.map((s) => (
            <Button key={s} variant="minimal" icon={s <= score ? 'star' : 'star-empty'} role="radio" aria-checked={score === s} aria-label={scoreText(s)} title={scoreText(s)}
              className={s <= score ? 'apollo-rating-star-on' : undefined} onClick={() => { setScore(s); setProblem(null); }} data-testid="rating-score" data-score={s} />
          ))}
        </ButtonGroup>
      </FormGroup>
      <FormGroup label="Comment" labelFor="rating-comment" labelInfo="(optional)" helperText={`The ${request.offering.owner ?? 'owning'} team reads it in its catalog analytics.`}>
        <TextArea id="rating-comment" fill rows={2} maxLength={COMMENT_MAX} value={comment} onChange={(e) => setComment(e.currentTarget.value)} data-testid="rating-comment-input" />
      </FormGroup>
      <div className="apollo-approval-buttons">
        <Button type="submit" intent="primary" icon="tick" text="Save" loading={save.isPending} data-testid="rating-save" />
        {rating && <Button text="Cancel" onClick={onDone} disabled={save.isPending} />}
      </div>
    </form>
  );
}

/** "Rate this request" for its requester once it completed; the rating read-only for everyone else. */
export function RatingBox({ request }: { request: Request }) {
  const me = useMe();
  const [editing, setEditing] = useState(false);
  const rating = request.rating ?? null;
  const mine = mayRate(request, me.data?.user);
  if (!mine && !rating) return null;
  const showForm = mine && (editing || !rating);
  return (
    <Section title={mine && !rating ? 'Rate this request' : 'Rating'} icon="star" className="apollo-section" data-testid="request-rating" data-mine={mine} data-rated={rating !== null}
      rightElement={mine && rating && !editing ? <Button size="small" variant="outlined" icon="edit" text="Change" onClick={() => setEditing(true)} data-testid="rating-change" /> : undefined}>
      <SectionCard>
        {showForm
          ? <RatingForm key={rating?.at ?? 'new'} request={request} rating={rating} onDone={() => setEditing(false)} />
          : rating && <SavedRating rating={rating} mine={mine} />}
      </SectionCard>
    </Section>
  );
}
