import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createCall } from "../core/calls/service";
import { createApiKey } from "../core/identity/api-keys";
import { DUPLICATE_CRITERION_ID, rubricVersionSchema } from "../core/scoring/rubric-model";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import { users } from "../db/schema/control";
import { analyses, calls, rubrics } from "../db/schema/data";
import { formFields } from "./form-scrape";
import { call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";

/**
 * The rubric editor (D4): list and create from a template, the editor's form round-trips a
 * version unchanged, a bad weight total is refused in the user's language with what was typed
 * kept, structure buttons reshape the draft without saving, and the dry run scores a stored call
 * with the unsaved draft — storing nothing. Roles: QA edits, agents and viewers read.
 */
const FR_CALL = `Conseiller: Bonjour, Test eu, Julie à votre écoute, que puis-je faire pour vous ?
Client: Bonjour, c'est la troisième fois que j'appelle pour ma facture, j'ai été facturé deux fois ce mois-ci.
Conseiller: Je comprends, je regarde votre dossier tout de suite.
Client: Si ce n'est pas réglé aujourd'hui je vais résilier mon contrat.
Conseiller: Je vois le double prélèvement, je lance le remboursement, vous le recevrez sous cinq jours.
Client: D'accord, merci beaucoup.
Conseiller: Je vous en prie, y a-t-il autre chose ? Bonne journée.`;

/** A criterion the schema accepts; two of them sum to 100. */
const CRITERION = { label: "Greeting", weight: 50, check: { kind: "llm", question: "Did the agent greet?" } };

const post = (path: string, cookie: string, form: Record<string, string>) =>
  call(path, { method: "POST", cookie, form });

async function waitDone(t: TestTenant, id: string) {
  const dp = dataPlane(E, t.tenant);
  for (let i = 0; i < 150; i++) {
    const c = await dp.db.query.calls.findFirst({ where: eq(calls.id, id) });
    if (c?.status === "done") return c;
    if (c?.status === "failed") throw new Error(`call failed: ${c.failureReason}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("call not analysed in time");
}

describe("portal: rubric editor (D4)", () => {
  let t: TestTenant;
  let cookie: string;
  let rubricId: string;
  let callId: string;

  beforeAll(async () => {
    t = await makeTenant();
    cookie = await loginCookie(t.users.supervisor.email);
    const created = await createCall(t.ctx, {
      externalId: "DRY-1",
      language: "fr",
      transcript: { format: "text", content: FR_CALL },
    });
    callId = created.call.id;
    await waitDone(t, callId);
    const list = (await (await call("/api/v1/rubrics", { key: t.key })).json()) as { data: { id: string }[] };
    rubricId = list.data[0].id;
  });

  it("lists the rubrics and creates one from a template, with a notice", async () => {
    const page = await call("/rubrics", { cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<h1>Rubrics</h1>");
    expect(html).toContain(`href="/rubrics/${rubricId}"`);
    expect(html).toContain("(default)");
    for (const tpl of ["general", "sales", "technical_support", "collections"])
      expect(html).toContain(`value="${tpl}"`);
    const res = await post("/rubrics", cookie, { templateId: "sales", language: "en", name: "" });
    expect(res.status).toBe(303);
    const loc = res.headers.get("location") ?? "";
    expect(loc).toMatch(/^\/rubrics\/rub_[^?]+\?done=rubric_created$/);
    const shown = await (await call(loc, { cookie })).text();
    expect(shown).toContain("The rubric has been created.");
    expect(shown).toContain("Rubric: Sales");
    // An unknown template: a readable error, the form kept.
    const bad = await post("/rubrics", cookie, { templateId: "nope", language: "fr", name: "Mine" });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain("Choose one of the templates.");
    expect(badHtml).toContain('value="Mine"');
  });

  it("the editor form round-trips a version unchanged (version 2 = version 1)", async () => {
    const html = await (await call(`/rubrics/${rubricId}`, { cookie })).text();
    expect(html).toContain("data-rubric-editor");
    expect(html).toMatch(/<script type="module" src="\/static\/rubric-editor\.js\?v=[0-9a-f]{16}"/);
    expect(html).toContain('id="weight-total"');
    // Every input has a label (for= the id).
    const ids = [...html.matchAll(/<(?:input|select|textarea)\b[^>]*\sid="([^"]+)"/g)].map((m) => m[1]);
    for (const id of ids.filter((i) => !i.startsWith("weight"))) expect(html).toContain(`for="${id}"`);
    const fields = formFields(html, "data-rubric-editor");
    const res = await post(`/rubrics/${rubricId}/edit`, cookie, { ...fields, op: "save" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/rubrics/${rubricId}?done=rubric_version`);
    const v1 = await (await call(`/api/v1/rubrics/${rubricId}/versions/1`, { key: t.key })).json();
    const v2 = (await (await call(`/api/v1/rubrics/${rubricId}/versions/2`, { key: t.key })).json()) as {
      version: number;
    };
    expect(v2.version).toBe(2);
    expect({ ...(v2 as object), version: 1 }).toEqual(v1);
  });

  it("refuses a bad weight total with a readable message, keeping what was typed (EN and FR)", async () => {
    const html = await (await call(`/rubrics/${rubricId}`, { cookie })).text();
    const fields = formFields(html, "data-rubric-editor");
    const weightKey = Object.keys(fields).find((k) => k.endsWith(".weight"))!;
    const typed = String(Number(fields[weightKey]) + 7);
    const labelKey = weightKey.replace(".weight", ".label.fr");
    const before = (await (await call(`/api/v1/rubrics/${rubricId}`, { key: t.key })).json()) as {
      latestVersion: number;
    };
    const res = await post(`/rubrics/${rubricId}/edit`, cookie, {
      ...fields,
      [weightKey]: typed,
      [labelKey]: "Accueil retouché",
      op: "save",
    });
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain("The weights add up to 107; they must add up to exactly 100.");
    expect(body).toContain(`value="${typed}"`);
    expect(body).toContain('value="Accueil retouché"');
    expect(body).toMatch(/data-weight-total="" data-ok="false"[^>]*>107</);
    const after = (await (await call(`/api/v1/rubrics/${rubricId}`, { key: t.key })).json()) as {
      latestVersion: number;
    };
    expect(after.latestVersion).toBe(before.latestVersion);

    // The same refusal in French for a French-speaking user.
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.admin.id));
    const fr = await loginCookie(t.users.admin.email);
    const frRes = await post(`/rubrics/${rubricId}/edit`, fr, { ...fields, [weightKey]: typed, op: "save" });
    expect(frRes.status).toBe(400);
    const frBody = await frRes.text();
    expect(frBody).toContain("La somme des poids fait 107 ; elle doit faire exactement 100.");
    expect(frBody).toContain("Essai à blanc");

    // A bad identifier is named in words.
    const idKey = Object.keys(fields).find((k) => /^c\.\d+\.\d+\.id$/.test(k))!;
    const badId = await post(`/rubrics/${rubricId}/edit`, cookie, {
      ...fields,
      [idKey]: "Bad Id",
      op: "save",
    });
    expect(badId.status).toBe(400);
    expect(await badId.text()).toContain("lower-case letters, digits, - or _ only");
  });

  it("names a criterion id used twice in words, from the schema's issue reason (not its English text)", async () => {
    const html = await (await call(`/rubrics/${rubricId}`, { cookie })).text();
    const fields = formFields(html, "data-rubric-editor");
    const [first, second] = Object.keys(fields).filter((k) => /^c\.\d+\.\d+\.id$/.test(k));
    const res = await post(`/rubrics/${rubricId}/edit`, cookie, {
      ...fields,
      [second]: fields[first],
      op: "save",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(
      `The identifier ${fields[first]} is used by two criteria; each must be unique.`,
    );
    const issue = rubricVersionSchema
      .safeParse({
        language: "en",
        sections: [
          {
            id: "s",
            label: "S",
            criteria: [
              { ...CRITERION, id: "same" },
              { ...CRITERION, id: "same" },
            ],
          },
        ],
      })
      .error?.issues.find((i) => i.code === "custom" && i.params?.reason === DUPLICATE_CRITERION_ID);
    expect(issue?.code === "custom" && issue.params).toEqual({ reason: DUPLICATE_CRITERION_ID, id: "same" });
  });

  it("adds and removes criteria and sections without saving", async () => {
    const html = await (await call(`/rubrics/${rubricId}`, { cookie })).text();
    const fields = formFields(html, "data-rubric-editor");
    const count = (h: string) => (h.match(/class="criterion"/g) ?? []).length;
    const added = await post(`/rubrics/${rubricId}/edit`, cookie, { ...fields, op: "add:0" });
    expect(added.status).toBe(200);
    const addedHtml = await added.text();
    expect(count(addedHtml)).toBe(count(html) + 1);
    const removed = await post(`/rubrics/${rubricId}/edit`, cookie, { ...fields, op: "remove:0:0" });
    expect(count(await removed.text())).toBe(count(html) - 1);
    const section = await post(`/rubrics/${rubricId}/edit`, cookie, { ...fields, op: "add_section" });
    expect(await section.text()).toContain("Add a criterion to section");
    const list = (await (await call(`/api/v1/rubrics/${rubricId}/versions`, { key: t.key })).json()) as {
      data: unknown[];
    };
    expect(list.data.length).toBe(2); // nothing saved by these buttons
  });

  it("dry-runs the unsaved draft on an analysed call: shows score, verdict and criteria, stores nothing", async () => {
    const dp = dataPlane(E, t.tenant);
    const before = await dp.db.query.calls.findFirst({ where: eq(calls.id, callId) });
    const countAnalyses = async () =>
      (
        await dp.db
          .select()
          .from(analyses)
          .where(and(eq(analyses.callId, callId)))
      ).length;
    const n = await countAnalyses();
    const html = await (await call(`/rubrics/${rubricId}`, { cookie })).text();
    expect(html).toContain(`<option value="${callId}"`); // offered among analysed calls
    const fields = formFields(html, "data-rubric-editor");
    const res = await post(`/rubrics/${rubricId}/edit`, cookie, {
      ...fields,
      dryCall: callId,
      op: "dry_run",
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain(`Dry run on call ${callId}`);
    expect(body).toContain("nothing has been stored");
    // The unchanged draft scores the call as the stored analysis did.
    const shown = /data-dry-score="">([^<]+)</.exec(body)?.[1];
    expect(shown).toBe(before?.score == null ? "—" : before.score.toLocaleString("en-GB"));
    expect(body).toMatch(/<tr data-criterion="[a-z0-9_-]+">/);
    expect(body).toMatch(/Pass|Fail/);
    // Nothing stored: no analysis, call unchanged, no new rubric version.
    expect(await countAnalyses()).toBe(n);
    const after = await dp.db.query.calls.findFirst({ where: eq(calls.id, callId) });
    expect(after).toEqual(before);
    const r = await dp.db.query.rubrics.findFirst({ where: eq(rubrics.id, rubricId) });
    expect(r?.latestVersion).toBe(2);

    // A critical criterion made to fail in the draft: score 0 for this dry run only.
    const k = Object.keys(fields)
      .find((x) => /^c\.0\.0\.id$/.test(x))!
      .replace(".id", "");
    const forced = await post(`/rubrics/${rubricId}/edit`, cookie, {
      ...fields,
      [`${k}.kind`]: "phrase_present",
      [`${k}.phrases.fr`]: "zanzibar quetzalcoatl",
      [`${k}.phrases.en`]: "zanzibar quetzalcoatl",
      [`${k}.speaker`]: "agent",
      [`${k}.withinS`]: "",
      [`${k}.requireCompanyName`]: "",
      [`${k}.critical`]: "on",
      [`${k}.allowNa`]: "",
      dryCallId: callId,
      op: "dry_run",
    });
    const forcedBody = await forced.text();
    expect(/data-dry-score="">([^<]+)</.exec(forcedBody)?.[1]).toBe("0");
    expect(forcedBody).toContain("a critical criterion failed");
    expect(await countAnalyses()).toBe(n);

    // Another tenant's call, pasted: a readable refusal.
    const other = await makeTenant();
    const theirs = await createCall(other.ctx, {
      externalId: "X",
      transcript: { format: "text", content: FR_CALL },
    });
    const refused = await post(`/rubrics/${rubricId}/edit`, cookie, {
      ...fields,
      dryCallId: theirs.call.id,
      op: "dry_run",
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("No call of yours has this identifier.");
    // No call chosen.
    const none = await post(`/rubrics/${rubricId}/edit`, cookie, { ...fields, op: "dry_run" });
    expect(await none.text()).toContain("Choose a call, or paste its identifier");
  });

  it("API parity: POST /api/v1/rubrics/dry-run; a rubrics-only key may not read calls through it", async () => {
    const v = (await (await call(`/api/v1/rubrics/${rubricId}/versions/2`, { key: t.key })).json()) as Record<
      string,
      unknown
    >;
    const { rubricId: _r, version: _v, ...content } = v;
    const ok = await call("/api/v1/rubrics/dry-run", {
      method: "POST",
      key: t.key,
      json: { callId, content },
    });
    expect(ok.status).toBe(200);
    const r = (await ok.json()) as { dryRun: boolean; callId: string; criteria: unknown[]; engine: string };
    expect(r).toMatchObject({ dryRun: true, callId, engine: "builtin" });
    expect(r.criteria.length).toBeGreaterThan(3);
    const bad = await call("/api/v1/rubrics/dry-run", {
      method: "POST",
      key: t.key,
      json: { callId, content: { ...content, passThreshold: 200 } },
    });
    expect(bad.status).toBe(400);
    const narrow = await createApiKey(t.ctx, { name: "rubrics only", scopes: ["rubrics:write"] });
    const denied = await call("/api/v1/rubrics/dry-run", {
      method: "POST",
      key: narrow.key,
      json: { callId, content },
    });
    expect(denied.status).toBe(403);
  });

  it("agents and viewers read the rubric, without the editor; they cannot post to it", async () => {
    for (const role of ["agent", "viewer"] as const) {
      const c = await loginCookie(t.users[role].email);
      const page = await call(`/rubrics/${rubricId}`, { cookie: c });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).not.toContain("data-rubric-editor");
      expect(html).toContain("Current version (2)");
      expect((await call("/rubrics", { cookie: c })).status).toBe(200);
      expect((await post(`/rubrics/${rubricId}/edit`, c, { op: "save" })).status).toBe(403);
      const v1 = await call(`/rubrics/${rubricId}/versions/1`, { cookie: c });
      expect(v1.status).toBe(200);
    }
  });
});
