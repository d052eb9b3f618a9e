import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { call, makeTenant } from "./helpers";

type ImportBody = {
  summary: { created: number; existing: number; errors: number };
  items: {
    item: string;
    externalId: string | null;
    result: string;
    error?: { status: number; detail: string };
  }[];
};

const enc = new TextEncoder();

describe("bulk import (B2)", () => {
  it("NDJSON: a result per line; re-sending is idempotent; bad lines are reported, good ones kept", async () => {
    const t = await makeTenant();
    const ndjson = [
      JSON.stringify({
        externalId: "N-1",
        agent: { externalId: "AG-1", name: "Paul" },
        transcript: { format: "text", content: "Agent: Bonjour\nClient: Je veux résilier" },
      }),
      "{not json",
      JSON.stringify({ externalId: "N-2", durationS: -5 }),
      "",
      JSON.stringify({ externalId: "N-3" }),
    ].join("\n");
    const send = () =>
      call("/api/v1/imports", {
        method: "POST",
        key: t.key,
        body: ndjson,
        headers: { "content-type": "application/x-ndjson" },
      });
    const r = await send();
    expect(r.status).toBe(200);
    const b = (await r.json()) as ImportBody;
    expect(b.summary).toEqual({ created: 2, existing: 0, errors: 2 });
    expect(b.items.map((i) => [i.item, i.result])).toEqual([
      ["line 1", "created"],
      ["line 2", "error"],
      ["line 3", "error"],
      ["line 5", "created"],
    ]);
    expect(b.items[1].error!.detail).toContain("line 2");
    // An invalid field is named, with its JSON pointer.
    expect(b.items[2].error!.detail).toContain("durationS:");
    expect((b.items[2].error as { errors?: { pointer: string }[] }).errors?.[0].pointer).toBe("/durationS");
    const again = (await (await send()).json()) as ImportBody;
    expect(again.summary).toEqual({ created: 0, existing: 2, errors: 2 });
    const agents = (await (await call("/api/v1/agents", { key: t.key })).json()) as {
      data: { externalId: string }[];
    };
    expect(agents.data.map((a) => a.externalId)).toEqual(["AG-1"]);
  });

  it("ZIP: transcript files become calls; calls.ndjson adds metadata; unknown files are reported", async () => {
    const t = await makeTenant();
    const zip = zipSync({
      "calls.ndjson": enc.encode(
        `${JSON.stringify({ externalId: "Z-meta", transcriptFile: "z-meta.srt", agent: { externalId: "AG-Z" } })}\n`,
      ),
      "z-meta.srt": enc.encode(
        "1\n00:00:00,000 --> 00:00:02,000\nAgent: Hello\n\n2\n00:00:02,500 --> 00:00:04,000\nCustomer: Wrong bill\n",
      ),
      "transcripts/Z-vtt.vtt": enc.encode("WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Agent>Bonjour\n"),
      "Z-txt.txt": enc.encode("Agent: Hi\nCustomer: My parcel is late"),
      "Z-json.json": enc.encode(JSON.stringify([{ speaker: "agent", start: 0, end: 1, text: "Hello" }])),
      "notes.pdf": enc.encode("%PDF-1.4"),
    });
    const r = await call("/api/v1/imports", {
      method: "POST",
      key: t.key,
      body: zip,
      headers: { "content-type": "application/zip" },
    });
    expect(r.status).toBe(200);
    const b = (await r.json()) as ImportBody;
    expect(b.summary).toEqual({ created: 4, existing: 0, errors: 1 });
    expect(b.items.find((i) => i.item === "file notes.pdf")?.error?.status).toBe(415);
    const ids = b.items
      .filter((i) => i.result === "created")
      .map((i) => i.externalId)
      .sort();
    expect(ids).toEqual(["Z-json", "Z-meta", "Z-txt", "Z-vtt"]);
    const list = (await (await call("/api/v1/calls?q=parcel", { key: t.key })).json()) as {
      data: { externalId: string }[];
    };
    expect(list.data.map((c) => c.externalId)).toEqual(["Z-txt"]);
  });

  it("refuses a non-ZIP body, an unknown content type and an oversized body", async () => {
    const t = await makeTenant();
    const notZip = await call("/api/v1/imports", {
      method: "POST",
      key: t.key,
      body: "hello",
      headers: { "content-type": "application/zip" },
    });
    expect(notZip.status).toBe(422);
    const csv = await call("/api/v1/imports", {
      method: "POST",
      key: t.key,
      body: "a,b",
      headers: { "content-type": "text/csv" },
    });
    expect(csv.status).toBe(415);
    const big = await call("/api/v1/imports", {
      method: "POST",
      key: t.key,
      body: new ReadableStream({ pull: (c) => c.enqueue(new Uint8Array(1024)) }),
      headers: { "content-type": "application/x-ndjson", "content-length": String(50 * 1024 * 1024) },
      duplex: "half",
    } as RequestInit);
    expect(big.status).toBe(413);
  });
});
