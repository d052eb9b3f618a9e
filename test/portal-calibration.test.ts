import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { controlDb } from "../db/client";
import { users } from "../db/schema/control";
import { call, E, followOnce, loginCookie, makeTenant } from "./helpers";
import { analysedCall } from "./review-queue-helpers";

const form = (path: string, cookie: string, body: Record<string, string>) =>
  call(path, { method: "POST", cookie, form: body });
const html = async (path: string, cookie: string) => {
  const res = await call(path, { cookie });
  expect(res.status, path).toBe(200);
  return res.text();
};
const decode = (s: string) => s.replaceAll("&amp;", "&");

describe("calibration pages (#16.6)", () => {
  it("from the queue to a session, blind scoring one call at a time, results, closing with agreed answers", async () => {
    const t = await makeTenant();
    const c1 = await analysedCall(t, "P-1");
    const c2 = await analysedCall(t, "P-2");
    const { owner, supervisor } = t.users;
    const sup = await loginCookie(supervisor.email);
    const own = await loginCookie(owner.email);
    await form("/review-queue/rule", sup, {
      perAgent: "5",
      random: "on",
      [`reviewer_${supervisor.id}`]: "on",
    });

    // The queue page links to a new session holding its calls.
    const queue = await html("/review-queue", sup);
    expect(queue).toContain('href="/calibration"'); // in the header
    const link = /href="([^"]+)" data-calibrate/.exec(queue)?.[1];
    expect(link).toBeTruthy();
    const create = await html(decode(link as string), sup);
    expect(create).toContain("<h1>New calibration session</h1>");
    for (const id of [c1, c2]) expect(create).toMatch(new RegExp(`name="call_${id}" checked`));
    expect(create).not.toContain(`name="p_${t.users.agent.id}"`); // agents don't review
    const rubricId = /<option value="([^"]+)" selected/.exec(create)?.[1] as string;

    const made = await form("/calibration", sup, {
      title: "Tuesday calibration",
      rubricId,
      [`call_${c1}`]: "on",
      [`call_${c2}`]: "on",
      [`p_${owner.id}`]: "on",
      [`p_${supervisor.id}`]: "on",
    });
    expect(made.status).toBe(303);
    const sessionUrl = (made.headers.get("location") ?? "").replace(/\?.*$/, "");
    expect(sessionUrl).toMatch(/^\/calibration\/cal_/);
    const sessionPage = await (await followOnce(made, sup)).text();
    expect(sessionPage).toContain("Session created.");
    expect(sessionPage).toContain(`href="${sessionUrl}/calls/${c1}" data-next`);
    expect(await html("/calibration", sup)).toContain("Tuesday calibration");

    // Scoring: one call at a time, every criterion of the grid.
    const score1 = await html(`${sessionUrl}/calls/${c1}`, sup);
    expect(score1).toContain("Call 1 of 2");
    const crits = [...score1.matchAll(/data-criterion="([^"]+)"/g)].map((m) => m[1]);
    expect(crits.length).toBeGreaterThan(2);
    const all = (result: string, except: Record<string, string> = {}) =>
      Object.fromEntries(crits.map((k) => [`r_${k}`, except[k] ?? result]));
    const x = crits[0];

    const partial = await form(`${sessionUrl}/calls/${c1}`, sup, { [`r_${x}`]: "pass" });
    expect(partial.status).toBe(400);
    const partialHtml = await partial.text();
    expect(partialHtml).toContain('role="alert"');
    expect(partialHtml).toContain("Answer every criterion of the grid");
    expect(partialHtml).toMatch(new RegExp(`name="r_${x}" value="pass" required="" checked=""`)); // kept

    const sent = await form(`${sessionUrl}/calls/${c1}`, sup, {
      ...all("pass"),
      [`c_${x}`]: "clear greeting",
    });
    expect(sent.status).toBe(303);
    expect(sent.headers.get("location")).toBe(`${sessionUrl}/calls/${c2}?done=submitted`);
    expect(await (await followOnce(sent, sup)).text()).toContain("Answers submitted.");
    const twice = await form(`${sessionUrl}/calls/${c1}`, sup, all("pass"));
    expect(twice.status).toBe(409);
    expect(await twice.text()).toContain("You already submitted your answers for this call");

    // Blind: the owner (a participant who has not answered) sees no answer; the supervisor sees theirs.
    const ownerView = await html(`${sessionUrl}/results`, own);
    expect(ownerView).toContain(`data-hidden-call="${c1}"`);
    expect(ownerView).toContain("Call 1: 1 answer(s) submitted");
    expect(ownerView).not.toContain("clear greeting");
    const supView = await html(`${sessionUrl}/results`, sup);
    expect(supView).toContain(`data-result-call="${c1}"`);
    expect(supView).toContain("clear greeting");
    expect(supView).toContain(`data-hidden-call="${c2}"`);

    await form(`${sessionUrl}/calls/${c1}`, own, all("pass", { [x]: "fail" }));
    await form(`${sessionUrl}/calls/${c2}`, own, all("pass"));
    await form(`${sessionUrl}/calls/${c2}`, sup, all("pass"));
    const done = await html(sessionUrl, own);
    expect(done).toContain("You have scored every call of this session.");

    // Results: x split 1/1 on call 1 (50 %), listed first; Cohen's κ named for two reviewers.
    const res = await html(`${sessionUrl}/results`, sup);
    expect(res).toMatch(
      new RegExp(
        `data-row="${c1}:${x}"><td>[^<]+</td><td class="num">1 / 1 / 0</td><td class="num">50 %</td>`,
      ),
    );
    const firstCriterion = /<tbody><tr data-criterion="([^"]+)"/.exec(res)?.[1];
    expect(firstCriterion).toBe(x);
    expect(res).toContain("Cohen, 2 reviewers");
    expect(res).toContain("data-close-form");
    // Only the creator, an owner or an admin closes: the owner sees the form too.
    expect(await html(`${sessionUrl}/results`, own)).toContain("data-close-form");

    const version = /name="version" value="(\d+)"/.exec(res)?.[1] as string;
    const closed = await form(`${sessionUrl}/close`, sup, { version, [`a:${c1}:${x}`]: "fail" });
    expect(closed.status).toBe(303);
    const closedHtml = await (await followOnce(closed, sup)).text();
    expect(closedHtml).toContain("Session closed.");
    expect(closedHtml).toMatch(new RegExp(`data-row="${c1}:${x}">(?:<td[^>]*>[^<]*</td>){5}<td>Fail</td>`));
    expect(closedHtml).not.toContain("data-close-form");
    const again = await form(`${sessionUrl}/close`, sup, { version });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("The session is closed.");
  });

  it("bad input and roles: readable pages in English and French; agents and viewers refused; another tenant's session 404", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const c1 = await analysedCall(t, "B-1");
    const sup = await loginCookie(t.users.supervisor.email);
    const create = await html("/calibration/new", sup);
    const rubricId = /<option value="([^"]+)" selected/.exec(create)?.[1] as string;

    const one = await form("/calibration", sup, {
      title: "Kept title",
      rubricId,
      callIds: c1,
      [`p_${t.users.supervisor.id}`]: "on",
    });
    expect(one.status).toBe(400);
    const oneHtml = await one.text();
    expect(oneHtml).toContain("Choose at least two different reviewers");
    expect(oneHtml).toContain('value="Kept title"');

    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.supervisor.id));
    expect(await html("/calibration", sup)).toContain("Séances de calibration");
    const none = await form("/calibration", sup, {
      title: "x",
      rubricId,
      [`p_${t.users.supervisor.id}`]: "on",
      [`p_${t.users.owner.id}`]: "on",
    });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain("Choisissez au moins un appel.");
    const unknown = await form("/calibration", sup, {
      title: "x",
      rubricId,
      callIds: "call_nope",
      [`p_${t.users.supervisor.id}`]: "on",
      [`p_${t.users.owner.id}`]: "on",
    });
    expect(unknown.status).toBe(404);

    for (const role of ["agent", "viewer"] as const) {
      const cookie = await loginCookie(t.users[role].email);
      expect((await call("/calibration", { cookie })).status).toBe(403);
      expect(await html("/", cookie)).not.toContain('href="/calibration"');
    }
    const foreign = await form("/calibration", sup, {
      title: "mine",
      rubricId,
      callIds: c1,
      [`p_${t.users.supervisor.id}`]: "on",
      [`p_${t.users.owner.id}`]: "on",
    });
    const url = (foreign.headers.get("location") ?? "").replace(/\?.*$/, "");
    const outsider = await loginCookie(other.users.supervisor.email);
    expect((await call(url, { cookie: outsider })).status).toBe(404);
    expect((await call(`${url}/results`, { cookie: outsider })).status).toBe(404);
    expect((await form(`${url}/close`, outsider, { version: "1" })).status).toBe(404);
  });
});
