import { and, asc, eq } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { type Subprocessor, subprocessorObjections, subprocessors } from "../../db/schema/control";
import type { Ctx } from "../platform/context";
import { decideProcessing, type ProviderId } from "./processing";

/**
 * The sub-processor registry as read (F5): the public list and which entries apply to a tenant,
 * given its location, its providers and its open objections. Changing the registry (announcing an
 * entry, objecting, resolving) is core/privacy/subprocessors.ts; this half sits in policy/ because
 * the location settings and the transfer notice (governance/) need to show it.
 */

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
export async function ensureRegistry(env: Env): Promise<void> {
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
