import { env } from "cloudflare:workers";
import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  type AuditInput,
  appendAudit,
  audit,
  entryHash,
  exportAudit,
  headKey,
  purgeAuditDays,
  tenantChain,
  verifyAuditChain,
  writeDayHeads,
  ZERO_HASH,
} from "../core/platform/audit";
import type { Actor, Ctx, PlatformCtx } from "../core/platform/context";
import { newId } from "../core/platform/crypto";
import { controlDb } from "../db/client";
import { auditLog, type Tenant } from "../db/schema/control";

const user: Actor = {
  type: "user",
  id: "usr_test",
  role: "admin",
  sessionId: "ses_test",
  agentId: null,
  email: "a@example.com",
};
const DAY1 = "2024-03-01";
const DAY2 = "2024-03-02";
const at = (day: string, h: number) => Date.parse(`${day}T${String(h).padStart(2, "0")}:00:00Z`);

function newTenant() {
  const tenantId = newId("ten");
  return { tenantId, chain: tenantChain(tenantId) };
}

async function append(tenantId: string, n: number, extra: Partial<AuditInput> = {}) {
  const out = [];
  for (let i = 0; i < n; i++)
    out.push(await appendAudit(env, { tenantId, actor: user, action: `thing.done_${i}`, ...extra }));
  return out;
}

const rowsOf = (chain: string) =>
  controlDb(env).select().from(auditLog).where(eq(auditLog.chain, chain)).orderBy(asc(auditLog.seq));
const sqlRun = (q: string, ...args: unknown[]) =>
  env.CONTROL_DB.prepare(q)
    .bind(...args)
    .run();

describe("audit log", () => {
  it("chains entries: seq 1..n, each linked to the previous hash, and verifies", async () => {
    const { tenantId, chain } = newTenant();
    const res = await append(tenantId, 5, {
      ip: "203.0.113.7",
      targetType: "call",
      targetId: "cal_1",
      meta: { role: "agent" },
    });
    expect(res.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);

    const rows = await rowsOf(chain);
    expect(rows[0].prevHash).toBe(ZERO_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i].prevHash).toBe(rows[i - 1].hash);
    for (const r of rows) expect(await entryHash(r)).toBe(r.hash);
    expect(rows[0]).toMatchObject({
      tenantId,
      actorType: "user",
      actorId: "usr_test",
      ip: "203.0.113.7",
      result: "success",
      meta: '{"role":"agent"}',
    });

    expect(await verifyAuditChain(env, chain)).toEqual({ ok: true, checked: 5 });
  });

  it("detects an altered row and names its seq", async () => {
    const { tenantId, chain } = newTenant();
    await append(tenantId, 5);
    await sqlRun("UPDATE audit_log SET action = 'x' WHERE chain = ? AND seq = 3", chain);
    const v = await verifyAuditChain(env, chain);
    expect(v).toMatchObject({ ok: false, firstBadSeq: 3 });
    expect(v.reason).toMatch(/altered/);
  });

  it("detects an altered row whose hash was recomputed (the next link breaks)", async () => {
    const { tenantId, chain } = newTenant();
    await append(tenantId, 4);
    const [r2] = (await rowsOf(chain)).filter((r) => r.seq === 2);
    const forged = { ...r2, result: "failure" as const };
    await sqlRun(
      "UPDATE audit_log SET result = 'failure', hash = ? WHERE id = ?",
      await entryHash(forged),
      r2.id,
    );
    expect(await verifyAuditChain(env, chain)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it("detects a deleted middle row and a truncated day", async () => {
    const { tenantId, chain } = newTenant();
    await append(tenantId, 5);
    await sqlRun("DELETE FROM audit_log WHERE chain = ? AND seq = 3", chain);
    const v = await verifyAuditChain(env, chain);
    expect(v).toMatchObject({ ok: false, firstBadSeq: 3 });
    expect(v.reason).toMatch(/missing/);

    // Deleting the tail leaves no gap; the day's R2 head still gives it away.
    const t = newTenant();
    await append(t.tenantId, 3, { ts: at(DAY1, 9) });
    await writeDayHeads(env, DAY1);
    await sqlRun("DELETE FROM audit_log WHERE chain = ? AND seq = 3", t.chain);
    expect(await verifyAuditChain(env, t.chain)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it("concurrent appends get seq 1..20 without a fork", async () => {
    const { tenantId, chain } = newTenant();
    const res = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendAudit(env, { tenantId, actor: user, action: "race.append", meta: { i } }),
      ),
    );
    expect(res.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const rows = await rowsOf(chain);
    expect(new Set(rows.map((r) => r.prevHash)).size).toBe(20);
    expect(await verifyAuditChain(env, chain)).toEqual({ ok: true, checked: 20 });
  });

  it("purging a whole day keeps the rest verifiable through the R2 head, and a forged head is caught", async () => {
    const { tenantId, chain } = newTenant();
    await append(tenantId, 3, { ts: at(DAY1, 10) });
    await append(tenantId, 2, { ts: at(DAY2, 10) });
    expect((await rowsOf(chain)).map((r) => r.day)).toEqual([DAY1, DAY1, DAY1, DAY2, DAY2]);

    expect(await purgeAuditDays(env, chain, DAY2)).toBe(3);
    const rows = await rowsOf(chain);
    expect(rows.map((r) => r.seq)).toEqual([4, 5]);

    const head = await (await env.CONTROL_BUCKET.get(headKey(chain, DAY1)))?.json<Record<string, unknown>>();
    expect(head).toEqual({ chain, day: DAY1, firstSeq: 1, lastSeq: 3, lastHash: rows[0].prevHash, count: 3 });
    expect(await verifyAuditChain(env, chain)).toEqual({ ok: true, checked: 2 });
    expect(await purgeAuditDays(env, chain, DAY2)).toBe(0);

    await env.CONTROL_BUCKET.put(headKey(chain, DAY1), JSON.stringify({ ...head, lastHash: "f".repeat(64) }));
    const v = await verifyAuditChain(env, chain);
    expect(v).toMatchObject({ ok: false, firstBadSeq: 4 });
    expect(v.reason).toMatch(/R2 head/);

    await env.CONTROL_BUCKET.delete(headKey(chain, DAY1));
    expect(await verifyAuditChain(env, chain)).toMatchObject({ ok: false, firstBadSeq: 4 });
  });

  it("a fully purged chain continues from its last head instead of restarting at 1", async () => {
    const { tenantId, chain } = newTenant();
    await append(tenantId, 2, { ts: at(DAY1, 8) });
    expect(await purgeAuditDays(env, chain, DAY2)).toBe(2);
    // Back-dated into the purged day: it still lands after it, so that day's head stays exact.
    const next = await appendAudit(env, { tenantId, actor: user, action: "late.entry", ts: at(DAY1, 23) });
    expect(next.seq).toBe(3);
    expect((await rowsOf(chain))[0].day).toBe(DAY2);
    expect(await verifyAuditChain(env, chain)).toEqual({ ok: true, checked: 1 });
  });

  it("refuses to purge a chain that does not verify", async () => {
    const { tenantId, chain } = newTenant();
    await append(tenantId, 2, { ts: at(DAY1, 8) });
    await sqlRun("UPDATE audit_log SET ip = '10.0.0.1' WHERE chain = ? AND seq = 1", chain);
    await expect(purgeAuditDays(env, chain, DAY2)).rejects.toThrow(/fails verification/);
    expect(await rowsOf(chain)).toHaveLength(2);
  });

  it("writeDayHeads is idempotent and never overwrites a head that disagrees", async () => {
    const { tenantId, chain } = newTenant();
    await append(tenantId, 2, { ts: at(DAY1, 12) });
    const first = await writeDayHeads(env, DAY1);
    expect(first.conflicts).not.toContain(chain);
    const obj1 = await env.CONTROL_BUCKET.head(headKey(chain, DAY1));
    expect(obj1).not.toBeNull();

    const again = await writeDayHeads(env, DAY1);
    expect(again.conflicts).not.toContain(chain);
    expect((await env.CONTROL_BUCKET.head(headKey(chain, DAY1)))?.etag).toBe(obj1?.etag);
    expect(await verifyAuditChain(env, chain)).toEqual({ ok: true, checked: 2 });

    // A back-dated entry into the day extends its head.
    await appendAudit(env, { tenantId, actor: user, action: "late.entry", ts: at(DAY1, 13) });
    await writeDayHeads(env, DAY1);
    const extended = await (await env.CONTROL_BUCKET.get(headKey(chain, DAY1)))?.json<{
      lastSeq: number;
      count: number;
    }>();
    expect(extended).toMatchObject({ lastSeq: 3, count: 3 });

    // A forged head is reported, left as evidence, and fails verification.
    const forged = JSON.stringify({ ...extended, lastHash: "0".repeat(64) });
    await env.CONTROL_BUCKET.put(headKey(chain, DAY1), forged);
    expect((await writeDayHeads(env, DAY1)).conflicts).toContain(chain);
    expect(await (await env.CONTROL_BUCKET.get(headKey(chain, DAY1)))?.text()).toBe(forged);
    expect(await verifyAuditChain(env, chain)).toMatchObject({ ok: false, firstBadSeq: 3 });
  });

  it("refuses secrets and oversized values in meta", async () => {
    const { tenantId, chain } = newTenant();
    const base = { tenantId, actor: user, action: "user.password_changed" };
    await expect(appendAudit(env, { ...base, meta: { password: "hunter2" } })).rejects.toThrow(/secret/);
    await expect(appendAudit(env, { ...base, meta: { apiKey: "ccr_live_x" } })).rejects.toThrow(/secret/);
    await expect(appendAudit(env, { ...base, meta: { transcript: "hello" } })).rejects.toThrow(/secret/);
    await expect(appendAudit(env, { ...base, meta: { note: "x".repeat(501) } })).rejects.toThrow(/longer/);
    expect(await rowsOf(chain)).toHaveLength(0);
    // Names that only describe such things are fine.
    await appendAudit(env, { ...base, meta: { apiKeyId: "key_1", contentType: "audio/wav" } });
    expect(await rowsOf(chain)).toHaveLength(1);
  });

  it("audit() takes who and where from the context; user agents are clipped and still verify", async () => {
    const { tenantId, chain } = newTenant();
    const ctx = {
      env,
      tenant: { id: tenantId } as Tenant,
      actor: user,
      requestId: "req_1",
      ip: "198.51.100.2",
      userAgent: "é".repeat(299) + "😀😀",
    } as Ctx;
    await audit(ctx, "agent.created", { targetType: "agent", targetId: "agt_1" });
    const pctx: PlatformCtx = { env, requestId: "req_2", ip: null, userAgent: "x\uD800y" };
    await audit(pctx, "operator.tenant_suspended", { tenantId, result: "denied" });

    const [a, b] = await rowsOf(chain);
    expect(a).toMatchObject({
      actorType: "user",
      actorId: "usr_test",
      ip: "198.51.100.2",
      targetId: "agt_1",
      meta: '{"requestId":"req_1"}',
    });
    expect(Array.from(a.userAgent ?? "")).toHaveLength(300);
    expect(a.userAgent?.endsWith("é😀")).toBe(true);
    expect(b).toMatchObject({
      actorType: "system",
      actorId: null,
      result: "denied",
      tenantId,
      userAgent: "x\uFFFDy",
    });
    expect(await verifyAuditChain(env, chain)).toEqual({ ok: true, checked: 2 });
    expect(() => audit(ctx, "x.y", { tenantId: "ten_other" })).toThrow(/own tenant/);

    const platform = await audit({ env, requestId: "req_3", ip: null, userAgent: null }, "signup.failed", {
      result: "failure",
    });
    const [p] = await controlDb(env).select().from(auditLog).where(eq(auditLog.id, platform.id));
    expect(p).toMatchObject({ chain: "platform", tenantId: null, actorType: "system" });
  });

  it("exports a chain page by page with a cursor, in either order", async () => {
    const { tenantId, chain } = newTenant();
    await append(tenantId, 5);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof exportAudit>> = await exportAudit(env, chain, {
        cursor,
        limit: 2,
      });
      expect(page.rows.length).toBeLessThanOrEqual(2);
      seen.push(...page.rows.map((r) => r.seq));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([1, 2, 3, 4, 5]);

    const newest = await exportAudit(env, chain, { limit: 2, order: "desc" });
    expect(newest.rows.map((r) => r.seq)).toEqual([5, 4]);
    const older = await exportAudit(env, chain, { limit: 10, order: "desc", cursor: newest.nextCursor });
    expect(older.rows.map((r) => r.seq)).toEqual([3, 2, 1]);
    expect(older.nextCursor).toBeNull();
    await expect(exportAudit(env, chain, { limit: 2, cursor: "abc" })).rejects.toThrow(/cursor/i);
    // Another tenant's chain is another chain.
    expect((await exportAudit(env, newTenant().chain, { limit: 10 })).rows).toHaveLength(0);
  });
});
