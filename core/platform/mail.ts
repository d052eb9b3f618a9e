import { and, desc, eq } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { mailOutbox } from "../../db/schema/control";
import { newId } from "./crypto";
import type { Locale } from "./i18n";
import { enqueueJob } from "./jobs";

/**
 * One way to send mail. Every message is first stored in the outbox (readable on the dev-only
 * page /dev/outbox and by tests); when BREVO_API_KEY is set, a `jobs` message (id only) asks the
 * consumer to hand it to Brevo (EU provider). Without the secret, mail stays `stored`.
 */
export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  kind: string;
  locale: Locale;
  tenantId?: string | null;
}

export async function sendMail(env: Env, m: OutgoingMail): Promise<string> {
  const mail = outboxInsert(env, m);
  await mail.query;
  await afterOutboxInsert(env, mail);
  return mail.id;
}

/**
 * The outbox row of a mail as a statement, to run inside a caller's `db.batch` (sign-up writes
 * its mail with the account, in one round trip); call `afterOutboxInsert` once it ran.
 */
export function outboxInsert(env: Env, m: OutgoingMail) {
  const id = newId("mail");
  const text = absoluteLinks(env, m.text);
  const queued = Boolean(env.BREVO_API_KEY);
  const query = controlDb(env)
    .insert(mailOutbox)
    .values({
      id,
      tenantId: m.tenantId ?? null,
      to: m.to,
      subject: m.subject,
      text,
      kind: m.kind,
      locale: m.locale,
      status: queued ? "queued" : "stored",
      createdAt: Date.now(),
    });
  return { id, queued, query };
}

/**
 * A mail has no base URL: a path written in it (a word starting with "/" and a letter) would not
 * open. The last line of defence behind the callers, which pass absolute URLs: such a path
 * becomes a link under APP_URL.
 */
const RELATIVE_PATH = /(^|[\s(«"'])(\/[A-Za-z][^\s)»"']*)/g;
export function absoluteLinks(env: Env, text: string): string {
  return text.replace(
    RELATIVE_PATH,
    (_m, before: string, path: string) => before + new URL(path, env.APP_URL).href,
  );
}

/** The links of a mail text: absolute URLs and paths, as a reader's mail client would see them. */
export function mailLinks(text: string): { absolute: string[]; relative: string[] } {
  return {
    absolute: [...text.matchAll(/https?:\/\/[^\s)»"']+/g)].map((m) => m[0]),
    relative: [...text.matchAll(RELATIVE_PATH)].map((m) => m[2]),
  };
}

export async function afterOutboxInsert(env: Env, mail: { id: string; queued: boolean }): Promise<void> {
  if (mail.queued) await enqueueJob(env, { type: "mail.send", id: mail.id });
}

export const BREVO_URL = "https://api.brevo.com/v3/smtp/email";

function parseFrom(from: string): { name?: string; email: string } {
  const m = /^(.*)<([^>]+)>\s*$/.exec(from);
  return m ? { name: m[1].trim(), email: m[2].trim() } : { email: from.trim() };
}

/**
 * Queue consumer step. Idempotent: only a `queued` row is claimed (conditional update), so a
 * message delivered twice sends once. Provider errors throw so the queue retries with backoff.
 */
export async function deliverMail(env: Env, id: string): Promise<"sent" | "skipped"> {
  const db = controlDb(env);
  const claimed = await db
    .update(mailOutbox)
    .set({ status: "sent", sentAt: Date.now() })
    .where(and(eq(mailOutbox.id, id), eq(mailOutbox.status, "queued")))
    .returning();
  const mail = claimed[0];
  if (!mail) return "skipped";
  try {
    const res = await fetch(BREVO_URL, {
      method: "POST",
      headers: {
        "api-key": env.BREVO_API_KEY,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({
        sender: parseFrom(env.MAIL_FROM),
        to: [{ email: mail.to }],
        subject: mail.subject,
        textContent: mail.text,
        headers: { "X-CCR-Mail-Id": mail.id },
      }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`brevo answered ${res.status}`);
    const body = (await res.json()) as { messageId?: string };
    await db
      .update(mailOutbox)
      .set({ providerMessageId: body.messageId ?? null })
      .where(eq(mailOutbox.id, id));
    return "sent";
  } catch (err) {
    // Put it back so the retry can claim it again; record why.
    await db
      .update(mailOutbox)
      .set({ status: "queued", sentAt: null, error: String(err).slice(0, 300) })
      .where(eq(mailOutbox.id, id));
    throw err;
  }
}

/** The newest messages of the outbox (the dev-only page). */
export function listOutbox(env: Env, limit = 100) {
  return controlDb(env).select().from(mailOutbox).orderBy(desc(mailOutbox.createdAt)).limit(limit);
}
