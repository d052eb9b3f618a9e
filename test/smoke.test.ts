import { describe, expect, it } from "vitest";
import { call, makeTenant } from "./helpers";

describe("worker entry", () => {
  it("answers /healthz and an API call with a key", async () => {
    const h = await call("/healthz");
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: "ok" });
    const t = await makeTenant();
    const r = await call("/api/v1/tenant", { key: t.key });
    expect(r.status).toBe(200);
    expect((await r.json()) as object).toMatchObject({ id: t.tenant.id, location: "eu" });
  });
});
