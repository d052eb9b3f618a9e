import { afterEach, describe, expect, it, vi } from "vitest";
import type { Segment } from "../core/content/transcripts/model";
import { decideProcessing } from "../core/policy/processing";
import type { FetchLike } from "../core/providers/http";
import {
  assemblyAiProvider,
  deepgram,
  deepgramParams,
  deepgramProvider,
  openaiSpeechProvider,
  ProviderError,
  pickSpeechProvider,
  redactRaw,
  resolveRoles,
  resolveRolesDetailed,
  type SpeechRequest,
} from "../core/providers/speech";
import {
  assemblyAuthError,
  assemblyCompleted,
  assemblyFailed,
  assemblyProcessing,
  assemblyQueued,
  assemblyStereoCompleted,
  assemblyUpload,
} from "./fixtures/providers/assemblyai";
import { deepgramAuthError, deepgramFrenchCall, deepgramStereoCall } from "./fixtures/providers/deepgram";
import { openaiDiarized, openaiInvalidKey, openaiRateLimited } from "./fixtures/providers/openai";

// ---------------------------------------------------------------------------------------------
// Helpers: a fake recording and a fetch that records what we send.

const AUDIO = new Uint8Array(4096).map((_, i) => (i * 7) % 256);
const audio = (bytes = AUDIO) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes.slice(0, 1000));
      c.enqueue(bytes.slice(1000));
      c.close();
    },
  });

const EU = {
  deepgram: decideProcessing({
    tenant: { location: "eu", processingScope: "in_region" },
    provider: "deepgram",
  }),
  openai: decideProcessing({ tenant: { location: "eu", processingScope: "in_region" }, provider: "openai" }),
  assemblyai: decideProcessing({
    tenant: { location: "eu", processingScope: "in_region" },
    provider: "assemblyai",
  }),
};
const endpoint = (d: (typeof EU)[keyof typeof EU]) => {
  if (!d.allowed) throw new Error("policy refused");
  return d.endpoint;
};

function request(over: Partial<SpeechRequest> = {}): SpeechRequest {
  return {
    audio: audio(),
    size: AUDIO.byteLength,
    mime: "audio/wav",
    language: "fr",
    endpoint: endpoint(EU.deepgram),
    apiKey: "dg-test-key",
    companyName: "Assurances Horizon",
    ...over,
  };
}

interface Sent {
  url: URL;
  method: string;
  headers: Headers;
  bytes?: Uint8Array;
  form?: FormData;
  json?: unknown;
}

type Reply = Response | (() => Response | Promise<Response>) | ((init: RequestInit) => Promise<Response>);

/** A fetch that answers from a list, in order, and records each request (body read in full). */
function mockFetch(...replies: Reply[]) {
  const sent: Sent[] = [];
  let i = 0;
  const fetch: FetchLike = async (input, init = {}) => {
    const req: Sent = {
      url: new URL(String(input)),
      method: init.method ?? "GET",
      headers: new Headers(init.headers),
    };
    const body = init.body;
    if (body instanceof FormData) req.form = body;
    else if (typeof body === "string") req.json = JSON.parse(body);
    else if (body) req.bytes = new Uint8Array(await new Response(body).arrayBuffer());
    sent.push(req);
    const r = replies[Math.min(i++, replies.length - 1)];
    return typeof r === "function"
      ? (r as (init: RequestInit) => Response | Promise<Response>)(init)
      : r.clone();
  };
  return { fetch, sent };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProviderError) return e;
    throw e;
  }
  throw new Error("expected a ProviderError");
}

afterEach(() => {
  vi.restoreAllMocks();
});

// ---------------------------------------------------------------------------------------------

describe("deepgram", () => {
  it("sends the audio to the EU endpoint with nova-3, diarisation and mip_opt_out, and maps utterances", async () => {
    const { fetch, sent } = mockFetch(json(deepgramFrenchCall));
    const r = await deepgramProvider({ fetch }).transcribe(request());

    expect(sent).toHaveLength(1);
    const [req] = sent;
    expect(req.method).toBe("POST");
    expect(req.url.origin).toBe("https://api.eu.deepgram.com");
    expect(req.url.pathname).toBe("/v1/listen");
    const q = req.url.searchParams;
    expect(q.get("mip_opt_out")).toBe("true");
    expect(q.get("model")).toBe("nova-3");
    expect(q.get("diarize")).toBe("true");
    expect(q.get("utterances")).toBe("true");
    expect(q.get("smart_format")).toBe("true");
    expect(q.get("punctuate")).toBe("true");
    expect(q.get("language")).toBe("fr");
    expect(q.has("detect_language")).toBe(false);
    // Entity redaction (pci) is English-only at Deepgram; numbers redaction would erase amounts.
    expect(q.getAll("redact")).toEqual([]);
    expect(req.headers.get("authorization")).toBe("Token dg-test-key");
    expect(req.headers.get("content-type")).toBe("audio/wav");
    expect(req.bytes).toEqual(AUDIO);

    expect(r.provider).toBe("deepgram");
    expect(r.model).toBe("nova-3");
    expect(r.redactedByProvider).toBe(false);
    expect(r.transcript.language).toBe("fr");
    expect(r.transcript.segments.map((s) => [s.id, s.speaker, s.speakerLabel, s.startS])).toEqual([
      ["s1", "agent", "spk_0", 0.4],
      ["s2", "customer", "spk_1", 4.6],
      ["s3", "agent", "spk_0", 8.9],
      ["s4", "customer", "spk_1", 12.8],
      ["s5", "agent", "spk_0", 17.5],
      ["s6", "customer", "spk_1", 19.1],
      ["s7", "agent", "spk_0", 21],
    ]);
    expect(r.roles).toBe("greeting");
  });

  it("redacts the card and the CVV in the transcript and in the raw response", async () => {
    const { fetch } = mockFetch(json(deepgramFrenchCall));
    const r = await deepgramProvider({ fetch }).transcribe(request());
    expect(r.transcript.segments[3].text).toBe("C'est le [CARD].");
    expect(r.transcript.segments[5].text).toBe("[CVV].");
    expect(r.redactionCounts).toMatchObject({ CARD: 1, CVV: 1 });
    const stored = JSON.stringify(r.raw);
    expect(stored).not.toMatch(/4970|7893/);
    expect(stored).toContain("[CARD]");
    // Timings survive; word text does not.
    const raw = r.raw as typeof deepgramFrenchCall;
    expect(raw.results.utterances[3].words[0]).toMatchObject({ word: "", punctuated_word: "", start: 14.2 });
    expect(raw.results.channels[0].alternatives[0].transcript).not.toContain("4970");
    // Idempotent: redacting again changes nothing.
    expect(redactRaw("deepgram", r.raw)).toEqual(r.raw);
  });

  it("detects the language when unknown, asks for pci redaction in English, and mip_opt_out is always on", () => {
    const combos: Pick<SpeechRequest, "language" | "multichannel">[] = [
      {},
      { language: "fr" },
      { language: "en" },
      { multichannel: true },
      { language: "en", multichannel: true },
    ];
    for (const c of combos) expect(deepgramParams(c).get("mip_opt_out")).toBe("true");
    expect(deepgramParams({}).get("detect_language")).toBe("true");
    expect(deepgramParams({}).has("language")).toBe(false);
    expect(deepgramParams({ language: "en" }).getAll("redact")).toEqual(["pci"]);
    expect(deepgramParams({ multichannel: true }).get("multichannel")).toBe("true");
    expect(deepgramParams({}).has("multichannel")).toBe(false);
  });

  it("stereo per side: multichannel=true and roles by channel", async () => {
    const { fetch, sent } = mockFetch(json(deepgramStereoCall));
    const r = await deepgramProvider({ fetch }).transcribe(
      request({ language: "en", multichannel: true, agentChannel: 0, companyName: "Acme Telecom" }),
    );
    expect(sent[0].url.searchParams.get("multichannel")).toBe("true");
    expect(sent[0].url.searchParams.getAll("redact")).toEqual(["pci"]);
    expect(r.redactedByProvider).toBe(true);
    expect(r.roles).toBe("channel");
    expect(r.transcript.segments.map((s) => [s.channel, s.speaker, s.text])).toEqual([
      [0, "agent", "Good morning, Acme Telecom, Sam speaking."],
      [1, "customer", "Hello?"],
      [1, "customer", "Hi, my internet is down again."],
    ]);
  });

  it("uses the global fetch when none is injected", async () => {
    const spy = vi.spyOn(globalThis, "fetch").mockResolvedValue(json(deepgramFrenchCall));
    const r = await deepgram.transcribe(request());
    expect(spy).toHaveBeenCalledTimes(1);
    const url = new URL(String(spy.mock.calls[0][0]));
    expect(url.host).toBe("api.eu.deepgram.com");
    expect(url.searchParams.get("mip_opt_out")).toBe("true");
    expect(r.transcript.segments).toHaveLength(7);
  });

  describe("errors", () => {
    it("429 is retryable, with Retry-After", async () => {
      const { fetch } = mockFetch(
        json({ err_code: "TOO_MANY_REQUESTS", err_msg: "Too many requests." }, 429, { "retry-after": "7" }),
      );
      const e = await providerError(deepgramProvider({ fetch }).transcribe(request()));
      expect(e).toMatchObject({
        provider: "deepgram",
        retryable: true,
        status: 429,
        code: "rate_limited",
        retryAfterS: 7,
      });
    });

    it("5xx is retryable", async () => {
      const { fetch } = mockFetch(new Response("upstream error", { status: 503 }));
      const e = await providerError(deepgramProvider({ fetch }).transcribe(request()));
      expect(e).toMatchObject({ retryable: true, status: 503, code: "server_error" });
    });

    it("401 is not retryable and says to check the key, with Deepgram's own message", async () => {
      const { fetch } = mockFetch(json(deepgramAuthError, 401));
      const e = await providerError(deepgramProvider({ fetch }).transcribe(request()));
      expect(e).toMatchObject({ retryable: false, status: 401, code: "unauthorized" });
      expect(e.message).toContain("API key");
      expect(e.message).toContain("INVALID_AUTH: Invalid credentials.");
    });

    it("400/403/413/415 are not retryable", async () => {
      for (const [status, code] of [
        [400, "bad_request"],
        [403, "forbidden"],
        [413, "too_large"],
        [415, "unsupported_media"],
      ] as const) {
        const { fetch } = mockFetch(json({ err_code: "X", err_msg: "nope" }, status));
        const e = await providerError(deepgramProvider({ fetch }).transcribe(request()));
        expect(e).toMatchObject({ retryable: false, status, code });
      }
    });

    it("a network failure is retryable", async () => {
      const fetch: FetchLike = async () => {
        throw new TypeError("Network connection lost.");
      };
      const e = await providerError(deepgramProvider({ fetch }).transcribe(request()));
      expect(e).toMatchObject({ retryable: true, code: "network" });
    });

    it("our timeout aborts the request and is retryable", async () => {
      let aborted = false;
      const fetch: FetchLike = (_input, init) =>
        new Promise((_, reject) => {
          init?.signal?.addEventListener("abort", () => {
            aborted = true;
            reject(new DOMException("The operation was aborted.", "AbortError"));
          });
        });
      const e = await providerError(deepgramProvider({ fetch, timeoutMs: 30 }).transcribe(request()));
      expect(aborted).toBe(true);
      expect(e).toMatchObject({ retryable: true, code: "timeout" });
      expect(e.message).toContain("did not answer");
    });

    it("the caller's AbortSignal aborts the request and is retryable", async () => {
      const fetch: FetchLike = (_input, init) =>
        new Promise((_, reject) => {
          init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
        });
      const ctl = new AbortController();
      const p = deepgramProvider({ fetch }).transcribe(request({ signal: ctl.signal }));
      setTimeout(() => ctl.abort(), 10);
      const e = await providerError(p);
      expect(e).toMatchObject({ retryable: true, code: "timeout" });
    });

    it("a 200 that is not JSON, or not the documented shape, is a clear non-retryable error", async () => {
      const html = mockFetch(
        new Response("<html>gateway</html>", { status: 200, headers: { "content-type": "text/html" } }),
      );
      const e1 = await providerError(deepgramProvider({ fetch: html.fetch }).transcribe(request()));
      expect(e1).toMatchObject({ retryable: false, code: "malformed_response" });
      expect(e1.message).toContain("not JSON");

      const shape = mockFetch(
        json({ metadata: {}, results: { utterances: [{ start: "0", transcript: 1 }] } }),
      );
      const e2 = await providerError(deepgramProvider({ fetch: shape.fetch }).transcribe(request()));
      expect(e2).toMatchObject({ retryable: false, code: "malformed_response" });
      expect(e2.message).toMatch(/results\.utterances\.0/);
    });

    it("no speech is a clear non-retryable error", async () => {
      const { fetch } = mockFetch(json({ metadata: {}, results: { channels: [], utterances: [] } }));
      const e = await providerError(deepgramProvider({ fetch }).transcribe(request()));
      expect(e).toMatchObject({ retryable: false, code: "no_speech" });
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe("openai", () => {
  const oaReq = (over: Partial<SpeechRequest> = {}) =>
    request({
      endpoint: endpoint(EU.openai),
      apiKey: "sk-test",
      mime: "audio/mpeg",
      language: "en",
      companyName: "Acme Telecom",
      ...over,
    });

  it("posts multipart to the EU endpoint with the diarize model and maps segments", async () => {
    const { fetch, sent } = mockFetch(json(openaiDiarized));
    const r = await openaiSpeechProvider({ fetch }).transcribe(oaReq());

    const [req] = sent;
    expect(req.method).toBe("POST");
    expect(req.url.href).toBe("https://eu.api.openai.com/v1/audio/transcriptions");
    expect(req.headers.get("authorization")).toBe("Bearer sk-test");
    expect(req.headers.get("content-type")).toBeNull(); // fetch sets the multipart boundary
    const form = req.form!;
    expect(form.get("model")).toBe("gpt-4o-transcribe-diarize");
    expect(form.get("response_format")).toBe("diarized_json");
    expect(form.get("chunking_strategy")).toBe("auto");
    expect(form.get("language")).toBe("en");
    const file = form.get("file") as File;
    expect(file.name).toBe("audio.mp3");
    expect(file.type).toBe("audio/mpeg");
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(AUDIO);

    expect(r.model).toBe("gpt-4o-transcribe-diarize");
    expect(r.redactedByProvider).toBe(false);
    expect(r.roles).toBe("greeting");
    expect(r.transcript.segments.map((s) => [s.id, s.speaker, s.speakerLabel, s.text])).toEqual([
      ["s1", "agent", "A", "Thank you for calling Acme Telecom, this is Sam, how can I help you?"],
      ["s2", "customer", "B", "Hi, my card was charged twice."],
      ["s3", "customer", "B", "The number is [CARD]."],
      ["s4", "agent", "A", "I see it, I'll refund the second charge today."],
    ]);
    expect(JSON.stringify(r.raw)).not.toContain("5555 5555");
  });

  it("omits language when unknown", async () => {
    const { fetch, sent } = mockFetch(json(openaiDiarized));
    const r = await openaiSpeechProvider({ fetch }).transcribe(oaReq({ language: undefined }));
    expect(sent[0].form!.has("language")).toBe(false);
    expect(r.transcript.language).toBe("en"); // guessed from the words
  });

  it("refuses a file over 25 MB before reading it, and pickSpeechProvider routes it elsewhere", async () => {
    const { fetch, sent } = mockFetch(json(openaiDiarized));
    const big = 30 * 1024 * 1024;
    const e = await providerError(openaiSpeechProvider({ fetch }).transcribe(oaReq({ size: big })));
    expect(e).toMatchObject({ retryable: false, code: "too_large" });
    expect(e.message).toContain("25 MB");
    expect(sent).toHaveLength(0);

    expect(pickSpeechProvider("openai", big, ["openai", "deepgram", "assemblyai"])).toMatchObject({
      provider: "deepgram",
      fallback: true,
      reason: expect.stringContaining("25.0 MB"),
    });
    expect(pickSpeechProvider("openai", big, ["openai", "assemblyai"])).toMatchObject({
      provider: "assemblyai",
    });
    const none = pickSpeechProvider("openai", big, ["openai", "anthropic"]);
    expect(none.provider).toBeNull();
    expect(none).toMatchObject({
      reason: expect.stringMatching(/25\.0 MB.*30\.0 MB.*enable deepgram or assemblyai/),
    });
    expect(pickSpeechProvider("openai", 10 * 1024 * 1024, ["openai", "deepgram"])).toEqual({
      provider: "openai",
      fallback: false,
    });
    expect(pickSpeechProvider("deepgram", 1000, ["openai"])).toMatchObject({
      provider: "openai",
      reason: expect.stringContaining("deepgram is not allowed"),
    });
  });

  it("stops reading if the stream is larger than announced", async () => {
    const { fetch, sent } = mockFetch(json(openaiDiarized));
    const chunk = new Uint8Array(1024 * 1024);
    let n = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        if (n++ > 30) c.close();
        else c.enqueue(chunk);
      },
    });
    const e = await providerError(
      openaiSpeechProvider({ fetch }).transcribe(oaReq({ audio: endless, size: 1000 })),
    );
    expect(e).toMatchObject({ code: "too_large", retryable: false });
    expect(sent).toHaveLength(0);
  });

  it("401 is not retryable with OpenAI's message; 429 is retryable", async () => {
    const bad = mockFetch(json(openaiInvalidKey, 401));
    const e1 = await providerError(openaiSpeechProvider({ fetch: bad.fetch }).transcribe(oaReq()));
    expect(e1).toMatchObject({ provider: "openai", retryable: false, status: 401 });
    expect(e1.message).toContain("Incorrect API key provided");

    const limited = mockFetch(json(openaiRateLimited, 429));
    const e2 = await providerError(openaiSpeechProvider({ fetch: limited.fetch }).transcribe(oaReq()));
    expect(e2).toMatchObject({ retryable: true, status: 429 });
  });
});

// ---------------------------------------------------------------------------------------------

describe("assemblyai", () => {
  const aaiReq = (over: Partial<SpeechRequest> = {}) =>
    request({ endpoint: endpoint(EU.assemblyai), apiKey: "aai-key", ...over });

  function clock() {
    let t = 0;
    const waits: number[] = [];
    return {
      now: () => t,
      sleep: async (ms: number) => {
        waits.push(ms);
        t += ms;
      },
      waits,
    };
  }

  it("uploads, creates the transcript, polls with backoff, reads utterances, then deletes it", async () => {
    const { fetch, sent } = mockFetch(
      json(assemblyUpload),
      json(assemblyQueued),
      json(assemblyQueued),
      json(assemblyProcessing),
      json(assemblyCompleted),
      json({ ...assemblyCompleted, text: "Deleted by user." }),
    );
    const c = clock();
    const r = await assemblyAiProvider({ fetch, sleep: c.sleep, now: c.now }).transcribe(aaiReq());

    expect(sent.map((s) => `${s.method} ${s.url.href}`)).toEqual([
      "POST https://api.eu.assemblyai.com/v2/upload",
      "POST https://api.eu.assemblyai.com/v2/transcript",
      `GET https://api.eu.assemblyai.com/v2/transcript/${assemblyQueued.id}`,
      `GET https://api.eu.assemblyai.com/v2/transcript/${assemblyQueued.id}`,
      `GET https://api.eu.assemblyai.com/v2/transcript/${assemblyQueued.id}`,
      `DELETE https://api.eu.assemblyai.com/v2/transcript/${assemblyQueued.id}`,
    ]);
    for (const s of sent) expect(s.headers.get("authorization")).toBe("aai-key");
    expect(sent[0].headers.get("content-type")).toBe("application/octet-stream");
    expect(sent[0].bytes).toEqual(AUDIO);
    expect(sent[1].json).toEqual({
      audio_url: assemblyUpload.upload_url,
      speech_models: ["universal-3-pro", "universal-2"],
      language_code: "fr",
      speaker_labels: true,
      punctuate: true,
      format_text: true,
      redact_pii: true,
      redact_pii_policies: [
        "credit_card_number",
        "credit_card_expiration",
        "credit_card_cvv",
        "banking_information",
        "email_address",
      ],
      redact_pii_sub: "entity_name",
    });
    expect(c.waits).toEqual([3000, 4500]);

    expect(r.provider).toBe("assemblyai");
    expect(r.model).toBe("universal-3-pro");
    expect(r.redactedByProvider).toBe(true);
    expect(r.roles).toBe("greeting");
    expect(r.transcript.segments.map((s) => [s.id, s.speaker, s.startS, s.endS])).toEqual([
      ["s1", "agent", 0.32, 4.48],
      ["s2", "customer", 5.1, 8.02],
      ["s3", "customer", 8.4, 15.2],
      ["s4", "agent", 15.8, 16.9],
    ]);
    // The IBAN AssemblyAI's redaction missed is caught by ours, in the transcript and the raw JSON.
    expect(r.transcript.segments[2].text).toBe("Le nouveau c'est [IBAN].");
    expect(JSON.stringify(r.raw)).not.toContain("3000 6000");
  });

  it("detects the language and uses multichannel (no diarisation) for stereo recordings", async () => {
    const { fetch, sent } = mockFetch(
      json(assemblyUpload),
      json(assemblyQueued),
      json(assemblyStereoCompleted),
      json({}),
    );
    const c = clock();
    const r = await assemblyAiProvider({ fetch, sleep: c.sleep, now: c.now }).transcribe(
      aaiReq({ language: undefined, multichannel: true, agentChannel: 0, direction: "outbound" }),
    );
    const body = sent[1].json as Record<string, unknown>;
    expect(body.language_detection).toBe(true);
    expect(body).not.toHaveProperty("language_code");
    expect(body.multichannel).toBe(true);
    expect(body).not.toHaveProperty("speaker_labels");
    expect(r.roles).toBe("channel");
    expect(r.transcript.segments.map((s) => [s.channel, s.speaker])).toEqual([
      [1, "customer"],
      [0, "agent"],
    ]);
    expect(r.transcript.language).toBe("fr");
  });

  it("a transcript in error is not retryable, carries AssemblyAI's reason, and is deleted", async () => {
    const { fetch, sent } = mockFetch(
      json(assemblyUpload),
      json(assemblyQueued),
      json(assemblyFailed),
      json({}),
    );
    const c = clock();
    const e = await providerError(
      assemblyAiProvider({ fetch, sleep: c.sleep, now: c.now }).transcribe(aaiReq()),
    );
    expect(e).toMatchObject({ retryable: false, code: "transcription_failed" });
    expect(e.message).toContain("Transcoding failed");
    expect(sent.at(-1)?.method).toBe("DELETE");
  });

  it("gives up after maxWaitMs with a retryable timeout", async () => {
    const { fetch, sent } = mockFetch(json(assemblyUpload), json(assemblyQueued), json(assemblyProcessing));
    const c = clock();
    const e = await providerError(
      assemblyAiProvider({ fetch, sleep: c.sleep, now: c.now, maxWaitMs: 20_000 }).transcribe(aaiReq()),
    );
    expect(e).toMatchObject({ retryable: true, code: "timeout" });
    expect(c.waits.reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(c.waits.every((w) => w <= 15_000)).toBe(true);
    expect(sent.at(-1)?.method).toBe("DELETE"); // best effort: do not leave it at AssemblyAI
  });

  it("a bad key fails at the upload, not retryable", async () => {
    const { fetch, sent } = mockFetch(json(assemblyAuthError, 401));
    const e = await providerError(assemblyAiProvider({ fetch }).transcribe(aaiReq()));
    expect(e).toMatchObject({ retryable: false, status: 401 });
    expect(e.message).toContain("API token missing/invalid");
    expect(sent).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------

describe("roles", () => {
  const seg = (label: string, startS: number, text: string, channel?: number): Segment => ({
    id: `x${startS}`,
    speaker: "unknown",
    speakerLabel: label,
    ...(channel !== undefined ? { channel } : {}),
    startS,
    endS: startS + 2,
    text,
  });
  const roles = (segs: Segment[], opts?: Parameters<typeof resolveRoles>[1]) =>
    resolveRoles(segs, opts).map((s) => `${s.speakerLabel}:${s.speaker}`);

  it("FR: the speaker who greets with the company name, even when the customer speaks first", () => {
    const segs = [
      seg("A", 0, "Allô ?"),
      seg("B", 1.5, "Assurances Horizon bonjour, Julie à votre écoute."),
      seg("A", 4, "Oui bonjour, c'est pour un sinistre."),
    ];
    expect(roles(segs, { companyName: "Assurances Horizon" })).toEqual([
      "A:customer",
      "B:agent",
      "A:customer",
    ]);
    expect(resolveRolesDetailed(segs, { companyName: "Assurances Horizon" }).method).toBe("greeting");
  });

  it("FR: bienvenue without the company name; STT spelling of the name is tolerated", () => {
    expect(
      roles([seg("0", 0, "Euh oui ?"), seg("1", 2, "Bienvenue chez nous, que puis-je faire pour vous ?")]),
    ).toEqual(["0:customer", "1:agent"]);
    expect(
      roles([seg("0", 0, "Bonjour."), seg("1", 1, "Assurance horizon, bonjour.")], {
        companyName: "Assurances Horizon",
      }),
    ).toEqual(["0:customer", "1:agent"]);
  });

  it("EN: how can I help", () => {
    expect(
      roles([
        seg("A", 0.5, "Hi, I'm calling about my bill."),
        seg("B", 3, "Sure, how can I help you today?"),
      ]),
    ).toEqual(["A:customer", "B:agent"]);
  });

  it("the greeting counts only in the first 30 s; a phrase weighs more than the name", () => {
    const late = [seg("A", 0, "Bonjour."), seg("B", 2, "Bonjour."), seg("B", 40, "Bienvenue !")];
    expect(resolveRolesDetailed(late).method).toBe("first_speaker");
    expect(roles(late)).toEqual(["A:agent", "B:customer", "B:customer"]);
    // The customer names the company; the agent says an agent phrase.
    expect(
      roles(
        [seg("C", 0, "Bonjour, j'appelle Horizon pour mon contrat."), seg("D", 3, "Je vous écoute, madame.")],
        {
          companyName: "Horizon",
        },
      ),
    ).toEqual(["C:customer", "D:agent"]);
  });

  it("no greeting: the first speaker is the agent inbound, the customer outbound", () => {
    const segs = [seg("A", 0, "Oui ?"), seg("B", 1, "Bonjour madame."), seg("A", 3, "Bonjour.")];
    expect(roles(segs)).toEqual(["A:agent", "B:customer", "A:agent"]);
    expect(roles(segs, { direction: "outbound" })).toEqual(["A:customer", "B:agent", "A:customer"]);
  });

  it("by channel when the agent's channel is known", () => {
    const segs = [seg("0", 0, "Hello?", 1), seg("0", 1, "Hi, Acme here.", 0)];
    expect(resolveRoles(segs, { agentChannel: 0 }).map((s) => s.speaker)).toEqual(["customer", "agent"]);
  });

  it("a third voice that opens like an agent (a transfer) is an agent too", () => {
    const segs = [
      seg("A", 0, "Horizon bonjour, je vous écoute."),
      seg("B", 2, "Je veux résilier."),
      seg("A", 4, "Je vous transfère."),
      seg("C", 60, "Service résiliation, bonjour, je vous écoute."),
      seg("B", 63, "Oui, je veux résilier."),
    ];
    expect(roles(segs)).toEqual(["A:agent", "B:customer", "A:agent", "C:agent", "B:customer"]);
  });

  it("keeps given roles and leaves unlabelled segments alone", () => {
    const given: Segment[] = [{ id: "1", speaker: "agent", startS: 0, endS: 1, text: "Bonjour" }];
    expect(resolveRolesDetailed(given).method).toBe("given");
    const bare: Segment[] = [{ id: "1", speaker: "unknown", startS: 0, endS: 1, text: "Bonjour" }];
    expect(resolveRolesDetailed(bare)).toMatchObject({ method: "unresolved", segments: bare });
  });
});

describe("redactRaw", () => {
  it("redacts across consecutive utterances and blanks word text, for any of the three shapes", () => {
    const raw = {
      segments: [
        { id: "seg_0", speaker: "A", start: 0, end: 2, text: "Quel est le code de sécurité au dos ?" },
        { id: "seg_1", speaker: "B", start: 2, end: 3, text: "Sept trois neuf." },
      ],
      words: [{ text: "sept", start: 2, end: 2.3 }],
      text: "Mon mail c'est jean.dupont@example.com",
    };
    const out = redactRaw("openai", raw) as typeof raw;
    expect(out.segments[1].text).toBe("[CVV].");
    expect(out.words[0]).toEqual({ text: "", start: 2, end: 2.3 });
    expect(out.text).toBe("Mon mail c'est [EMAIL]");
    expect(raw.segments[1].text).toBe("Sept trois neuf."); // a copy: the input is untouched
  });
});
