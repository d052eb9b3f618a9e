import type { Hono } from "hono";
import { ApiError } from "../../../core/platform/errors";
import type { Locale } from "../../../core/platform/i18n";
import {
  type CalibrationResults,
  closeSession,
  createSession,
  getSession,
  listSessions,
  MAX_CALLS,
  results,
  type SessionView,
  submitAnswers,
} from "../../../core/quality/calibration";
import { listQueue, reviewerChoices } from "../../../core/quality/review-queue";
import { listRubrics } from "../../../core/rubrics/service";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  fmtDate,
  formError,
  Head,
  orErrorPage,
  type PortalContext,
  portalPage,
  userCtx,
} from "../../ui/common";
import { type Form, readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";

/**
 * Calibration sessions (issue 16 point 6): the list, a new session from the review queue, scoring
 * one call at a time, and the results with the close form. Plain forms, post → redirect → get;
 * the rules (blind answers, who closes) live in core/quality/calibration.ts.
 */

const RESULTS = ["pass", "fail", "na"] as const;
const NOTICES = {
  created: "calibration.done.created",
  submitted: "calibration.done.submitted",
  closed: "calibration.done.closed",
} as const;
function notice(c: PortalContext): string | null {
  const k = c.req.query("done") ?? "";
  return Object.hasOwn(NOTICES, k) ? tr(c)(NOTICES[k as keyof typeof NOTICES]) : null;
}
const lang = (c: PortalContext) => (c.get("locale") ?? "fr") as Locale;
const enc = encodeURIComponent;
const sessionUrl = (id: string, rest = "") => `/calibration/${enc(id)}${rest}`;
const pct = (x: number | null) => (x === null ? "—" : `${Math.round(x * 100)} %`);

/** Errors that mean "no such thing here": the portal's 404 page, not a form message. */
const rethrowNotFound = (err: unknown) => {
  if (err instanceof ApiError && err.code === "not_found") throw err;
};

async function listPage(c: PortalContext) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const cursor = c.req.query("cursor");
  const list = await listSessions(ctx, { limit: 25, ...(cursor ? { cursor } : {}) });
  const grids = new Map((await listRubrics(ctx)).map((r) => [r.id, r.name]));
  return portalPage(
    c,
    { title: _("calibration.title"), notice: notice(c) },
    <>
      <p>{_("calibration.intro")}</p>
      <p>
        <a href="/calibration/new">{_("calibration.new")}</a>
      </p>
      {list.data.length ? (
        <table data-sessions>
          <Head
            cols={[
              _("calibration.col.title"),
              _("calibration.col.grid"),
              _("calibration.col.calls"),
              _("calibration.col.participants"),
              _("calibration.col.mine"),
              _("calibration.col.status"),
              _("calibration.col.created"),
            ]}
          />
          <tbody>
            {list.data.map((s) => (
              <tr data-session={s.id} data-status={s.status}>
                <td>
                  <a href={sessionUrl(s.id)}>{s.title}</a>
                </td>
                <td>
                  {grids.get(s.rubric.id) ?? s.rubric.id} v{s.rubric.version}
                </td>
                <td class="num">{s.calls}</td>
                <td class="num">{s.participants}</td>
                <td class="num">
                  {s.mySubmitted} / {s.calls}
                </td>
                <td>{_(`calibration.status.${s.status}`)}</td>
                <td>{fmtDate(c, Date.parse(s.createdAt))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">{_("calibration.none")}</p>
      )}
      {list.nextCursor ? (
        <p>
          <a href={`/calibration?cursor=${enc(list.nextCursor)}`} rel="next">
            {_("calibration.more")}
          </a>
        </p>
      ) : null}
    </>,
  );
}

/** The create form: the week's queued calls as boxes (ticked when coming from the queue), reviewers. */
async function newPage(c: PortalContext, opts: { error?: string; form?: Form } = {}, status = 200) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const f = opts.form;
  const q = c.req.query();
  const week = f?.week ?? q.week ?? "";
  let error = opts.error ?? null;
  let queue: Awaited<ReturnType<typeof listQueue>> | null = null;
  try {
    queue = await listQueue(ctx, {
      ...(week ? { week } : {}),
      ...(q.reviewer ? { reviewerId: q.reviewer } : {}),
      limit: 200,
    });
  } catch (err) {
    if (!error) ({ message: error, status } = formError(c, err));
  }
  const [grids, reviewers] = await Promise.all([listRubrics(ctx), reviewerChoices(ctx)]);
  const fromQueue = q.from === "queue";
  const ticked = (callId: string) => (f ? f[`call_${callId}`] === "on" : fromQueue);
  return portalPage(
    c,
    { title: _("calibration.create.title"), error },
    <>
      <form method="get" action="/calibration/new" class="filters">
        <label>
          {_("calibration.create.week")} <input type="date" name="week" value={queue?.week ?? week} />
        </label>{" "}
        <button type="submit" class="secondary">
          {_("calibration.create.show")}
        </button>
      </form>
      <form method="post" action="/calibration" class="stack" data-create-form>
        <input type="hidden" name="week" value={queue?.week ?? week} />
        <label for="title">{_("calibration.create.name")}</label>
        <input id="title" name="title" required maxlength={200} value={f?.title ?? ""} />
        <label for="rubricId">{_("calibration.create.grid")}</label>
        <select id="rubricId" name="rubricId">
          {grids.map((g) => (
            <option value={g.id} selected={f ? f.rubricId === g.id : g.isDefault}>
              {g.name} (v{g.latestVersion})
            </option>
          ))}
        </select>
        <fieldset>
          <legend>{_("calibration.create.queue", { week: queue?.week ?? week })}</legend>
          <p class="muted">{_("calibration.create.max", { n: MAX_CALLS })}</p>
          {queue?.data.length ? (
            queue.data.map((i) => (
              <label>
                <input type="checkbox" name={`call_${i.callId}`} checked={ticked(i.callId)} />{" "}
                {i.agentName ?? i.agentId} · {fmtDate(c, Date.parse(i.callStartedAt))} · {i.callId}
              </label>
            ))
          ) : (
            <p class="muted">{_("calibration.create.queue_empty")}</p>
          )}
        </fieldset>
        <label for="callIds">{_("calibration.create.call_ids")}</label>
        <textarea id="callIds" name="callIds" rows={3}>
          {f?.callIds ?? ""}
        </textarea>
        <fieldset>
          <legend>{_("calibration.create.participants")}</legend>
          {reviewers.map((r) => (
            <label>
              <input type="checkbox" name={`p_${r.id}`} checked={f?.[`p_${r.id}`] === "on"} /> {r.name}
            </label>
          ))}
        </fieldset>
        <button type="submit">{_("calibration.create.submit")}</button>
      </form>
    </>,
    status,
  );
}

const ticks = (f: Form, prefix: string) =>
  Object.keys(f)
    .filter((k) => k.startsWith(prefix) && f[k] === "on")
    .map((k) => k.slice(prefix.length));

function createFromForm(f: Form) {
  const typed = (f.callIds ?? "")
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    title: f.title ?? "",
    rubricId: f.rubricId ?? "",
    callIds: [...ticks(f, "call_"), ...typed],
    participants: ticks(f, "p_"),
  };
}

async function sessionPage(c: PortalContext) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const s = await getSession(ctx, c.req.param("sessionId") ?? "", {}, lang(c));
  const next = s.calls.find((x) => !x.mine);
  return portalPage(
    c,
    { title: s.title, notice: notice(c) },
    <>
      <p data-status={s.status}>
        {_(`calibration.status.${s.status}`)}
        {s.closedAt ? ` — ${_("calibration.closed_on", { date: fmtDate(c, Date.parse(s.closedAt)) })}` : ""}
      </p>
      <p class="muted">{_("calibration.session.hidden")}</p>
      {s.me.participant ? (
        s.status === "open" && next ? (
          <p>
            <a href={sessionUrl(s.id, `/calls/${enc(next.callId)}`)} data-next>
              {_("calibration.session.next")}
            </a>
          </p>
        ) : s.status === "open" ? (
          <p data-all-done>{_("calibration.session.all_done")}</p>
        ) : null
      ) : (
        <p class="muted">{_("calibration.session.not_participant")}</p>
      )}
      <p>
        <a href={sessionUrl(s.id, "/results")}>{_("calibration.session.results")}</a>
      </p>
      <h2>{_("calibration.session.calls")}</h2>
      <table data-calls>
        <Head cols={[_("calibration.col.call"), _("calibration.col.submitted"), _("calibration.col.mine")]} />
        <tbody>
          {s.calls.map((x) => (
            <tr data-call={x.callId}>
              <td>{x.callId}</td>
              <td class="num">
                {x.submitted} / {s.participants.length}
              </td>
              <td>
                {x.mine ? (
                  _("calibration.session.submitted")
                ) : s.me.participant && s.status === "open" ? (
                  <a href={sessionUrl(s.id, `/calls/${enc(x.callId)}`)}>{_("calibration.session.score")}</a>
                ) : (
                  "—"
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>{_("calibration.session.progress")}</h2>
      <table data-progress>
        <Head cols={[_("calibration.col.reviewer"), _("calibration.col.submitted")]} />
        <tbody>
          {s.participants.map((p) => (
            <tr data-participant={p.id}>
              <td>{p.name ?? p.id}</td>
              <td class="num">
                {p.submitted} / {s.calls.length}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>,
  );
}

/** One call's scoring form: a choice per criterion (and 1–5 for scale criteria), comment optional. */
async function scorePage(c: PortalContext, opts: { error?: string; form?: Form } = {}, status = 200) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const s: SessionView = await getSession(ctx, c.req.param("sessionId") ?? "", {}, lang(c));
  const callId = c.req.param("callId") ?? "";
  const idx = s.calls.findIndex((x) => x.callId === callId);
  if (idx < 0)
    throw new ApiError("not_found", "This call is not part of the session", {
      messageKey: "calibration.error.not_in_session",
    });
  const f = opts.form;
  const mine = s.calls[idx].mine;
  return portalPage(
    c,
    {
      title: `${s.title} — ${_("calibration.score.title", { n: idx + 1, total: s.calls.length })}`,
      error: opts.error,
      notice: notice(c),
    },
    <>
      <p>
        <a href={`/calls/${enc(callId)}`} target="_blank" rel="noopener">
          {_("calibration.score.open_call")}
        </a>{" "}
        · <a href={sessionUrl(s.id)}>{s.title}</a>
      </p>
      {mine ? (
        <p data-already>
          {_("calibration.score.already")}{" "}
          <a href={sessionUrl(s.id, "/results")}>{_("calibration.session.results")}</a>
        </p>
      ) : (
        <form method="post" action={sessionUrl(s.id, `/calls/${enc(callId)}`)} class="stack" data-score-form>
          <p class="muted">{_("calibration.score.blind")}</p>
          {s.criteria.map((k) => (
            <fieldset data-criterion={k.id}>
              <legend>
                {k.section} — {k.label}
                {k.critical ? ` (${_("calibration.score.critical")})` : ""}
              </legend>
              {RESULTS.filter((r) => r !== "na" || k.allowNa).map((r) => (
                <label>
                  <input
                    type="radio"
                    name={`r_${k.id}`}
                    value={r}
                    required
                    checked={f?.[`r_${k.id}`] === r}
                  />{" "}
                  {_(`calibration.score.${r}`)}
                </label>
              ))}
              {k.answerType === "scale_1_5" ? (
                <label>
                  {_("calibration.score.scale")}{" "}
                  <select name={`s_${k.id}`}>
                    <option value="">—</option>
                    {[1, 2, 3, 4, 5].map((n) => (
                      <option value={String(n)} selected={f?.[`s_${k.id}`] === String(n)}>
                        {n}
                      </option>
                    ))}
                  </select>
                </label>
              ) : null}
              <label>
                {_("calibration.score.comment")}{" "}
                <input name={`c_${k.id}`} maxlength={2000} value={f?.[`c_${k.id}`] ?? ""} />
              </label>
            </fieldset>
          ))}
          <button type="submit">{_("calibration.score.submit")}</button>
        </form>
      )}
    </>,
    status,
  );
}

function answersFromForm(f: Form) {
  return Object.fromEntries(
    Object.keys(f)
      .filter((k) => k.startsWith("r_"))
      .map((k) => {
        const id = k.slice(2);
        const score = f[`s_${id}`] ? Number(f[`s_${id}`]) : undefined;
        const comment = f[`c_${id}`]?.trim();
        return [id, { result: f[k], ...(score ? { score } : {}), ...(comment ? { comment } : {}) }];
      }),
  );
}

function Kappa({ c, k }: { c: PortalContext; k: CalibrationResults["criteria"][number]["kappa"] }) {
  const _ = tr(c);
  if (!k) return <>—</>;
  const v = k.value === null ? _("calibration.results.kappa_none") : k.value.toFixed(2);
  return (
    <>
      {v} <span class="muted">({_(`calibration.results.${k.method}`, { n: k.raters })})</span>
    </>
  );
}

async function resultsPage(c: PortalContext, opts: { error?: string; form?: Form } = {}, status = 200) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const id = c.req.param("sessionId") ?? "";
  const s = await getSession(ctx, id, {}, lang(c));
  const r = await results(ctx, id, {}, lang(c));
  const names = new Map(s.participants.map((p) => [p.id, p.name ?? p.id]));
  // The engine may also say it could not judge: not_evaluated, uncertain.
  const word = (x: string | null) =>
    x === null
      ? "—"
      : (RESULTS as readonly string[]).includes(x)
        ? _(`calibration.score.${x as "pass"}`)
        : x === "not_evaluated" || x === "uncertain"
          ? _(`calibration.engine.${x}`)
          : x;
  const overall = r.overall.kappa;
  return portalPage(
    c,
    { title: _("calibration.results.title", { title: s.title }), error: opts.error, notice: notice(c) },
    <>
      <p>
        <a href={sessionUrl(s.id)}>{s.title}</a> · {_(`calibration.status.${s.status}`)}
      </p>
      {overall ? (
        <p data-overall>
          {_("calibration.results.overall", {
            value: overall.value === null ? _("calibration.results.kappa_none") : overall.value.toFixed(2),
            method: _(`calibration.results.${overall.method}`, { n: overall.raters }),
          })}
        </p>
      ) : null}
      <h2>{_("calibration.results.criteria")}</h2>
      <table data-criteria>
        <Head
          cols={[
            _("calibration.col.criterion"),
            _("calibration.col.agreement"),
            _("calibration.col.kappa"),
            _("calibration.col.engine_agreement"),
          ]}
        />
        <tbody>
          {r.criteria.map((k) => (
            <tr data-criterion={k.id}>
              <td>{k.label}</td>
              <td class="num">{pct(k.agreement)}</td>
              <td class="num">
                <Kappa c={c} k={k.kappa} />
              </td>
              <td class="num">{pct(k.engineAgreement)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.calls.map((call, i) =>
        !call.visible ? (
          <p class="muted" data-hidden-call={call.callId}>
            {_("calibration.results.hidden_call", { n: i + 1, count: call.submitted })}
          </p>
        ) : (
          <section data-result-call={call.callId}>
            <h2>
              <a href={`/calls/${enc(call.callId)}`}>
                {_("calibration.results.call", { n: i + 1, id: call.callId })}
              </a>
            </h2>
            {call.scores.min !== null ? (
              <p>
                {_("calibration.results.scores", {
                  min: call.scores.min,
                  max: call.scores.max ?? "—",
                  spread: call.scores.spread ?? "—",
                })}
              </p>
            ) : null}
            <table>
              <Head
                cols={[
                  _("calibration.col.criterion"),
                  _("calibration.col.answers"),
                  _("calibration.col.agreement"),
                  _("calibration.col.modal"),
                  _("calibration.col.engine"),
                  _("calibration.col.agreed"),
                  _("calibration.col.who"),
                ]}
              />
              <tbody>
                {call.criteria.map((k) => (
                  <tr data-row={`${call.callId}:${k.id}`}>
                    <td>{k.label}</td>
                    <td class="num">
                      {k.counts.pass} / {k.counts.fail} / {k.counts.na}
                    </td>
                    <td class="num">{pct(k.agreement)}</td>
                    <td>{word(k.modal)}</td>
                    <td>{word(k.engine)}</td>
                    <td>{word(k.agreed)}</td>
                    <td>
                      {k.answers
                        .map(
                          (a) =>
                            `${names.get(a.reviewerId) ?? a.reviewerId}: ${word(a.result ?? null)}${a.comment ? ` (${a.comment})` : ""}`,
                        )
                        .join(" · ")}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {call.reviewsDiffering.map((d) => (
              <p class="notice" data-differs={d.reviewId}>
                {_("calibration.results.differs", {
                  reviewer: names.get(d.reviewerId) ?? d.reviewerId,
                  status: d.status,
                  criteria: d.criteria
                    .map((cid) => call.criteria.find((k) => k.id === cid)?.label ?? cid)
                    .join(", "),
                })}
              </p>
            ))}
          </section>
        ),
      )}
      {s.status === "open" && s.me.mayClose ? (
        <section aria-labelledby="close-h">
          <h2 id="close-h">{_("calibration.close.title")}</h2>
          <p class="muted">{_("calibration.close.help")}</p>
          <form method="post" action={sessionUrl(s.id, "/close")} class="stack" data-close-form>
            <input type="hidden" name="version" value={String(s.version)} />
            {s.calls.map((call, i) => (
              <fieldset>
                <legend>{_("calibration.results.call", { n: i + 1, id: call.callId })}</legend>
                {s.criteria.map((k) => {
                  const name = `a:${call.callId}:${k.id}`;
                  return (
                    <label>
                      {k.label}{" "}
                      <select name={name}>
                        <option value="">{_("calibration.close.none")}</option>
                        {RESULTS.filter((x) => x !== "na" || k.allowNa).map((x) => (
                          <option value={x} selected={opts.form?.[name] === x}>
                            {_(`calibration.score.${x}`)}
                          </option>
                        ))}
                      </select>
                    </label>
                  );
                })}
              </fieldset>
            ))}
            <button type="submit">{_("calibration.close.submit")}</button>
          </form>
        </section>
      ) : null}
    </>,
    status,
  );
}

/** `a:<callId>:<criterionId>` selects → { callId: { criterionId: answer } }, blanks left out. */
function agreedFromForm(f: Form) {
  const out: Record<string, Record<string, string>> = {};
  for (const [k, v] of Object.entries(f)) {
    if (!k.startsWith("a:") || !v) continue;
    const rest = k.slice(2);
    const cut = rest.indexOf(":");
    if (cut < 1) continue;
    const callId = rest.slice(0, cut);
    out[callId] = { ...(out[callId] ?? {}), [rest.slice(cut + 1)]: v };
  }
  return out;
}

export function registerCalibrationPages(app: Hono<AppEnv>) {
  const review = access({ kind: "portal", perm: "reviews:write" });
  app.get("/calibration", review, (c) => listPage(c));
  app.get("/calibration/new", review, (c) => newPage(c));
  app.post("/calibration", review, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const s = await createSession(userCtx(c).ctx, createFromForm(f));
        return c.redirect(sessionUrl(s.id, "?done=created"), 303);
      },
      (error, status) => newPage(c, { error, form: f }, status),
    );
  });
  app.get("/calibration/:sessionId", review, (c) => sessionPage(c));
  app.get("/calibration/:sessionId/calls/:callId", review, (c) => scorePage(c));
  app.post("/calibration/:sessionId/calls/:callId", review, async (c) => {
    const f = await readForm(c);
    const { ctx } = userCtx(c);
    const id = c.req.param("sessionId");
    return orErrorPage(
      c,
      async () => {
        await submitAnswers(ctx, id, c.req.param("callId"), { answers: answersFromForm(f) });
        const next = (await getSession(ctx, id)).calls.find((x) => !x.mine);
        return c.redirect(
          next
            ? sessionUrl(id, `/calls/${enc(next.callId)}?done=submitted`)
            : sessionUrl(id, "?done=submitted"),
          303,
        );
      },
      (error, status, err) => {
        rethrowNotFound(err);
        return scorePage(c, { error, form: f }, status);
      },
    );
  });
  app.get("/calibration/:sessionId/results", review, (c) => resultsPage(c));
  app.post("/calibration/:sessionId/close", review, async (c) => {
    const f = await readForm(c);
    const id = c.req.param("sessionId");
    return orErrorPage(
      c,
      async () => {
        await closeSession(userCtx(c).ctx, id, { version: Number(f.version), agreed: agreedFromForm(f) });
        return c.redirect(sessionUrl(id, "/results?done=closed"), 303);
      },
      (error, status, err) => {
        rethrowNotFound(err);
        return resultsPage(c, { error, form: f }, status);
      },
    );
  });
}
