import { and, asc, eq, gt } from "drizzle-orm";
import { type DataPlane, dataPlane } from "../../db/resolver";
import type { PrivacyRequest, Tenant } from "../../db/schema/control";
import { analyses, type Call, calls } from "../../db/schema/data";
import { effectiveRetention } from "../governance/retention";
import { decryptString } from "../platform/crypto";
import { type CsvValue, csvRow } from "../platform/exports/csv";
import { writeZipToR2, type ZipEntry } from "../platform/exports/zip";
import { type Locale, t } from "../platform/i18n";
import { calibrationAboutAgent } from "../quality/calibration";
import { reviewsAboutAgent } from "../quality/reviews";

/**
 * The access / portability export of one person (F3, GDPR art. 15 and 20): a ZIP in the tenant's
 * own bucket (its data location), built by a durable job and downloaded through an expiring link.
 *
 *   README.txt          what is inside, in the tenant's language
 *   information.json    the art. 15 information: purposes, categories, recipients, retention,
 *                       source, automated processing, location and transfers, rights
 *   subject.json        who the export is about (the caller's number, or the agent's record)
 *   calls.json          every call of the person (metadata), machine-readable
 *   calls.csv           the same, one line per call
 *   calls/<id>/transcript.json           redacted transcript (segments, speakers, times)
 *   calls/<id>/analyses/<analysisId>.json  evaluations (access only: derived data is not "provided")
 *   recordings/<id>.<ext>                the audio as stored (access, caller subject)
 *   reviews.json        human reviews of the agent's calls (access, agent subject; no reviewer ids)
 *   calibration.json    calibration answers on the agent's calls (access, agent subject; idem)
 *
 * Calls are read in keyset pages of PAGE rows; bodies stream from R2 into the ZIP (flat memory).
 * An agent's export masks callers' numbers (art. 15(4): others' rights) and leaves out the
 * recordings, which carry the callers' voices; the transcripts are already redacted.
 */
const PAGE = 100;

export interface ExportPlan {
  tenant: Tenant;
  request: PrivacyRequest;
  locale: Locale;
  now: number;
}

function subjectCond(r: PrivacyRequest) {
  return r.subjectType === "caller" ? eq(calls.phoneHash, r.subjectRef) : eq(calls.agentId, r.subjectRef);
}

/** The person's calls, page by page, in id order (stable, resumable). */
async function* callPages(dp: DataPlane, r: PrivacyRequest): AsyncGenerator<Call[]> {
  let after = "";
  for (;;) {
    const rows = await dp.db
      .select()
      .from(calls)
      .where(and(eq(calls.tenantId, dp.tenantId), subjectCond(r), gt(calls.id, after)))
      .orderBy(asc(calls.id))
      .limit(PAGE);
    if (rows.length) yield rows;
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1].id;
  }
}

async function phoneOf(env: Env, tenantId: string, c: Call, clear: boolean): Promise<string | null> {
  if (!clear || !c.phoneEnc) return c.phoneMasked;
  try {
    return await decryptString(env.ENCRYPTION_KEY, c.phoneEnc, `phone:${tenantId}`);
  } catch {
    return c.phoneMasked;
  }
}

async function callRecord(env: Env, tenantId: string, c: Call, clearPhone: boolean) {
  return {
    id: c.id,
    externalId: c.externalId,
    startedAt: new Date(c.startedAt).toISOString(),
    durationS: c.durationS,
    direction: c.direction,
    customerPhone: await phoneOf(env, tenantId, c, clearPhone),
    agentId: c.agentId,
    team: c.team,
    queue: c.queue,
    campaign: c.campaign,
    language: c.language,
    tags: c.tags ?? [],
    status: c.status,
    holdReason: c.holdReason,
    score: c.score,
    passed: c.passed,
    recording: c.recKey
      ? {
          format: c.recFormat,
          mimeType: c.recMime,
          size: c.recSize,
          sha256: c.recSha256,
          durationS: c.recDurationS,
        }
      : null,
    transcript: c.txFormat ? { format: c.txFormat, segments: c.txSegments, words: c.txWords } : null,
    createdAt: new Date(c.createdAt).toISOString(),
  };
}

const CSV_COLUMNS = [
  "id",
  "externalId",
  "startedAt",
  "durationS",
  "direction",
  "customerPhone",
  "agentId",
  "team",
  "queue",
  "campaign",
  "language",
  "tags",
  "status",
  "score",
  "passed",
] as const;

/** A list (tags) is one `|`-separated cell; the cell rule itself is the product's one (exports/csv). */
function csvValue(v: unknown): CsvValue {
  if (Array.isArray(v)) return v.join("|");
  return typeof v === "object" && v !== null ? JSON.stringify(v) : (v as CsvValue);
}

const enc = new TextEncoder();

/** A byte stream pulled page by page (memory: one page of calls). */
function pagedStream(
  pages: () => AsyncGenerator<Call[]>,
  render: {
    head: string;
    row: (c: Call, first: boolean) => Promise<string>;
    tail: string;
  },
): ReadableStream<Uint8Array> {
  let it: AsyncGenerator<Call[]> | null = null;
  let first = true;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!it) {
        it = pages();
        controller.enqueue(enc.encode(render.head));
      }
      const next = await it.next();
      if (next.done) {
        controller.enqueue(enc.encode(render.tail));
        controller.close();
        return;
      }
      let out = "";
      for (const c of next.value) {
        out += await render.row(c, first);
        first = false;
      }
      controller.enqueue(enc.encode(out));
    },
  });
}

/** The art. 15 information, from the tenant's own settings (retention, location, providers). */
export function article15Information(tenant: Tenant, locale: Locale) {
  const _ = (k: Parameters<typeof t>[1], p?: Record<string, string | number>) => t(locale, k, p);
  const ret = effectiveRetention(tenant);
  const providers: string[] = [];
  if (tenant.speechProvider !== "none") providers.push(tenant.speechProvider);
  if (tenant.analysisProvider !== "builtin") providers.push(tenant.analysisProvider);
  return {
    controller: tenant.name,
    processor: _("privacy.info.processor"),
    purposes: [
      _("privacy.info.purpose.quality"),
      _("privacy.info.purpose.coaching"),
      _("privacy.info.purpose.reporting"),
    ],
    categories: [
      _("privacy.info.category.metadata"),
      _("privacy.info.category.phone"),
      _("privacy.info.category.recording"),
      _("privacy.info.category.transcript"),
      _("privacy.info.category.analysis"),
    ],
    recipients: [
      _("privacy.info.recipient.tenant", { tenant: tenant.name }),
      _("privacy.info.recipient.processor"),
      ...(providers.length
        ? [_("privacy.info.recipient.providers", { providers: providers.join(", ") })]
        : []),
    ],
    retention: {
      recordingsDays: ret.recordings,
      transcriptsDays: ret.transcripts,
      analysesDays: ret.analyses,
      exportsDays: ret.exports,
      text: _("privacy.info.retention", {
        recordings: ret.recordings,
        transcripts: ret.transcripts,
        analyses: ret.analyses,
      }),
    },
    source: _("privacy.info.source", { tenant: tenant.name }),
    automatedProcessing: _("privacy.info.automated"),
    location: {
      storage: tenant.location,
      processingScope: tenant.processingScope,
      text: _(
        tenant.processingScope === "international"
          ? "privacy.info.transfers.international"
          : "privacy.info.transfers.in_region",
        {
          location: tenant.location.toUpperCase(),
        },
      ),
    },
    rights: [
      _("privacy.info.right.access"),
      _("privacy.info.right.rectification"),
      _("privacy.info.right.erasure"),
      _("privacy.info.right.restriction"),
      _("privacy.info.right.objection"),
      _("privacy.info.right.portability"),
      _("privacy.info.right.consent"),
      _("privacy.info.right.complaint"),
    ],
  };
}

export const exportKeyOf = (dp: DataPlane, requestId: string) => dp.key("privacy", requestId, "export.zip");

/** Streams the whole export into the tenant's bucket. Idempotent: the same key is rewritten. */
export async function buildSubjectExport(env: Env, plan: ExportPlan) {
  const { tenant, request: r, locale, now } = plan;
  const dp = dataPlane(env, tenant);
  const full = r.kind === "access";
  const caller = r.subjectType === "caller";
  const pages = () => callPages(dp, r);
  const _ = (k: Parameters<typeof t>[1], p?: Record<string, string | number>) => t(locale, k, p);

  async function subject() {
    if (caller) {
      let phone: string | null = null;
      for await (const page of pages()) {
        phone = await phoneOf(env, tenant.id, page[0], true);
        break;
      }
      return { type: "caller", phone: phone ?? r.subjectLabel };
    }
    const a = await dp.db.query.agents.findFirst({
      where: (ag, { and: a2, eq: e }) => a2(e(ag.id, r.subjectRef), e(ag.tenantId, tenant.id)),
    });
    return {
      type: "agent",
      agent: a
        ? {
            id: a.id,
            externalId: a.externalId,
            name: a.name,
            team: a.team,
            createdAt: new Date(a.createdAt).toISOString(),
          }
        : { id: r.subjectRef },
    };
  }

  async function* entries(): AsyncGenerator<ZipEntry> {
    yield {
      name: "README.txt",
      data: _(full ? "privacy.export.readme.access" : "privacy.export.readme.portability", {
        tenant: tenant.name,
        date: new Date(now).toISOString().slice(0, 10),
        id: r.id,
      }),
    };
    yield { name: "information.json", data: JSON.stringify(article15Information(tenant, locale), null, 2) };
    yield { name: "subject.json", data: JSON.stringify(await subject(), null, 2) };
    yield {
      name: "calls.json",
      compress: true,
      data: pagedStream(pages, {
        head: "[\n",
        row: async (c, first) =>
          `${first ? "" : ",\n"}${JSON.stringify(await callRecord(env, tenant.id, c, caller))}`,
        tail: "\n]\n",
      }),
    };
    yield {
      name: "calls.csv",
      compress: true,
      data: pagedStream(pages, {
        head: csvRow(CSV_COLUMNS),
        row: async (c) => {
          const rec = (await callRecord(env, tenant.id, c, caller)) as Record<string, unknown>;
          return csvRow(CSV_COLUMNS.map((k) => csvValue(rec[k])));
        },
        tail: "",
      }),
    };
    for await (const page of pages()) {
      for (const c of page) {
        if (c.txFormat) {
          const o = await dp.bucket.get(dp.key("calls", c.id, "transcript.json"));
          if (o) yield { name: `calls/${c.id}/transcript.json`, data: o.body, compress: true };
        }
        if (full) {
          const rows = await dp.db
            .select({ id: analyses.id, resultKey: analyses.resultKey })
            .from(analyses)
            .where(and(eq(analyses.tenantId, tenant.id), eq(analyses.callId, c.id)));
          for (const a of rows) {
            const o = await dp.bucket.get(a.resultKey);
            if (o) yield { name: `calls/${c.id}/analyses/${a.id}.json`, data: o.body, compress: true };
          }
        }
        if (full && caller && c.recKey) {
          const o = await dp.bucket.get(c.recKey);
          const ext = (c.recFormat ?? "bin").replace(/[^a-z0-9]/gi, "").slice(0, 8) || "bin";
          if (o) yield { name: `recordings/${c.id}.${ext}`, data: o.body };
        }
      }
    }
  }

  // An agent's access export holds the evaluations of them: reviews and calibration answers too.
  async function* withEvaluations(): AsyncGenerator<ZipEntry> {
    yield* entries();
    if (!full || caller) return;
    yield {
      name: "reviews.json",
      data: JSON.stringify(await reviewsAboutAgent(env, tenant, r.subjectRef), null, 2),
    };
    yield {
      name: "calibration.json",
      data: JSON.stringify(await calibrationAboutAgent(env, tenant, r.subjectRef), null, 2),
    };
  }

  return writeZipToR2(dp.bucket, exportKeyOf(dp, r.id), withEvaluations(), {
    mtime: now,
    customMetadata: { requestId: r.id, kind: r.kind },
  });
}
