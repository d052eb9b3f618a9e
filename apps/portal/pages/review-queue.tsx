import type { Hono } from "hono";
import { addDays } from "../../../core/insights/kpis";
import { ApiError } from "../../../core/platform/errors";
import {
  deleteRule,
  getRule,
  ITEM_STATUSES,
  type ItemStatus,
  listQueue,
  nextFor,
  type QueueItemView,
  queueProgress,
  type RuleView,
  reassign,
  reviewerChoices,
  sampleNow,
  saveRule,
} from "../../../core/quality/review-queue";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  fmtDate,
  formError,
  Head,
  invalid,
  orErrorPage,
  type PortalContext,
  portalPage,
  userCtx,
} from "../../ui/common";
import { type Form, readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";

/**
 * The review queue page (issue 16 point 6): the reviewer's "open my next call", the week's
 * progress per agent and per reviewer, the queued calls (reassignable), and the sampling rule.
 * Plain forms, post → redirect → get; the review itself is the call page's review form.
 */

type Reviewer = { id: string; name: string };
const dayLabel = (locale: string, day: string) =>
  new Intl.DateTimeFormat(locale, { dateStyle: "long", timeZone: "UTC" }).format(Date.parse(day));

/** Notices after a redirect: only these keys, and `n` only as a small number. */
const NOTICES = {
  rule: "queue.done.rule",
  rule_deleted: "queue.done.rule_deleted",
  assigned: "queue.done.assigned",
  reassigned: "queue.done.reassigned",
  empty: "queue.done.empty",
} as const;
function notice(c: PortalContext): string | null {
  const k = c.req.query("done") ?? "";
  if (!Object.hasOwn(NOTICES, k)) return null;
  const n = /^\d{1,6}$/.test(c.req.query("n") ?? "") ? Number(c.req.query("n")) : 0;
  return tr(c)(NOTICES[k as keyof typeof NOTICES], { n });
}

function RuleForm({
  c,
  rule,
  form,
  reviewers,
}: {
  c: PortalContext;
  rule: RuleView | null;
  form?: Form;
  reviewers: Reviewer[];
}) {
  const _ = tr(c);
  // What was typed (after an error) wins over the saved rule.
  const checked = (k: "criticalFail" | "irritants" | "disputed" | "random") =>
    form ? form[k] === "on" : (rule?.[k] ?? (k === "criticalFail" || k === "random"));
  const chosen = (id: string) =>
    form ? form[`reviewer_${id}`] === "on" : (rule?.reviewers.includes(id) ?? false);
  const box = (k: "criticalFail" | "irritants" | "disputed" | "random", label: string) => (
    <label>
      <input type="checkbox" name={k} checked={checked(k)} /> {label}
    </label>
  );
  return (
    <section aria-labelledby="rule-h">
      <h2 id="rule-h">{_("queue.rule.title")}</h2>
      {rule ? (
        <p class="muted">{_("queue.rule.next_run", { date: fmtDate(c, Date.parse(rule.nextRunAt)) })}</p>
      ) : (
        <p class="muted" data-no-rule>
          {_("queue.rule.none")}
        </p>
      )}
      <form method="post" action="/review-queue/rule" class="stack" data-rule-form>
        <label for="perAgent">{_("queue.rule.per_agent")}</label>
        <input
          id="perAgent"
          name="perAgent"
          type="number"
          min="1"
          max="50"
          required
          value={form?.perAgent ?? String(rule?.perAgent ?? 5)}
        />
        <fieldset>
          <legend>{_("queue.rule.filters")}</legend>
          {box("criticalFail", _("queue.rule.critical"))}
          <label for="lowScoreBelow">{_("queue.rule.low")}</label>
          <input
            id="lowScoreBelow"
            name="lowScoreBelow"
            type="number"
            min="0"
            max="100"
            step="any"
            value={form?.lowScoreBelow ?? (rule?.lowScoreBelow == null ? "" : String(rule.lowScoreBelow))}
          />
          {box("disputed", _("queue.rule.disputed"))}
          {box("irritants", _("queue.rule.irritants"))}
          {box("random", _("queue.rule.random"))}
        </fieldset>
        <fieldset>
          <legend>{_("queue.rule.reviewers")}</legend>
          {reviewers.map((r) => (
            <label>
              <input type="checkbox" name={`reviewer_${r.id}`} checked={chosen(r.id)} /> {r.name}
            </label>
          ))}
        </fieldset>
        <button type="submit">{_("queue.rule.save")}</button>
      </form>
      {rule ? (
        <form method="post" action="/review-queue/rule/delete" class="inline">
          <button type="submit" class="secondary">
            {_("queue.rule.delete")}
          </button>
        </form>
      ) : null}
    </section>
  );
}

function Items({
  c,
  items,
  reviewers,
  more,
}: {
  c: PortalContext;
  items: QueueItemView[];
  reviewers: Reviewer[];
  more: string | null;
}) {
  const _ = tr(c);
  const names = new Map(reviewers.map((r) => [r.id, r.name]));
  if (!items.length) return <p class="muted">{_("queue.empty_week")}</p>;
  return (
    <>
      <table data-queue>
        <Head
          cols={[
            _("queue.col.call"),
            _("queue.col.agent"),
            _("queue.col.started"),
            _("queue.col.reason"),
            _("queue.col.score"),
            _("queue.col.reviewer"),
            _("queue.col.status"),
            _("queue.col.reassign"),
          ]}
        />
        <tbody>
          {items.map((i) => (
            <tr data-item={i.id} data-status={i.status}>
              <td>
                <a href={`/calls/${encodeURIComponent(i.callId)}`}>{i.callId}</a>
              </td>
              <td>{i.agentName ?? i.agentId}</td>
              <td>{fmtDate(c, Date.parse(i.callStartedAt))}</td>
              <td>{_(`queue.reason.${i.reason}`)}</td>
              <td class="num">{i.score ?? "—"}</td>
              <td>{names.get(i.reviewerId) ?? i.reviewerId}</td>
              <td>{_(`queue.status.${i.status}`)}</td>
              <td>
                <form
                  method="post"
                  action={`/review-queue/${encodeURIComponent(i.id)}/reassign`}
                  class="inline"
                >
                  <label class="sr-only" for={`re-${i.id}`}>
                    {_("queue.col.reassign")}
                  </label>
                  <select id={`re-${i.id}`} name="reviewerId">
                    {reviewers.map((r) => (
                      <option value={r.id} selected={r.id === i.reviewerId}>
                        {r.name}
                      </option>
                    ))}
                  </select>{" "}
                  <button type="submit" class="secondary">
                    {_("queue.reassign")}
                  </button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {more ? (
        <p>
          <a href={more} rel="next">
            {_("queue.more")}
          </a>
        </p>
      ) : null}
    </>
  );
}

function ProgressTable({
  c,
  rows,
  head,
}: {
  c: PortalContext;
  rows: { id: string; name: string | null; assigned: number; done: number }[];
  head: string;
}) {
  const _ = tr(c);
  return (
    <table>
      <Head cols={[head, _("queue.col.assigned"), _("queue.col.done")]} />
      <tbody>
        {rows.map((r) => (
          <tr data-progress={r.id}>
            <td>{r.name ?? r.id}</td>
            <td class="num">{r.assigned}</td>
            <td class="num">{r.done}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

async function queuePage(c: PortalContext, opts: { error?: string; form?: Form } = {}, status = 200) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const locale = c.get("locale") ?? "fr";
  const q = c.req.query();
  const statusFilter = (ITEM_STATUSES as readonly string[]).includes(q.status ?? "")
    ? (q.status as ItemStatus)
    : undefined;
  const reviewers = await reviewerChoices(ctx);
  const reviewerFilter = reviewers.some((r) => r.id === q.reviewer) ? q.reviewer : undefined;
  let error = opts.error ?? null;
  let list: Awaited<ReturnType<typeof listQueue>> | null = null;
  try {
    list = await listQueue(ctx, {
      ...(q.week ? { week: q.week } : {}),
      ...(statusFilter ? { status: statusFilter } : {}),
      ...(reviewerFilter ? { reviewerId: reviewerFilter } : {}),
      ...(q.cursor ? { cursor: q.cursor } : {}),
    });
  } catch (err) {
    ({ message: error, status } = formError(c, err));
  }
  const week = list?.week ?? (await listQueue(ctx, {})).week;
  const [progress, rule, mine] = await Promise.all([
    queueProgress(ctx, week),
    getRule(ctx).catch((e) => (e instanceof ApiError && e.code === "not_found" ? null : Promise.reject(e))),
    listQueue(ctx, { week, reviewerId: actor.id, limit: 200 }),
  ]);
  const left = mine.data.filter((i) => i.status !== "done").length;
  const link = (params: Record<string, string | undefined>) =>
    `/review-queue?${new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1])).toString()}`;
  const more = list?.nextCursor
    ? link({ week, status: statusFilter, reviewer: reviewerFilter, cursor: list.nextCursor })
    : null;
  return portalPage(
    c,
    { title: _("queue.title"), error, notice: notice(c) },
    <>
      <p>{_("queue.intro")}</p>
      <section aria-labelledby="next-h">
        <h2 id="next-h">{_("queue.next.title")}</h2>
        <p data-left={left}>{_("queue.next.left", { n: left })}</p>
        <form method="post" action="/review-queue/next" class="inline">
          <button type="submit">{_("queue.next.open")}</button>
        </form>
      </section>
      <h2 data-week={week}>
        {_("queue.week", { from: dayLabel(locale, week), to: dayLabel(locale, addDays(week, 6)) })}
      </h2>
      <p>
        <a href={link({ week: addDays(week, -7) })}>{_("queue.prev_week")}</a> ·{" "}
        <a href={link({ week: addDays(week, 7) })}>{_("queue.next_week")}</a>
      </p>
      <form method="get" action="/review-queue" class="filters">
        <label>
          {_("queue.week_label")} <input type="date" name="week" value={q.week ?? week} />
        </label>{" "}
        <label>
          {_("queue.filter.reviewer")}{" "}
          <select name="reviewer">
            <option value="">{_("queue.filter.all")}</option>
            {reviewers.map((r) => (
              <option value={r.id} selected={r.id === reviewerFilter}>
                {r.name}
              </option>
            ))}
          </select>
        </label>{" "}
        <label>
          {_("queue.filter.status")}{" "}
          <select name="status">
            <option value="">{_("queue.filter.all")}</option>
            {ITEM_STATUSES.map((s) => (
              <option value={s} selected={s === statusFilter}>
                {_(`queue.status.${s}`)}
              </option>
            ))}
          </select>
        </label>{" "}
        <button type="submit">{_("queue.week_show")}</button>
      </form>
      <section aria-labelledby="prog-h">
        <h2 id="prog-h">{_("queue.progress.agents")}</h2>
        <ProgressTable c={c} rows={progress.agents} head={_("queue.col.agent")} />
        <h2>{_("queue.progress.reviewers")}</h2>
        <ProgressTable c={c} rows={progress.reviewers} head={_("queue.col.reviewer")} />
      </section>
      <section aria-labelledby="items-h">
        <h2 id="items-h">{_("queue.items")}</h2>
        <Items c={c} items={list?.data ?? []} reviewers={reviewers} more={more} />
        {rule ? (
          <form method="post" action="/review-queue/assign" class="inline">
            <input type="hidden" name="week" value={week} />
            <button type="submit" class="secondary">
              {_("queue.assign")}
            </button>{" "}
            <span class="muted">{_("queue.assign_help")}</span>
          </form>
        ) : null}
        <p class="muted">{_("queue.calibration")}</p>
        {list?.data.length ? (
          <p>
            <a
              href={`/calibration/new?${new URLSearchParams({ from: "queue", week, ...(reviewerFilter ? { reviewer: reviewerFilter } : {}) }).toString()}`}
              data-calibrate
            >
              {_("queue.calibration_start")}
            </a>
          </p>
        ) : null}
      </section>
      <RuleForm c={c} rule={rule} form={opts.form} reviewers={reviewers} />
    </>,
    status,
  );
}

/** The rule from the form: checkboxes are "on" when ticked; reviewers are `reviewer_<id>` boxes. */
function ruleFromForm(f: Form) {
  const low = f.lowScoreBelow?.trim() ?? "";
  return {
    perAgent: Number(f.perAgent),
    lowScoreBelow: low === "" ? null : Number(low.replace(",", ".")),
    criticalFail: f.criticalFail === "on",
    irritants: f.irritants === "on",
    disputed: f.disputed === "on",
    random: f.random === "on",
    reviewers: Object.keys(f)
      .filter((k) => k.startsWith("reviewer_") && f[k] === "on")
      .map((k) => k.slice("reviewer_".length)),
  };
}

export function registerReviewQueuePage(app: Hono<AppEnv>) {
  const review = access({ kind: "portal", perm: "reviews:write" });
  app.get("/review-queue", review, (c) => queuePage(c));
  app.post("/review-queue/rule", review, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const rule = ruleFromForm(f);
        if (!rule.reviewers.length) throw invalid("queue.error.reviewer", "/reviewers");
        const { sampled } = await saveRule(userCtx(c).ctx, rule);
        return c.redirect(`/review-queue?done=rule&n=${sampled}`, 303);
      },
      (error, status) => queuePage(c, { error, form: f }, status),
    );
  });
  app.post("/review-queue/rule/delete", review, async (c) => {
    await deleteRule(userCtx(c).ctx);
    return c.redirect("/review-queue?done=rule_deleted", 303);
  });
  app.post("/review-queue/assign", review, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const r = await sampleNow(userCtx(c).ctx, { week: f.week });
        return c.redirect(`/review-queue?week=${r.week}&done=assigned&n=${r.queued}`, 303);
      },
      (error, status) => queuePage(c, { error }, status),
    );
  });
  // The reviewer's next call opens in the call page, where the review form is (core/quality/reviews.ts).
  app.post("/review-queue/next", review, async (c) => {
    try {
      const item = await nextFor(userCtx(c).ctx);
      return c.redirect(`/calls/${encodeURIComponent(item.callId)}#reviews-h`, 303);
    } catch (err) {
      if (err instanceof ApiError && err.code === "not_found")
        return c.redirect("/review-queue?done=empty", 303);
      throw err;
    }
  });
  app.post("/review-queue/:itemId/reassign", review, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const item = await reassign(userCtx(c).ctx, c.req.param("itemId"), {
          reviewerId: f.reviewerId ?? "",
        });
        return c.redirect(`/review-queue?week=${item.week}&done=reassigned`, 303);
      },
      (error, status, err) => {
        if (err instanceof ApiError && err.code === "not_found") throw err;
        return queuePage(c, { error }, status);
      },
    );
  });
}
