import { useQueryClient } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Permission } from '../../../common/roles';
import { isProblem, onSessionLost } from '../../app/api';
import { forgetUserStorage } from '../../app/user-storage';
import { authApi, type Me, type Stage } from './api';

/** Why the user is on the login page, shown there as a message. */
export type LoginNotice = 'session_expired' | 'logged_out' | null;

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous'; notice: LoginNotice }
  | { status: 'mfa_pending'; me: Me | null }
  | { status: 'mfa_enrolment'; me: Me | null }
  | { status: 'password_change'; me: Me }
  | { status: 'active'; me: Me };

type SessionContextValue = {
  state: SessionState;
  /** Applies a login / MFA answer. */
  enter: (stage: Stage, me: Me) => void;
  /** Re-reads /auth/me (e.g. after a password change). */
  refresh: () => Promise<void>;
  logout: () => Promise<void>;
  /** Back to the login form without calling the server (e.g. cancelled MFA). */
  reset: (notice?: LoginNotice) => void;
};

const SessionContext = createContext<SessionContextValue | null>(null);

function stateOf(stage: Stage, me: Me): SessionState {
  if (stage === 'active') return { status: 'active', me };
  if (stage === 'mfa_pending') return { status: 'mfa_pending', me };
  if (stage === 'password_change') return { status: 'password_change', me };
  return { status: 'mfa_enrolment', me };
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<SessionState>({ status: 'loading' });

  const load = useCallback(async () => {
    try {
      const me = await authApi.me();
      setState(stateOf(me.stage, me));
    } catch (e) {
      if (isProblem(e) && e.code === 'mfa_required') setState({ status: 'mfa_pending', me: null });
      else if (isProblem(e) && e.code === 'mfa_enrolment_required') setState({ status: 'mfa_enrolment', me: null });
      else {
        // No session (it ended while the tab was closed or reloading): nothing kept for its user may stay.
        forgetUserStorage();
        setState({ status: 'anonymous', notice: null });
      }
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  // Any ordinary call answered "401 unauthenticated / session_expired" ends the session in the UI.
  useEffect(
    () =>
      onSessionLost(() => {
        setState((prev) => (prev.status === 'anonymous' || prev.status === 'loading' ? prev : { status: 'anonymous', notice: 'session_expired' }));
        queryClient.clear();
        forgetUserStorage();
      }),
    [queryClient],
  );

  const enter = useCallback((stage: Stage, me: Me) => setState(stateOf(stage, me)), []);

  const refresh = useCallback(async () => {
    try {
      const me = await authApi.me();
      setState(stateOf(me.stage, me));
    } catch {
      /* the session-lost listener handles 401s */
    }
  }, []);

  const reset = useCallback(
    (notice: LoginNotice = null) => {
      queryClient.clear();
      forgetUserStorage();
      setState({ status: 'anonymous', notice });
    },
    [queryClient],
  );

  const logout = useCallback(async () => {
    try {
      await authApi.logout();
    } catch {
      /* even if the server call fails, forget the session locally */
    }
    reset('logged_out');
  }, [reset]);

  const value = useMemo(() => ({ state, enter, refresh, logout, reset }), [state, enter, refresh, logout, reset]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}

/** The signed-in user; only for pages under the authenticated layout. */
export function useMe(): Me {
  const { state } = useSession();
  if (state.status !== 'active') throw new Error('useMe without an active session');
  return state.me;
}

export function useCan(): (permission: Permission) => boolean {
  const me = useMe();
  return useCallback((permission: Permission) => me.permissions.includes(permission), [me]);
}
