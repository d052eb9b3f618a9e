import type { Hono } from "hono";
import { raw } from "hono/html";
import {
  type AgentLink,
  linkMemberToAgent,
  listAgentLinks,
  memberOfAgent,
} from "../../../core/agents/agent-members";
import { createAgent, getAgent, listAgents, updateAgent } from "../../../core/agents/service";
import {
  type AgentFigures,
  agentCalls,
  agentFigures,
  agentTimeline,
  listTeams,
  type Period,
} from "../../../core/insights/agent-stats";
import { ApiError } from "../../../core/platform/errors";
import { roleAllows } from "../../../core/platform/rbac";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  doneUrl,
  fmtDate,
  formError,
  Head,
  invalid,
  orErrorPage,
  orNull,
  Pager,
  type PortalContext,
  portalPage,
  TableOrNone,
  tenantZone,
  userCtx,
} from "../../ui/common";
import { type Form, readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";
import { DAY_RE, dayStart } from "./calls/shared";

/**
 * Agents and teams in the portal (D3, B4): the directory (team filter, create, edit), the link
 * between a member and an agent (what a user with role `agent` sees), a team view, the
 * leaderboard, and an agent's own view `/me`. Scores shown are the AUTOMATIC ones, labelled so;
 * reviewed (human) scores stay in a column of their own and show "—" until reviews exist.
 */

const DEFAULT_DAYS = 30;

/** Page styles (nonce'd, like the layout's): the period form, figures, the weekly chart. */
const AGENTS_CSS = `
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end;margin-bottom:1rem}form.filters label{font-weight:500}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dl.meta dt{font-weight:500}dl.meta dd{margin:0}
`;
function Style({ c }: { c: PortalContext }) {
  return <style nonce={c.get("secureHeadersNonce")}>{raw(AGENTS_CSS)}</style>;
}

/** Today in the organisation's zone, `YYYY-MM-DD`. */
function today(c: PortalContext): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: tenantZone(c) }).format(Date.now());
}
function shiftDay(day: string, days: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

interface PeriodQuery {
  from: string;
  to: string;
  period: Period;
}

/** The period of the page: `from`/`to` days (inclusive) from the query, else the last 30 days. */
function periodOf(c: PortalContext): PeriodQuery {
  const to = c.req.query("to")?.trim() || today(c);
  const from = c.req.query("from")?.trim() || shiftDay(to, -(DEFAULT_DAYS - 1));
  const f = DAY_RE.test(from) ? dayStart(from, tenantZone(c)) : Number.NaN;
  const t = DAY_RE.test(to) ? dayStart(to, tenantZone(c), 1) : Number.NaN;
  if (!Number.isFinite(f) || !Number.isFinite(t))
    throw new ApiError("validation_failed", "invalid period", {
      errors: [{ pointer: "/from", detail: "not a date" }],
      messageKey: "calls.error.date",
    });
  return { from, to, period: { from: f, to: t } };
}

const pct = (c: PortalContext, r: number | null) =>
  r == null
    ? "—"
    : new Intl.NumberFormat(c.get("locale") === "en" ? "en-GB" : "fr-FR", {
        style: "percent",
        maximumFractionDigits: 0,
      }).format(r);
const score = (c: PortalContext, s: number | null | undefined) =>
  s == null
    ? "—"
    : s.toLocaleString(c.get("locale") === "en" ? "en-GB" : "fr-FR", { maximumFractionDigits: 1 });

function qs(params: Record<string, string | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : "";
}

function PeriodForm({
  c,
  action,
  p,
  teams,
  team,
}: {
  c: PortalContext;
  action: string;
  p: { from: string; to: string };
  teams?: string[];
  team?: string;
}) {
  const _ = tr(c);
  return (
    <form method="get" action={action} class="filters" aria-label={_("portal.agents.period")}>
      <label>
        {_("calls.filter.from")}
        <input type="date" name="from" value={p.from} />
      </label>{" "}
      <label>
        {_("calls.filter.to")}
        <input type="date" name="to" value={p.to} />
      </label>{" "}
      {teams ? (
        <label>
          {_("calls.filter.team")}
          <select name="team">
            <option value="">{_("portal.agents.all_teams")}</option>
            {teams.map((t) => (
              <option value={t} selected={t === team}>
                {t}
              </option>
            ))}
          </select>
        </label>
      ) : null}{" "}
      <button type="submit">{_("portal.agents.show")}</button>
    </form>
  );
}

/** Period errors are shown on the page (the form stays), with an empty table. */
async function withPeriod<T>(
  c: PortalContext,
  fallback: T,
  fn: (p: PeriodQuery) => Promise<T>,
): Promise<{ value: T; p: { from: string; to: string }; error: string | null; status: number }> {
  // On an error, the fields show what was typed (or the defaults the page used).
  const to = c.req.query("to")?.trim() || today(c);
  const raw = {
    from: c.req.query("from")?.trim() || (DAY_RE.test(to) ? shiftDay(to, -(DEFAULT_DAYS - 1)) : ""),
    to,
  };
  try {
    const p = periodOf(c);
    return { value: await fn(p), p, error: null, status: 200 };
  } catch (err) {
    const { message, status } = formError(c, err);
    return { value: fallback, p: raw, error: message, status };
  }
}

function FiguresTable({ c, rows, rank }: { c: PortalContext; rows: AgentFigures[]; rank: boolean }) {
  const _ = tr(c);
  if (!rows.length) return <p class="muted">{_("portal.agents.no_figures")}</p>;
  return (
    <table>
      <Head
        cols={[
          ...(rank ? [_("portal.agents.rank")] : []),
          _("portal.agents.name"),
          _("portal.agents.team"),
          _("portal.agents.calls"),
          _("portal.agents.analysed"),
          _("portal.agents.avg_auto"),
          _("portal.agents.pass_rate"),
          _("portal.agents.critical_fails"),
          _("portal.agents.reviewed"),
        ]}
      />
      <tbody>
        {rows.map((r, i) => (
          <tr data-agent={r.agentId}>
            {rank ? <td>{r.avgScore == null ? "—" : i + 1}</td> : null}
            <td>
              <a href={`/agents/${encodeURIComponent(r.agentId)}`}>{r.name}</a>
            </td>
            <td>{r.team ?? "—"}</td>
            <td class="num">{r.calls}</td>
            <td class="num">{r.analysed}</td>
            <td class="num" data-col="avg">
              {score(c, r.avgScore)}
            </td>
            <td class="num" data-col="pass">
              {pct(c, r.passRate)}
            </td>
            <td class="num">{r.criticalFails}</td>
            <td class="num" data-col="reviewed">
              {r.reviewed ? `${score(c, r.reviewed.avg)} (${r.reviewed.n})` : "—"}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Weekly automatic scores as a small server-rendered SVG bar chart (no script). */
function WeeklyChart({
  c,
  weeks,
}: {
  c: PortalContext;
  weeks: Awaited<ReturnType<typeof agentTimeline>>["weeks"];
}) {
  const _ = tr(c);
  const scored = weeks.filter((w) => w.avgScore != null);
  if (!scored.length) return null;
  const W = 28;
  const H = 120;
  const width = weeks.length * W + 40;
  return (
    <svg
      role="img"
      aria-label={_("portal.me.chart_label")}
      viewBox={`0 0 ${width} ${H + 30}`}
      width={Math.min(width, 900)}
      height={H + 30}
    >
      <line x1="30" y1={H} x2={width} y2={H} stroke="#d0d7de" />
      <text x="0" y="10" font-size="10" fill="#57606a">
        100
      </text>
      <text x="0" y={H} font-size="10" fill="#57606a">
        0
      </text>
      {weeks.map((w, i) => {
        const h = w.avgScore == null ? 0 : (w.avgScore / 100) * (H - 5);
        return (
          <g>
            <title>{`${fmtDate(c, w.weekStart).split(" ")[0]} — ${score(c, w.avgScore)}`}</title>
            <rect x={34 + i * W} y={H - h} width={W - 8} height={h} fill="#0b57d0" />
            <text x={34 + i * W} y={H + 14} font-size="9" fill="#57606a">
              {w.avgScore == null ? "—" : Math.round(w.avgScore)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function TimelineTable({ c, tl }: { c: PortalContext; tl: Awaited<ReturnType<typeof agentTimeline>> }) {
  const _ = tr(c);
  return (
    <>
      <dl class="meta">
        <dt>{_("portal.agents.calls")}</dt>
        <dd data-total="calls">{tl.totals.calls}</dd>
        <dt>{_("portal.agents.analysed")}</dt>
        <dd data-total="analysed">{tl.totals.analysed}</dd>
        <dt>{_("portal.agents.avg_auto")}</dt>
        <dd data-total="avg">{score(c, tl.totals.avgScore)}</dd>
        <dt>{_("portal.agents.pass_rate")}</dt>
        <dd data-total="pass">{pct(c, tl.totals.passRate)}</dd>
      </dl>
      <WeeklyChart c={c} weeks={tl.weeks} />
      {tl.weeks.length ? (
        <table>
          <Head
            cols={[
              _("portal.me.week"),
              _("portal.agents.analysed"),
              _("portal.agents.avg_auto"),
              _("portal.agents.pass_rate"),
            ]}
          />
          <tbody>
            {tl.weeks.map((w) => (
              <tr>
                <td>
                  {new Intl.DateTimeFormat(c.get("locale") === "en" ? "en-GB" : "fr-FR", {
                    dateStyle: "medium",
                    timeZone: "UTC",
                  }).format(w.weekStart)}
                </td>
                <td class="num">{w.analysed}</td>
                <td class="num">{score(c, w.avgScore)}</td>
                <td class="num">{pct(c, w.passRate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}

function AgentFields({ c, v, prefix }: { c: PortalContext; v: Form; prefix: string }) {
  const _ = tr(c);
  return (
    <>
      <label for={`${prefix}-name`}>
        {_("portal.agents.name")}
        <input id={`${prefix}-name`} name="name" required maxlength={200} value={v.name ?? ""} />
      </label>
      <label for={`${prefix}-ext`}>
        {_("portal.agents.external_id")}
        <input
          id={`${prefix}-ext`}
          name="externalId"
          maxlength={200}
          value={v.externalId ?? ""}
          aria-describedby={`${prefix}-ext-help`}
        />
        <span id={`${prefix}-ext-help`} class="muted">
          {_("portal.agents.external_id_help")}
        </span>
      </label>
      <label for={`${prefix}-team`}>
        {_("portal.agents.team")}
        <input id={`${prefix}-team`} name="team" maxlength={100} value={v.team ?? ""} list="teams" />
      </label>
    </>
  );
}

// ---- Pages ----------------------------------------------------------------------------------

async function listPage(
  c: PortalContext,
  state: { error?: string | null; values?: Form } = {},
  status = 200,
) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const team = c.req.query("team")?.trim() || undefined;
  const cursor = c.req.query("cursor") || undefined;
  const [teams, page, links] = await Promise.all([
    listTeams(ctx),
    listAgents(ctx, { limit: 50, cursor, team }),
    roleAllows(actor.role, "members:read") ? listAgentLinks(ctx) : Promise.resolve(null),
  ]);
  const linked = new Map((links ?? []).filter((l) => l.agentId).map((l) => [l.agentId as string, l]));
  const canWrite = roleAllows(actor.role, "agents:write");
  return portalPage(
    c,
    { title: _("portal.agents.title"), error: state.error },
    <>
      <Style c={c} />
      <p>
        <a href="/agents/leaderboard">{_("portal.leaderboard.title")}</a> ·{" "}
        <a href="/agents/teams">{_("portal.teams.title")}</a>
      </p>
      <form method="get" action="/agents" class="filters" aria-label={_("portal.agents.filter")}>
        <label>
          {_("calls.filter.team")}
          <select name="team">
            <option value="">{_("portal.agents.all_teams")}</option>
            {teams.map((t) => (
              <option value={t} selected={t === team}>
                {t}
              </option>
            ))}
          </select>
        </label>{" "}
        <button type="submit">{_("portal.agents.show")}</button>
      </form>
      <TableOrNone
        none={_("portal.agents.none")}
        cols={[
          _("portal.agents.name"),
          _("portal.agents.external_id"),
          _("portal.agents.team"),
          ...(links ? [_("portal.agents.member")] : []),
        ]}
        rows={page.data.map((a) => (
          <tr>
            <td>
              <a href={`/agents/${encodeURIComponent(a.id)}`}>{a.name}</a>
            </td>
            <td>{a.externalId ? <code>{a.externalId}</code> : "—"}</td>
            <td>{a.team ?? "—"}</td>
            {links ? <td>{linked.get(a.id)?.email ?? "—"}</td> : null}
          </tr>
        ))}
      />
      <Pager
        c={c}
        newest={cursor ? `/agents${qs({ team })}` : null}
        next={page.nextCursor ? `/agents${qs({ team, cursor: page.nextCursor })}` : null}
      />
      {canWrite ? (
        <section aria-labelledby="new-agent-h">
          <h2 id="new-agent-h">{_("portal.agents.create")}</h2>
          <form method="post" action="/agents" class="stack">
            <AgentFields c={c} v={state.values ?? {}} prefix="new" />
            <datalist id="teams">
              {teams.map((t) => (
                <option value={t} />
              ))}
            </datalist>
            <button type="submit">{_("portal.agents.create_submit")}</button>
          </form>
        </section>
      ) : null}
    </>,
    status,
  );
}

async function agentPage(
  c: PortalContext,
  agentId: string,
  state: { error?: string | null; values?: Form } = {},
  status = 200,
) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const agent = await getAgent(ctx, agentId);
  const canWrite = roleAllows(actor.role, "agents:write");
  const canLink = roleAllows(actor.role, "members:manage");
  const [teams, links, linked] = await Promise.all([
    canWrite ? listTeams(ctx) : Promise.resolve([]),
    canLink ? listAgentLinks(ctx) : Promise.resolve([] as AgentLink[]),
    roleAllows(actor.role, "members:read") ? memberOfAgent(ctx, agent.id) : Promise.resolve(null),
  ]);
  const r = await withPeriod(c, null, (p) => agentTimeline(ctx, agent.id, p.period));
  const v: Form = state.values ?? {
    name: agent.name,
    externalId: agent.externalId ?? "",
    team: agent.team ?? "",
  };
  return portalPage(
    c,
    { title: agent.name, error: state.error ?? r.error },
    <>
      <Style c={c} />
      <p>
        <a href="/agents">{_("portal.agents.back")}</a>
        {roleAllows(actor.role, "calls:read") ? (
          <>
            {" · "}
            <a href={`/calls${qs({ agentId: agent.id })}`}>{_("portal.agents.their_calls")}</a>
          </>
        ) : null}
      </p>
      <dl class="meta">
        <dt>{_("portal.agents.external_id")}</dt>
        <dd>{agent.externalId ?? "—"}</dd>
        <dt>{_("portal.agents.team")}</dt>
        <dd>{agent.team ? <a href={`/agents/teams${qs({ team: agent.team })}`}>{agent.team}</a> : "—"}</dd>
        {roleAllows(actor.role, "members:read") ? (
          <>
            <dt>{_("portal.agents.member")}</dt>
            <dd>{linked ? `${linked.name} <${linked.email}>` : "—"}</dd>
          </>
        ) : null}
      </dl>
      <section aria-labelledby="fig-h">
        <h2 id="fig-h">{_("portal.agents.figures")}</h2>
        <p class="muted">{_("portal.agents.auto_note")}</p>
        <PeriodForm c={c} action={`/agents/${encodeURIComponent(agent.id)}`} p={r.p} />
        {r.value ? <TimelineTable c={c} tl={r.value} /> : null}
      </section>
      {canWrite ? (
        <section aria-labelledby="edit-agent-h">
          <h2 id="edit-agent-h">{_("portal.agents.edit")}</h2>
          <form method="post" action={`/agents/${encodeURIComponent(agent.id)}`} class="stack">
            <AgentFields c={c} v={v} prefix="edit" />
            <datalist id="teams">
              {teams.map((t) => (
                <option value={t} />
              ))}
            </datalist>
            <button type="submit">{_("portal.agents.edit_submit")}</button>
          </form>
        </section>
      ) : null}
      {canLink ? (
        <section aria-labelledby="link-h">
          <h2 id="link-h">{_("portal.agents.link")}</h2>
          <p class="muted">{_("portal.agents.link_help")}</p>
          <form method="post" action={`/agents/${encodeURIComponent(agent.id)}/member`} class="stack">
            <label for="membershipId">
              {_("portal.agents.member")}
              <select id="membershipId" name="membershipId">
                <option value="">{_("portal.agents.nobody")}</option>
                {links
                  .filter((l) => !l.agentId || l.agentId === agent.id)
                  .map((l) => (
                    <option value={l.membershipId} selected={l.agentId === agent.id}>
                      {`${l.name} <${l.email}> — ${_(`role.${l.role as "agent"}`)}`}
                    </option>
                  ))}
              </select>
            </label>
            <button type="submit">{_("portal.agents.link_submit")}</button>
          </form>
        </section>
      ) : null}
    </>,
    status,
  );
}

function agentInput(f: Form) {
  if (!f.name?.trim()) throw invalid("error.field_required", "/name");
  return { name: f.name.trim(), externalId: orNull(f.externalId), team: orNull(f.team) };
}

export function registerAgents(app: Hono<AppEnv>) {
  const read = access({ kind: "portal", perm: "agents:read" });
  const write = access({ kind: "portal", perm: "agents:write" });
  const link = access({ kind: "portal", perm: "members:manage" });

  app.get("/agents", read, (c) => listPage(c));

  app.post("/agents", write, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const a = await createAgent(userCtx(c).ctx, agentInput(f));
        return c.redirect(doneUrl(`/agents/${encodeURIComponent(a.id)}`, "agent_created"), 303);
      },
      (error, status) => listPage(c, { error, values: f }, status),
      { fields: tr(c)("portal.agents.name") },
    );
  });

  // Static paths before `/agents/:agentId`.
  app.get("/agents/leaderboard", read, async (c) => {
    const _ = tr(c);
    const { ctx } = userCtx(c);
    const team = c.req.query("team")?.trim() || undefined;
    const teams = await listTeams(ctx);
    const r = await withPeriod(c, [] as AgentFigures[], (p) =>
      agentFigures(ctx, { ...p.period, team, includeIdle: false }),
    );
    return portalPage(
      c,
      { title: _("portal.leaderboard.title"), error: r.error },
      <>
        <Style c={c} />
        <p class="muted">{_("portal.leaderboard.intro")}</p>
        <PeriodForm c={c} action="/agents/leaderboard" p={r.p} teams={teams} team={team} />
        <FiguresTable c={c} rows={r.value} rank={true} />
        <p class="muted">{_("portal.agents.reviewed_note")}</p>
      </>,
      r.status,
    );
  });

  app.get("/agents/teams", read, async (c) => {
    const _ = tr(c);
    const { ctx } = userCtx(c);
    const teams = await listTeams(ctx);
    const team = c.req.query("team")?.trim() || teams[0];
    const r = await withPeriod(c, [] as AgentFigures[], async (p) =>
      team ? agentFigures(ctx, { ...p.period, team }) : [],
    );
    const totals = r.value.reduce(
      (t, a) => ({ calls: t.calls + a.calls, analysed: t.analysed + a.analysed }),
      {
        calls: 0,
        analysed: 0,
      },
    );
    return portalPage(
      c,
      { title: team ? _("portal.teams.title_team", { team }) : _("portal.teams.title"), error: r.error },
      <>
        <Style c={c} />
        <PeriodForm c={c} action="/agents/teams" p={r.p} teams={teams} team={team} />
        {!team ? (
          <p class="muted">{_("portal.teams.none")}</p>
        ) : (
          <>
            <p>
              {_("portal.teams.summary", {
                agents: r.value.length,
                calls: totals.calls,
                analysed: totals.analysed,
              })}
            </p>
            <FiguresTable c={c} rows={r.value} rank={false} />
          </>
        )}
      </>,
      r.status,
    );
  });

  app.get("/agents/:agentId", read, (c) => agentPage(c, c.req.param("agentId")));

  app.post("/agents/:agentId", write, async (c) => {
    const id = c.req.param("agentId");
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        await updateAgent(userCtx(c).ctx, id, agentInput(f));
        return c.redirect(doneUrl(`/agents/${encodeURIComponent(id)}`, "agent_saved"), 303);
      },
      (error, status) => agentPage(c, id, { error, values: f }, status),
      { fields: tr(c)("portal.agents.name") },
    );
  });

  app.post("/agents/:agentId/member", link, async (c) => {
    const id = c.req.param("agentId");
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const { ctx } = userCtx(c);
        await getAgent(ctx, id); // another tenant's agent: 404
        const current = await memberOfAgent(ctx, id);
        const target = (f.membershipId ?? "").trim();
        if (current && current.membershipId !== target)
          await linkMemberToAgent(ctx, current.membershipId, null);
        if (target && current?.membershipId !== target) await linkMemberToAgent(ctx, target, id);
        return c.redirect(doneUrl(`/agents/${encodeURIComponent(id)}`, "agent_linked"), 303);
      },
      (error, status) => agentPage(c, id, { error }, status),
    );
  });

  /** The agent's own view (D3): their figures and calls; nobody else's, whatever the query says. */
  app.get("/me", access({ kind: "portal", perm: null }), async (c) => {
    const _ = tr(c);
    const { ctx, actor } = userCtx(c);
    if (!actor.agentId)
      return portalPage(c, { title: _("portal.me.title") }, <p class="muted">{_("portal.me.no_agent")}</p>);
    const agentId = actor.agentId;
    const r = await withPeriod(c, null, async (p) => ({
      tl: await agentTimeline(ctx, agentId, p.period),
      calls: await agentCalls(ctx, agentId, p.period),
    }));
    const agent = await getAgent(ctx, agentId).catch(() => null);
    return portalPage(
      c,
      { title: _("portal.me.title"), error: r.error },
      <>
        <Style c={c} />
        <p>{_("portal.me.intro", { name: agent?.name ?? "" })}</p>
        <p class="muted">{_("portal.agents.auto_note")}</p>
        <PeriodForm c={c} action="/me" p={r.p} />
        {r.value ? (
          <>
            <TimelineTable c={c} tl={r.value.tl} />
            <h2>{_("portal.me.calls")}</h2>
            <TableOrNone
              none={_("portal.me.no_calls")}
              cols={[_("portal.me.call_date"), _("portal.agents.avg_auto"), _("portal.me.result")]}
              rows={r.value.calls.data.map((k) => (
                <tr>
                  <td>
                    <a href={`/calls/${encodeURIComponent(k.id)}`}>{fmtDate(c, k.startedAt)}</a>
                  </td>
                  <td class="num">{score(c, k.score)}</td>
                  <td>
                    {k.passed == null
                      ? "—"
                      : k.passed
                        ? _("portal.rubric.verdict.pass")
                        : _("portal.rubric.verdict.fail")}
                  </td>
                </tr>
              ))}
            />
            {r.value.calls.more ? (
              <p>
                <a href={`/calls${qs({ from: r.p.from, to: r.p.to })}`}>{_("portal.me.all_calls")}</a>
              </p>
            ) : null}
          </>
        ) : null}
      </>,
      r.status,
    );
  });
}
