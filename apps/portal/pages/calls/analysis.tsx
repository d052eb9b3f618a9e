import type { Child } from "hono/jsx";
import type { getAnalysis } from "../../../../core/calls/analyses";
import type { MessageKey } from "../../../../core/platform/i18n";
import type { listReviews, ReviewView } from "../../../../core/quality/reviews";
import type { Evidence } from "../../../../core/scoring/engine/types";
import { fmtDate, type PortalContext, trOr } from "../../../ui/common";
import { tr } from "../../../ui/layout";
import { clock, num } from "./shared";

type Analysis = Awaited<ReturnType<typeof getAnalysis>>;
type Reviews = Awaited<ReturnType<typeof listReviews>>;

/** Evidence quotes as buttons: a click scrolls to the segment and seeks the audio (player.js). */
function EvidenceList({ c, items }: { c: PortalContext; items: Evidence[] }): Child {
  const _ = tr(c);
  if (!items.length) return null;
  return (
    <ul class="evidence">
      {items.map((e) => (
        <li>
          <button
            type="button"
            class="link"
            data-evidence
            data-segment={e.segmentId}
            data-seek={String(e.startS)}
            aria-label={_("review.evidence_go", { time: clock(e.startS) })}
          >
            {clock(e.startS)} « {e.quote} »
          </button>
        </li>
      ))}
    </ul>
  );
}

const resultLabel = (c: PortalContext, r: string) => trOr(c, `review.result.${r}`, r);

/**
 * Beside the automatic score: which criteria were not judged and what the engine is unsure of —
 * the score rests on the rest of the grid only.
 */
function CoverageNote({ c, a }: { c: PortalContext; a: Analysis }): Child {
  const _ = tr(c);
  const label = (id: string) => a.criteria.find((x) => x.id === id)?.label ?? id;
  const u = a.coverage.uncertain;
  const uncertain = [
    ...u.criteria.map(label),
    ...u.irritants.map((t) => trOr(c, `irritant.${t}`, t)),
    ...u.categories.map((id) => trOr(c, `category.${id}`, id)),
  ];
  const notJudged = a.coverage.notEvaluated.map(label);
  return (
    <div class="coverage" data-coverage title={_("review.coverage_title")}>
      {notJudged.length ? (
        <p class="muted">{_("review.not_judged", { list: notJudged.join(", ") })}</p>
      ) : null}
      {uncertain.length ? <p class="muted">{_("review.uncertain", { list: uncertain.join(", ") })}</p> : null}
      {!notJudged.length && !uncertain.length ? <p class="muted">{_("review.all_judged")}</p> : null}
    </div>
  );
}

/** The automatic analysis (D2): score, criteria by section with evidence, irritants, categories… */
export function AnalysisSection({ c, a, mine }: { c: PortalContext; a: Analysis; mine: ReviewView | null }) {
  const _ = tr(c);
  const locale = c.get("locale") ?? "fr";
  const sections = [...new Set(a.criteria.map((x) => x.sectionId))];
  const u = a.coverage.uncertain;
  const uncertainCount = u.criteria.length + u.irritants.length + u.categories.length;
  return (
    <section aria-labelledby="analysis-h">
      <h2 id="analysis-h">{_("review.analysis")}</h2>
      <p>
        <strong data-score>{a.score === null ? "—" : num(locale, a.score)}</strong> / 100{" "}
        <span class="badge">{_("review.automatic")}</span>{" "}
        <span data-score-coverage>
          {_("score.coverage", { pct: num(locale, a.coverage.evaluatedWeightPct) })}
          {uncertainCount ? ` · ${_("score.uncertain", { n: uncertainCount })}` : ""}
        </span>{" "}
        {a.passed === null ? "" : a.passed ? _("review.passed") : _("review.not_passed")}
        {a.criticalFail ? ` · ${_("review.critical_fail")}` : ""}
        {a.needsReview ? ` · ${_("review.needs_review")}` : ""}
      </p>
      <CoverageNote c={c} a={a} />
      {a.summary ? <p>{a.summary}</p> : null}
      {sections.map((sid) => (
        <table class="criteria">
          <caption>{sid}</caption>
          <thead>
            <tr>
              <th scope="col">{_("review.criterion")}</th>
              <th scope="col">{_("review.ai")}</th>
              <th scope="col">{_("review.human")}</th>
              <th scope="col">{_("review.evidence")}</th>
            </tr>
          </thead>
          <tbody>
            {a.criteria
              .filter((x) => x.sectionId === sid)
              .map((x) => {
                const o = mine?.overrides[x.id];
                return (
                  <tr data-criterion={x.id}>
                    <th scope="row">
                      {x.label}
                      {x.critical ? ` (${_("review.critical")})` : ""}
                      <br />
                      <small class="muted">{_("review.weight", { weight: x.weight })}</small>
                    </th>
                    <td>
                      {resultLabel(c, x.result)}
                      {x.rationale ? (
                        <>
                          <br />
                          <small class="muted">{x.rationale}</small>
                        </>
                      ) : null}
                    </td>
                    <td>{o ? `${resultLabel(c, o.result)} — ${o.comment}` : "—"}</td>
                    <td>
                      <EvidenceList c={c} items={x.evidence} />
                    </td>
                  </tr>
                );
              })}
          </tbody>
        </table>
      ))}
      <h3>{_("review.irritants")}</h3>
      {a.irritants.length ? (
        <ul>
          {a.irritants.map((i) => (
            <li data-irritant={i.type} data-uncertain={i.uncertain ? "" : undefined}>
              {trOr(c, `irritant.${i.type}`, i.type)} ({_(`review.severity.${i.severity}` as MessageKey)},{" "}
              {_(`calls.speaker.${i.speaker}` as MessageKey)}
              {i.confidence !== undefined
                ? `, ${_("review.confidence", { pct: Math.round(i.confidence * 100) })}`
                : ""}
              {i.uncertain ? `, ${_("review.uncertain_mark")}` : ""})
              <EvidenceList c={c} items={i.evidence} />
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{_("review.no_irritants")}</p>
      )}
      <h3>{_("review.categories")}</h3>
      <p>
        {a.categories.length
          ? a.categories
              .map(
                (x) =>
                  `${trOr(c, `category.${x.id}`, x.id)} (${Math.round(x.confidence * 100)} %${x.uncertain ? `, ${_("review.uncertain_mark")}` : ""})`,
              )
              .join(", ")
          : "—"}
      </p>
      <h3>{_("review.recommendations")}</h3>
      {a.recommendations.length ? (
        <ul>
          {a.recommendations.map((r) => (
            <li>{typeof r === "string" ? r : JSON.stringify(r)}</li>
          ))}
        </ul>
      ) : (
        <p class="muted">—</p>
      )}
      <p class="muted">
        {_("review.engine", { engine: a.engine, rubric: `${a.rubric.id} v${a.rubric.version}` })}
      </p>
    </section>
  );
}

/** Review history, the reviewer's form, the agent's dispute and the supervisor's resolution (C10). */
export function ReviewsSection(props: {
  c: PortalContext;
  callId: string;
  a: Analysis;
  reviews: Reviews;
  me: string;
  canReview: boolean;
  isAgent: boolean;
  names: Map<string, string>;
}) {
  const { c, a, reviews, me } = props;
  const _ = tr(c);
  const locale = c.get("locale") ?? "fr";
  const mine = reviews.data.find((r) => r.reviewerId === me) ?? null;
  const id = encodeURIComponent(props.callId);
  return (
    <section aria-labelledby="reviews-h">
      <h2 id="reviews-h">{_("review.title")}</h2>
      {reviews.calibration ? (
        <p data-calibration>
          {_("review.calibration", {
            n: reviews.calibration.reviewers,
            min: num(locale, reviews.calibration.min),
            max: num(locale, reviews.calibration.max),
            spread: num(locale, reviews.calibration.spread),
          })}
          {reviews.calibration.disagreements.length
            ? ` ${_("review.disagreements", { list: reviews.calibration.disagreements.join(", ") })}`
            : ""}
        </p>
      ) : null}
      {reviews.data.length ? (
        <ol class="reviews">
          {reviews.data.map((r) => (
            <li data-review={r.id} data-status={r.status}>
              <strong>{props.names.get(r.reviewerId) ?? _("review.reviewer_unknown")}</strong> —{" "}
              {_(`review.status.${r.status}` as MessageKey)} — {r.score === null ? "—" : num(locale, r.score)}{" "}
              / 100
              {r.finalizedAt ? ` — ${fmtDate(c, Date.parse(r.finalizedAt))}` : ""}
              {r.comment ? <p>{r.comment}</p> : null}
              {Object.keys(r.overrides).length ? (
                <ul>
                  {Object.entries(r.overrides).map(([cid, o]) => (
                    <li>
                      {a.criteria.find((x) => x.id === cid)?.label ?? cid}: {_("review.ai")}{" "}
                      {resultLabel(c, a.criteria.find((x) => x.id === cid)?.result ?? "")} →{" "}
                      {resultLabel(c, o.result)} — {o.comment}
                    </li>
                  ))}
                </ul>
              ) : null}
              {r.dispute ? <p>{_("review.disputed_because", { reason: r.dispute.reason ?? "" })}</p> : null}
              {r.resolution ? <p>{_("review.resolved_with", { text: r.resolution.text ?? "" })}</p> : null}
              {props.isAgent &&
              r.status === "final" &&
              r.disputeDeadline &&
              Date.parse(r.disputeDeadline) > Date.now() ? (
                <form method="post" action={`/reviews/${r.id}/dispute`} class="stack">
                  <input type="hidden" name="callId" value={props.callId} />
                  <label for={`dispute-${r.id}`}>
                    {_("review.dispute_reason", { date: fmtDate(c, Date.parse(r.disputeDeadline)) })}
                  </label>
                  <textarea id={`dispute-${r.id}`} name="reason" required maxlength={2000} />
                  <button type="submit">{_("review.dispute")}</button>
                </form>
              ) : null}
              {props.canReview && r.status === "disputed" ? (
                <form method="post" action={`/reviews/${r.id}/resolve`} class="stack">
                  <input type="hidden" name="callId" value={props.callId} />
                  <input type="hidden" name="version" value={String(r.version)} />
                  <label for={`resolve-${r.id}`}>{_("review.resolution")}</label>
                  <textarea id={`resolve-${r.id}`} name="resolution" required maxlength={2000} />
                  <CriteriaFields c={c} a={a} prefix={`r-${r.id}`} current={r.overrides} />
                  <button type="submit">{_("review.resolve")}</button>
                </form>
              ) : null}
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">{_("review.none")}</p>
      )}
      {props.canReview && (!mine || mine.status === "draft") ? (
        <details open={mine?.status === "draft"}>
          <summary>{mine ? _("review.continue") : _("review.start")}</summary>
          <form method="post" action={`/calls/${id}/review`} class="stack" data-review-form>
            {mine ? <input type="hidden" name="version" value={String(mine.version)} /> : null}
            <CriteriaFields c={c} a={a} prefix="o" current={mine?.overrides ?? {}} />
            <label for="review-comment">{_("review.comment")}</label>
            <textarea id="review-comment" name="comment" maxlength={4000}>
              {mine?.comment ?? ""}
            </textarea>
            <p>
              <input type="checkbox" id="review-final" name="finalize" value="on" />{" "}
              <label for="review-final" class="inline">
                {_("review.finalize")}
              </label>
            </p>
            <button type="submit">{_("review.save")}</button>
          </form>
        </details>
      ) : null}
    </section>
  );
}

/** One row per criterion: keep the AI's answer, or override it with a comment. */
function CriteriaFields({
  c,
  a,
  prefix,
  current,
}: {
  c: PortalContext;
  a: Analysis;
  prefix: string;
  current: Record<string, { result: string; comment: string }>;
}) {
  const _ = tr(c);
  return (
    <fieldset>
      <legend>{_("review.overrides")}</legend>
      {a.criteria.map((x) => {
        const cur = current[x.id];
        const f = `${prefix}.${x.id}`;
        return (
          <div class="override" data-override={x.id}>
            <label for={`${f}.result`}>
              {x.label} ({_("review.ai")}: {resultLabel(c, x.result)})
            </label>{" "}
            <select id={`${f}.result`} name={`${f}.result`}>
              <option value="">{_("review.keep_ai")}</option>
              {["pass", "fail", "na"].map((v) => (
                <option value={v} selected={cur?.result === v}>
                  {resultLabel(c, v)}
                </option>
              ))}
            </select>{" "}
            <label for={`${f}.comment`} class="visually-hidden">
              {_("review.override_comment", { criterion: x.label })}
            </label>
            <input
              type="text"
              id={`${f}.comment`}
              name={`${f}.comment`}
              value={cur?.comment ?? ""}
              maxlength={2000}
              placeholder={_("review.override_comment_ph")}
            />
          </div>
        );
      })}
    </fieldset>
  );
}

/** Overrides from a form: only the criteria whose answer was changed. */
export function overridesFromForm(f: Record<string, string>, prefix: string) {
  const out: Record<string, { result: "pass" | "fail" | "na"; comment: string }> = {};
  for (const [k, v] of Object.entries(f)) {
    if (!k.startsWith(`${prefix}.`) || !k.endsWith(".result") || !v) continue;
    const cid = k.slice(prefix.length + 1, -".result".length);
    if (v !== "pass" && v !== "fail" && v !== "na") continue;
    out[cid] = { result: v, comment: (f[`${prefix}.${cid}.comment`] ?? "").trim() };
  }
  return out;
}
