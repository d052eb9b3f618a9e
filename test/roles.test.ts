import { describe, expect, it } from "vitest";
import { buildApp } from "../apps/app";
import { ruleOf } from "../apps/middleware/access";
import { ROLES, type Role, roleAllows } from "../core/platform/rbac";
import { call, loginCookie, makeTenant } from "./helpers";

/**
 * The role matrix (A5) as a user meets it: every portal page (GET, no path parameter) opened by
 * every role — 200 exactly when the role's permissions allow it, 403 otherwise. Agents and
 * viewers never reach tenant administration.
 */
describe("role matrix", () => {
  it("each role opens exactly the pages its permissions allow", async () => {
    const pages = buildApp()
      .routes.filter((r) => r.method === "GET" && !r.path.includes(":") && !r.path.endsWith("*"))
      .map((r) => ({ path: r.path, rule: ruleOf(r.handler) }))
      .filter((r) => r.rule?.kind === "portal");
    const uniq = [...new Map(pages.map((p) => [p.path, p])).values()];
    expect(uniq.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        "/",
        "/account",
        "/members",
        "/api-keys",
        "/settings",
        "/governance",
        "/audit",
        "/privacy",
        "/benchmarks",
        "/rubrics",
        "/agents",
        "/agents/leaderboard",
        "/agents/teams",
        "/me",
        "/webhooks",
        "/settings/processing",
        "/billing",
        "/support",
      ]),
    );
    const t = await makeTenant();
    const got: Record<string, Record<Role, number>> = {};
    const want: Record<string, Record<Role, number>> = {};
    for (const role of ROLES) {
      const cookie = await loginCookie(t.users[role].email);
      for (const p of uniq) {
        const rule = p.rule as { kind: "portal"; perm: Parameters<typeof roleAllows>[1] | null };
        got[p.path] ??= {} as Record<Role, number>;
        want[p.path] ??= {} as Record<Role, number>;
        got[p.path][role] = (await call(p.path, { cookie })).status;
        want[p.path][role] = rule.perm === null || roleAllows(role, rule.perm) ? 200 : 403;
      }
    }
    expect(got).toEqual(want);
    expect(want["/members"]).toEqual({ owner: 200, admin: 200, supervisor: 403, agent: 403, viewer: 403 });
    expect(want["/api-keys"].agent).toBe(403);
    expect(want["/benchmarks"]).toEqual({ owner: 200, admin: 200, supervisor: 200, agent: 403, viewer: 200 });
    expect(want["/privacy"]).toEqual({ owner: 200, admin: 200, supervisor: 403, agent: 403, viewer: 403 });
    expect(want["/billing"]).toEqual({ owner: 200, admin: 200, supervisor: 403, agent: 403, viewer: 403 });
  });
});
