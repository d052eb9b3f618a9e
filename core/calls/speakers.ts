import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { dataPlane } from "../../db/resolver";
import { type Call, calls } from "../../db/schema/data";
import type { RoleResolution, Segment, SpeakerRole, Transcript } from "../content/transcripts/model";
import { speakerKey } from "../content/transcripts/speakers";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { ApiError } from "../platform/errors";
import { startProcessing } from "./pipeline";
import { readTranscript, transcriptKey } from "./transcript-store";

/**
 * The voices of a transcript and the correction of their roles (B2, C2). A person who sees that
 * the resolver took the customer for the agent swaps them, or assigns each voice, from the call's
 * page or `PUT /calls/{id}/speakers`; the transcript is stored again with `roles.source: "manual"`
 * and the call is analysed again. Human review state is untouched (reviews are rows of their own,
 * never rewritten by an analysis), and no minutes are billed again: usage is recorded once per
 * call (core/billing/metering.ts), so the new analysis finds its minutes already there.
 */

export interface SpeakerView {
  /** Identifies the voice in a correction: its label, its channel, or `role:<role>` without either. */
  key: string;
  label: string | null;
  channel: number | null;
  role: SpeakerRole;
  segments: number;
  /** When the voice first speaks, in seconds from the start. */
  firstAtS: number;
}

const keyOf = (s: Segment) => speakerKey(s) ?? `role:${s.speaker}`;

/** One entry per voice, in the order they first speak. */
export function speakersOf(t: Transcript): SpeakerView[] {
  const out = new Map<string, SpeakerView>();
  for (const s of t.segments) {
    const key = keyOf(s);
    const cur = out.get(key);
    if (cur) {
      cur.segments++;
      cur.firstAtS = Math.min(cur.firstAtS, s.startS);
      continue;
    }
    out.set(key, {
      key,
      label: s.speakerLabel ?? null,
      channel: s.channel ?? null,
      role: s.speaker,
      segments: 1,
      firstAtS: s.startS,
    });
  }
  return [...out.values()].sort((a, b) => a.firstAtS - b.firstAtS);
}

export const speakersInputSchema = z
  .object({
    /** Exchange agent and customer everywhere. */
    swap: z.literal(true).optional(),
    /** Role per voice, by the `key` of `GET …/speakers`. */
    roles: z.record(z.string().min(1).max(120), z.enum(["agent", "customer"])).optional(),
  })
  .strict()
  .refine((v) => (v.swap === true) !== (v.roles !== undefined && Object.keys(v.roles).length > 0), {
    message: 'give either "swap": true or "roles" with at least one voice',
    path: ["roles"],
  });
export type SpeakersInput = z.infer<typeof speakersInputSchema>;

/** The transcript with the correction applied (pure). Unknown voice keys are a 422 naming them. */
export function applySpeakerCorrection(t: Transcript, input: SpeakersInput): Segment[] {
  if (input.swap) {
    const flip: Record<SpeakerRole, SpeakerRole> = {
      agent: "customer",
      customer: "agent",
      unknown: "unknown",
    };
    return t.segments.map((s) => ({ ...s, speaker: flip[s.speaker] }));
  }
  const roles = new Map(Object.entries(input.roles ?? {}));
  const known = new Set(speakersOf(t).map((v) => v.key));
  const unknown = [...roles.keys()].filter((k) => !known.has(k));
  if (unknown.length)
    throw new ApiError(
      "unprocessable",
      `No voice ${unknown.map((k) => JSON.stringify(k)).join(", ")} in this transcript; the voices are ${[...known].map((k) => JSON.stringify(k)).join(", ")}`,
      { errors: unknown.map((k) => ({ pointer: `/roles/${k}`, detail: "not a voice of this transcript" })) },
    );
  return t.segments.map((s) => {
    const role = roles.get(keyOf(s));
    return role ? { ...s, speaker: role } : s;
  });
}

export async function getSpeakers(ctx: Ctx, call: Call) {
  const t = await readTranscript(ctx, call);
  if (!t) throw new ApiError("not_found", "This call has no transcript yet");
  return { roles: t.roles ?? null, speakers: speakersOf(t) };
}

/** Swap or assign roles, store the transcript, analyse the call again (when something changed). */
export async function correctSpeakers(ctx: Ctx, call: Call, raw: unknown): Promise<Call> {
  const input = speakersInputSchema.parse(raw);
  const t = await readTranscript(ctx, call);
  if (!t) throw new ApiError("conflict", "This call has no transcript yet: there are no speakers to correct");
  const segments = applySpeakerCorrection(t, input);
  if (segments.every((s, i) => s.speaker === t.segments[i].speaker)) return call;
  const agent = segments.find((s) => s.speaker === "agent");
  const roles: RoleResolution = {
    source: "manual",
    ...(agent ? { agent: keyOf(agent) } : {}),
    by: ctx.actor.type === "system" ? "system" : ctx.actor.id,
    at: Date.now(),
  };
  const dp = dataPlane(ctx.env, ctx.tenant);
  // The text is unchanged, so the full-text index entry stays as it is.
  await dp.bucket.put(transcriptKey(ctx, call.id), JSON.stringify({ ...t, segments, roles }), {
    httpMetadata: { contentType: "application/json" },
  });
  const [updated] = await dp.db
    .update(calls)
    .set({ txRoleSource: "manual", updatedAt: Date.now() })
    .where(and(eq(calls.id, call.id), eq(calls.tenantId, ctx.tenant.id)))
    .returning();
  if (!updated) throw new ApiError("not_found", "Call not found");
  await auditCtx(ctx, "call.speakers_corrected", "call", call.id, {
    swap: input.swap === true,
    assigned: Object.keys(input.roles ?? {}).length,
  });
  return { ...updated, status: await startProcessing(ctx.env, ctx.tenant, updated) };
}
