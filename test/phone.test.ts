import { describe, expect, it } from "vitest";
import { maskPhone, normalizePhone } from "../core/calls/phone";

describe("caller numbers (B3) with the platform's metadata subset", () => {
  it("normalises national and international forms of the covered countries", () => {
    expect(normalizePhone("06 12 34 56 78", "FR")).toBe("+33612345678");
    expect(normalizePhone("(415) 555-2671", "US")).toBe("+14155552671");
    expect(normalizePhone("+44 20 7946 0958", "FR")).toBe("+442079460958");
    expect(normalizePhone("0032 2 555 12 12", "FR")).toBe("+3225551212");
    expect(normalizePhone("+212 6 12 34 56 78", "FR")).toBe("+212612345678");
  });
  it("accepts other countries in international form, within E.164's bounds", () => {
    expect(normalizePhone("+81 3-1234-5678", "FR")).toBe("+81312345678");
    expect(normalizePhone("0061 2 9876 5432", "FR")).toBe("+61298765432");
    expect(maskPhone("+81312345678")).toMatch(/^\+81 /);
  });
  it("refuses what is not a phone number, including impossible numbers of covered countries", () => {
    for (const bad of ["12", "+33 12", "hello", "+1 555", "+81 12", "+0123456789"])
      expect(() => normalizePhone(bad, "FR"), bad).toThrow(/not a valid phone number/);
  });
});
