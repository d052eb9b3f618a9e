import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { controlDb } from "../../db/client";
import {
  apiKeys,
  type Job,
  memberships,
  type Notice,
  notices,
  tenants,
  users,
} from "../../db/schema/control";
import type { Ctx } from "./context";
import { newId } from "./crypto";
import { isLocale, type Locale, t } from "./i18n";
import { sendMail } from "./mail";

/**
 * What the portal promises to tell people, kept: an in-app notice (listed on /notices, counted in
 * the header) and a mail, in each person's language. Only ids and a portal link are stored.
 */
export type NoticeKind = Notice["kind"];

interface Recipient {
  userId: string;
  email: string;
  locale: string | null;
}

async function recipients(env: Env, tenantId: string, where: ReturnType<typeof and>): Promise<Recipient[]> {
  return controlDb(env)
    .select({ userId: users.id, email: users.email, locale: users.locale })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenantId), isNull(users.disabledAt), where));
}

/** The members linked to an agent (the people whose calls they are). */
export const membersOfAgent = (env: Env, tenantId: string, agentId: string) =>
  recipients(env, tenantId, and(eq(memberships.agentId, agentId)));

/**
 * Who hears of a dispute: the supervisors (they resolve it); a tenant without any (active) supervisor
 * falls back to its admins, then to its owner — a dispute is never sent to nobody.
 */
export async function disputeHandlersOf(env: Env, tenantId: string): Promise<Recipient[]> {
  for (const role of ["supervisor", "admin", "owner"] as const) {
    const to = await recipients(env, tenantId, and(eq(memberships.role, role)));
    if (to.length) return to;
  }
  return [];
}

/** Whoever started a job: the user, or the creator of the API key that did. */
async function starterOf(env: Env, job: Job): Promise<Recipient[]> {
  if (!job.tenantId || !job.createdBy) return [];
  const key = await controlDb(env).query.apiKeys.findFirst({ where: eq(apiKeys.id, job.createdBy) });
  return recipients(env, job.tenantId, and(eq(memberships.userId, key?.createdBy ?? job.createdBy)));
}

export async function notify(
  env: Env,
  n: { tenantId: string; to: Recipient[]; kind: NoticeKind; params: Record<string, string>; link: string },
  now = Date.now(),
): Promise<void> {
  if (!n.to.length) return;
  const tenant = await controlDb(env).query.tenants.findFirst({ where: eq(tenants.id, n.tenantId) });
  const fallback: Locale = tenant?.defaultLocale ?? "fr";
  const url = new URL(n.link, env.APP_URL).href;
  await controlDb(env)
    .insert(notices)
    .values(
      n.to.map((r) => ({
        id: newId("ntc"),
        tenantId: n.tenantId,
        userId: r.userId,
        kind: n.kind,
        params: n.params,
        link: n.link,
        createdAt: now,
      })),
    );
  for (const r of n.to) {
    const locale: Locale = isLocale(r.locale) ? r.locale : fallback;
    const params = { ...n.params, ...localParams(locale, n.params), tenant: tenant?.name ?? "", url };
    await sendMail(env, {
      to: r.email,
      tenantId: n.tenantId,
      kind: `notice.${n.kind}`,
      locale,
      subject: t(locale, `notice.mail.${n.kind}.subject`, params),
      text: t(locale, `notice.mail.${n.kind}.body`, params),
    });
  }
}

/** A job kind in words (the stored param is the code). */
function localParams(locale: Locale, p: Record<string, string>): Record<string, string> {
  return p.job ? { jobName: t(locale, `notice.job.${p.job as NotifiedJob}`) } : {};
}

/** Long jobs someone waits for; the others (daily purge, statistics, contract end) are not asked for. */
export const NOTIFIED_JOBS = [
  "location_migration",
  "tenant_export",
  "tenant_restore",
  "privacy_export",
] as const;
type NotifiedJob = (typeof NOTIFIED_JOBS)[number];
const JOB_LINKS: Record<NotifiedJob, string> = {
  location_migration: "/governance",
  tenant_export: "/security",
  tenant_restore: "/security",
  privacy_export: "/privacy",
};

/** Called once a job is done or failed (core/platform/jobs.ts). */
export async function notifyJobEnded(env: Env, job: Job, status: "done" | "failed"): Promise<void> {
  if (!job.tenantId || !(NOTIFIED_JOBS as readonly string[]).includes(job.kind)) return;
  await notify(env, {
    tenantId: job.tenantId,
    to: await starterOf(env, job),
    kind: status === "done" ? "job_done" : "job_failed",
    params: { job: job.kind, jobId: job.id },
    link: JOB_LINKS[job.kind as NotifiedJob],
  });
}

// ---- The person's own list ------------------------------------------------------------------

function mine(ctx: Ctx) {
  const userId = ctx.actor.type === "user" ? ctx.actor.id : "";
  return and(eq(notices.userId, userId), eq(notices.tenantId, ctx.tenant.id));
}

export function listNotices(ctx: Ctx, limit = 50) {
  return controlDb(ctx.env)
    .select()
    .from(notices)
    .where(mine(ctx))
    .orderBy(desc(notices.createdAt))
    .limit(limit);
}

export async function unreadNotices(ctx: Ctx): Promise<number> {
  if (ctx.actor.type !== "user") return 0;
  const [row] = await controlDb(ctx.env)
    .select({ n: sql<number>`count(*)` })
    .from(notices)
    .where(and(mine(ctx), isNull(notices.readAt)));
  return Number(row?.n ?? 0);
}

export async function markNoticesRead(ctx: Ctx, now = Date.now()): Promise<void> {
  await controlDb(ctx.env)
    .update(notices)
    .set({ readAt: now })
    .where(and(mine(ctx), isNull(notices.readAt)));
}

/** The notice's sentence in the reader's language. */
export function noticeText(locale: Locale, n: Notice): string {
  return t(locale, `notice.${n.kind}`, { ...n.params, ...localParams(locale, n.params) });
}
