import { describe, expect, it } from "vitest";
import type { Transcript } from "../core/content/transcripts/model";
import { effectiveFormat, parseTranscript, TranscriptError } from "../core/content/transcripts/parse";
import { resolveTranscriptRoles } from "../core/providers/speech/roles";
import { openaiDiarized } from "./fixtures/providers/openai";
import assemblyai from "./fixtures/transcripts/assemblyai.json";
import callAnalytics from "./fixtures/transcripts/aws-call-analytics.json";
import awsChannels from "./fixtures/transcripts/aws-transcribe-channels.json";
import awsSpeakers from "./fixtures/transcripts/aws-transcribe-speakers.json";
import deepgramUtterances from "./fixtures/transcripts/deepgram-utterances.json";
import deepgramWords from "./fixtures/transcripts/deepgram-words.json";
import names from "./fixtures/transcripts/names.txt?raw";
import speakerN from "./fixtures/transcripts/speaker-n.srt?raw";
import whisperx from "./fixtures/transcripts/whisperx.json";
import whisperxSrt from "./fixtures/transcripts/whisperx.srt?raw";
import whisperxTxt from "./fixtures/transcripts/whisperx.txt?raw";
import whisperxVtt from "./fixtures/transcripts/whisperx-ffmpeg.vtt?raw";
import { call, makeTenant } from "./helpers";

type Row = [speaker: string, label: string | undefined, start: number, end: number, text: string];
const rows = (t: Transcript): Row[] =>
  t.segments.map((s) => [s.speaker, s.speakerLabel, s.startS, s.endS, s.text]);
const withRoles = (t: Transcript) => resolveTranscriptRoles(t, { companyName: "Test" });
function fails(f: () => unknown): TranscriptError {
  try {
    f();
  } catch (e) {
    if (e instanceof TranscriptError) return e;
    throw e;
  }
  throw new Error("did not fail");
}

// The WhisperX call (json, srt, ffmpeg's vtt of the srt): the customer answers "Allô ?" first.
const WHISPERX_ROWS: Row[] = [
  ["customer", "SPEAKER_00", 0.031, 1.012, "Allô ?"],
  ["agent", "SPEAKER_01", 1.353, 4.977, "Mutuelle Rhône-Alpes bonjour, Karim à votre écoute."],
  ["customer", "SPEAKER_00", 5.398, 9.021, "Oui bonjour, je n'ai pas reçu mon remboursement de lunettes."],
];

describe("the JSON tools write (B2), from their documented examples", () => {
  it("Deepgram: utterances with numeric speakers; without utterances, diarised words grouped into turns", () => {
    const t = withRoles(parseTranscript("json", deepgramUtterances));
    expect(rows(t)).toEqual([
      [
        "agent",
        "spk_0",
        0.48,
        5.36,
        "Hello, thank you for calling Premier Phone Services. How can I help you today?",
      ],
      ["customer", "spk_1", 6.1, 9.84, "Hi, I was charged twice for my plan this month."],
      ["agent", "spk_0", 10.2, 14.2, "I'm sorry about that, let me look at your account."],
    ]);
    expect(t.language).toBe("en");
    // One channel: `channel: 0` everywhere tells nobody apart and is not kept.
    expect(t.segments.every((s) => s.channel === undefined)).toBe(true);
    expect(t.roles).toEqual({ source: "greeting", agent: "spk_0", phrase: "how can I help", atS: 0.48 });
    const w = withRoles(parseTranscript("json", deepgramWords));
    expect(rows(w)).toEqual([
      ["agent", "spk_0", 0.2, 1.6, "Bonjour, je vous écoute."],
      ["customer", "spk_1", 2.4, 3.1, "Oui, bonjour."],
    ]);
  });

  it("AssemblyAI: utterances in milliseconds with speakers A and B", () => {
    const t = withRoles(parseTranscript("json", assemblyai));
    expect(rows(t)).toEqual([
      ["agent", "A", 0.24, 3.98, "Thanks for calling Lakeside Energy, this is Dana. How can I help?"],
      ["customer", "B", 4.42, 7.01, "Hi Dana, my meter reading looks wrong."],
    ]);
    expect(t.language).toBe("en");
  });

  it("AWS Transcribe: items joined into turns by speaker label, punctuation attached; channel identification keeps the channels", () => {
    const t = parseTranscript("json", awsSpeakers);
    expect(rows(t)).toEqual([
      ["unknown", "spk_0", 4.87, 6.88, "I've been on hold for an hour."],
      ["unknown", "spk_1", 8.49, 9.24, "Sorry about that."],
    ]);
    const c = parseTranscript("json", awsChannels);
    expect(c.segments.map((s) => [s.channel, s.startS, s.endS, s.text])).toEqual([
      [0, 4.86, 6.87, "I've been on hold for an hour."],
      [1, 8.5, 9.25, "Sorry about that."],
    ]);
    // With the agent's channel known (the other side here), roles come from the channel.
    const r = resolveTranscriptRoles(c, { agentChannel: 1 });
    expect(r.roles).toEqual({ source: "channel", agentChannel: 1 });
    expect(r.segments.map((s) => s.speaker)).toEqual(["customer", "agent"]);
    // Speakers only in speaker_labels.segments (older output): matched by start time.
    const old = structuredClone(awsSpeakers) as { results: { items: Record<string, unknown>[] } };
    for (const it of old.results.items) delete it.speaker_label;
    expect(rows(parseTranscript("json", old)).map((x) => x[1])).toEqual(["spk_0", "spk_1"]);
  });

  it("Transcribe Call Analytics: ParticipantRole names the roles, offsets in milliseconds", () => {
    const t = withRoles(parseTranscript("json", callAnalytics));
    expect(rows(t)).toEqual([
      [
        "agent",
        undefined,
        0.44,
        4.84,
        "Hi, you've reached Northwind Telecom, my name is Alex, how can I help?",
      ],
      [
        "customer",
        undefined,
        5.34,
        9.1,
        "Hello, my phone bill doubled this month and nobody can tell me why.",
      ],
    ]);
    expect(t.roles).toEqual({ source: "given" });
    expect(t.language).toBe("en");
  });

  it("WhisperX JSON and OpenAI diarized_json: segments with speaker ids, leading spaces trimmed", () => {
    const w = withRoles(parseTranscript("json", whisperx));
    expect(rows(w)).toEqual(WHISPERX_ROWS);
    expect(w.language).toBe("fr");
    expect(w.roles).toMatchObject({ source: "greeting", agent: "SPEAKER_01", phrase: "à votre écoute" });
    const o = withRoles(parseTranscript("json", openaiDiarized));
    expect(o.segments.map((s) => [s.id, s.speaker, s.speakerLabel])).toEqual([
      ["seg_0", "agent", "A"],
      ["seg_1", "customer", "B"],
      ["seg_2", "customer", "B"],
      ["seg_3", "agent", "A"],
    ]);
    expect(o.segments[0].text).toBe("Thank you for calling Acme Telecom, this is Sam, how can I help you?");
  });

  it("names the failing field with its path, and the accepted shapes for an unknown document", () => {
    const dg = structuredClone(deepgramUtterances) as { results: { utterances: Record<string, unknown>[] } };
    dg.results.utterances[1].start = "6.1";
    const e1 = fails(() => parseTranscript("json", dg));
    expect(e1.message).toBe("results.utterances[1].start: must be a number (seconds)");
    expect(e1.field).toBe("/results/utterances/1/start");
    const aai = structuredClone(assemblyai) as { utterances: Record<string, unknown>[] };
    delete aai.utterances[0].text;
    expect(fails(() => parseTranscript("json", aai)).message).toBe("utterances[0].text: `text` is required");
    const aws = structuredClone(awsSpeakers) as { results: { items: Record<string, unknown>[] } };
    delete aws.results.items[3].start_time;
    const e3 = fails(() => parseTranscript("json", aws));
    expect(e3.message).toBe("results.items[3].start_time: `start_time` is required for a pronunciation item");
    expect(e3.field).toBe("/results/items/3/start_time");
    const tca = structuredClone(callAnalytics) as { Transcript: Record<string, unknown>[] };
    tca.Transcript[1].EndOffsetMillis = 100;
    expect(fails(() => parseTranscript("json", tca)).message).toBe(
      "Transcript[1]: ends at 0.1 s, before its start (5.34 s)",
    );
    const wx = structuredClone(whisperx) as { segments: Record<string, unknown>[] };
    wx.segments[2].end = "9";
    const e5 = fails(() => parseTranscript("json", wx));
    expect(e5.message).toBe("segments[2].end: `end` must be a finite number of seconds");
    expect(e5.field).toBe("/segments/2/end");
    const unknown = fails(() => parseTranscript("json", { transcript: "hello", confidence: 0.9 }));
    expect(unknown.code).toBe("invalid_shape");
    expect(unknown.message).toContain("Deepgram (results.utterances)");
    expect(unknown.message).toContain("Transcribe Call Analytics (Transcript)");
    expect(unknown.message).toContain('found an object with keys "transcript", "confidence"');
  });
});

describe("the text tools write (B2)", () => {
  it("WhisperX SRT, ffmpeg's WebVTT of it and WhisperX text: `[SPEAKER_00]:` is a speaker, its colon is not speech", () => {
    expect(rows(withRoles(parseTranscript("srt", whisperxSrt)))).toEqual(WHISPERX_ROWS);
    expect(rows(withRoles(parseTranscript("vtt", whisperxVtt)))).toEqual(WHISPERX_ROWS);
    const txt = withRoles(parseTranscript("text", whisperxTxt));
    expect(txt.segments.map((s) => [s.speaker, s.speakerLabel, s.text])).toEqual(
      WHISPERX_ROWS.map(([speaker, label, , , text]) => [speaker, label, text]),
    );
    expect(txt.estimatedTiming).toBe(true);
  });

  it("`SPEAKER 1:` prefixes in SRT, and name prefixes in a plain-text dialogue (title line skipped, French `Attention :` kept as speech)", () => {
    expect(rows(withRoles(parseTranscript("srt", speakerN)))).toEqual([
      ["agent", "SPEAKER 1", 0.5, 3, "Thank you for calling Summit Health, how may I help you?"],
      ["customer", "SPEAKER 2", 3.4, 6.1, "Hi, I need a copy of my claim."],
    ]);
    const n = withRoles(parseTranscript("text", names));
    expect(n.segments.map((s) => [s.speaker, s.speakerLabel, s.text])).toEqual([
      ["agent", "Marie", "Bonjour, Voyages Azur, je vous écoute."],
      ["customer", "M. Dupont", "Bonjour, je voudrais annuler mon séjour."],
      [
        "agent",
        "Marie",
        "Très bien, je regarde votre dossier. Attention : le séjour commence dans deux jours.",
      ],
    ]);
    // A lone "Name:" line is not a dialogue: no prefix is found, and the error says which ones work.
    const e = fails(() => parseTranscript("text", "Objet: réclamation\nle client rappelle demain"));
    expect(e.code).toBe("no_speaker_prefix");
    expect(e.message).toContain('"[SPEAKER_00]:"');
  });

  it("text/plain holding SRT or WebVTT is read as SRT or WebVTT", () => {
    expect(effectiveFormat("text", whisperxSrt)).toBe("srt");
    expect(effectiveFormat("text", `\uFEFF${whisperxVtt}`)).toBe("vtt");
    expect(effectiveFormat("text", whisperxTxt)).toBe("text");
    expect(effectiveFormat("json", whisperxSrt)).toBe("json");
    expect(rows(withRoles(parseTranscript("text", whisperxSrt)))).toEqual(WHISPERX_ROWS);
  });
});

describe("transcript uploads through the API (B2)", () => {
  it("an SRT sent as text/plain is stored as SRT without cue numbers or timings; JSON of a tool is recognised", async () => {
    const t = await makeTenant();
    const created = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: { externalId: "F-1" } })
    ).json()) as { id: string };
    const put = await call(`/api/v1/calls/${created.id}/transcript`, {
      method: "PUT",
      key: t.key,
      headers: { "content-type": "text/plain; charset=utf-8" },
      body: whisperxSrt,
    });
    expect(put.status).toBe(200);
    const view = (await put.json()) as {
      transcript: { format: string; segments: number; roleSource: string };
    };
    expect(view.transcript).toMatchObject({ format: "srt", segments: 3, roleSource: "greeting" });
    const tx = (await (
      await call(`/api/v1/calls/${created.id}/transcript`, { key: t.key })
    ).json()) as Transcript;
    expect(tx.segments.map((s) => s.text)).toEqual(WHISPERX_ROWS.map((r) => r[4]));
    expect(tx.segments.map((s) => s.startS)).toEqual([0.031, 1.353, 5.398]);

    const aws = await call(`/api/v1/calls/${created.id}/transcript`, {
      method: "PUT",
      key: t.key,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(callAnalytics),
    });
    expect(aws.status).toBe(200);
    expect(((await aws.json()) as { transcript: { roleSource: string } }).transcript.roleSource).toBe(
      "given",
    );
  });

  it("refusals name what is accepted and where the content fails", async () => {
    const t = await makeTenant();
    const created = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: { externalId: "F-2" } })
    ).json()) as { id: string };
    const csv = await call(`/api/v1/calls/${created.id}/transcript`, {
      method: "PUT",
      key: t.key,
      headers: { "content-type": "text/csv" },
      body: "speaker,start,end,text",
    });
    expect(csv.status).toBe(415);
    const p415 = (await csv.json()) as { detail: string };
    expect(p415.detail).toContain("text/csv");
    for (const type of ["application/json", "text/vtt", "application/x-subrip", "text/srt", "text/plain"])
      expect(p415.detail).toContain(type);

    const dg = structuredClone(deepgramUtterances) as { results: { utterances: Record<string, unknown>[] } };
    dg.results.utterances[1].start = "6.1";
    const bad = await call(`/api/v1/calls/${created.id}/transcript`, {
      method: "PUT",
      key: t.key,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(dg),
    });
    expect(bad.status).toBe(422);
    const p = (await bad.json()) as { detail: string; errors: { pointer: string }[] };
    expect(p.detail).toBe("results.utterances[1].start: must be a number (seconds)");
    expect(p.errors[0].pointer).toBe("/transcript/content/results/utterances/1/start");

    const syntax = await call(`/api/v1/calls/${created.id}/transcript`, {
      method: "PUT",
      key: t.key,
      headers: { "content-type": "application/json" },
      body: '{\n  "segments": [\n    {"start": 0, "end": 1, "text": "a",}\n  ]\n}',
    });
    expect(syntax.status).toBe(422);
    const ps = (await syntax.json()) as { detail: string; errors: { pointer: string }[] };
    expect(ps.detail).toMatch(/^line 3: not valid JSON/);
    expect(ps.errors[0].pointer).toBe("/transcript/line/3");
  });
});
