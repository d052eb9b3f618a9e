import { and, asc, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { dataPlane } from "../../db/resolver";
import type { Tenant } from "../../db/schema/control";
import { type Rubric, rubrics, rubricVersions } from "../../db/schema/data";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError, isUniqueViolation, notFound } from "../platform/errors";
import { type RubricVersion, type RubricVersionContent, rubricVersionSchema } from "../scoring/rubric-model";
import { TEMPLATES } from "../scoring/templates";

/**
 * Rubric CRUD with versions (C4). A version never changes: editing a rubric creates version
 * n+1, and every analysis names the version it used. One rubric per tenant is the default; when
 * a tenant has none, the general customer-service template in the tenant's language becomes it.
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
  content?: RubricVersionContent;
}

const view = (r: Rubric, content?: RubricVersionContent): RubricView => ({
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

export function listTemplates() {
  return TEMPLATES.map((t) => ({ id: t.id, name: t.name, languages: Object.keys(t.versions) }));
}

function parseContent(raw: unknown): RubricVersionContent {
  const r = rubricVersionSchema.safeParse(raw);
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
    language: z.enum(["fr", "en"]),
    isDefault: z.boolean().optional(),
  }),
]);

async function insertRubric(
  env: Env,
  tenant: Tenant,
  name: string,
  templateId: string | null,
  content: RubricVersionContent,
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
  let content: RubricVersionContent;
  if ("templateId" in input) {
    const tpl = TEMPLATES.find((t) => t.id === input.templateId);
    if (!tpl)
      throw new ApiError("validation_failed", "unknown templateId", {
        errors: [{ pointer: "/templateId", detail: "unknown" }],
      });
    templateId = tpl.id;
    content = tpl.versions[input.language];
    name = input.name ?? tpl.name[input.language];
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
): Promise<RubricVersion> {
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
  return { ...(row.content as RubricVersionContent), rubricId: r.id, version: v };
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

/** The tenant's default rubric (latest version), created from the general template if none exists. */
export async function defaultRubricVersion(env: Env, tenant: Tenant): Promise<RubricVersion> {
  const dp = dataPlane(env, tenant);
  const r = await dp.db.query.rubrics.findFirst({
    where: and(eq(rubrics.tenantId, tenant.id), eq(rubrics.isDefault, true), isNull(rubrics.archivedAt)),
  });
  if (r) return getRubricVersion(env, tenant, r.id);
  const tpl = TEMPLATES[0];
  const lang = tenant.defaultLocale === "en" ? "en" : "fr";
  const id = await insertRubric(env, tenant, tpl.name[lang], tpl.id, tpl.versions[lang], true, null);
  return getRubricVersion(env, tenant, id);
}
