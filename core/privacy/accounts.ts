import { and, desc, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import {
  connectionLog,
  memberships,
  PRIVACY_CHANNELS,
  type PrivacyRequest,
  privacyRequests,
  sessions,
  tenants,
  users,
} from "../../db/schema/control";
import { emailSchema } from "../identity/account-base";
import { accountDeletion } from "../identity/profile";
import { appendAudit } from "../platform/audit";
import type { Actor } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError, notFound } from "../platform/errors";
import { csvDocument } from "../platform/exports/csv";
import { writeZipToR2 } from "../platform/exports/zip";
import { decodeCursor, encodeCursor, page } from "../platform/pagination";
import {
  actionSchema,
  addMonths,
  assertExecutable,
  checkExportLink,
  conflict,
  type PrivacyAction,
  type PrivacyRequestView,
  requestView,
  save,
  transition,
} from "./requests";

/**
 * Users' own account requests (F3): for account data (art. 3.1) CCR is controller, so the
 * platform's operators record and handle them in the console — access and portability (a ZIP of
 * the account in the control bucket), rectification of the profile, erasure of the account.
 * Same lifecycle, deadline and identity step as tenant requests; audited on the platform chain
 * with the operator as actor. Call data is never touched here.
 */
export const ACCOUNT_KINDS = ["access", "portability", "rectification", "erasure"] as const;
const DAY = 86_400_000;
const EXPORT_DAYS = 30;
export const OPS_BASE = "/ops/privacy";

export interface OperatorRef {
  id: string;
  email: string;
  sessionId: string;
  ip: string | null;
  userAgent: string | null;
}

const actorOf = (op: OperatorRef): Actor => ({
  type: "operator",
  id: op.id,
  sessionId: op.sessionId,
  email: op.email,
});

function auditOp(env: Env, op: OperatorRef, r: Pick<PrivacyRequest, "id">) {
  return (action: string, meta?: Record<string, string | number | boolean | null>) =>
    appendAudit(env, {
      tenantId: null,
      actor: actorOf(op),
      action,
      targetType: "privacy_request",
      targetId: r.id,
      ip: op.ip,
      userAgent: op.userAgent,
      meta,
    }).then(() => undefined);
}

/** `j•••@example.com`: enough for the operator to recognise the account in a list. */
export function maskEmail(email: string): string {
  const [local, domain] = email.split("@");
  return `${local.slice(0, 1)}•••@${domain ?? ""}`;
}

export const createAccountRequestSchema = z
  .object({
    email: emailSchema,
    kind: z.enum(ACCOUNT_KINDS),
    channel: z.enum(PRIVACY_CHANNELS).optional(),
    note: z.string().trim().max(2000).optional(),
  })
  .strict();

export async function createAccountRequest(
  env: Env,
  op: OperatorRef,
  raw: z.input<typeof createAccountRequestSchema>,
  now = Date.now(),
): Promise<PrivacyRequestView> {
  const input = createAccountRequestSchema.parse(raw);
  const user = await controlDb(env).query.users.findFirst({ where: eq(users.email, input.email) });
  if (!user)
    throw new ApiError("validation_failed", "no account with this e-mail", {
      errors: [{ pointer: "/email", detail: "no such account" }],
      messageKey: "privacy.error.no_account",
    });
  const dueAt = addMonths(now, 1);
  const [row] = await controlDb(env)
    .insert(privacyRequests)
    .values({
      id: newId("prq"),
      tenantId: null,
      kind: input.kind,
      status: "received",
      subjectType: "user",
      subjectRef: user.id,
      subjectLabel: maskEmail(user.email),
      channel: input.channel ?? "email",
      note: input.note || null,
      receivedAt: now,
      dueAt,
      originalDueAt: dueAt,
      createdBy: op.id,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  await auditOp(env, op, row)("privacy_request.created", { kind: row.kind, subjectType: "user" });
  return requestView(env, row, now, OPS_BASE);
}

export async function findAccountRequest(env: Env, id: string): Promise<PrivacyRequest> {
  const r = await controlDb(env).query.privacyRequests.findFirst({
    where: and(eq(privacyRequests.id, id), isNull(privacyRequests.tenantId)),
  });
  if (!r) throw notFound("Privacy request");
  return r;
}

export async function listAccountRequests(
  env: Env,
  q: { cursor?: string; limit?: number },
  now = Date.now(),
) {
  const limit = q.limit ?? 50;
  const conds = [isNull(privacyRequests.tenantId)];
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    const v = Number(c.sortValue);
    conds.push(
      or(
        lt(privacyRequests.createdAt, v),
        and(eq(privacyRequests.createdAt, v), lt(privacyRequests.id, c.id)),
      )!,
    );
  }
  const rows = await controlDb(env)
    .select()
    .from(privacyRequests)
    .where(and(...conds))
    .orderBy(desc(privacyRequests.createdAt), desc(privacyRequests.id))
    .limit(limit + 1);
  const p = page(rows, limit, (r) => encodeCursor(r.createdAt, r.id));
  return {
    data: await Promise.all(p.data.map((r) => requestView(env, r, now, OPS_BASE))),
    nextCursor: p.nextCursor,
  };
}

export const accountRectificationSchema = z
  .object({
    firstName: z.string().trim().max(100).optional(),
    lastName: z.string().trim().max(100).optional(),
    phone: z.string().trim().max(40).nullable().optional(),
    company: z.string().trim().max(200).nullable().optional(),
    jobTitle: z.string().trim().max(200).nullable().optional(),
  })
  .strict();

export async function actOnAccountRequest(
  env: Env,
  op: OperatorRef,
  id: string,
  raw: PrivacyAction & { profile?: z.input<typeof accountRectificationSchema> },
  now = Date.now(),
): Promise<PrivacyRequestView> {
  const { profile, ...rest } = raw as { profile?: unknown } & PrivacyAction;
  const input = actionSchema.parse(rest);
  const r = await findAccountRequest(env, id);
  const audit = auditOp(env, op, r);
  let row = await transition(env, r, input, op.id, now, audit);
  if (!row) {
    if (input.action !== "execute")
      throw conflict("Only call-data requests can be lifted", "privacy.error.lift");
    assertExecutable(r);
    const result = await executeAccount(env, r, profile, now);
    row = await save(
      env,
      r,
      { status: "completed", completedAt: now, executedAt: now, executedBy: op.id, ...result },
      now,
    );
    await audit("privacy_request.executed", { kind: r.kind, subjectType: "user" });
  }
  return requestView(env, row, now, OPS_BASE);
}

async function executeAccount(
  env: Env,
  r: PrivacyRequest,
  profile: unknown,
  now: number,
): Promise<Partial<PrivacyRequest>> {
  const db = controlDb(env);
  const user = await db.query.users.findFirst({ where: eq(users.id, r.subjectRef) });
  if (!user) throw conflict("The account no longer exists", "privacy.error.no_account");
  switch (r.kind) {
    case "access":
    case "portability": {
      const mine = await db
        .select({ tenant: tenants.name, role: memberships.role, since: memberships.createdAt })
        .from(memberships)
        .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
        .where(eq(memberships.userId, user.id));
      const sess = await db
        .select({
          createdAt: sessions.createdAt,
          lastActivityAt: sessions.lastActivityAt,
          ip: sessions.ip,
          browser: sessions.browser,
          os: sessions.os,
        })
        .from(sessions)
        .where(and(eq(sessions.realm, "user"), eq(sessions.subjectId, user.id)));
      const logins = await db
        .select({ event: connectionLog.event, ip: connectionLog.ip, ts: connectionLog.ts })
        .from(connectionLog)
        .where(and(eq(connectionLog.subjectType, "user"), eq(connectionLog.subjectId, user.id)))
        .orderBy(desc(connectionLog.ts))
        .limit(1000);
      const isoOf = (ms: number | null) => (ms ? new Date(ms).toISOString() : null);
      const account = {
        email: user.email,
        firstName: user.firstName,
        lastName: user.lastName,
        phone: user.phone,
        company: user.company,
        jobTitle: user.jobTitle,
        locale: user.locale,
        emailVerifiedAt: isoOf(user.emailVerifiedAt),
        twoFactorEnabled: Boolean(user.totpEnabledAt),
        createdAt: isoOf(user.createdAt),
      };
      const csv = csvDocument([["field", "value"], ...Object.entries(account)]);
      const entries = [
        { name: "account.json", data: JSON.stringify(account, null, 2) },
        { name: "account.csv", data: csv },
        ...(r.kind === "access"
          ? [
              {
                name: "memberships.json",
                data: JSON.stringify(
                  mine.map((m) => ({ ...m, since: isoOf(m.since) })),
                  null,
                  2,
                ),
              },
              {
                name: "sessions.json",
                data: JSON.stringify(
                  sess.map((s) => ({
                    ...s,
                    createdAt: isoOf(s.createdAt),
                    lastActivityAt: isoOf(s.lastActivityAt),
                  })),
                  null,
                  2,
                ),
              },
              {
                name: "connection-log.json",
                data: JSON.stringify(
                  logins.map((l) => ({ ...l, ts: isoOf(l.ts) })),
                  null,
                  2,
                ),
              },
            ]
          : []),
      ];
      const zip = await writeZipToR2(env.CONTROL_BUCKET, `privacy-exports/${r.id}.zip`, entries, {
        mtime: now,
      });
      return {
        exportKey: zip.key,
        exportSize: zip.size,
        exportSha256: zip.sha256 ?? null,
        exportExpiresAt: now + EXPORT_DAYS * DAY,
        result: { entries: zip.entries, size: zip.size },
      };
    }
    case "rectification": {
      const p = accountRectificationSchema.parse(profile ?? {});
      const fields = Object.keys(p).filter((k) => p[k as keyof typeof p] !== undefined);
      if (!fields.length)
        throw new ApiError("validation_failed", "say what to correct", {
          errors: [{ pointer: "/profile", detail: "empty" }],
        });
      await db
        .update(users)
        .set({ ...p, updatedAt: now })
        .where(eq(users.id, user.id));
      return { result: { fields } };
    }
    case "erasure": {
      // The sole owner of an organisation cannot disappear: ownership must move first.
      const owned = await db
        .select({ tenantId: memberships.tenantId })
        .from(memberships)
        .where(and(eq(memberships.userId, user.id), eq(memberships.role, "owner")));
      for (const o of owned) {
        const owners = await db
          .select({ id: memberships.id })
          .from(memberships)
          .where(and(eq(memberships.tenantId, o.tenantId), eq(memberships.role, "owner")));
        if (owners.length <= 1)
          throw conflict(
            "This person is the only owner of an organisation; ownership must be transferred first",
            "privacy.error.sole_owner",
          );
      }
      await db.batch(accountDeletion(db, user.id));
      // Earlier account exports of the same person go too.
      const earlier = await db
        .select({ id: privacyRequests.id, exportKey: privacyRequests.exportKey })
        .from(privacyRequests)
        .where(and(isNull(privacyRequests.tenantId), eq(privacyRequests.subjectRef, user.id)));
      const keys = earlier.map((e) => e.exportKey).filter((k): k is string => Boolean(k));
      if (keys.length) await env.CONTROL_BUCKET.delete(keys);
      if (earlier.length)
        await db
          .update(privacyRequests)
          .set({ exportKey: null, subjectLabel: "•••" })
          .where(
            inArray(
              privacyRequests.id,
              earlier.map((e) => e.id),
            ),
          );
      // Audit and connection logs keep the bare id for their security retention (F1).
      return { subjectLabel: "•••", result: { deleted: true } };
    }
    default:
      throw conflict("Not an account request", "privacy.error.state");
  }
}

/** The account export behind its signed link (operators only). */
export async function downloadAccountExport(
  env: Env,
  op: OperatorRef,
  id: string,
  expires: string | undefined,
  signature: string | undefined,
  now = Date.now(),
) {
  const r = await findAccountRequest(env, id);
  await checkExportLink(env, r, expires, signature, now);
  const obj = await env.CONTROL_BUCKET.get(r.exportKey!);
  if (!obj)
    throw new ApiError("gone", "The export is no longer available", {
      messageKey: "privacy.error.export_gone",
    });
  await auditOp(env, op, r)("privacy_request.export_downloaded", { size: obj.size });
  return {
    body: obj.body,
    headers: {
      "content-type": "application/zip",
      "content-length": String(obj.size),
      "content-disposition": `attachment; filename="account-${r.id}.zip"`,
      "cache-control": "no-store",
      // The object's own ETag: the API's etag middleware then does not read (buffer) the ZIP.
      etag: obj.httpEtag,
    },
  };
}
