import { createContext, useContext } from "react";
import type { GlobalPermission, Session } from "../api";

const SessionContext = createContext<Session | null>(null);

/** Pages below the sign-in gate (App.tsx) get the signed-in session from here. */
export const SessionProvider = SessionContext.Provider;

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("no session");
  return s;
}

/** can("user-manage"): the session's expanded global permissions (admin implies all of them). */
export function useCan(): (p: GlobalPermission) => boolean {
  const s = useSession();
  return (p) => s.user.permissions.includes(p);
}
