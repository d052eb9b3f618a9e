import { and, asc, eq, inArray, lt, ne, sql } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { auditReads } from "../../db/schema/control";
import { type AuditInput, appendAudit, audit } from "./audit";
import { type Actor, actorId, type Ctx } from "./context";
import { enqueueJob } from "./jobs";

/**
 * Audit truth for reads (SPEC I2): who read which transcripts and analyses, who opened which call.
 *
 * Appending to a tenant's hash chain serialises its writers (read the tip, insert seq + 1), so one
 * entry per read would make every API read of a busy tenant queue behind the others. Instead:
 * - an API read (`transcript.read`, `analysis.read`) is one upsert into `audit_reads` (actor,
 *   action, hour, object → count), never touching the chain; once the hour is over, the
 *   10-minute cron (and queue continuations) writes one chain entry per actor, action and hour
 *   with the number of reads and the ids — one entry per 20 objects for a reader of more;
 * - a call-page view is audited at once (`call.viewed`, target = the call), but only the first
 *   view per person, call and UTC day: the same upsert, keyed by day, tells whether it is.
 * Delivery into the chain is at least once: a run killed between writing an entry and deleting
 * its rows writes it again on the next run.
 */
export type ReadAction = "transcript.read" | "analysis.read";
export const VIEW_ACTION = "call.viewed";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** The audit's limit for one meta value; ids are space-separated within it. */
const IDS_CHARS = 500;
const ROWS_PER_ENTRY = 20;
/** Chain entries per invocation (each costs about four queries: D1 allows 1,000). */
const ENTRIES_PER_RUN = 50;
const SETTLE_MS = 60_000;

async function mark(ctx: Ctx, action: string, period: number, targetId: string, now: number) {
  const [row] = await controlDb(ctx.env)
    .insert(auditReads)
    .values({
      tenantId: ctx.tenant.id,
      actorType: ctx.actor.type,
      actorId: actorId(ctx.actor) ?? "system",
      action,
      period,
      targetId,
      count: 1,
      ip: ctx.ip,
      userAgent: ctx.userAgent?.slice(0, 300) ?? null,
      firstAt: now,
      lastAt: now,
    })
    .onConflictDoUpdate({
      target: [
        auditReads.tenantId,
        auditReads.actorType,
        auditReads.actorId,
        auditReads.action,
        auditReads.period,
        auditReads.targetId,
      ],
      set: { count: sql`${auditReads.count} + 1`, lastAt: now },
    })
    .returning({ count: auditReads.count });
  return row.count;
}

/** An API read of a call's transcript or analysis: counted now, in the chain after the hour. */
export async function recordRead(ctx: Ctx, action: ReadAction, callId: string, now = Date.now()) {
  await mark(ctx, action, now - (now % HOUR_MS), callId, now);
}

/** A call's page opened: audited on the first view of the day by this person. */
export async function recordCallView(ctx: Ctx, callId: string, now = Date.now()) {
  const n = await mark(ctx, VIEW_ACTION, now - (now % DAY_MS), callId, now);
  if (n === 1) await audit(ctx, VIEW_ACTION, { targetType: "call", targetId: callId, ts: now });
}

type Row = typeof auditReads.$inferSelect;
const sameGroup = (a: Row, b: Row) =>
  a.tenantId === b.tenantId &&
  a.actorType === b.actorType &&
  a.actorId === b.actorId &&
  a.action === b.action &&
  a.period === b.period;

/** The next entry's rows: one group (actor, action, hour), ids within one meta value. */
function entryRows(rows: Row[]): Row[] {
  const out: Row[] = [];
  let chars = -1;
  for (const r of rows) {
    if (!sameGroup(r, rows[0]) || chars + 1 + r.targetId.length > IDS_CHARS) break;
    out.push(r);
    chars += 1 + r.targetId.length;
  }
  return out.length ? out : rows.slice(0, 1);
}

function entryOf(rows: Row[], now: number): AuditInput {
  const g = rows[0];
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    tenantId: g.tenantId,
    // Only type and id are stored; the rest of an Actor is not needed to attribute the reads.
    actor: { type: g.actorType, id: g.actorId } as Actor,
    action: g.action,
    targetType: "call",
    targetId: rows.length === 1 ? g.targetId : undefined,
    ip: g.ip,
    userAgent: g.userAgent,
    ts: now,
    meta: {
      hour: iso(g.period),
      reads: rows.reduce((n, r) => n + r.count, 0),
      callCount: rows.length,
      callIds: rows
        .map((r) => r.targetId)
        .join(" ")
        .slice(0, IDS_CHARS),
      firstReadAt: iso(Math.min(...rows.map((r) => r.firstAt))),
      lastReadAt: iso(Math.max(...rows.map((r) => r.lastAt))),
    },
  };
}

/**
 * Writes the reads of every ended hour into the chains (bounded per call; `more` when rows are
 * left) and drops the page-view marks of past days.
 */
export async function flushReads(
  env: Env,
  now = Date.now(),
  maxEntries = ENTRIES_PER_RUN,
): Promise<{ entries: number; more: boolean }> {
  const db = controlDb(env);
  await db
    .delete(auditReads)
    .where(and(eq(auditReads.action, VIEW_ACTION), lt(auditReads.period, now - (now % DAY_MS))));
  // Hours that ended a minute ago at least: a read racing the hour's end is in before its flush.
  const ended = now - SETTLE_MS - ((now - SETTLE_MS) % HOUR_MS);
  for (let entries = 0; entries < maxEntries; entries++) {
    const next = await db
      .select()
      .from(auditReads)
      .where(and(lt(auditReads.period, ended), ne(auditReads.action, VIEW_ACTION)))
      .orderBy(
        asc(auditReads.period),
        asc(auditReads.tenantId),
        asc(auditReads.actorType),
        asc(auditReads.actorId),
        asc(auditReads.action),
        asc(auditReads.targetId),
      )
      .limit(ROWS_PER_ENTRY);
    if (!next.length) return { entries, more: false };
    const rows = entryRows(next);
    await appendAudit(env, entryOf(rows, now));
    const g = rows[0];
    await db.delete(auditReads).where(
      and(
        eq(auditReads.tenantId, g.tenantId),
        eq(auditReads.actorType, g.actorType),
        eq(auditReads.actorId, g.actorId),
        eq(auditReads.action, g.action),
        eq(auditReads.period, g.period),
        inArray(
          auditReads.targetId,
          rows.map((r) => r.targetId),
        ),
      ),
    );
  }
  return { entries: maxEntries, more: true };
}

/** Cron and queue step: one bounded flush, continued through the jobs queue while rows are left. */
export async function flushReadsStep(env: Env, now = Date.now()): Promise<void> {
  const r = await flushReads(env, now);
  if (r.more) await enqueueJob(env, { type: "audit.reads.flush" });
}
