import { describe, expect, it } from "vitest";
import {
  formatFromContentType,
  parseTranscript,
  TRANSCRIPT_LIMITS,
  TranscriptError,
} from "../core/content/transcripts/parse";

/** Runs `fn`, expects a TranscriptError, returns it. */
function fails(fn: () => unknown): TranscriptError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TranscriptError);
    return e as TranscriptError;
  }
  throw new Error("expected a TranscriptError");
}

describe("JSON segments (B2)", () => {
  it("imports { segments } in French, keeps ids, maps speakers, computes totals", () => {
    const t = parseTranscript("json", {
      segments: [
        {
          id: "a1",
          speaker: "conseiller",
          start: 0,
          end: 3.2,
          text: "Bonjour, Assurances Horizon, je vous écoute.",
        },
        {
          id: "a2",
          speaker: "Client",
          start: 3.5,
          end: 9,
          text: "Bonjour, je vous appelle pour mon contrat, merci.",
          channel: 1,
        },
        { id: "a3", speaker: "spk_0", start: 9.2, end: 12.25, text: "Très bien, je regarde ça." },
      ],
    });
    expect(t.segments.map((s) => s.id)).toEqual(["a1", "a2", "a3"]);
    expect(t.segments.map((s) => s.speaker)).toEqual(["agent", "customer", "unknown"]);
    expect(t.segments[2].speakerLabel).toBe("spk_0");
    expect(t.segments[0].speakerLabel).toBeUndefined();
    expect(t.segments[1].channel).toBe(1);
    expect(t.durationS).toBe(12.25);
    expect(t.wordCount).toBe(6 + 8 + 5);
    expect(t.language).toBe("fr");
    expect(t.estimatedTiming).toBeUndefined();
  });

  it("imports a bare array in English from a string, generating s1…sN in time order", () => {
    const content = JSON.stringify([
      { speaker: "customer", start: 4, end: 7, text: "Hi, I would like to cancel my subscription please." },
      { speaker: "agent", start: 0, end: 3.5, text: "Hello, thank you for calling, how can I help you?" },
      { speaker: 0, start: 7.5, end: 9, text: "  " }, // empty text: dropped
      { speaker: "A", start: 7.5, end: 10, text: "Sure, I can do that for you." },
    ]);
    const t = parseTranscript("json", content);
    expect(t.segments.map((s) => [s.id, s.speaker, s.startS])).toEqual([
      ["s1", "agent", 0],
      ["s2", "customer", 4],
      ["s3", "unknown", 7.5],
    ]);
    expect(t.segments[2].speakerLabel).toBe("A");
    expect(t.language).toBe("en");
  });

  it("maps the role words of both languages; other labels stay unknown with the label kept", () => {
    const speakers = [
      "agent",
      "Conseillère",
      "advisor",
      "rep",
      "operator",
      "client",
      "customer",
      "caller",
      "Appelant",
      "0",
      "spk_1",
      "Marie",
    ];
    const t = parseTranscript(
      "json",
      speakers.map((speaker, i) => ({ speaker, start: i, end: i + 1, text: `turn ${i}` })),
    );
    expect(t.segments.map((s) => s.speaker)).toEqual([
      ...Array(5).fill("agent"),
      ...Array(4).fill("customer"),
      ...Array(3).fill("unknown"),
    ]);
    expect(t.segments.slice(9).map((s) => s.speakerLabel)).toEqual(["0", "spk_1", "Marie"]);
  });

  it("accepts our own model back (startS/endS, speakerLabel), so an exported transcript re-imports unchanged", () => {
    const first = parseTranscript("json", [
      { id: "x", speaker: "spk_2", start: 1, end: 2, text: "Bonjour madame" },
      { speaker: "agent", start: 2, end: 3, text: "Bonjour, je vous écoute" },
    ]);
    const again = parseTranscript("json", JSON.parse(JSON.stringify(first)));
    expect(again.segments).toEqual(first.segments);
  });

  it("keeps overlapping segments (overtalk) and sorts stably", () => {
    const t = parseTranscript("json", [
      { speaker: "agent", start: 2, end: 6, text: "je vous explique la procédure" },
      { speaker: "customer", start: 2, end: 3, text: "oui" },
      { speaker: "customer", start: 0, end: 5, text: "attendez" },
    ]);
    expect(t.segments.map((s) => [s.id, s.text])).toEqual([
      ["s1", "attendez"],
      ["s2", "je vous explique la procédure"],
      ["s3", "oui"],
    ]);
  });

  it("a generated id never collides with a given one", () => {
    const t = parseTranscript("json", [
      { id: "s2", speaker: "agent", start: 0, end: 1, text: "un" },
      { speaker: "agent", start: 1, end: 2, text: "deux" },
    ]);
    expect(t.segments.map((s) => s.id)).toEqual(["s2", "s2_2"]);
  });

  it("names the segment index of an invalid segment", () => {
    const seg = (over: Record<string, unknown>) => ({
      speaker: "agent",
      start: 0,
      end: 1,
      text: "ok",
      ...over,
    });
    const cases: [unknown[], string, RegExp][] = [
      [
        [seg({}), seg({ end: 0.5, start: 2 })],
        "end_before_start",
        /segments\[1\]\.end: ends at 0\.5 s, before its start \(2 s\)/,
      ],
      [[seg({ start: -1 })], "invalid_segment", /segments\[0\]\.start: `start` must be ≥ 0/],
      [
        [seg({}), seg({}), seg({ start: "1" })],
        "invalid_segment",
        /segments\[2\]\.start: `start` must be a finite number/,
      ],
      [[seg({ end: Number.POSITIVE_INFINITY })], "invalid_segment", /segments\[0\]\.end/],
      [[seg({ text: 42 })], "invalid_segment", /segments\[0\]\.text: `text` must be a string/],
      [[seg({ text: undefined })], "invalid_segment", /segments\[0\]\.text: `text` is required/],
      [[seg({}), "hello"], "invalid_segment", /segments\[1\]: expected an object, found a string/],
      [
        [seg({ id: "a" }), seg({ id: "b" }), seg({ id: "a" })],
        "duplicate_id",
        /segments\[2\]: segment id "a" is already used \(segments\[0\]\)/,
      ],
      [
        [seg({ text: "x".repeat(TRANSCRIPT_LIMITS.maxSegmentTextChars + 1) })],
        "segment_too_long",
        /segments\[0\]: .*limit is 10,000/,
      ],
    ];
    for (const [segments, code, message] of cases) {
      const e = fails(() => parseTranscript("json", { segments }));
      expect(e.code, String(message)).toBe(code);
      expect(e.message).toMatch(message);
      expect(e.segment).toBe(Number(/segments\[(\d+)\]/.exec(e.message)![1]));
    }
  });

  it("refuses malformed, truncated, wrongly shaped and empty JSON, and too many segments", () => {
    const truncated = fails(() =>
      parseTranscript("json", '{"segments":[{"speaker":"agent","start":0,"end":1,"te'),
    );
    expect(truncated.code).toBe("truncated");
    expect(truncated.message).toMatch(/truncated/);
    const bad = fails(() => parseTranscript("json", '{\n  "segments": [\n    {"start": 0,, }\n  ]\n}'));
    expect(bad.code).toBe("invalid_json");
    expect(bad.line).toBe(3);
    expect(bad.message).toMatch(/^line 3: not valid JSON/);
    expect(fails(() => parseTranscript("json", '{"turns": []}')).code).toBe("invalid_shape");
    expect(fails(() => parseTranscript("json", { segments: "nope" })).code).toBe("invalid_shape");
    expect(fails(() => parseTranscript("json", "")).code).toBe("empty");
    expect(fails(() => parseTranscript("json", { segments: [] })).code).toBe("empty");
    expect(
      fails(() => parseTranscript("json", [{ speaker: "agent", start: 0, end: 1, text: " " }])).code,
    ).toBe("empty");
    const many = Array.from({ length: TRANSCRIPT_LIMITS.maxSegments + 1 }, (_, i) => ({
      speaker: "agent",
      start: i,
      end: i,
      text: "a",
    }));
    expect(fails(() => parseTranscript("json", many)).code).toBe("too_many_segments");
  });
});

describe("WebVTT (B2)", () => {
  const vtt = [
    "WEBVTT - appel 42",
    "Kind: captions",
    "",
    "NOTE exported by the recorder",
    "with two lines",
    "",
    "STYLE",
    "::cue { color: white }",
    "",
    "q1",
    "00:00:00.000 --> 00:00:02.500 align:start",
    "<v Conseillère Julie>Bonjour, Assurances Horizon,</v>",
    "<v Conseillère Julie>je vous écoute.",
    "",
    "00:02.600 --> 00:06.000",
    "<v.loud Client>Bonjour, j'ai un <i>problème</i> avec ma facture &amp; mon contrat.",
    "",
    "q3",
    "00:00:06.100 --> 00:00:08.000",
    "spk_1: Je regarde ça tout de suite.",
    "",
    "q4",
    "00:00:08.000 --> 00:00:09.000",
    "<v Agent>Un instant</v> <v Client>d'accord",
    "",
  ].join("\n");

  it("parses cues with identifiers, voice tags, Speaker: prefixes, mm:ss timestamps; skips NOTE and STYLE", () => {
    const t = parseTranscript("vtt", vtt);
    expect(t.segments.map((s) => [s.id, s.speaker, s.speakerLabel, s.startS, s.endS, s.text])).toEqual([
      ["q1", "agent", "Conseillère Julie", 0, 2.5, "Bonjour, Assurances Horizon, je vous écoute."],
      ["s2", "customer", undefined, 2.6, 6, "Bonjour, j'ai un problème avec ma facture & mon contrat."],
      ["q3", "unknown", "spk_1", 6.1, 8, "Je regarde ça tout de suite."],
      ["q4", "agent", undefined, 8, 9, "Un instant"],
      ["q4.2", "customer", undefined, 8, 9, "d'accord"],
    ]);
    expect(t.language).toBe("fr");
    expect(t.durationS).toBe(9);
  });

  it("English, hours over 99 minutes, no identifiers → s1…sN", () => {
    const t = parseTranscript(
      "vtt",
      "WEBVTT\n\n01:40:00.000 --> 01:40:03.000\nAgent: Thank you for calling, how can I help you?\n\n01:40:03.500 --> 01:40:06.000\nCustomer: Hello, my parcel never arrived and I want a refund.\n",
    );
    expect(t.segments.map((s) => [s.id, s.speaker, s.startS])).toEqual([
      ["s1", "agent", 6000],
      ["s2", "customer", 6003.5],
    ]);
    expect(t.language).toBe("en");
  });

  it("tolerates CRLF and a BOM", () => {
    const t = parseTranscript(
      "vtt",
      "\uFEFFWEBVTT\r\n\r\n1\r\n00:00:01.000 --> 00:00:02.000\r\n<v Agent>Bonjour\r\n",
    );
    expect(t.segments).toEqual([{ id: "1", speaker: "agent", startS: 1, endS: 2, text: "Bonjour" }]);
  });

  it("names the line of a wrong header, a bad timestamp, an end before its start, a truncated file", () => {
    const header = fails(() => parseTranscript("vtt", "1\n00:00:01,000 --> 00:00:02,000\nBonjour\n"));
    expect([header.code, header.line]).toEqual(["bad_header", 1]);
    expect(header.message).toMatch(/must start with "WEBVTT"/);

    const ts = fails(() =>
      parseTranscript(
        "vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour\n\n00:00:03.000 --> 00:00:61.000\nAu revoir\n",
      ),
    );
    expect([ts.code, ts.line]).toEqual(["bad_timestamp", 6]);
    expect(ts.message).toMatch(/^line 6: the end time "00:00:61.000" is not a valid timestamp/);

    const comma = fails(() => parseTranscript("vtt", "WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nBonjour\n"));
    expect([comma.code, comma.line]).toEqual(["bad_timestamp", 3]);

    const order = fails(() =>
      parseTranscript("vtt", "WEBVTT\n\nc1\n00:00:05.000 --> 00:00:02.000\nBonjour\n"),
    );
    expect([order.code, order.line]).toEqual(["end_before_start", 4]);
    expect(order.message).toMatch(/ends \(00:00:02\.000\) before it starts \(00:00:05\.000\)/);

    const cut = fails(() =>
      parseTranscript("vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour\n\n00:00:03.000 --> 00:0"),
    );
    expect([cut.code, cut.line]).toEqual(["bad_timestamp", 6]);
    const cutAfterId = fails(() =>
      parseTranscript("vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour\n\nq2"),
    );
    expect([cutAfterId.code, cutAfterId.line]).toEqual(["truncated", 6]);

    const noTiming = fails(() =>
      parseTranscript("vtt", "WEBVTT\n\nq1\nBonjour\n\nq2\n00:00:03.000 --> 00:00:04.000\nOui\n"),
    );
    expect([noTiming.code, noTiming.line]).toEqual(["bad_block", 4]);
  });

  it("refuses duplicate cue identifiers, naming the line", () => {
    const e = fails(() =>
      parseTranscript(
        "vtt",
        "WEBVTT\n\nq1\n00:00:01.000 --> 00:00:02.000\nBonjour\n\nq1\n00:00:03.000 --> 00:00:04.000\nOui\n",
      ),
    );
    expect([e.code, e.line]).toEqual(["duplicate_id", 8]);
  });

  it("a header-only file is empty", () => {
    expect(fails(() => parseTranscript("vtt", "WEBVTT\n\nNOTE nothing yet\n")).code).toBe("empty");
  });
});

describe("SRT (B2)", () => {
  it("parses numbered blocks with Name: and [Name] speakers (French)", () => {
    const srt = [
      "1",
      "00:00:00,000 --> 00:00:02,500",
      "Conseiller: Bonjour, service client, je vous écoute.",
      "",
      "2",
      "00:00:02,800 --> 00:00:06,000",
      "[Cliente] Bonjour, je ne reçois plus mes factures",
      "depuis le mois dernier.",
      "",
      "3",
      "00:00:06,000 --> 00:00:07,000",
      "[Musique]",
      "",
      "4",
      "00:00:07,500 --> 00:00:09,000",
      "Attention : la ligne coupe, vous m'entendez ?",
      "",
    ].join("\n");
    const t = parseTranscript("srt", srt);
    expect(t.segments.map((s) => [s.id, s.speaker, s.speakerLabel, s.startS, s.endS, s.text])).toEqual([
      ["s1", "agent", undefined, 0, 2.5, "Bonjour, service client, je vous écoute."],
      [
        "s2",
        "customer",
        undefined,
        2.8,
        6,
        "Bonjour, je ne reçois plus mes factures depuis le mois dernier.",
      ],
      // "[Musique]" is not speech; "Attention :" (space before the colon) is not a speaker.
      ["s3", "unknown", undefined, 7.5, 9, "Attention : la ligne coupe, vous m'entendez ?"],
    ]);
  });

  it("parses English with CRLF and a BOM, and named speakers", () => {
    const srt =
      "\uFEFF1\r\n00:00:01,000 --> 00:00:03,000\r\nCaller: Hello, I was charged twice.\r\n\r\n2\r\n00:00:03,500 --> 00:00:05,000\r\nJohn: Thank you, let me check that for you.\r\n";
    const t = parseTranscript("srt", srt);
    expect(t.segments.map((s) => [s.speaker, s.speakerLabel, s.text])).toEqual([
      ["customer", undefined, "Hello, I was charged twice."],
      ["unknown", "John", "Thank you, let me check that for you."],
    ]);
    expect(t.language).toBe("en");
  });

  it("names the line of a bad timestamp, a missing number, a truncated file, an end before start", () => {
    const ts = fails(() =>
      parseTranscript(
        "srt",
        "1\n00:00:01,000 --> 00:00:02,000\nBonjour\n\n2\n00:00:03.000 -> 00:00:04,000\nOui\n",
      ),
    );
    expect([ts.code, ts.line]).toEqual(["bad_block", 6]);
    const ts2 = fails(() =>
      parseTranscript(
        "srt",
        "1\n00:00:01,000 --> 00:00:02,000\nBonjour\n\n2\n00:00:03,000 --> 00:0x:04,000\nOui\n",
      ),
    );
    expect([ts2.code, ts2.line]).toEqual(["bad_timestamp", 6]);
    expect(ts2.message).toMatch(
      /^line 6: the end time "00:0x:04,000" is not a valid timestamp \(expected 00:01:02,500\)/,
    );
    const header = fails(() => parseTranscript("srt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour\n"));
    expect([header.code, header.line]).toEqual(["bad_block", 1]);
    const cut = fails(() => parseTranscript("srt", "1\n00:00:01,000 --> 00:00:02,000\nBonjour\n\n2\n"));
    expect([cut.code, cut.line]).toEqual(["truncated", 5]);
    const order = fails(() => parseTranscript("srt", "1\n00:00:04,000 --> 00:00:02,000\nBonjour\n"));
    expect([order.code, order.line]).toEqual(["end_before_start", 2]);
  });

  it("tolerates a missing block number", () => {
    const t = parseTranscript("srt", "00:00:01,000 --> 00:00:02,000\nAgent: Bonjour\n");
    expect(t.segments[0]).toMatchObject({ speaker: "agent", startS: 1, endS: 2, text: "Bonjour" });
  });
});

describe("plain text (B2)", () => {
  it("estimates timing at 150 words per minute when there are no timestamps (French)", () => {
    const t = parseTranscript(
      "text",
      "Appel du 12 mars\nConseillère : Bonjour, Assurances Horizon, Julie à votre écoute.\nCLIENT: Bonjour, je vous appelle\npour résilier mon contrat.\n\ncliente: Merci beaucoup.",
    );
    // "Appel du 12 mars" comes before the first prefix: a title, ignored.
    expect(t.segments.map((s) => [s.id, s.speaker, s.text])).toEqual([
      ["s1", "agent", "Bonjour, Assurances Horizon, Julie à votre écoute."],
      ["s2", "customer", "Bonjour, je vous appelle pour résilier mon contrat."],
      ["s3", "customer", "Merci beaucoup."],
    ]);
    expect(t.estimatedTiming).toBe(true);
    // 7 words → 2.8 s, 8 words → 3.2 s, 2 words → 0.8 s, back to back.
    expect(t.segments.map((s) => [s.startS, s.endS])).toEqual([
      [0, 2.8],
      [2.8, 6],
      [6, 6.8],
    ]);
    expect(t.durationS).toBe(6.8);
    expect(t.language).toBe("fr");
  });

  it("reads timestamps before or after the prefix (English)", () => {
    const t = parseTranscript(
      "text",
      "[00:00] Agent: Thank you for calling, how can I help?\n00:00:04 - Caller: Hi, I want to cancel my order.\nAgent (00:09): Sure.\nCustomer: [01:02:03.5] Thanks, bye.\nAgent: 14:30 works for me",
    );
    expect(t.segments.map((s) => [s.speaker, s.startS, s.endS, s.text])).toEqual([
      // A timestamped turn ends after its estimated speech (8 words → 3.2 s) or at the next turn.
      ["agent", 0, 3.2, "Thank you for calling, how can I help?"],
      ["customer", 4, 6.8, "Hi, I want to cancel my order."],
      ["agent", 9, 9.4, "Sure."],
      ["customer", 3723.5, 3724.3, "Thanks, bye."],
      // Unbracketed mm:ss after the colon is speech, not a timestamp; this turn's start is estimated.
      ["agent", 3724.3, 3726.3, "14:30 works for me"],
    ]);
    expect(t.estimatedTiming).toBe(true);
    expect(t.language).toBe("en");
    const allTimed = parseTranscript("text", "[00:01] Agent: Bonjour\n[00:03] Client: Bonjour");
    expect(allTimed.estimatedTiming).toBeUndefined();
  });

  it("CRLF and BOM", () => {
    const t = parseTranscript("text", "\uFEFFAgent: Hello\r\nCustomer: Hi there\r\n");
    expect(t.segments.map((s) => s.text)).toEqual(["Hello", "Hi there"]);
  });

  it("refuses a file without any speaker prefix, and names the line of a bad timestamp", () => {
    const none = fails(() =>
      parseTranscript("text", "\n\nBonjour, je vous appelle pour ma facture.\nMerci."),
    );
    expect([none.code, none.line]).toEqual(["no_speaker_prefix", 3]);
    expect(none.message).toMatch(/"Agent:" or "Client:"/);
    const ts = fails(() => parseTranscript("text", "[00:01] Agent: Bonjour\n[00:75] Client: Bonjour"));
    expect([ts.code, ts.line]).toEqual(["bad_timestamp", 2]);
    expect(ts.message).toMatch(/^line 2: "\[00:75\]" is not a valid time/);
  });
});

describe("limits and content types", () => {
  it("refuses content over 5 MB, empty content, and lines over 20,000 characters (with the line)", () => {
    const big = `Agent: ${"bonjour ".repeat(700_000)}`;
    expect(fails(() => parseTranscript("text", big)).code).toBe("too_large");
    expect(
      fails(() => parseTranscript("json", JSON.stringify([{ speaker: "a", start: 0, end: 1, text: big }])))
        .code,
    ).toBe("too_large");
    for (const format of ["json", "vtt", "srt", "text"] as const) {
      expect(fails(() => parseTranscript(format, "")).code).toBe("empty");
      expect(fails(() => parseTranscript(format, " \n\uFEFF")).code).toBe("empty");
    }
    const long = fails(() => parseTranscript("text", `Agent: Bonjour\nClient: ${"a".repeat(20_001)}`));
    expect([long.code, long.line]).toEqual(["line_too_long", 2]);
    expect(long.message).toMatch(/^line 2: 20,009 characters/);
    const vttLong = fails(() =>
      parseTranscript("vtt", `WEBVTT\n\n00:00.000 --> 00:01.000\n${"x".repeat(25_000)}`),
    );
    expect([vttLong.code, vttLong.line]).toEqual(["line_too_long", 4]);
    expect(fails(() => parseTranscript("text", { not: "text" })).code).toBe("invalid_content");
    expect(fails(() => parseTranscript("pdf" as "text", "x")).code).toBe("unsupported_format");
  });

  it("maps Content-Types to formats, ignoring parameters; unknown types are null", () => {
    expect(formatFromContentType("application/json")).toBe("json");
    expect(formatFromContentType("application/json; charset=utf-8")).toBe("json");
    expect(formatFromContentType("text/vtt")).toBe("vtt");
    expect(formatFromContentType("application/x-subrip")).toBe("srt");
    expect(formatFromContentType("text/srt")).toBe("srt");
    expect(formatFromContentType("Text/Plain;charset=UTF-8")).toBe("text");
    expect(formatFromContentType("image/png")).toBeNull();
    expect(formatFromContentType("application/pdf")).toBeNull();
    expect(formatFromContentType("")).toBeNull();
    expect(formatFromContentType(undefined)).toBeNull();
  });

  it("counts words with Unicode letters and digits; leaves language undefined when too short", () => {
    const t = parseTranscript(
      "text",
      "Agent: Aujourd'hui, peut-être à 14 h 30 ?\nClient: D'accord… ÇA MARCHE",
    );
    expect(t.wordCount).toBe(6 + 3);
    expect(t.language).toBeUndefined();
  });
});
