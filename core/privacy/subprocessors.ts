import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import {
  SUBPROCESSOR_PROVIDERS,
  type Subprocessor,
  type SubprocessorObjection,
  subprocessorObjections,
  subprocessors,
} from "../../db/schema/control";
import { resumeAfterObjection } from "../calls/holds";
import { activeTenantAdminContacts } from "../identity/members";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { formatDateTime, t } from "../platform/i18n";
import { sendMail } from "../platform/mail";
import { decideProcessing, type ProviderId } from "../policy/processing";

/**
 * Sub-processors (F5): the public registry, each tenant's effective list, and objections
 * (GDPR art. 28(2)). A new entry is announced at least 30 days before it applies; an open
 * objection keeps it from applying to the objecting tenant until an operator resolves it.
 */

export const ANNOUNCE_DAYS = 30;
const DAY = 86_400_000;
/** Effective date of the seeded registry: the platform's launch, well in the past. */
const SEED_EFFECTIVE = Date.UTC(2026, 0, 1);

type Seed = Omit<Subprocessor, "announcedAt" | "effectiveAt">;
/** The platform's sub-processors as built (core/policy/processing.ts PROVIDER_REGIONS, core/platform/mail.ts). */
const SEED: Seed[] = [
  {
    id: "sub_cloudflare",
    name: "Cloudflare, Inc.",
    purposeFr: "Hébergement de la plateforme, bases de données et stockage des enregistrements",
    purposeEn: "Platform hosting, databases and recording storage",
    dataCategories: "account,calls,audio,transcripts,analyses",
    location: "EU (EU jurisdiction) / US, per tenant location",
    transferMechanism: "EU",
    providerKey: "cloudflare",
  },
  {
    id: "sub_brevo",
    name: "Brevo (Sendinblue SAS)",
    purposeFr: "Envoi des e-mails de service",
    purposeEn: "Sending service e-mails",
    dataCategories: "account",
    location: "EU (France)",
    transferMechanism: "EU",
    providerKey: "brevo",
  },
  {
    id: "sub_deepgram",
    name: "Deepgram, Inc.",
    purposeFr: "Transcription des enregistrements (point d'accès UE pour les clients UE)",
    purposeEn: "Transcription of recordings (EU endpoint for EU tenants)",
    dataCategories: "audio,transcripts",
    location: "EU / US",
    transferMechanism: "SCC",
    providerKey: "deepgram",
  },
  {
    id: "sub_openai",
    name: "OpenAI, L.L.C.",
    purposeFr: "Transcription et analyse des appels (résidence des données UE disponible)",
    purposeEn: "Call transcription and analysis (EU data residency available)",
    dataCategories: "audio,transcripts,analyses",
    location: "EU / US",
    transferMechanism: "DPF",
    providerKey: "openai",
  },
  {
    id: "sub_assemblyai",
    name: "AssemblyAI, Inc.",
    purposeFr: "Transcription des enregistrements (point d'accès UE pour les clients UE)",
    purposeEn: "Transcription of recordings (EU endpoint for EU tenants)",
    dataCategories: "audio,transcripts",
    location: "EU / US",
    transferMechanism: "SCC",
    providerKey: "assemblyai",
  },
  {
    id: "sub_anthropic",
    name: "Anthropic, PBC",
    purposeFr: "Analyse des appels (traitement aux États-Unis uniquement)",
    purposeEn: "Call analysis (processed in the United States only)",
    dataCategories: "transcripts,analyses",
    location: "US",
    transferMechanism: "DPF",
    providerKey: "anthropic",
  },
  {
    id: "sub_stripe",
    name: "Stripe Payments Europe, Ltd.",
    purposeFr: "Facturation et paiement des abonnements",
    purposeEn: "Subscription billing and payment",
    dataCategories: "account,billing",
    location: "EU (Ireland) / US",
    transferMechanism: "DPF",
    providerKey: "stripe",
  },
];

/** Seeds the registry the first time it is read (idempotent under concurrent first reads). */
async function ensureRegistry(env: Env): Promise<void> {
  const db = controlDb(env);
  const any = await db.select({ id: subprocessors.id }).from(subprocessors).limit(1);
  if (any.length) return;
  await db
    .insert(subprocessors)
    .values(SEED.map((s) => ({ ...s, announcedAt: SEED_EFFECTIVE, effectiveAt: SEED_EFFECTIVE })))
    .onConflictDoNothing();
}

/** The whole registry, oldest effective date first (the public page). */
export async function listSubprocessors(env: Env): Promise<Subprocessor[]> {
  await ensureRegistry(env);
  return controlDb(env)
    .select()
    .from(subprocessors)
    .orderBy(asc(subprocessors.effectiveAt), asc(subprocessors.name));
}

export const addSubprocessorSchema = z.object({
  name: z.string().trim().min(1).max(120),
  purposeFr: z.string().trim().min(1).max(500),
  purposeEn: z.string().trim().min(1).max(500),
  dataCategories: z.string().trim().min(1).max(200),
  location: z.string().trim().min(1).max(120),
  transferMechanism: z.string().trim().min(1).max(40),
  providerKey: z.enum(SUBPROCESSOR_PROVIDERS).nullable(),
  effectiveAt: z.number().int().positive(),
});

/**
 * Adds an entry (operators; the caller audits). It takes effect no sooner than 30 days after its
 * announcement, and every tenant owner/admin is told it is coming and may object.
 */
export async function addSubprocessor(
  env: Env,
  raw: z.input<typeof addSubprocessorSchema>,
  now = Date.now(),
): Promise<Subprocessor> {
  await ensureRegistry(env);
  const input = addSubprocessorSchema.parse(raw);
  if (input.effectiveAt < now + ANNOUNCE_DAYS * DAY - 60_000)
    throw new ApiError(
      "validation_failed",
      `a new sub-processor applies at least ${ANNOUNCE_DAYS} days after its announcement`,
      {
        errors: [{ pointer: "/effectiveAt", detail: "too soon" }],
        messageKey: "ops.subprocessors.too_soon",
        params: { days: ANNOUNCE_DAYS },
      },
    );
  const row: Subprocessor = { id: newId("sub"), ...input, announcedAt: now };
  await controlDb(env).insert(subprocessors).values(row);
  for (const a of await activeTenantAdminContacts(env)) {
    const params = {
      id: row.id,
      name: row.name,
      date: formatDateTime(a.locale, row.effectiveAt),
      url: new URL("/legal/subprocessors", env.APP_URL).toString(),
    };
    await sendMail(env, {
      to: a.email,
      subject: t(a.locale, "legal.mail.subprocessor.subject", params),
      text: t(a.locale, "legal.mail.subprocessor.text", params),
      kind: "subprocessor_announced",
      locale: a.locale,
      tenantId: a.tenantId,
    });
  }
  return row;
}

export interface EffectiveSubprocessor {
  id: string;
  name: string;
  purposeFr: string;
  purposeEn: string;
  dataCategories: string[];
  location: string;
  transferMechanism: string;
  providerKey: string | null;
  announcedAt: number;
  effectiveAt: number;
  /** "active": applies now; "upcoming": announced, applies at effectiveAt. */
  status: "active" | "upcoming";
  /** The endpoint the tenant's data goes to (providers), or the region (platform services). */
  endpoint: string;
  /** An open objection of this tenant: the entry does not apply until an operator resolves it. */
  blockedByObjection: boolean;
  objectionId: string | null;
}

const SPEECH: readonly string[] = ["deepgram", "openai", "assemblyai"];
const ANALYSIS: readonly string[] = ["openai", "anthropic"];

/** Where the tenant's data goes for this entry, or null when the entry does not concern it. */
function endpointFor(ctx: Ctx, s: Subprocessor): string | null {
  const tenant = ctx.tenant;
  switch (s.providerKey) {
    case null:
    case "cloudflare":
      return tenant.location === "eu" ? "eu" : "us";
    case "brevo":
      return "eu";
    case "stripe":
      return "billing";
    default: {
      const used =
        (SPEECH.includes(s.providerKey) && tenant.speechProvider === s.providerKey) ||
        (ANALYSIS.includes(s.providerKey) && tenant.analysisProvider === s.providerKey);
      if (!used) return null;
      // Same rule the pipeline applies: a provider the policy refuses never receives data.
      const d = decideProcessing({ tenant, provider: s.providerKey as ProviderId });
      return d.allowed ? d.endpoint : null;
    }
  }
}

/** The entries that apply (or will) to this tenant, given its location and chosen providers. */
export async function effectiveSubprocessors(ctx: Ctx, now = Date.now()): Promise<EffectiveSubprocessor[]> {
  const all = await listSubprocessors(ctx.env);
  const open = await controlDb(ctx.env)
    .select()
    .from(subprocessorObjections)
    .where(
      and(eq(subprocessorObjections.tenantId, ctx.tenant.id), eq(subprocessorObjections.status, "open")),
    );
  const out: EffectiveSubprocessor[] = [];
  for (const s of all) {
    const endpoint = endpointFor(ctx, s);
    if (endpoint === null) continue;
    const objection = open.find((o) => o.subprocessorId === s.id) ?? null;
    out.push({
      ...s,
      dataCategories: s.dataCategories
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean),
      status: s.effectiveAt > now ? "upcoming" : "active",
      endpoint,
      blockedByObjection: objection !== null,
      objectionId: objection?.id ?? null,
    });
  }
  return out;
}

/**
 * A tenant objects to an upcoming entry that concerns it. An entry outside its list is not found
 * (404, like another tenant's id); one already in force cannot be objected to here (409).
 */
export async function objectToSubprocessor(
  ctx: Ctx,
  subprocessorId: string,
  reason: string,
  now = Date.now(),
): Promise<SubprocessorObjection> {
  const entry = (await effectiveSubprocessors(ctx, now)).find((s) => s.id === subprocessorId);
  if (!entry) throw new ApiError("not_found", "No such sub-processor for this tenant");
  if (entry.status !== "upcoming")
    throw new ApiError("conflict", "Objections apply to announced sub-processors before they take effect");
  if (entry.objectionId) return getObjection(ctx, entry.objectionId);
  const row: SubprocessorObjection = {
    id: newId("obj"),
    tenantId: ctx.tenant.id,
    subprocessorId,
    reason,
    status: "open",
    resolution: null,
    createdAt: now,
    resolvedAt: null,
  };
  await controlDb(ctx.env).insert(subprocessorObjections).values(row);
  await auditCtx(ctx, "subprocessor.objected", "subprocessor", subprocessorId, { objectionId: row.id });
  return row;
}

/** One of this tenant's objections; another tenant's id is not found. */
export async function getObjection(ctx: Ctx, id: string): Promise<SubprocessorObjection> {
  const row = await controlDb(ctx.env).query.subprocessorObjections.findFirst({
    where: and(eq(subprocessorObjections.id, id), eq(subprocessorObjections.tenantId, ctx.tenant.id)),
  });
  if (!row) throw new ApiError("not_found", "No such objection");
  return row;
}

/** Open objections across tenants (the operator console). */
export function listOpenObjections(env: Env) {
  return controlDb(env)
    .select({ objection: subprocessorObjections, name: subprocessors.name })
    .from(subprocessorObjections)
    .innerJoin(subprocessors, eq(subprocessors.id, subprocessorObjections.subprocessorId))
    .where(eq(subprocessorObjections.status, "open"))
    .orderBy(asc(subprocessorObjections.createdAt));
}

/** An operator resolves an objection (the caller audits); the entry then applies to that tenant. */
export async function resolveObjection(
  env: Env,
  id: string,
  resolution: string,
): Promise<SubprocessorObjection> {
  const text = resolution.trim();
  if (!text || text.length > 2000)
    throw new ApiError("validation_failed", "a resolution is required", {
      errors: [{ pointer: "/resolution", detail: "required" }],
    });
  const [row] = await controlDb(env)
    .update(subprocessorObjections)
    .set({ status: "resolved", resolution: text, resolvedAt: Date.now() })
    .where(and(eq(subprocessorObjections.id, id), eq(subprocessorObjections.status, "open")))
    .returning();
  if (!row) throw new ApiError("not_found", "No such open objection");
  await resumeAfterObjection(env, row.tenantId);
  return row;
}

/** The schema's value lists, for apps/ (which takes nothing from db/ but types, test/architecture.test.ts). */
export { SUBPROCESSOR_PROVIDERS } from "../../db/schema/control";
