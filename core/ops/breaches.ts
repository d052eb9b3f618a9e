import { and, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { type Breach, breaches, breachNotifications, tenants } from "../../db/schema/control";
import { tenantAdminContacts } from "../identity/members";
import { appendAudit } from "../platform/audit";
import { newId } from "../platform/crypto";
import { ApiError, notFound } from "../platform/errors";
import { formatDateTime, type Locale, t } from "../platform/i18n";
import { sendMail } from "../platform/mail";
import type { OperatorRef } from "./support";

/**
 * Breach register (I9). Operators record an incident with the facts GDPR art. 33(3) asks for;
 * every affected tenant's owners and admins are mailed at once (the outbox), so each tenant — the
 * controller of its call data — can notify its supervisory authority within 72 hours. The time of
 * each tenant's notification is kept, and the register shows how long after discovery it went out.
 */

const ms = z.coerce.number().int().min(0);
export const breachSchema = z
  .object({
    title: z.string().trim().min(3).max(200),
    description: z.string().trim().min(1).max(5000),
    occurredAt: ms,
    discoveredAt: ms,
    dataCategories: z.string().trim().min(1).max(1000),
    approxSubjects: z.coerce.number().int().min(0).nullable().default(null),
    approxRecords: z.coerce.number().int().min(0).nullable().default(null),
    consequences: z.string().trim().min(1).max(5000),
    measures: z.string().trim().min(1).max(5000),
    contact: z.string().trim().min(3).max(500),
    tenantIds: z.array(z.string().min(1).max(64)).max(10_000).default([]),
  })
  .refine((b) => b.discoveredAt >= b.occurredAt, {
    message: "discovered before it occurred",
    path: ["discoveredAt"],
  });
export type BreachInput = z.input<typeof breachSchema>;

function opAudit(env: Env, op: OperatorRef, action: string, breachId: string, meta?: Record<string, number>) {
  return appendAudit(env, {
    tenantId: null,
    actor: { type: "operator", id: op.id, sessionId: op.sessionId, email: op.email },
    action,
    targetType: "breach",
    targetId: breachId,
    ip: op.ip,
    userAgent: op.userAgent,
    meta,
  });
}

export async function recordBreach(env: Env, op: OperatorRef, raw: BreachInput) {
  const input = breachSchema.parse(raw);
  await assertTenants(env, input.tenantIds);
  const now = Date.now();
  const b: Breach = {
    id: newId("brc"),
    title: input.title,
    description: input.description,
    occurredAt: input.occurredAt,
    discoveredAt: input.discoveredAt,
    dataCategories: input.dataCategories,
    approxSubjects: input.approxSubjects,
    approxRecords: input.approxRecords,
    consequences: input.consequences,
    measures: input.measures,
    contact: input.contact,
    status: "open",
    createdBy: op.id,
    createdAt: now,
    updatedAt: now,
  };
  await controlDb(env).insert(breaches).values(b);
  await opAudit(env, op, "operator.breach_recorded", b.id);
  const notified = await notifyTenants(env, op, b, input.tenantIds);
  return { breach: b, notified };
}

/** Add affected tenants to a breach: each is notified once (again → no second mail). */
export async function addAffectedTenants(env: Env, op: OperatorRef, breachId: string, tenantIds: string[]) {
  const b = await controlDb(env).query.breaches.findFirst({ where: eq(breaches.id, breachId) });
  if (!b) throw notFound("Breach");
  return notifyTenants(env, op, b, tenantIds);
}

export async function setBreachStatus(env: Env, op: OperatorRef, breachId: string, status: string) {
  if (status !== "open" && status !== "contained" && status !== "closed")
    throw new ApiError("validation_failed", "unknown status");
  const r = await controlDb(env)
    .update(breaches)
    .set({ status, updatedAt: Date.now() })
    .where(eq(breaches.id, breachId))
    .returning();
  if (!r.length) throw notFound("Breach");
  await opAudit(env, op, "operator.breach_status", breachId);
}

/** The mail body: every art. 33(3) field, in the recipient's language. */
export function breachMail(b: Breach, locale: Locale, tenantName: string, timeZone: string) {
  const n = (v: number | null) => (v === null ? t(locale, "breach.mail.unknown") : String(v));
  return {
    subject: t(locale, "breach.mail.subject", { title: b.title }),
    text: t(locale, "breach.mail.body", {
      tenant: tenantName,
      title: b.title,
      description: b.description,
      occurredAt: formatDateTime(locale, b.occurredAt, timeZone),
      discoveredAt: formatDateTime(locale, b.discoveredAt, timeZone),
      categories: b.dataCategories,
      subjects: n(b.approxSubjects),
      records: n(b.approxRecords),
      consequences: b.consequences,
      measures: b.measures,
      contact: b.contact,
    }),
  };
}

async function assertTenants(env: Env, ids: string[]) {
  const wanted = [...new Set(ids)];
  for (let i = 0; i < wanted.length; i += 90) {
    const chunk = wanted.slice(i, i + 90);
    const found = await controlDb(env)
      .select({ id: tenants.id })
      .from(tenants)
      .where(inArray(tenants.id, chunk));
    const missing = chunk.filter((id) => !found.some((f) => f.id === id));
    if (missing.length)
      throw new ApiError("validation_failed", `unknown tenants: ${missing.join(", ")}`, {
        errors: [{ pointer: "/tenantIds", detail: "unknown tenant" }],
      });
  }
}

async function notifyTenants(env: Env, op: OperatorRef, b: Breach, ids: string[]) {
  await assertTenants(env, ids);
  const db = controlDb(env);
  const wanted = [...new Set(ids)];
  let notified = 0;
  for (let i = 0; i < wanted.length; i += 90) {
    const chunk = wanted.slice(i, i + 90);
    const found = await db.select().from(tenants).where(inArray(tenants.id, chunk));
    const already = await db
      .select({ tenantId: breachNotifications.tenantId })
      .from(breachNotifications)
      .where(and(eq(breachNotifications.breachId, b.id), inArray(breachNotifications.tenantId, chunk)));
    for (const tenant of found) {
      if (already.some((a) => a.tenantId === tenant.id)) continue;
      const admins = await tenantAdminContacts(env, tenant.id);
      for (const a of admins) {
        const locale = (a.locale ?? tenant.defaultLocale) as Locale;
        const m = breachMail(b, locale, tenant.name, tenant.timeZone);
        await sendMail(env, { to: a.email, tenantId: tenant.id, kind: "breach.notification", locale, ...m });
      }
      const now = Date.now();
      await db
        .insert(breachNotifications)
        .values({
          id: newId("bnt"),
          breachId: b.id,
          tenantId: tenant.id,
          recipients: admins.length,
          notifiedAt: now,
        })
        .onConflictDoNothing();
      await appendAudit(env, {
        tenantId: tenant.id,
        actor: { type: "operator", id: op.id, sessionId: op.sessionId, email: op.email },
        action: "breach.notified",
        targetType: "breach",
        targetId: b.id,
        ip: op.ip,
        userAgent: op.userAgent,
        meta: { recipients: admins.length },
      });
      notified++;
    }
  }
  if (notified) await opAudit(env, op, "operator.breach_notified", b.id, { tenants: notified });
  return notified;
}

export async function listBreaches(env: Env) {
  return controlDb(env).select().from(breaches).orderBy(desc(breaches.discoveredAt)).limit(200);
}

export async function getBreach(env: Env, id: string) {
  const db = controlDb(env);
  const b = await db.query.breaches.findFirst({ where: eq(breaches.id, id) });
  if (!b) throw notFound("Breach");
  const notes = await db
    .select({ n: breachNotifications, name: tenants.name })
    .from(breachNotifications)
    // Left join: a tenant whose contract ended keeps its notification row under a pseudonym
    // (core/governance/contract-end.ts); the register still shows when it was told, not who it was.
    .leftJoin(tenants, eq(tenants.id, breachNotifications.tenantId))
    .where(eq(breachNotifications.breachId, id))
    .orderBy(breachNotifications.notifiedAt);
  return {
    breach: b,
    notifications: notes.map((x) => ({
      tenantId: x.name === null ? null : x.n.tenantId,
      /** null: the tenant's contract has ended (its identifier was removed). */
      tenantName: x.name,
      recipients: x.n.recipients,
      notifiedAt: x.n.notifiedAt,
      /** Hours between discovery and this tenant's notification (target ≤ 24). */
      delayHours: Math.round(((x.n.notifiedAt - b.discoveredAt) / 3_600_000) * 10) / 10,
    })),
  };
}

/** The breaches a tenant was told about (its admins' view and API). */
export async function breachesForTenant(env: Env, tenantId: string) {
  const rows = await controlDb(env)
    .select({ b: breaches, notifiedAt: breachNotifications.notifiedAt })
    .from(breachNotifications)
    .innerJoin(breaches, eq(breaches.id, breachNotifications.breachId))
    .where(eq(breachNotifications.tenantId, tenantId))
    .orderBy(desc(breachNotifications.notifiedAt));
  return rows.map(({ b, notifiedAt }) => ({
    id: b.id,
    title: b.title,
    description: b.description,
    occurredAt: new Date(b.occurredAt).toISOString(),
    discoveredAt: new Date(b.discoveredAt).toISOString(),
    dataCategories: b.dataCategories,
    approxSubjects: b.approxSubjects,
    approxRecords: b.approxRecords,
    consequences: b.consequences,
    measures: b.measures,
    contact: b.contact,
    status: b.status,
    notifiedAt: new Date(notifiedAt).toISOString(),
  }));
}
