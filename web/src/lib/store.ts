/** Session and UI state (Zustand): theme, who is signed in, their credentials, the realtime connection. */
import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { ConnectionState } from '../../../shared/realtime-client.ts';

export type Theme = 'light' | 'dark';

const systemTheme = (): Theme => (window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

interface UiState {
  /** null: follow the system (prefers-color-scheme). */
  chosenTheme: Theme | null;
  systemTheme: Theme;
  toggleTheme(): void;
}

export const useUi = create<UiState>()(
  persist(
    (set, get) => ({
      chosenTheme: null,
      systemTheme: systemTheme(),
      toggleTheme: () => set({ chosenTheme: (get().chosenTheme ?? get().systemTheme) === 'dark' ? 'light' : 'dark' }),
    }),
    { name: 'apollo.ui', partialize: (s) => ({ chosenTheme: s.chosenTheme }) },
  ),
);

export const useTheme = (): Theme => useUi((s) => s.chosenTheme ?? s.systemTheme);

window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener('change', (e) => useUi.setState({ systemTheme: e.matches ? 'dark' : 'light' }));

export interface StoredCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** ISO time. */
  readonly expiration?: string;
}

interface SessionState {
  /** The signed-in person (email), or null. */
  user: string | null;
  /** Local mode: the session credentials the runtime issued, in memory only. AWS mode: Amplify keeps its own (in memory too). */
  credentials: StoredCredentials | null;
  signedIn(user: string, credentials: StoredCredentials | null): void;
  setCredentials(credentials: StoredCredentials): void;
  signedOut(): void;
}

/**
 * Credentials live in this tab's memory only. The tab's sessionStorage keeps the user name alone (never a key, secret
 * or token): in local mode the runtime issues a new session for that name, so a reload of the tab continues; with
 * Cognito a reload needs another open tab to hand its session over (session-handoff.ts).
 */
export const useSession = create<SessionState>()(
  persist(
    (set) => ({
      user: null,
      credentials: null,
      signedIn: (user, credentials) => set({ user, credentials }),
      setCredentials: (credentials) => set({ credentials }),
      signedOut: () => set({ user: null, credentials: null }),
    }),
    {
      name: 'apollo.session',
      storage: createJSONStorage(() => sessionStorage),
      partialize: (s) => ({ user: s.user }),
      // Only the name is read back, whatever an older version of the app left there.
      merge: (persisted, current) => ({ ...current, user: typeof (persisted as { user?: unknown } | undefined)?.user === 'string' ? (persisted as { user: string }).user : null }),
    },
  ),
);

interface RealtimeState {
  state: ConnectionState;
  setState(state: ConnectionState): void;
}

export const useRealtimeState = create<RealtimeState>()((set) => ({ state: 'closed', setState: (state) => set({ state }) }));
