import { and, desc, eq, gte, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import {
  ABUSE_KINDS,
  type AbuseKind,
  abuseEvents,
  abuseSettings,
  apiKeyNetworks,
  operators,
  securityAlerts,
  tenants,
} from "../../db/schema/control";
import { appendAudit, auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError, notFound } from "../platform/errors";
import { type Locale, t } from "../platform/i18n";
import { sendMail } from "../platform/mail";
import { tenantAdminContacts } from "./members";
import { limiter } from "./rate-limiter";

/**
 * Abuse detection (I5). Counted events in a sliding window per tenant; when a count reaches the
 * tenant's threshold, one alert per kind and window is raised: stored (portal and console), mailed
 * to the tenant's owners and admins and to the operators, and audited. An API key used from a
 * network (IPv4 /24, IPv6 /48) it never used before raises an alert at once.
 *
 * Events: `mass_export` (recording/transcript downloads through the API, export files),
 * `mass_deletion` (calls deleted), `failed_logins` (wrong passwords on the tenant's accounts).
 */

export type CountedKind = Exclude<AbuseKind, "new_network" | "key_failures">;
export const COUNTED_KINDS = [
  "mass_export",
  "mass_deletion",
  "failed_logins",
] as const satisfies CountedKind[];
export const DEFAULT_THRESHOLDS: Record<CountedKind, number> = {
  mass_export: 200,
  mass_deletion: 200,
  failed_logins: 25,
};
export const DEFAULT_WINDOW_MINUTES = 60;

export const abuseSettingsSchema = z.object({
  thresholds: z
    .object({
      mass_export: z.coerce.number().int().min(1).max(1_000_000).optional(),
      mass_deletion: z.coerce.number().int().min(1).max(1_000_000).optional(),
      failed_logins: z.coerce.number().int().min(3).max(100_000).optional(),
    })
    .strict(),
  windowMinutes: z.coerce.number().int().min(5).max(1440).default(DEFAULT_WINDOW_MINUTES),
});

export async function getAbuseSettings(env: Env, tenantId: string) {
  const row = await controlDb(env).query.abuseSettings.findFirst({
    where: eq(abuseSettings.tenantId, tenantId),
  });
  return {
    thresholds: { ...DEFAULT_THRESHOLDS, ...(row?.thresholds ?? {}) } as Record<CountedKind, number>,
    windowMinutes: row?.windowMinutes ?? DEFAULT_WINDOW_MINUTES,
  };
}

export async function updateAbuseSettings(ctx: Ctx, raw: z.input<typeof abuseSettingsSchema>) {
  const input = abuseSettingsSchema.parse(raw);
  const current = await getAbuseSettings(ctx.env, ctx.tenant.id);
  const thresholds = { ...current.thresholds, ...input.thresholds };
  await controlDb(ctx.env)
    .insert(abuseSettings)
    .values({
      tenantId: ctx.tenant.id,
      thresholds,
      windowMinutes: input.windowMinutes,
      updatedAt: Date.now(),
    })
    .onConflictDoUpdate({
      target: abuseSettings.tenantId,
      set: { thresholds, windowMinutes: input.windowMinutes, updatedAt: Date.now() },
    });
  await auditCtx(ctx, "security.abuse_thresholds_changed", "tenant", ctx.tenant.id, {
    ...thresholds,
    windowMinutes: input.windowMinutes,
  });
  return { thresholds, windowMinutes: input.windowMinutes };
}

/**
 * Count `n` events of a kind for a tenant; raise the window's alert when the sum reaches the
 * threshold. Never throws: detection must not break the action it watches.
 */
export async function recordAbuseEvent(
  env: Env,
  tenantId: string,
  kind: CountedKind,
  n = 1,
  now = Date.now(),
) {
  if (n <= 0) return;
  try {
    const db = controlDb(env);
    const s = await getAbuseSettings(env, tenantId);
    const windowMs = s.windowMinutes * 60_000;
    await db.insert(abuseEvents).values({ id: newId("abe"), tenantId, kind, count: n, at: now });
    const [{ total }] = await db
      .select({ total: sql<number>`coalesce(sum(${abuseEvents.count}), 0)` })
      .from(abuseEvents)
      .where(
        and(
          eq(abuseEvents.tenantId, tenantId),
          eq(abuseEvents.kind, kind),
          gte(abuseEvents.at, now - windowMs),
        ),
      );
    if (total >= s.thresholds[kind])
      await raiseAlert(env, tenantId, kind, `${tenantId}:${kind}:${Math.floor(now / windowMs)}`, {
        count: total,
        threshold: s.thresholds[kind],
        windowMinutes: s.windowMinutes,
      });
  } catch (err) {
    console.error(
      JSON.stringify({ level: "error", msg: "abuse detection failed", kind, error: String(err) }),
    );
  }
}

/** IPv4 → a.b.c.0/24; IPv6 → first three groups /48. */
export function networkOf(ip: string): string {
  if (ip.includes(":")) {
    const full = ip.split("::")[0].split(":");
    return `${full.slice(0, 3).join(":")}::/48`;
  }
  const p = ip.split(".");
  return p.length === 4 ? `${p[0]}.${p[1]}.${p[2]}.0/24` : ip;
}

/** Called when an API key is seen from an address other than its last one. */
export async function checkApiKeyNetwork(env: Env, tenantId: string, keyId: string, ip: string | null) {
  if (!ip) return;
  try {
    const db = controlDb(env);
    const network = networkOf(ip);
    const inserted = await db
      .insert(apiKeyNetworks)
      .values({ keyId, network, tenantId, firstSeenAt: Date.now() })
      .onConflictDoNothing()
      .returning();
    if (!inserted.length) return;
    const [{ n }] = await db
      .select({ n: sql<number>`count(*)` })
      .from(apiKeyNetworks)
      .where(eq(apiKeyNetworks.keyId, keyId));
    // The first network a key is used from is its home, not news.
    if (n > 1)
      await raiseAlert(env, tenantId, "new_network", `${keyId}:${network}`, { apiKeyId: keyId, network });
  } catch (err) {
    console.error(JSON.stringify({ level: "error", msg: "network check failed", error: String(err) }));
  }
}

/**
 * Failed API-key authentications per client address (I5): a sliding minute in the RateLimiter
 * Durable Object (exact across isolates). At the limit the address's failures answer 429 with
 * Retry-After until the window ends, and a platform alert (operators) is raised once per address
 * and hour. Only failures are throttled: a valid key from the same address (a shared NAT) keeps
 * working, and a 160-bit key cannot be found by guessing within the limit.
 */
export const KEY_FAILURE_LIMIT = 20;
export const KEY_FAILURE_WINDOW_MS = 60_000;

export async function failedKeyAuthentication(env: Env, ip: string | null, now = Date.now()): Promise<void> {
  const client = ip ?? "unknown";
  const state = await limiter(env, `apikey:ip:${client}`).record(
    KEY_FAILURE_LIMIT,
    KEY_FAILURE_WINDOW_MS,
    now,
  );
  if (state.count === KEY_FAILURE_LIMIT)
    await raiseAlert(
      env,
      null,
      "key_failures",
      `platform:key_failures:${client}:${Math.floor(now / 3_600_000)}`,
      {
        ip: client,
        network: ip ? networkOf(ip) : client,
        count: state.count,
        windowSeconds: KEY_FAILURE_WINDOW_MS / 1000,
      },
    ).catch((err) =>
      console.error(JSON.stringify({ level: "error", msg: "key failure alert failed", error: String(err) })),
    );
  if (!state.allowed) {
    const retryAfter = Math.max(1, Math.ceil((state.resetAt - now) / 1000));
    throw new ApiError("rate_limited", `Too many failed API-key authentications; retry in ${retryAfter} s`, {
      headers: { "Retry-After": String(retryAfter) },
      messageKey: "error.rate_limited",
    });
  }
}

/** One alert per dedupe key: stored, mailed (the tenant's admins, if any, and every operator), audited. */
async function raiseAlert(
  env: Env,
  tenantId: string | null,
  kind: AbuseKind,
  dedupeKey: string,
  detail: Record<string, string | number>,
) {
  const db = controlDb(env);
  const [alert] = await db
    .insert(securityAlerts)
    .values({ id: newId("alr"), tenantId, kind, dedupeKey, detail, createdAt: Date.now() })
    .onConflictDoNothing()
    .returning();
  if (!alert) return; // already raised for this window
  const tenant = tenantId ? await db.query.tenants.findFirst({ where: eq(tenants.id, tenantId) }) : undefined;
  const name = tenant?.name ?? tenantId ?? t("en", "abuse.platform");
  const params = { tenant: name, ...detail };
  for (const a of tenantId ? await tenantAdminContacts(env, tenantId) : []) {
    const locale = (a.locale ?? tenant?.defaultLocale ?? "fr") as Locale;
    await sendMail(env, {
      to: a.email,
      tenantId,
      kind: `security.alert.${kind}`,
      locale,
      subject: t(locale, "abuse.mail.subject", { tenant: name, what: t(locale, `abuse.kind.${kind}`) }),
      text: t(locale, `abuse.mail.${kind}`, params),
    });
  }
  const ops = await db.select({ email: operators.email }).from(operators).where(isNull(operators.disabledAt));
  for (const o of ops)
    await sendMail(env, {
      to: o.email,
      tenantId: null,
      kind: `security.alert.${kind}`,
      locale: "en",
      subject: `[ops] ${t("en", "abuse.mail.subject", { tenant: name, what: t("en", `abuse.kind.${kind}`) })}`,
      text: t("en", `abuse.mail.${kind}`, params),
    });
  await appendAudit(env, {
    tenantId,
    actor: { type: "system", id: null },
    action: `security.alert_${kind}`,
    targetType: "security_alert",
    targetId: alert.id,
    meta: detail,
  });
}

export function alertView(a: typeof securityAlerts.$inferSelect) {
  return {
    id: a.id,
    kind: a.kind,
    detail: a.detail,
    createdAt: new Date(a.createdAt).toISOString(),
    acknowledgedAt: a.acknowledgedAt ? new Date(a.acknowledgedAt).toISOString() : null,
  };
}

export async function listAlerts(ctx: Ctx, limit = 50) {
  const rows = await controlDb(ctx.env)
    .select()
    .from(securityAlerts)
    .where(eq(securityAlerts.tenantId, ctx.tenant.id))
    .orderBy(desc(securityAlerts.createdAt))
    .limit(limit);
  return rows.map(alertView);
}

export async function acknowledgeAlert(ctx: Ctx, id: string) {
  const r = await controlDb(ctx.env)
    .update(securityAlerts)
    .set({ acknowledgedAt: Date.now() })
    .where(and(eq(securityAlerts.id, id), eq(securityAlerts.tenantId, ctx.tenant.id)))
    .returning();
  if (!r[0]) throw notFound("Alert");
  await auditCtx(ctx, "security.alert_acknowledged", "security_alert", id);
  return alertView(r[0]);
}

/** Every tenant's recent alerts and the platform's (tenant null), for the operator console. */
export async function listAllAlerts(env: Env, limit = 200) {
  return controlDb(env)
    .select({ a: securityAlerts, tenantName: tenants.name })
    .from(securityAlerts)
    .leftJoin(tenants, eq(tenants.id, securityAlerts.tenantId))
    .orderBy(desc(securityAlerts.createdAt))
    .limit(limit);
}

export { ABUSE_KINDS };
