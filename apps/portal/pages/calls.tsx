import type { Hono } from "hono";
import { raw } from "hono/html";
import { type AgentView, getAgent, listAgents } from "../../../core/agents/service";
import { getAnalysis } from "../../../core/calls/analyses";
import { getRecording } from "../../../core/calls/recording";
import {
  CALL_STATUSES,
  type CallView,
  callView,
  deleteCalls,
  findCall,
  listCalls,
  putTranscript,
  reprocessCall,
} from "../../../core/calls/service";
import { correctSpeakers } from "../../../core/calls/speakers";
import { readTranscript } from "../../../core/calls/transcript-store";
import type { Transcript } from "../../../core/content/transcripts/model";
import { setCallLegalHold } from "../../../core/governance/retention";
import { memberNames } from "../../../core/identity/member-names";
import { recordCallView } from "../../../core/platform/audit-reads";
import { ApiError, notFound } from "../../../core/platform/errors";
import type { MessageKey } from "../../../core/platform/i18n";
import { roleAllows } from "../../../core/platform/rbac";
import { disputeReview, listReviews, resolveReview, saveReview } from "../../../core/quality/reviews";
import { access } from "../../middleware/access";
import { assetUrl } from "../../public/static";
import type { AppEnv } from "../../types";
import {
  fmtDate,
  formError,
  invalid,
  orErrorPage,
  Pager,
  type PortalContext,
  portalPage,
  TableOrNone,
  trOr,
  userCtx,
} from "../../ui/common";
import { readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";
import { AnalysisSection, overridesFromForm, ReviewsSection } from "./calls/analysis";
import {
  bytes,
  clock,
  DAY_RE,
  dayStart,
  jsonFailure,
  num,
  requireSameOrigin,
  scoreCoverage,
} from "./calls/shared";
import { SpeakersSection, speakersInputFromForm } from "./calls/speakers";
import { explainTranscriptFailure, readTranscriptForm, type TranscriptFile } from "./calls/transcript-file";
import { registerCallUploads } from "./calls/upload";

/**
 * Calls in the portal (B5, B6, D2): the searchable list, a call's page (metadata, player,
 * redacted transcript synced to the audio, deletion), the recording stream the player reads
 * with Range requests, and — in ./calls/upload — uploads of recordings and transcripts.
 * Which calls a user sees is decided by the service (`callScope`): agents only their own.
 */

const SORTS = ["-startedAt", "startedAt", "-durationS", "durationS", "-score", "score"] as const;
const FILTERS = ["from", "to", "agentId", "team", "status", "q", "minScore", "maxScore", "sort"] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** Page styles (nonce'd, like the layout's): the transcript, its highlight, the metadata grid. */
const CALLS_CSS = `
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin-bottom:1rem}
form.filters label{font-weight:500}form.filters input[type=number]{width:6.5rem}form.filters .actions{display:flex;gap:.5rem;align-items:center}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dl.meta dt{font-weight:500}dl.meta dd{margin:0}
audio{width:100%;margin:.5rem 0}
.transcript p{margin:.2rem 0;padding:.35rem .5rem;border-left:4px solid transparent;border-radius:4px}
.transcript p[data-speaker=agent] .who{color:#0b57d0}.transcript p[data-speaker=customer] .who{color:#7c3aed}
.transcript p.playing{background:#fff4ce;border-left-color:#f4b400}
.transcript .ts{font:inherit;font-variant-numeric:tabular-nums;padding:.05rem .35rem;background:#fff;color:var(--accent);border-color:var(--line)}
.transcript span.ts{color:var(--muted)}
details.danger-zone{margin-top:2rem;border:1px solid var(--err);border-radius:6px;padding:.6rem}
details.danger-zone summary{cursor:pointer;color:var(--err);font-weight:500}
.transcript p.evidence-focus{background:#e3f0ff;border-left-color:#0b57d0;outline:2px solid #0b57d0}
table.criteria{margin:.5rem 0 1rem}table.criteria caption{text-align:left;font-weight:600}
ul.evidence{margin:0;padding-left:1rem}button.link{background:none;border:0;padding:0;color:var(--accent);text-decoration:underline;cursor:pointer;text-align:left;font:inherit}
.badge{font-size:.8rem;border:1px solid var(--line);border-radius:1rem;padding:0 .5rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.override{margin:.25rem 0}ol.reviews>li{margin-bottom:1rem}
`;

export function CallsStyle({ c }: { c: PortalContext }) {
  return <style nonce={c.get("secureHeadersNonce")}>{raw(CALLS_CSS)}</style>;
}

function filtersOf(c: PortalContext): Filters {
  const out: Filters = {};
  for (const k of FILTERS) {
    const v = c.req.query(k)?.trim();
    if (v) out[k] = v;
  }
  return out;
}

function qs(params: Record<string, string | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : "";
}

/** Filters of the form → the service's list input; bad dates are named in the user's words. */
function listInput(f: Filters, cursor: string | undefined, timeZone: string) {
  const day = (v: string | undefined, field: "from" | "to") => {
    if (!v) return undefined;
    const ms = dayStart(v, timeZone, field === "to" ? 1 : 0);
    if (!DAY_RE.test(v) || !Number.isFinite(ms))
      throw new ApiError("validation_failed", `invalid ${field}`, {
        errors: [{ pointer: `/${field}`, detail: "not a date" }],
        messageKey: "calls.error.date",
      });
    return ms;
  };
  const from = day(f.from, "from");
  const to = day(f.to, "to");
  if (from !== undefined && to !== undefined && to <= from)
    throw new ApiError("validation_failed", "to before from", {
      errors: [{ pointer: "/to", detail: "before from" }],
      messageKey: "calls.error.date_order",
    });
  return {
    limit: 50,
    cursor,
    from,
    to,
    agentId: f.agentId,
    team: f.team,
    status: f.status as never,
    q: f.q,
    minScore: f.minScore,
    maxScore: f.maxScore,
    sort: (f.sort ?? "-startedAt") as never,
  };
}

function statusLabel(c: PortalContext, call: Pick<CallView, "status" | "holdReason">): string {
  const _ = tr(c);
  const s = _(`calls.status.${call.status}` as MessageKey);
  if (call.status === "held" && call.holdReason) {
    const reason = _(`calls.hold.${call.holdReason}` as MessageKey);
    return `${s} (${reason.startsWith("calls.hold.") ? call.holdReason : reason})`;
  }
  return s;
}

/** Names of the agents on a page of calls: the directory's first 200, then any missing one by id. */
async function agentNames(c: PortalContext, directory: AgentView[], ids: (string | null)[]) {
  const { ctx } = userCtx(c);
  const names = new Map(directory.map((a) => [a.id, a.name]));
  const missing = [...new Set(ids.filter((id): id is string => !!id && !names.has(id)))];
  const found = await Promise.all(missing.map((id) => getAgent(ctx, id).catch(() => null)));
  for (const a of found) if (a) names.set(a.id, a.name);
  return names;
}

async function listPage(c: PortalContext) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const locale = c.get("locale") ?? "fr";
  const f = filtersOf(c);
  const cursor = c.req.query("cursor") || undefined;
  // Agents see only their own calls: the agent and team filters would only confuse them, and
  // the directory is not theirs to read (agents:read).
  const directoryAllowed = roleAllows(actor.role, "agents:read");
  const directory = directoryAllowed ? (await listAgents(ctx, { limit: 200 })).data : [];
  const teams = [...new Set(directory.map((a) => a.team).filter((t): t is string => !!t))].sort();

  let result: Awaited<ReturnType<typeof listCalls>> = { data: [], nextCursor: null };
  let error: string | null = null;
  let status = 200;
  try {
    result = await listCalls(ctx, listInput(f, cursor, ctx.tenant.timeZone));
  } catch (err) {
    const fe = formError(c, err);
    error = fe.message;
    status = fe.status;
  }
  const names = await agentNames(
    c,
    directory,
    result.data.map((x) => x.agentId),
  );
  const deleted = c.req.query("done") === "call_deleted" ? _("calls.deleted") : null;
  const canUpload = roleAllows(actor.role, "calls:write");
  const hasFilters = Object.keys(f).some((k) => k !== "sort");

  return portalPage(
    c,
    { title: _("calls.title"), error, notice: deleted },
    <>
      <CallsStyle c={c} />
      {actor.role === "agent" ? <p class="muted">{_("calls.agent_scope")}</p> : null}
      {canUpload ? (
        <p>
          <a href="/calls/upload">{_("calls.upload_link")}</a>
        </p>
      ) : null}
      <form method="get" action="/calls" class="filters" aria-label={_("calls.filters")}>
        <label>
          {_("calls.filter.from")}
          <input type="date" name="from" value={f.from ?? ""} />
        </label>
        <label>
          {_("calls.filter.to")}
          <input type="date" name="to" value={f.to ?? ""} />
        </label>
        {directoryAllowed ? (
          <>
            <label>
              {_("calls.filter.agent")}
              <select name="agentId">
                <option value="">{_("calls.filter.any_agent")}</option>
                {directory.map((a) => (
                  <option value={a.id} selected={f.agentId === a.id}>
                    {a.team ? `${a.name} (${a.team})` : a.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {_("calls.filter.team")}
              <input name="team" list="calls-teams" value={f.team ?? ""} maxlength={100} size={12} />
              <datalist id="calls-teams">
                {teams.map((t) => (
                  <option value={t} />
                ))}
              </datalist>
            </label>
          </>
        ) : null}
        <label>
          {_("calls.filter.status")}
          <select name="status">
            <option value="">{_("calls.filter.any_status")}</option>
            {CALL_STATUSES.map((s) => (
              <option value={s} selected={f.status === s}>
                {_(`calls.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {_("calls.filter.min_score")}
          <input
            type="number"
            name="minScore"
            min={0}
            max={100}
            step="any"
            value={f.minScore ?? ""}
            size={4}
          />
        </label>
        <label>
          {_("calls.filter.max_score")}
          <input
            type="number"
            name="maxScore"
            min={0}
            max={100}
            step="any"
            value={f.maxScore ?? ""}
            size={4}
          />
        </label>
        <label>
          {_("calls.filter.q")}
          <input type="search" name="q" value={f.q ?? ""} maxlength={200} />
        </label>
        <label>
          {_("calls.filter.sort")}
          <select name="sort">
            {SORTS.map((s) => (
              <option value={s} selected={(f.sort ?? "-startedAt") === s}>
                {_(`calls.sort.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <span class="actions">
          <button type="submit">{_("calls.filter.apply")}</button>
          {hasFilters ? <a href="/calls">{_("calls.filter.reset")}</a> : null}
        </span>
      </form>

      <TableOrNone
        none={hasFilters || cursor ? _("calls.none_match") : _("calls.none")}
        cols={[
          _("calls.col.start"),
          _("calls.col.duration"),
          _("calls.col.agent"),
          _("calls.col.status"),
          _("calls.col.phone"),
          _("calls.col.content"),
        ]}
        rows={result.data.map((x) => {
          const started = fmtDate(c, Date.parse(x.startedAt ?? ""));
          const agent = x.agentId ? (names.get(x.agentId) ?? _("common.unknown")) : "";
          return (
            <tr>
              <td>
                <a href={`/calls/${encodeURIComponent(x.id)}`}>{started}</a>
                {x.externalId ? <div class="muted">{x.externalId}</div> : null}
              </td>
              <td class="num">{clock(x.durationS)}</td>
              <td>
                {agent}
                {x.team ? <div class="muted">{x.team}</div> : null}
              </td>
              <td>
                {statusLabel(c, x)}
                {x.score !== null ? (
                  <div class="muted" data-score-coverage>
                    {_("calls.score_value", { score: num(locale, x.score) })}
                    {scoreCoverage(_, locale, x) ? ` · ${scoreCoverage(_, locale, x)}` : ""}
                  </div>
                ) : null}
              </td>
              <td>{x.customerPhone ?? ""}</td>
              <td>
                {[
                  x.recording ? _("calls.has_recording") : null,
                  x.transcript ? _("calls.has_transcript") : null,
                ]
                  .filter(Boolean)
                  .join(" · ") || <span class="muted">{_("calls.no_content")}</span>}
              </td>
            </tr>
          );
        })}
      />
      <Pager
        c={c}
        newest={cursor ? `/calls${qs(f)}` : null}
        next={result.nextCursor ? `/calls${qs({ ...f, cursor: result.nextCursor })}` : null}
      />
    </>,
    status,
  );
}

function Segments({
  c,
  transcript,
  seekable,
}: {
  c: PortalContext;
  transcript: Transcript;
  seekable: boolean;
}) {
  const _ = tr(c);
  return (
    <div class="transcript">
      {transcript.estimatedTiming ? <p class="muted">{_("calls.transcript.estimated")}</p> : null}
      {transcript.segments.map((s) => {
        const who = _(`calls.speaker.${s.speaker}` as MessageKey);
        const label = s.speakerLabel && s.speakerLabel !== who ? `${who} (${s.speakerLabel})` : who;
        const time = clock(s.startS);
        return (
          <p id={s.id} data-start={String(s.startS)} data-end={String(s.endS)} data-speaker={s.speaker}>
            {seekable ? (
              <button
                type="button"
                class="ts"
                data-seek={String(s.startS)}
                aria-label={_("calls.transcript.seek", { time })}
              >
                {time}
              </button>
            ) : (
              <span class="ts">{time}</span>
            )}{" "}
            <strong class="who">{label}</strong> <span class="text">{s.text}</span>
          </p>
        );
      })}
    </div>
  );
}

const DETAIL_NOTICES: Record<string, MessageKey> = {
  transcript_imported: "calls.import.done",
  call_reprocessed: "calls.reprocessed",
  legal_hold_set: "calls.legal_hold.done_set",
  review_saved: "review.done.saved",
  review_final: "review.done.final",
  review_disputed: "review.done.disputed",
  review_resolved: "review.done.resolved",
  legal_hold_lifted: "calls.legal_hold.done_lifted",
  transcript_existing: "calls.import.existing",
  speakers_corrected: "calls.roles.done",
};

interface DetailState {
  error?: string | null;
  /** A refused transcript file: the message and the parser's own words. */
  transcriptError?: { message: string; detail: string | null } | null;
}

async function detailPage(c: PortalContext, state: DetailState = {}, status = 200) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const locale = c.get("locale") ?? "fr";
  const row = await findCall(ctx, c.req.param("callId") ?? "");
  const call = callView(row);
  const [transcript, agent, analysis, reviewList, names] = await Promise.all([
    readTranscript(ctx, row),
    call.agentId ? getAgent(ctx, call.agentId).catch(() => null) : Promise.resolve(null),
    row.analysisId ? getAnalysis(ctx, row.id).catch(() => null) : Promise.resolve(null),
    listReviews(ctx, row.id),
    memberNames(ctx),
  ]);
  const started = fmtDate(c, Date.parse(call.startedAt ?? ""));
  const playable = call.recording !== null && call.recording.status !== "uploading";
  const done = c.req.query("done");
  const notice = done && Object.hasOwn(DETAIL_NOTICES, done) ? _(DETAIL_NOTICES[done]) : null;
  const redactions = Object.entries(call.transcript?.redactions ?? {}).filter(([, n]) => n > 0);
  const id = encodeURIComponent(call.id);

  const meta: [label: string, value: string | null, mono?: boolean][] = [
    [_("calls.field.external_id"), call.externalId],
    [_("calls.field.started"), started],
    [_("calls.field.duration"), call.durationS !== null ? clock(call.durationS) : null],
    [_("calls.field.direction"), call.direction ? _(`calls.direction.${call.direction}`) : null],
    [_("calls.field.agent"), agent ? agent.name : call.agentId ? _("common.unknown") : null],
    [_("calls.field.team"), call.team],
    [_("calls.field.queue"), call.queue],
    [_("calls.field.campaign"), call.campaign],
    [_("calls.field.language"), call.language ? _(`lang.${call.language}` as MessageKey) : null],
    [_("calls.field.phone"), call.customerPhone],
    [_("calls.field.tags"), call.tags.length ? call.tags.join(", ") : null],
    [_("calls.field.status"), statusLabel(c, call)],
    [_("calls.field.failure"), call.status === "failed" ? call.failureReason : null],
    [
      _("calls.field.score"),
      call.score !== null
        ? `${num(locale, call.score)}${scoreCoverage(_, locale, call) ? ` (${scoreCoverage(_, locale, call)})` : ""}`
        : null,
    ],
    [
      _("calls.field.recording"),
      call.recording
        ? _("calls.recording.summary", {
            format: (call.recording.format ?? "").toUpperCase(),
            size: bytes(locale, call.recording.size),
            duration: clock(call.recording.durationS) || "?",
          }) +
          (call.recording.status === "stored"
            ? ""
            : ` — ${_(`calls.recording.${call.recording.status}` as MessageKey)}`)
        : _("calls.recording.none"),
    ],
    [_("calls.field.sha256"), call.recording?.sha256 ?? null, true],
    [
      _("calls.field.transcript"),
      call.transcript
        ? _("calls.transcript.summary", {
            format: (call.transcript.format ?? "").toUpperCase(),
            segments: call.transcript.segments ?? 0,
            words: call.transcript.words ?? 0,
          })
        : _("calls.transcript.none"),
    ],
    [
      _("calls.field.redactions"),
      call.transcript
        ? redactions.length
          ? redactions.map(([k, n]) => `${trOr(c, `calls.redaction.${k}`, k)} × ${n}`).join(", ")
          : _("calls.transcript.no_redactions")
        : null,
    ],
    [
      _("calls.field.legal_hold"),
      call.legalHold
        ? _("calls.legal_hold.summary", {
            reason: call.legalHold.reason,
            since: fmtDate(c, Date.parse(call.legalHold.since)),
          })
        : null,
    ],
    [
      _("calls.field.purged"),
      [
        call.purged.recordingAt
          ? _("calls.purged.recording", { date: fmtDate(c, Date.parse(call.purged.recordingAt)) })
          : "",
        call.purged.transcriptAt
          ? _("calls.purged.transcript", { date: fmtDate(c, Date.parse(call.purged.transcriptAt)) })
          : "",
        call.purged.analysesAt
          ? _("calls.purged.analyses", { date: fmtDate(c, Date.parse(call.purged.analysesAt)) })
          : "",
      ]
        .filter(Boolean)
        .join(" · ") || null,
    ],
  ];

  return portalPage(
    c,
    { title: _("calls.detail.title", { date: started }), error: state.error, notice },
    <>
      <CallsStyle c={c} />
      <p>
        <a href="/calls">{_("calls.back")}</a>
      </p>
      <section aria-labelledby="meta-h">
        <h2 id="meta-h">{_("calls.detail.metadata")}</h2>
        <dl class="meta">
          {meta
            .filter(([, v]) => v !== null && v !== "")
            .map(([k, v, mono]) => (
              <>
                <dt>{k}</dt>
                <dd>{mono ? <code>{v}</code> : v}</dd>
              </>
            ))}
        </dl>
      </section>

      <section aria-labelledby="player-h">
        <h2 id="player-h">{_("calls.player.title")}</h2>
        {playable ? (
          // Never preload: the first request starts at byte 0, which the server counts as a listen
          // (recording.played, mass-export alert); only pressing play may send it.
          // biome-ignore lint/a11y/useMediaCaption: the transcript below is the text alternative, synced to the audio
          <audio controls preload="none" src={`/calls/${id}/recording`} data-player>
            {_("calls.player.unsupported")}
          </audio>
        ) : (
          <p class="muted">{_("calls.recording.none")}</p>
        )}
      </section>

      {analysis ? (
        <AnalysisSection
          c={c}
          a={analysis}
          mine={reviewList.data.find((r) => r.reviewerId === actor.id) ?? null}
        />
      ) : null}

      <section aria-labelledby="transcript-h">
        <h2 id="transcript-h">{_("calls.transcript.title")}</h2>
        {transcript ? (
          <>
            <SpeakersSection
              c={c}
              callId={call.id}
              transcript={transcript}
              canWrite={roleAllows(actor.role, "calls:write")}
              names={names}
            />
            <p class="muted">{_("calls.transcript.redacted_note")}</p>
            <Segments c={c} transcript={transcript} seekable={playable} />
          </>
        ) : (
          <p class="muted">{_("calls.transcript.none")}</p>
        )}
        {roleAllows(actor.role, "calls:write") ? (
          <details open={Boolean(state.transcriptError) || !transcript}>
            <summary>{transcript ? _("calls.transcript.replace") : _("calls.transcript.add")}</summary>
            {state.transcriptError ? (
              <div class="error" role="alert">
                <p>{state.transcriptError.message}</p>
                {state.transcriptError.detail ? (
                  <p class="muted">
                    {_("calls.import.detail")} <code>{state.transcriptError.detail}</code>
                  </p>
                ) : null}
              </div>
            ) : null}
            <p class="muted">{_("calls.transcript.formats")}</p>
            <form
              method="post"
              action={`/calls/${id}/transcript`}
              enctype="multipart/form-data"
              class="stack"
            >
              <label>
                {_("calls.import.file")}
                <input type="file" name="file" required accept=".json,.vtt,.srt,.txt" />
              </label>
              <button type="submit">{_("calls.transcript.submit")}</button>
            </form>
          </details>
        ) : null}
      </section>

      {analysis ? (
        <ReviewsSection
          c={c}
          callId={call.id}
          a={analysis}
          reviews={reviewList}
          me={actor.id}
          canReview={roleAllows(actor.role, "reviews:write")}
          isAgent={actor.role === "agent"}
          names={names}
        />
      ) : null}

      {roleAllows(actor.role, "calls:write") &&
      (call.status === "failed" || call.status === "held" || call.status === "done") ? (
        <form method="post" action={`/calls/${id}/reprocess`}>
          <button type="submit" class="secondary">
            {_("calls.reprocess")}
          </button>
        </form>
      ) : null}

      {roleAllows(actor.role, "settings:manage") ? (
        call.legalHold ? (
          <form method="post" action={`/calls/${id}/legal-hold/lift`}>
            <button type="submit" class="secondary">
              {_("calls.legal_hold.lift")}
            </button>
          </form>
        ) : (
          <details>
            <summary>{_("calls.legal_hold.title")}</summary>
            <form method="post" action={`/calls/${id}/legal-hold`} class="stack">
              <label for="hold-reason">{_("gov.hold.reason")}</label>
              <input type="text" id="hold-reason" name="reason" maxlength={500} required />
              <button type="submit">{_("calls.legal_hold.set")}</button>
            </form>
          </details>
        )
      ) : null}

      {roleAllows(actor.role, "calls:delete") ? (
        <details class="danger-zone">
          <summary>{_("calls.delete.title")}</summary>
          <p>{_("calls.delete.warning")}</p>
          <form method="post" action={`/calls/${id}/delete`}>
            <button type="submit" class="danger">
              {_("calls.delete.confirm")}
            </button>
          </form>
        </details>
      ) : null}
      {transcript ? (
        <script type="module" src={assetUrl("player.js")} nonce={c.get("secureHeadersNonce")} />
      ) : null}
    </>,
    status,
  );
}

const wantsJson = (c: PortalContext) => (c.req.header("accept") ?? "").includes("application/json");

export function registerCalls(app: Hono<AppEnv>) {
  const read = access({ kind: "portal", perm: "calls:read" });
  const remove = access({ kind: "portal", perm: "calls:delete" });

  // Before /calls/:callId, so "upload" is never read as a call id.
  registerCallUploads(app);

  app.get("/calls", read, (c) => listPage(c));

  app.get("/calls/:callId", read, async (c) => {
    const res = await detailPage(c); // another tenant's or an unreachable call: 404 before this
    // Who opened which call (transcript and analysis included): once per person, call and day.
    await recordCallView(userCtx(c).ctx, c.req.param("callId"));
    return res;
  });

  /** The player's source (B5): streamed from the tenant's bucket, Range honoured (206), audited. */
  app.get("/calls/:callId/recording", read, async (c) => {
    const { ctx } = userCtx(c);
    // As in the API: the player's first (whole) request is audited and counts towards the
    // mass-export alert (I5), its seeking ranges do not — decided inside getRecording.
    const call = await findCall(ctx, c.req.param("callId"));
    return getRecording(ctx, call, c.req.raw.headers);
  });

  /** A transcript file for this call (B2): added, or replacing the current one; redacted first. */
  app.post("/calls/:callId/transcript", access({ kind: "portal", perm: "calls:write" }), async (c) => {
    const { ctx } = userCtx(c);
    // The lookup first: another tenant's (or a colleague's) call is a 404 whatever the body.
    const row = await findCall(ctx, c.req.param("callId"));
    let file: TranscriptFile | null = null;
    try {
      file = await readTranscriptForm(c, {});
      await putTranscript(ctx, row, file.format, file.text);
      return c.redirect(`/calls/${encodeURIComponent(row.id)}?done=transcript_imported`, 303);
    } catch (err) {
      const p = explainTranscriptFailure(c, err, file);
      return detailPage(c, { transcriptError: { message: p.message, detail: p.detail } }, p.status);
    }
  });

  /** Correct the speakers' roles (B2): swap, or one role per voice; the call is analysed again. */
  app.post("/calls/:callId/speakers", access({ kind: "portal", perm: "calls:write" }), async (c) => {
    const { ctx } = userCtx(c);
    const row = await findCall(ctx, c.req.param("callId"));
    return orErrorPage(
      c,
      async () => {
        await correctSpeakers(ctx, row, speakersInputFromForm(await readForm(c)));
        return c.redirect(`/calls/${encodeURIComponent(row.id)}?done=speakers_corrected`, 303);
      },
      (error, status) => detailPage(c, { error }, status),
    );
  });

  /** Run the pipeline again (C1): after a failure or a hold, or to refresh the analysis. */
  app.post("/calls/:callId/reprocess", access({ kind: "portal", perm: "calls:write" }), async (c) => {
    const { ctx } = userCtx(c);
    const id = c.req.param("callId");
    return orErrorPage(
      c,
      async () => {
        await reprocessCall(ctx, id);
        return c.redirect(`/calls/${encodeURIComponent(id)}?done=call_reprocessed`, 303);
      },
      (error, status, err) => {
        if (err instanceof ApiError && err.code === "not_found") throw err;
        return detailPage(c, { error }, status);
      },
    );
  });

  // Reviews (C10): save/finalise, dispute (the call's agent), resolve (supervisors).
  const backTo = (c: PortalContext, callId: string | undefined, done: string) =>
    c.redirect(`/calls/${encodeURIComponent(callId ?? "")}?done=${done}`, 303);
  app.post("/calls/:callId/review", access({ kind: "portal", perm: "reviews:write" }), async (c) => {
    const id = c.req.param("callId") as string;
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        await saveReview(userCtx(c).ctx, id, {
          overrides: overridesFromForm(f, "o"),
          comment: f.comment?.trim() ? f.comment : null,
          finalize: f.finalize === "on",
          ...(f.version ? { version: Number(f.version) } : {}),
        });
        return backTo(c, id, f.finalize === "on" ? "review_final" : "review_saved");
      },
      (error, status, err) => {
        if (err instanceof ApiError && err.code === "not_found") throw err;
        return detailPage(c, { error }, status);
      },
    );
  });
  const reviewAction = (kind: "dispute" | "resolve") => async (c: PortalContext) => {
    const rid = c.req.param("reviewId") as string;
    const f = await readForm(c);
    const callId = /^[\w-]{1,64}$/.test(f.callId ?? "") ? f.callId : undefined;
    try {
      if (kind === "dispute") await disputeReview(userCtx(c).ctx, rid, { reason: f.reason ?? "" });
      else
        await resolveReview(userCtx(c).ctx, rid, {
          resolution: f.resolution ?? "",
          version: Number(f.version),
          ...(Object.keys(overridesFromForm(f, `r-${rid}`)).length
            ? { overrides: overridesFromForm(f, `r-${rid}`) }
            : {}),
        });
      return backTo(c, callId, kind === "dispute" ? "review_disputed" : "review_resolved");
    } catch (err) {
      if ((err instanceof ApiError && err.code === "not_found") || !callId) throw err;
      const { message, status } = formError(c, err);
      c.req.param = ((name?: string) => (name === "callId" ? callId : rid)) as never;
      return detailPage(c, { error: message }, status);
    }
  };
  app.post(
    "/reviews/:reviewId/dispute",
    access({ kind: "portal", perm: "reviews:dispute" }),
    reviewAction("dispute"),
  );
  app.post(
    "/reviews/:reviewId/resolve",
    access({ kind: "portal", perm: "reviews:write" }),
    reviewAction("resolve"),
  );

  const manage = access({ kind: "portal", perm: "settings:manage" });
  const hold = (lift: boolean) => async (c: PortalContext) => {
    const id = c.req.param("callId") as string;
    return orErrorPage(
      c,
      async () => {
        const f = lift ? {} : await readForm(c);
        if (!lift && !f.reason?.trim()) throw invalid("gov.error.reason", "/reason");
        await setCallLegalHold(userCtx(c).ctx, id, lift ? null : (f.reason as string));
        return c.redirect(
          `/calls/${encodeURIComponent(id)}?done=${lift ? "legal_hold_lifted" : "legal_hold_set"}`,
          303,
        );
      },
      (error, status, err) => {
        if (err instanceof ApiError && err.code === "not_found") throw err;
        return detailPage(c, { error }, status);
      },
    );
  };
  app.post("/calls/:callId/legal-hold", manage, hold(false));
  app.post("/calls/:callId/legal-hold/lift", manage, hold(true));

  /**
   * Delete everywhere (B7). The confirmation is the `<details>` step on the call's page; the
   * upload script also calls this (JSON) to discard a call whose upload failed.
   */
  app.post("/calls/:callId/delete", remove, async (c) => {
    const json = wantsJson(c);
    try {
      requireSameOrigin(c);
      const id = c.req.param("callId");
      const r = await deleteCalls(userCtx(c).ctx, [id]);
      if (r.notFound.length) throw notFound("Call");
      if (r.vetoed.length)
        throw new ApiError("conflict", r.vetoed[0].reason, {
          messageKey: "calls.delete.vetoed",
          params: { reason: r.vetoed[0].reason },
        });
      if (json) return c.json({ deleted: id }, 200);
      return c.redirect("/calls?done=call_deleted", 303);
    } catch (err) {
      if (json) return jsonFailure(c, err);
      const e = err instanceof ApiError ? err : null;
      if (e?.code === "not_found" || e?.code === "csrf") throw err;
      const { message, status } = formError(c, err);
      return detailPage(c, { error: message }, status);
    }
  });
}
