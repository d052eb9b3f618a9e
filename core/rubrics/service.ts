import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { dataPlane } from "../../db/resolver";
import type { Tenant } from "../../db/schema/control";
import { calls, type Rubric, rubrics, rubricVersions } from "../../db/schema/data";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError, isUniqueViolation, notFound } from "../platform/errors";
import { isRubricLanguage, parseGridInput, storedGrid } from "../scoring/rubric-language";
import {
  type GridVersion,
  type RubricGrid,
  type RubricLanguage,
  rubricLanguage,
} from "../scoring/rubric-model";
import { TEMPLATES } from "../scoring/templates";

/**
 * Rubric CRUD with versions (C4). A version never changes: editing a rubric creates version
 * n+1, and every analysis names the version it used. One rubric per tenant is the default; when
 * a tenant has none, the general customer-service template (every language) becomes it. A version's
 * content is a multilingual grid (model.ts); ./language.ts picks a call's language before judging.
 */
export interface RubricView {
  id: string;
  name: string;
  templateId: string | null;
  isDefault: boolean;
  latestVersion: number;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
  content?: RubricGrid;
}

const view = (r: Rubric, content?: RubricGrid): RubricView => ({
  id: r.id,
  name: r.name,
  templateId: r.templateId,
  isDefault: r.isDefault,
  latestVersion: r.latestVersion,
  archived: r.archivedAt !== null,
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
  ...(content ? { content } : {}),
});

/** The tenant's language: names of grids made for it, and the last resort for a call's language. */
export const localeOf = (tenant: Pick<Tenant, "defaultLocale">) =>
  tenant.defaultLocale === "en" ? "en" : "fr";

export function listTemplates() {
  return TEMPLATES.map((t) => ({ id: t.id, name: t.name, languages: Object.keys(t.versions) }));
}

/** A grid, or a single-language grid of older clients (its wording becomes its language's). */
function parseContent(raw: unknown): RubricGrid {
  const r = parseGridInput(raw);
  if (!r.success)
    throw new ApiError("validation_failed", r.error.issues[0]?.message ?? "invalid rubric", {
      errors: r.error.issues.map((i) => ({ pointer: `/content/${i.path.join("/")}`, detail: i.message })),
    });
  return r.data;
}

export const createRubricSchema = z.union([
  z.object({
    name: z.string().trim().min(1).max(200),
    content: z.unknown(),
    isDefault: z.boolean().optional(),
  }),
  z.object({
    name: z.string().trim().min(1).max(200).optional(),
    templateId: z.string().min(1).max(60),
    /** The name's language; the grid holds every language of the template. */
    language: rubricLanguage.optional(),
    isDefault: z.boolean().optional(),
  }),
]);

async function insertRubric(
  env: Env,
  tenant: Tenant,
  name: string,
  templateId: string | null,
  content: RubricGrid,
  isDefault: boolean,
  actorId: string | null,
) {
  const dp = dataPlane(env, tenant);
  const now = Date.now();
  const id = newId("rub");
  const stmts = [];
  if (isDefault)
    stmts.push(dp.db.update(rubrics).set({ isDefault: false }).where(eq(rubrics.tenantId, tenant.id)));
  stmts.push(
    dp.db.insert(rubrics).values({
      id,
      tenantId: tenant.id,
      name,
      templateId,
      isDefault,
      latestVersion: 1,
      createdAt: now,
      updatedAt: now,
    }),
    dp.db
      .insert(rubricVersions)
      .values({ rubricId: id, tenantId: tenant.id, version: 1, content, createdBy: actorId, createdAt: now }),
  );
  await dp.db.batch(stmts as never);
  return id;
}

export async function createRubric(ctx: Ctx, raw: z.input<typeof createRubricSchema>): Promise<RubricView> {
  const input = createRubricSchema.parse(raw);
  let name: string;
  let templateId: string | null = null;
  let content: RubricGrid;
  if ("templateId" in input) {
    const tpl = TEMPLATES.find((t) => t.id === input.templateId);
    if (!tpl)
      throw new ApiError("validation_failed", "unknown templateId", {
        errors: [{ pointer: "/templateId", detail: "unknown" }],
      });
    templateId = tpl.id;
    content = tpl.grid;
    name = input.name ?? tpl.name[input.language ?? localeOf(ctx.tenant)];
  } else {
    name = input.name;
    content = parseContent(input.content);
  }
  const id = await insertRubric(
    ctx.env,
    ctx.tenant,
    name,
    templateId,
    content,
    input.isDefault ?? false,
    ctx.actor.id,
  );
  await auditCtx(ctx, "rubric.created", "rubric", id, { templateId });
  return getRubric(ctx, id);
}

async function findRubric(env: Env, tenant: Tenant, id: string) {
  const dp = dataPlane(env, tenant);
  const r = await dp.db.query.rubrics.findFirst({
    where: and(eq(rubrics.id, id), eq(rubrics.tenantId, tenant.id)),
  });
  if (!r) throw notFound("Rubric");
  return r;
}

export async function getRubricVersion(
  env: Env,
  tenant: Tenant,
  rubricId: string,
  version?: number,
): Promise<GridVersion> {
  const r = await findRubric(env, tenant, rubricId);
  const v = version ?? r.latestVersion;
  const dp = dataPlane(env, tenant);
  const row = await dp.db.query.rubricVersions.findFirst({
    where: and(
      eq(rubricVersions.rubricId, r.id),
      eq(rubricVersions.version, v),
      eq(rubricVersions.tenantId, tenant.id),
    ),
  });
  if (!row) throw notFound("Rubric version");
  return { ...storedGrid(row.content), rubricId: r.id, version: v };
}

export async function getRubric(ctx: Ctx, id: string): Promise<RubricView> {
  const r = await findRubric(ctx.env, ctx.tenant, id);
  const v = await getRubricVersion(ctx.env, ctx.tenant, id);
  const { rubricId: _r, version: _v, ...content } = v;
  return view(r, content);
}

export async function listRubrics(ctx: Ctx): Promise<RubricView[]> {
  await defaultRubricVersion(ctx.env, ctx.tenant);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const rows = await dp.db
    .select()
    .from(rubrics)
    .where(and(eq(rubrics.tenantId, ctx.tenant.id), isNull(rubrics.archivedAt)))
    .orderBy(desc(rubrics.isDefault), asc(rubrics.name));
  return rows.map((r) => view(r));
}

/** A new version (n+1) with new content; the previous versions stay as they were. */
export async function createRubricVersion(
  ctx: Ctx,
  rubricId: string,
  rawContent: unknown,
): Promise<RubricView> {
  const r = await findRubric(ctx.env, ctx.tenant, rubricId);
  const content = parseContent(rawContent);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const version = r.latestVersion + 1;
  const now = Date.now();
  try {
    await dp.db.batch([
      dp.db.insert(rubricVersions).values({
        rubricId: r.id,
        tenantId: ctx.tenant.id,
        version,
        content,
        createdBy: ctx.actor.id,
        createdAt: now,
      }),
      dp.db
        .update(rubrics)
        .set({ latestVersion: version, updatedAt: now })
        .where(and(eq(rubrics.id, r.id), eq(rubrics.latestVersion, r.latestVersion))),
    ]);
  } catch (e) {
    if (isUniqueViolation(e))
      throw new ApiError(
        "conflict",
        "Someone saved a new version of this rubric at the same time; reload and try again",
      );
    throw e;
  }
  await auditCtx(ctx, "rubric.version_created", "rubric", r.id, { version });
  return getRubric(ctx, r.id);
}

export async function updateRubric(
  ctx: Ctx,
  rubricId: string,
  patch: { name?: string; isDefault?: boolean; archived?: boolean },
) {
  const r = await findRubric(ctx.env, ctx.tenant, rubricId);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const now = Date.now();
  const stmts = [];
  if (patch.isDefault)
    stmts.push(dp.db.update(rubrics).set({ isDefault: false }).where(eq(rubrics.tenantId, ctx.tenant.id)));
  stmts.push(
    dp.db
      .update(rubrics)
      .set({
        ...(patch.name ? { name: patch.name } : {}),
        ...(patch.isDefault !== undefined ? { isDefault: patch.isDefault } : {}),
        ...(patch.archived !== undefined ? { archivedAt: patch.archived ? now : null } : {}),
        // An archived rubric stops being the default (one default per tenant, among live grids).
        ...(patch.archived ? { isDefault: false } : {}),
        updatedAt: now,
      })
      .where(eq(rubrics.id, r.id)),
  );
  await dp.db.batch(stmts as never);
  await auditCtx(ctx, "rubric.updated", "rubric", r.id);
  return getRubric(ctx, r.id);
}

export async function listRubricVersions(ctx: Ctx, rubricId: string) {
  const r = await findRubric(ctx.env, ctx.tenant, rubricId);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const rows = await dp.db
    .select({
      version: rubricVersions.version,
      createdAt: rubricVersions.createdAt,
      createdBy: rubricVersions.createdBy,
    })
    .from(rubricVersions)
    .where(and(eq(rubricVersions.rubricId, r.id), eq(rubricVersions.tenantId, ctx.tenant.id)))
    .orderBy(desc(rubricVersions.version));
  return rows.map((v) => ({ ...v, createdAt: new Date(v.createdAt).toISOString() }));
}

/**
 * The tenant's default rubric (latest version), created from the general template if none exists.
 * Parallel first analyses all get here at once: the insert is an insert-or-ignore against the
 * one-default-per-tenant unique index, and the version is inserted in the same batch only if its
 * rubric row went in, so exactly one grid exists and every caller reads that one.
 */
export async function defaultRubricVersion(env: Env, tenant: Tenant): Promise<GridVersion> {
  const dp = dataPlane(env, tenant);
  const findDefault = () =>
    dp.db.query.rubrics.findFirst({
      where: and(eq(rubrics.tenantId, tenant.id), eq(rubrics.isDefault, true), isNull(rubrics.archivedAt)),
    });
  const found = await findDefault();
  if (found) return getRubricVersion(env, tenant, found.id);
  const tpl = TEMPLATES[0];
  const id = newId("rub");
  const now = Date.now();
  await dp.db.batch([
    dp.db
      .insert(rubrics)
      .values({
        id,
        tenantId: tenant.id,
        name: tpl.name[localeOf(tenant)],
        templateId: tpl.id,
        isDefault: true,
        latestVersion: 1,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing(),
    dp.db.insert(rubricVersions).select(
      dp.db
        .select({
          rubricId: rubrics.id,
          tenantId: rubrics.tenantId,
          version: sql<number>`1`.as("version"),
          content: sql<string>`${JSON.stringify(tpl.grid)}`.as("content"),
          createdBy: sql<null>`null`.as("created_by"),
          createdAt: sql<number>`${now}`.as("created_at"),
        })
        .from(rubrics)
        .where(eq(rubrics.id, id)),
    ),
  ]);
  const winner = await findDefault();
  if (!winner) throw new Error("default rubric missing after insert-or-ignore");
  return getRubricVersion(env, tenant, winner.id);
}

/** How many of the latest calls say which languages a tenant's calls are in (bounded, by index). */
const RECENT_CALLS = 500;

/**
 * The languages the tenant's calls are in: its own language and those of its latest calls — the
 * languages a grid needs phrases in (the editor warns about the others).
 */
export async function tenantCallLanguages(env: Env, tenant: Tenant): Promise<RubricLanguage[]> {
  const dp = dataPlane(env, tenant);
  const recent = dp.db
    .select({ language: calls.language })
    .from(calls)
    .where(eq(calls.tenantId, tenant.id))
    .orderBy(desc(calls.startedAt))
    .limit(RECENT_CALLS)
    .as("recent");
  const rows = await dp.db.selectDistinct({ language: recent.language }).from(recent);
  const langs = new Set<RubricLanguage>([localeOf(tenant)]);
  for (const r of rows) if (isRubricLanguage(r.language)) langs.add(r.language);
  return [...langs];
}
