import { and, eq, isNull } from "drizzle-orm";
import { controlDb } from "../../db/client";
import type { Location } from "../../db/resolver";
import { apiKeys, memberships, type Tenant, users } from "../../db/schema/control";
import { tenantAdminContacts } from "../identity/members";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { ApiError } from "../platform/errors";
import { isLocale, type Locale, type MessageKey, t } from "../platform/i18n";
import { sendMail } from "../platform/mail";
import { PROVIDER_REGIONS, type ProcessingScope, type ProviderId } from "../policy/processing";
import { effectiveSubprocessors, listSubprocessors } from "../policy/subprocessor-registry";

/**
 * Transfers of call data outside the EU (GDPR chapter V, art. 44–46): moving an EU tenant's data
 * to the US, or opening international processing while the data stays in the EU. Either one is a
 * decision for the organisation's owner, taken knowingly: they see what changes (the shared
 * explanation on /settings and /governance, built from `transferPreview`), type the
 * organisation's name, and every owner and admin is told by mail. Moving back into the EU, or
 * returning to in-region processing, is no transfer and stays an admin setting.
 */
export type TransferKind = "location_us" | "international";

export function transferOf(
  tenant: Pick<Tenant, "location" | "processingScope">,
  input: { location?: Location; processingScope?: ProcessingScope },
): TransferKind | null {
  if (tenant.location === "eu" && input.location === "us") return "location_us";
  const location = input.location ?? tenant.location;
  // Judged on the data in the EU afterwards: a US tenant already `international` that moves into
  // the EU asking to stay so opens international processing of EU data as much as an EU tenant does.
  const alreadyOpen = tenant.location === "eu" && tenant.processingScope === "international";
  if (location === "eu" && input.processingScope === "international" && !alreadyOpen) return "international";
  return null;
}

export interface TransferSubprocessor {
  name: string;
  /** Where the data goes: a provider endpoint, or the storage region. */
  endpoint: string;
  /** SCC, DPF or EU, as the registry states it. */
  mechanism: string;
}

export interface TransferPreview {
  kind: TransferKind;
  /** The sub-processors that would process the tenant's call data outside the EU afterwards. */
  outsideEu: TransferSubprocessor[];
  /** Providers with no EU processing that the tenant could then choose (international only). */
  newlySelectable: string[];
}

/** The tenant as it would be after the change (the explanation must describe that one). */
function after(tenant: Tenant, kind: TransferKind): Tenant {
  return kind === "location_us"
    ? { ...tenant, location: "us" }
    : { ...tenant, processingScope: "international" as const };
}

function processesOutsideEu(providerKey: string | null, endpoint: string): boolean {
  if (providerKey === null || providerKey === "cloudflare") return endpoint === "us";
  if (providerKey === "brevo" || providerKey === "stripe") return false; // not call data
  return PROVIDER_REGIONS[providerKey as ProviderId]?.eu?.endpoint !== endpoint;
}

export async function transferPreview(ctx: Ctx, kind: TransferKind): Promise<TransferPreview> {
  const future = { ...ctx, tenant: after(ctx.tenant, kind) };
  const list = await effectiveSubprocessors(future);
  const registry = new Map<string | null, string>(
    (await listSubprocessors(ctx.env)).map((s) => [s.providerKey, s.name]),
  );
  return {
    kind,
    outsideEu: list
      .filter((s) => processesOutsideEu(s.providerKey, s.endpoint))
      // Outside the EU, an "EU" entry (Cloudflare) relies on the SCCs of its data processing addendum.
      .map((s) => ({
        name: s.name,
        endpoint: s.endpoint,
        mechanism: s.transferMechanism === "EU" ? "SCC" : s.transferMechanism,
      })),
    newlySelectable:
      kind === "international"
        ? (Object.keys(PROVIDER_REGIONS) as ProviderId[])
            .filter((p) => !PROVIDER_REGIONS[p].eu)
            .map((p) => registry.get(p) ?? p)
        : [],
  };
}

/**
 * Is the acting person an owner? An API key acts with the role its creator holds today — and
 * not at all once the creator's account is disabled (that person can no longer decide anything).
 */
async function actsAsOwner(ctx: Ctx): Promise<boolean> {
  if (ctx.actor.type === "user") return ctx.actor.role === "owner";
  if (ctx.actor.type !== "api_key") return false;
  const rows = await controlDb(ctx.env)
    .select({ role: memberships.role })
    .from(apiKeys)
    .innerJoin(
      memberships,
      and(eq(memberships.userId, apiKeys.createdBy), eq(memberships.tenantId, apiKeys.tenantId)),
    )
    .innerJoin(users, and(eq(users.id, memberships.userId), isNull(users.disabledAt)))
    .where(and(eq(apiKeys.id, ctx.actor.id), eq(apiKeys.tenantId, ctx.tenant.id)))
    .limit(1);
  return rows[0]?.role === "owner";
}

/** The typed organisation name must match exactly (surrounding spaces aside). */
export function checkConfirmName(ctx: Ctx, typed: string | undefined, messageKey: MessageKey) {
  if ((typed ?? "").trim() !== ctx.tenant.name)
    throw new ApiError("validation_failed", "Type the organisation's exact name to confirm", {
      errors: [{ pointer: "/confirmName", detail: "does not match the organisation's name" }],
      messageKey,
    });
}

/** Owner and typed name, or a clear refusal (403 / 400 problem in the API, a message in the portal). */
export async function requireTransferConsent(ctx: Ctx, kind: TransferKind, confirmName: string | undefined) {
  if (!(await actsAsOwner(ctx))) {
    await auditCtx(ctx, "tenant.transfer_refused", "tenant", ctx.tenant.id, { kind }, "denied");
    throw new ApiError(
      "forbidden",
      "Only an owner of the organisation may transfer call data outside the EU (an API key acts with its creator's role)",
      { messageKey: "transfer.error.owner" },
    );
  }
  checkConfirmName(ctx, confirmName, "transfer.error.name");
}

/** After the change: the audit entry and a mail to every owner and admin, each in their language. */
export async function recordTransfer(ctx: Ctx, kind: TransferKind, preview: TransferPreview) {
  await auditCtx(ctx, "tenant.transfer_confirmed", "tenant", ctx.tenant.id, {
    kind,
    subprocessors: preview.outsideEu.map((s) => s.name).join(", ") || null,
  });
  for (const a of await tenantAdminContacts(ctx.env, ctx.tenant.id)) {
    const locale: Locale = isLocale(a.locale) ? a.locale : ctx.tenant.defaultLocale;
    const params = {
      tenant: ctx.tenant.name,
      // In the reader's words too: a key is named as one, not with an English "API key".
      who:
        ctx.actor.type === "user"
          ? ctx.actor.email
          : t(locale, "transfer.mail.who_key", { key: ctx.actor.id ?? "" }),
      what: t(locale, `transfer.${kind}.what`),
      list: preview.outsideEu.map((s) => `- ${s.name} (${s.endpoint}, ${s.mechanism})`).join("\n") || "-",
      url: new URL("/governance", ctx.env.APP_URL).toString(),
    };
    await sendMail(ctx.env, {
      to: a.email,
      tenantId: ctx.tenant.id,
      kind: "transfer.confirmed",
      locale,
      subject: t(locale, "transfer.mail.subject", params),
      text: t(locale, "transfer.mail.body", params),
    });
  }
}
