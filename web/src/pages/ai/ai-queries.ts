/**
 * The AI console's server state: my sessions, everyone's active ones (ai:admin), one session with its transcript, the
 * decisions on its pending actions, and people's standing (sandbox, usage against the budgets).
 */
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { AiAction, AiSandboxPut, AiSession, AiSessionCreate, AiSessionDetail, AiSessionOutcome, AiUser } from '../../../../schemas/types.gen.ts';
import { navigate } from '../../lib/router.tsx';
import { useServices } from '../../lib/services-context.ts';
import { toast } from '../../lib/toaster.ts';
import { mergeActions } from './ai-actions.ts';
import { OUTCOME_LOOK } from './ai-outcome.ts';

export const AI_KEY = ['ai'] as const;
export const MY_SESSIONS_KEY = ['ai', 'sessions', 'mine'] as const;
export const ACTIVE_SESSIONS_KEY = ['ai', 'sessions', 'active'] as const;
export const aiSessionKey = (id: string) => ['ai', 'sessions', 'one', id] as const;
export const aiReplayKey = (id: string) => ['ai', 'replay', id] as const;

/** My sessions, newest first, 50 a page. */
export function useMySessions() {
  const { api } = useServices();
  return useInfiniteQuery({
    queryKey: MY_SESSIONS_KEY,
    queryFn: ({ pageParam }) => api.read('GET /api/v1/ai/sessions', { query: { limit: 50, cursor: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** Everyone's active sessions, read again every 5 s (the kill switch's list). */
export function useActiveSessions(enabled: boolean) {
  const { api } = useServices();
  return useQuery({ queryKey: ACTIVE_SESSIONS_KEY, queryFn: () => api.read('GET /api/v1/ai/sessions/active', { query: { limit: 200 } }), enabled, refetchInterval: 5_000 });
}

/** One session and its transcript (the topic keeps the terminal current; each read is checked for missed frames). */
export function useAiSession(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: aiSessionKey(id), queryFn: () => api.read('GET /api/v1/ai/sessions/{id}', { params: { id } }), retry: false });
}

/** Opens a session (about a service in an environment, an incident, or nothing) and goes to its terminal. */
export function useCreateSession() {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: AiSessionCreate) => api.read('POST /api/v1/ai/sessions', { body }),
    onSuccess: (session) => {
      void client.invalidateQueries({ queryKey: MY_SESSIONS_KEY });
      navigate(`/ai/${encodeURIComponent(session.id)}`);
    },
  });
}

/** Opens a session about an incident (its services, timeline and runbook in context) and goes to its terminal. */
export function useCreateIncidentSession(incidentId: string) {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => api.read('POST /api/v1/incidents/{id}/ai-session', { params: { id: incidentId } }),
    onSuccess: (session) => {
      void client.invalidateQueries({ queryKey: MY_SESSIONS_KEY });
      navigate(`/ai/${encodeURIComponent(session.id)}`);
    },
  });
}

/** Terminates a session (its owner, or ai:admin): its stream stops, the transcript is kept. */
export function useTerminateSession() {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.read('DELETE /api/v1/ai/sessions/{id}', { params: { id } }),
    onSuccess: (session: AiSession) => {
      void client.invalidateQueries({ queryKey: ['ai', 'sessions'] });
      toast({ intent: 'warning', icon: 'stop', message: `Session terminated: ${session.title}` });
    },
    onError: (error) => toast({ intent: 'danger', icon: 'error', message: `Could not terminate the session: ${(error as Error).message}` }),
  });
}

/** Says how my session ended (again: replaces it); the header shows it at once, the transcript untouched. */
export function useSetOutcome(id: string) {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: AiSessionOutcome) => api.read('PUT /api/v1/ai/sessions/{id}/outcome', { params: { id }, body }),
    onSuccess: (session: AiSession) => {
      client.setQueryData<AiSessionDetail>(aiSessionKey(id), (old) => old && { ...old, outcome: session.outcome, updatedAt: session.updatedAt });
      void client.invalidateQueries({ queryKey: MY_SESSIONS_KEY });
      void client.invalidateQueries({ queryKey: aiReplayKey(id) });
      if (session.outcome) toast({ intent: OUTCOME_LOOK[session.outcome.value].intent, icon: OUTCOME_LOOK[session.outcome.value].icon, message: `Session marked ${OUTCOME_LOOK[session.outcome.value].label.toLowerCase()}` });
    },
    onError: (error) => toast({ intent: 'danger', icon: 'error', message: `Could not save how the session ended: ${(error as Error).message}` }),
  });
}

/** A session's replay: its messages and every tool call with its result, in order (read while the drawer is open). */
export function useReplay(id: string, enabled: boolean) {
  const { api } = useServices();
  return useQuery({ queryKey: aiReplayKey(id), queryFn: () => api.read('GET /api/v1/ai/audit', { query: { sessionId: id } }), enabled, retry: false });
}

/** Approves or rejects one pending action: the answer (executed, failed, rejected) shows at once; a 409/403 says why in a toast. */
export function useDecideAction(sessionId: string) {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ decision, actionId, note, idempotencyKey }: { decision: 'approve' | 'reject'; actionId: string; note?: string | undefined; idempotencyKey: string }) => {
      const body = { actionId, ...(note ? { note } : {}) };
      return decision === 'approve'
        ? api.read('POST /api/v1/ai/sessions/{id}/approve', { params: { id: sessionId }, body, idempotencyKey })
        : api.read('POST /api/v1/ai/sessions/{id}/reject', { params: { id: sessionId }, body, idempotencyKey });
    },
    onSuccess: (action: AiAction) => {
      client.setQueryData<AiSessionDetail>(aiSessionKey(sessionId), (old) => old && { ...old, actions: mergeActions(old.actions ?? [], [action]) });
      const said = action.result?.message ?? 'done';
      if (action.status === 'executed') toast({ intent: 'success', icon: 'tick-circle', message: said.startsWith(action.summary) ? said : `${action.summary}: ${said}` });
      else if (action.status === 'failed') toast({ intent: 'danger', icon: 'error', message: `${action.summary} failed: ${action.result?.message ?? 'the route refused it'}` });
      else if (action.status === 'rejected') toast({ intent: 'none', icon: 'disable', message: `Rejected: ${action.summary}` });
    },
    onError: (error, { decision }) => {
      toast({ intent: 'danger', icon: 'error', message: `Could not ${decision} the action: ${(error as Error).message}` });
      // Decided elsewhere, expired or refused: the session's list says how it stands now.
      void client.invalidateQueries({ queryKey: aiSessionKey(sessionId) });
    },
  });
}

export const aiUserKey = (principal: string) => ['ai', 'users', 'one', principal] as const;
export const aiUsersKey = (date: string | undefined) => ['ai', 'users', 'list', date ?? 'today'] as const;

/** One person's standing in the console (sandbox, today's usage, budgets): yourself, or anyone for ai:admin. */
export function useAiUser(principal: string | undefined) {
  const { api } = useServices();
  return useQuery({
    queryKey: aiUserKey(principal ?? ''),
    queryFn: () => api.read('GET /api/v1/ai/users/{principal}', { params: { principal: principal! } }),
    enabled: principal !== undefined && principal !== '',
    retry: false,
    refetchInterval: 60_000,
  });
}

/** The resolution rate (stats:read): sessions' outcomes over the last 30 days, overall, per command and per team. */
export function useAiStats(enabled: boolean) {
  const { api } = useServices();
  return useQuery({ queryKey: ['ai', 'stats'] as const, queryFn: () => api.read('GET /api/v1/ai/stats', { query: {} }), enabled, retry: false });
}

/** Who used the console on a day (default today), with their usage and sandbox (ai:admin). */
export function useAiUsers(date: string | undefined, enabled: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: aiUsersKey(date),
    queryFn: () => api.read('GET /api/v1/ai/users', { query: date ? { date } : {} }),
    enabled,
    retry: false,
  });
}

/** Puts a person in the sandbox or lifts it, with a reason (ai:admin). */
export function useSetSandbox() {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ principal, ...body }: AiSandboxPut & { principal: string }) => api.read('PUT /api/v1/ai/users/{principal}/sandbox', { params: { principal }, body }),
    onSuccess: (user: AiUser) => {
      client.setQueryData(aiUserKey(user.principal), user);
      void client.invalidateQueries({ queryKey: ['ai', 'users', 'list'] });
      toast({ intent: user.sandbox.enabled ? 'warning' : 'success', icon: user.sandbox.enabled ? 'lock' : 'unlock', message: `${user.principal} is ${user.sandbox.enabled ? 'in the sandbox (read-only)' : 'out of the sandbox'}` });
    },
    onError: (error) => toast({ intent: 'danger', icon: 'error', message: `Could not change the sandbox: ${(error as Error).message}` }),
  });
}

/** Allows this session's model only the read tools named (null: all the role allows). */
export function useSetTools(sessionId: string) {
  const { api } = useServices();
  const client = useQueryClient();
  return useMutation({
    mutationFn: (allow: string[] | null) => api.read('PUT /api/v1/ai/sessions/{id}/tools', { params: { id: sessionId }, body: { allow } }),
    onSuccess: (session: AiSession) => {
      client.setQueryData<AiSessionDetail>(aiSessionKey(sessionId), (old) => old && { ...old, toolAllowlist: session.toolAllowlist ?? null, updatedAt: session.updatedAt });
      toast({ intent: 'success', icon: 'wrench', message: session.toolAllowlist ? `The model may use ${session.toolAllowlist.length} read tool${session.toolAllowlist.length === 1 ? '' : 's'}` : 'The model may use every read tool your role allows' });
    },
    onError: (error) => toast({ intent: 'danger', icon: 'error', message: `Could not change the tools: ${(error as Error).message}` }),
  });
}
