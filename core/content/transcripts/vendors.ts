import { z } from "zod";
import type { At, DraftSegment } from "./finalize";
import { describe } from "./lines";
import { TranscriptError } from "./model";
import { mapSpeaker } from "./speakers";

/**
 * The JSON that speech-to-text tools write (B2), recognised by shape and turned into our
 * segments. Each reader follows the vendor's documented output:
 *
 * - Deepgram `POST /v1/listen`: `results.utterances[]` (`start`, `end` in s, `transcript`,
 *   `speaker`, `channel`), or without utterances the words of `results.channels[].alternatives[0]`
 *   grouped into turns by speaker;
 * - AssemblyAI transcript: `utterances[]` (`start`, `end` in ms, `text`, `speaker` "A",
 *   `channel` "1"…), or its `words[]` grouped by speaker;
 * - AWS Transcribe: `results.audio_segments[]` when present, else `results.items[]` (times as
 *   strings, `pronunciation` and `punctuation` items) grouped by `speaker_label` / `channel_label`,
 *   with the speakers of `results.speaker_labels.segments` or the channels of
 *   `results.channel_labels` when the items do not carry them;
 * - AWS Transcribe Call Analytics: `Transcript[]` (`Content`, `BeginOffsetMillis`,
 *   `EndOffsetMillis`, `ParticipantRole` AGENT / CUSTOMER — roles given by the source).
 *
 * WhisperX / faster-whisper (`segments[].speaker`), OpenAI `diarized_json` and our own export are
 * `{ segments: [...] }` and read by json.ts. Channels are kept only when the source has more than
 * one (a mono call's `channel: 0` everywhere says nothing about who speaks).
 */
export type VendorShape = "deepgram" | "assemblyai" | "aws" | "aws_call_analytics";

export interface VendorTranscript {
  drafts: DraftSegment[];
  language?: "fr" | "en";
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Which vendor wrote this JSON, or null for a `{ segments }` document (or anything else). */
export function vendorShape(v: unknown): VendorShape | null {
  if (!isObj(v)) return null;
  if (
    Array.isArray(v.Transcript) &&
    (v.JobStatus !== undefined || v.Participants !== undefined || looksTca(v.Transcript))
  )
    return "aws_call_analytics";
  if (isObj(v.results)) {
    const r = v.results;
    if (Array.isArray(r.items) || Array.isArray(r.transcripts) || Array.isArray(r.audio_segments))
      return "aws";
    if (Array.isArray(r.utterances) || Array.isArray(r.channels)) return "deepgram";
  }
  if (Array.isArray(v.utterances) && v.segments === undefined) return "assemblyai";
  return null;
}

const looksTca = (t: unknown[]) => isObj(t[0]) && ("ParticipantRole" in t[0] || "BeginOffsetMillis" in t[0]);

/** `fr-FR`, `fr`, `en_us` → fr / en; anything else → undefined. */
function lang(v: unknown): "fr" | "en" | undefined {
  const l = typeof v === "string" ? v.slice(0, 2).toLowerCase() : "";
  return l === "fr" || l === "en" ? l : undefined;
}

/**
 * zod issue → `results.utterances[3].start: <message>`: the failing field named as in the file,
 * and as a JSON pointer (`/results/utterances/3/start`). `prefix` is the array's path.
 */
function fail(prefix: string, error: z.ZodError, data: unknown): never {
  const issue = error.issues[0];
  let path = prefix;
  let value: unknown = data;
  for (const p of issue.path) {
    path += typeof p === "number" ? `[${p}]` : `${path ? "." : ""}${String(p)}`;
    value = isObj(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[p] : undefined;
  }
  const field = `/${path
    .replace(/\[(\d+)\]/g, ".$1")
    .split(".")
    .join("/")}`;
  const last = issue.path[issue.path.length - 1];
  const msg = value === undefined && last !== undefined ? `\`${String(last)}\` is required` : issue.message;
  const segment = typeof issue.path[0] === "number" ? issue.path[0] : undefined;
  throw new TranscriptError("invalid_segment", `${path}: ${msg}`, {
    field,
    ...(segment !== undefined ? { segment } : {}),
  });
}

/** Where element `i` of the array at `prefix` is, for messages and pointers. */
const atOf = (prefix: string, i: number): At => ({
  segment: i,
  path: `${prefix}[${i}]`,
  field: `/${prefix.split(".").join("/")}/${i}`,
});

const num = (what: string) =>
  z.number({ error: `must be a number (${what})` }).min(0, { error: `must be ≥ 0 (${what})` });
/** AWS writes times and confidences as strings: "4.87". */
const awsTime = z
  .union(
    [
      z.string().regex(/^\d+(?:\.\d+)?$/, { error: 'must be a time in seconds, e.g. "4.87"' }),
      z.number().min(0),
    ],
    {
      error: 'must be a time in seconds, e.g. "4.87"',
    },
  )
  .transform(Number);

/** Consecutive words of one voice → turns; `text` joins words with spaces. */
function groupWords(
  words: { text: string; start: number; end: number; key: string; speaker?: unknown; channel?: number }[],
  at: (i: number) => At,
): DraftSegment[] {
  const out: DraftSegment[] = [];
  let key: string | null = null;
  words.forEach((w, i) => {
    const cur = out[out.length - 1];
    if (cur && key === w.key) {
      cur.text += ` ${w.text}`;
      cur.endS = Math.max(cur.endS, w.end);
      return;
    }
    key = w.key;
    const who = mapSpeaker(w.speaker);
    const d: DraftSegment = {
      speaker: who.speaker,
      startS: w.start,
      endS: Math.max(w.start, w.end),
      text: w.text,
      at: at(i),
    };
    if (who.speakerLabel) d.speakerLabel = who.speakerLabel;
    if (w.channel !== undefined) d.channel = w.channel;
    out.push(d);
  });
  return out;
}

/** Drops channels when the source has one only. */
function keepChannels(drafts: DraftSegment[]): DraftSegment[] {
  const channels = new Set(drafts.map((d) => d.channel).filter((c) => c !== undefined));
  if (channels.size > 1) return drafts;
  return drafts.map(({ channel: _c, ...d }) => d);
}

function draft(
  text: string,
  startS: number,
  endS: number,
  at: At,
  speaker?: unknown,
  channel?: number,
): DraftSegment {
  if (endS < startS)
    throw new TranscriptError(
      "end_before_start",
      `${at.path}: ends at ${endS} s, before its start (${startS} s)`,
      at,
    );
  const who = mapSpeaker(speaker);
  const d: DraftSegment = { speaker: who.speaker, startS, endS, text, at };
  if (who.speakerLabel) d.speakerLabel = who.speakerLabel;
  if (channel !== undefined) d.channel = channel;
  return d;
}

// ---- Deepgram ---------------------------------------------------------------------------------

const dgUtterance = z.object({
  start: num("seconds"),
  end: num("seconds"),
  transcript: z.string({ error: "must be a string" }),
  speaker: z.number({ error: "must be a number" }).int().min(0).nullish(),
  channel: z.number({ error: "must be a number" }).int().min(0).max(255).nullish(),
});
const dgWord = z.object({
  word: z.string({ error: "must be a string" }),
  punctuated_word: z.string().nullish(),
  start: num("seconds"),
  end: num("seconds"),
  speaker: z.number({ error: "must be a number" }).int().min(0).nullish(),
});

function deepgram(v: Obj): VendorTranscript {
  const r = v.results as Obj;
  const channels = Array.isArray(r.channels) ? r.channels : [];
  const language = lang(isObj(channels[0]) ? channels[0].detected_language : undefined);
  if (Array.isArray(r.utterances)) {
    const parsed = z.array(dgUtterance).safeParse(r.utterances);
    if (!parsed.success) fail("results.utterances", parsed.error, r.utterances);
    const drafts = parsed.data.map((u, i) =>
      draft(
        u.transcript,
        u.start,
        u.end,
        atOf("results.utterances", i),
        u.speaker == null ? undefined : `spk_${u.speaker}`,
        u.channel ?? undefined,
      ),
    );
    return { drafts: keepChannels(drafts), ...(language ? { language } : {}) };
  }
  const words: Parameters<typeof groupWords>[0] = [];
  channels.forEach((ch, c) => {
    const alt = isObj(ch) && Array.isArray(ch.alternatives) ? ch.alternatives[0] : undefined;
    const list = isObj(alt) ? alt.words : undefined;
    const parsed = z.array(dgWord).safeParse(list ?? []);
    if (!parsed.success) fail(`results.channels[${c}].alternatives[0].words`, parsed.error, list);
    for (const w of parsed.data)
      words.push({
        text: w.punctuated_word ?? w.word,
        start: w.start,
        end: w.end,
        key: `${c}|${w.speaker ?? ""}`,
        ...(w.speaker != null ? { speaker: `spk_${w.speaker}` } : {}),
        channel: c,
      });
  });
  words.sort((a, b) => a.start - b.start);
  return {
    drafts: keepChannels(groupWords(words, (i) => ({ segment: i, path: `word ${i + 1}` }))),
    ...(language ? { language } : {}),
  };
}

// ---- AssemblyAI -------------------------------------------------------------------------------

const aaiChannel = z.union([z.string().regex(/^\d+$/), z.number().int().min(1)]).nullish();
const aaiUtterance = z.object({
  start: num("milliseconds"),
  end: num("milliseconds"),
  text: z.string({ error: "must be a string" }),
  speaker: z.union([z.string(), z.number()], { error: "must be a string" }).nullish(),
  channel: aaiChannel,
});

function assemblyai(v: Obj): VendorTranscript {
  const language = lang(v.language_code);
  const list = v.utterances as unknown[];
  const parsed = z.array(aaiUtterance).safeParse(list);
  if (!parsed.success) fail("utterances", parsed.error, list);
  // AssemblyAI counts in milliseconds and numbers channels from 1 (the left); ours: seconds, from 0.
  const drafts = parsed.data.map((u, i) =>
    draft(
      u.text,
      u.start / 1000,
      u.end / 1000,
      atOf("utterances", i),
      u.speaker ?? undefined,
      u.channel != null ? Number(u.channel) - 1 : undefined,
    ),
  );
  return { drafts: keepChannels(drafts), ...(language ? { language } : {}) };
}

// ---- AWS Transcribe ---------------------------------------------------------------------------

const awsItem = z.object({
  type: z.enum(["pronunciation", "punctuation"], { error: 'must be "pronunciation" or "punctuation"' }),
  start_time: awsTime.optional(),
  end_time: awsTime.optional(),
  alternatives: z
    .array(z.object({ content: z.string({ error: "must be a string" }) }).passthrough(), {
      error: "must be an array of { content }",
    })
    .min(1, { error: "must hold at least one alternative" }),
  speaker_label: z.string().max(100).nullish(),
  channel_label: z.string().max(100).nullish(),
});
type AwsItem = z.infer<typeof awsItem>;
const awsAudioSegment = z.object({
  transcript: z.string({ error: "must be a string" }),
  start_time: awsTime,
  end_time: awsTime,
  speaker_label: z.string().max(100).nullish(),
  channel_label: z.string().max(100).nullish(),
});

/** `ch_0` → 0. */
const channelOf = (label: string | null | undefined) => {
  const m = label ? /^ch_(\d{1,3})$/.exec(label) : null;
  return m ? Number(m[1]) : undefined;
};

function aws(v: Obj): VendorTranscript {
  const r = v.results as Obj;
  const language = lang(r.language_code ?? v.language_code);
  const out = (drafts: DraftSegment[]) => ({
    drafts: keepChannels(drafts),
    ...(language ? { language } : {}),
  });
  if (Array.isArray(r.audio_segments) && r.audio_segments.length) {
    const parsed = z.array(awsAudioSegment).safeParse(r.audio_segments);
    if (!parsed.success) fail("results.audio_segments", parsed.error, r.audio_segments);
    return out(
      parsed.data.map((s, i) =>
        draft(
          s.transcript,
          s.start_time,
          s.end_time,
          atOf("results.audio_segments", i),
          s.speaker_label ?? undefined,
          channelOf(s.channel_label),
        ),
      ),
    );
  }
  let items: AwsItem[];
  const parsedItems = z.array(awsItem).safeParse(r.items ?? []);
  if (!parsedItems.success) fail("results.items", parsedItems.error, r.items);
  items = parsedItems.data;
  // Channel identification: the items are grouped by channel under `channel_labels`.
  const byChannel =
    isObj(r.channel_labels) && Array.isArray(r.channel_labels.channels) ? r.channel_labels.channels : [];
  if (!items.some((i) => i.channel_label) && byChannel.length) {
    items = [];
    byChannel.forEach((ch, c) => {
      const parsed = z.array(awsItem).safeParse(isObj(ch) ? ch.items : undefined);
      if (!parsed.success)
        fail(`results.channel_labels.channels[${c}].items`, parsed.error, isObj(ch) ? ch.items : undefined);
      const label = isObj(ch) && typeof ch.channel_label === "string" ? ch.channel_label : `ch_${c}`;
      items.push(...parsed.data.map((i) => ({ ...i, channel_label: i.channel_label ?? label })));
    });
  }
  // Older output: speakers only in `speaker_labels.segments[].items[]`, matched by start time.
  const speakerAt = new Map<string, string>();
  const segs =
    isObj(r.speaker_labels) && Array.isArray(r.speaker_labels.segments) ? r.speaker_labels.segments : [];
  for (const s of segs)
    if (isObj(s) && Array.isArray(s.items))
      for (const it of s.items)
        if (isObj(it) && typeof it.start_time === "string" && typeof it.speaker_label === "string")
          speakerAt.set(`${it.start_time}`, it.speaker_label);

  // Words in time order (per channel, punctuation stays after its word); punctuation joins the
  // word before it without a space.
  const words: Parameters<typeof groupWords>[0] = [];
  items.forEach((it, i) => {
    const content = it.alternatives[0].content;
    if (it.type === "punctuation") {
      const last = [...words].reverse().find((w) => w.channel === channelOf(it.channel_label));
      if (last) last.text += content;
      return;
    }
    if (it.start_time === undefined || it.end_time === undefined) {
      const f = it.start_time === undefined ? "start_time" : "end_time";
      throw new TranscriptError(
        "invalid_segment",
        `results.items[${i}].${f}: \`${f}\` is required for a pronunciation item`,
        { segment: i, field: `/results/items/${i}/${f}` },
      );
    }
    const raw = (r.items as Obj[] | undefined)?.[i]?.start_time;
    const speaker = it.speaker_label ?? (typeof raw === "string" ? speakerAt.get(raw) : undefined);
    const channel = channelOf(it.channel_label);
    words.push({
      text: content,
      start: it.start_time,
      end: it.end_time,
      key: `${channel ?? ""}|${speaker ?? ""}`,
      ...(speaker ? { speaker } : {}),
      ...(channel !== undefined ? { channel } : {}),
    });
  });
  if (byChannel.length) words.sort((a, b) => a.start - b.start);
  return out(groupWords(words, (i) => ({ segment: i, path: `word ${i + 1}` })));
}

// ---- AWS Transcribe Call Analytics ------------------------------------------------------------

const tcaTurn = z.object({
  Content: z.string({ error: "must be a string" }),
  BeginOffsetMillis: num("milliseconds"),
  EndOffsetMillis: num("milliseconds"),
  ParticipantRole: z.string({ error: "must be a string (AGENT or CUSTOMER)" }).max(40).nullish(),
  Id: z.string().max(200).nullish(),
});

function callAnalytics(v: Obj): VendorTranscript {
  const language = lang(v.LanguageCode);
  const parsed = z.array(tcaTurn).safeParse(v.Transcript);
  if (!parsed.success) fail("Transcript", parsed.error, v.Transcript);
  const drafts = parsed.data.map((t, i) => {
    // AGENT / CUSTOMER name the roles; AGENT_1, CUSTOMER_0 (several participants) too.
    const role = (t.ParticipantRole ?? "").split("_")[0].toLowerCase();
    const d = draft(
      t.Content,
      t.BeginOffsetMillis / 1000,
      t.EndOffsetMillis / 1000,
      atOf("Transcript", i),
      role === "agent" || role === "customer" ? role : (t.ParticipantRole ?? undefined),
    );
    if (t.ParticipantRole?.includes("_")) d.speakerLabel = t.ParticipantRole;
    return d;
  });
  return { drafts, ...(language ? { language } : {}) };
}

/** Reads a vendor document (see `vendorShape`). */
export function readVendor(shape: VendorShape, v: unknown): VendorTranscript {
  if (!isObj(v)) throw new TranscriptError("invalid_shape", `expected an object, found ${describe(v)}`);
  switch (shape) {
    case "deepgram":
      return deepgram(v);
    case "assemblyai":
      return assemblyai(v);
    case "aws":
      return aws(v);
    case "aws_call_analytics":
      return callAnalytics(v);
  }
}
