import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { controlDb } from "../db/client";
import { users } from "../db/schema/control";
import { call, E, followOnce, loginCookie, makeTenant } from "./helpers";
import { analysedCall } from "./review-queue-helpers";

const form = (path: string, cookie: string, body: Record<string, string>) =>
  call(path, { method: "POST", cookie, form: body });

describe("review queue page (#16.6)", () => {
  it("a supervisor sets the rule, opens the next call, reviews it, and the queue shows it done", async () => {
    const t = await makeTenant();
    const id = await analysedCall(t, "Q-1");
    const sup = await loginCookie(t.users.supervisor.email);

    const empty = await (await call("/review-queue", { cookie: sup })).text();
    expect(empty).toContain("<h1>Review queue</h1>");
    expect(empty).toContain("data-no-rule");
    expect(empty).toContain(`name="reviewer_${t.users.supervisor.id}"`);
    expect(empty).not.toContain(`name="reviewer_${t.users.agent.id}"`); // agents don't review

    const saved = await form("/review-queue/rule", sup, {
      perAgent: "3",
      random: "on",
      [`reviewer_${t.users.supervisor.id}`]: "on",
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe("/review-queue?done=rule&n=1");
    const page = await (await followOnce(saved, sup)).text();
    expect(page).toContain("Rule saved; 1 call(s) queued for this week.");
    expect(page).toContain(`href="/calls/${id}"`);
    expect(page).toMatch(/data-status="assigned"/);
    expect(page).toContain("1 call(s) left for you to review.");
    expect(page).toContain("<td>random</td>");

    // "Open my next call" leads to the call page's review form.
    const next = await form("/review-queue/next", sup, {});
    expect(next.status).toBe(303);
    expect(next.headers.get("location")).toBe(`/calls/${id}#reviews-h`);
    const callPage = await (await call(`/calls/${id}`, { cookie: sup })).text();
    expect(callPage).toContain(`action="/calls/${id}/review"`);
    const reviewed = await form(`/calls/${id}/review`, sup, { finalize: "on", comment: "ok" });
    expect(reviewed.status).toBe(303);

    const after = await (await call("/review-queue", { cookie: sup })).text();
    expect(after).toMatch(/data-status="done"/);
    expect(after).toContain("0 call(s) left for you to review.");
    expect(after).toMatch(
      /data-progress="[^"]+"><td>Alice Martin<\/td><td class="num">1<\/td><td class="num">1<\/td>/,
    );
    const none = await form("/review-queue/next", sup, {});
    expect(none.headers.get("location")).toBe("/review-queue?done=empty");
    expect(await (await followOnce(none, sup)).text()).toContain("Nothing left in your review queue.");

    // Sampling again adds nothing.
    const again = await form("/review-queue/assign", sup, { week: "" });
    expect(again.headers.get("location")).toMatch(/done=assigned&n=0$/);
  });

  it("bad input re-renders the form with a readable message, in English and in French", async () => {
    const t = await makeTenant();
    const sup = await loginCookie(t.users.supervisor.email);
    const bad = {
      perAgent: "0",
      lowScoreBelow: "40",
      random: "on",
      [`reviewer_${t.users.supervisor.id}`]: "on",
    };
    const en = await form("/review-queue/rule", sup, bad);
    expect(en.status).toBe(400);
    const enHtml = await en.text();
    expect(enHtml).toContain('role="alert"');
    expect(enHtml).toContain("perAgent");
    expect(enHtml).toContain('value="40"'); // what was typed is kept

    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.supervisor.id));
    const noReviewer = await form("/review-queue/rule", sup, { perAgent: "2", random: "on" });
    expect(noReviewer.status).toBe(400);
    const frHtml = await noReviewer.text();
    expect(frHtml).toContain('<html lang="fr"');
    expect(frHtml).toContain("File d’évaluation");
    expect(frHtml).toContain("Choisissez les évaluateurs parmi les membres autorisés à évaluer des appels.");

    const week = await (await call("/review-queue?week=2026-02-31", { cookie: sup })).text();
    expect(week).toContain("La semaine doit être un jour (AAAA-MM-JJ).");
  });

  it("agents and viewers cannot see it; another tenant's item is a 404; cross-site posts are refused", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    await analysedCall(t, "Q-2");
    const sup = await loginCookie(t.users.supervisor.email);
    await form("/review-queue/rule", sup, {
      perAgent: "1",
      random: "on",
      [`reviewer_${t.users.supervisor.id}`]: "on",
    });
    const html = await (await call("/review-queue", { cookie: sup })).text();
    const itemId = /data-item="([^"]+)"/.exec(html)?.[1];
    expect(itemId).toBeTruthy();

    for (const role of ["agent", "viewer"] as const) {
      const cookie = await loginCookie(t.users[role].email);
      expect((await call("/review-queue", { cookie })).status).toBe(403);
      expect((await form("/review-queue/next", cookie, {})).status).toBe(403);
      expect(await (await call("/", { cookie })).text()).not.toContain('href="/review-queue"');
    }
    const otherSup = await loginCookie(other.users.supervisor.email);
    const foreign = await form(`/review-queue/${itemId}/reassign`, otherSup, {
      reviewerId: other.users.supervisor.id,
    });
    expect(foreign.status).toBe(404);

    const csrf = await call(`/review-queue/${itemId}/reassign`, {
      method: "POST",
      cookie: sup,
      form: { reviewerId: t.users.admin.id },
      headers: { origin: "https://evil.example" },
    });
    expect(csrf.status).toBe(403);
    const moved = await form(`/review-queue/${itemId}/reassign`, sup, { reviewerId: t.users.admin.id });
    expect(moved.status).toBe(303);
  });
});
