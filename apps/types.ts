import type { SecureHeadersVariables } from "hono/secure-headers";
import type { Ctx } from "../core/platform/context";
import type { Locale } from "../core/platform/i18n";

export interface OperatorPrincipal {
  id: string;
  email: string;
  name: string;
  sessionId: string;
}

export type AppEnv = {
  Bindings: Env;
  Variables: SecureHeadersVariables & {
    requestId: string;
    locale: Locale;
    /** Set by `access()` for tenant routes (API key or portal session). */
    ctx: Ctx;
    /** Set by `access()` for operator routes. */
    operator: OperatorPrincipal;
    /** Name of the user for the portal header. */
    userName: string;
    /** Unread in-app notices of the signed-in user, for the portal header. */
    unreadNotices: number;
    /** Why this POST answers with a page rather than a redirect (apps/middleware/prg.ts). */
    postRendersPage: string;
  };
};
