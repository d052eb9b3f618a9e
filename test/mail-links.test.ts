import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { LOCALES, type MessageKey, t } from "../core/platform/i18n";
import { en } from "../core/platform/i18n/en";
import { mailLinks, sendMail } from "../core/platform/mail";
import { controlDb } from "../db/client";
import { mailOutbox } from "../db/schema/control";
import { E } from "./helpers";

/** Every mail template: the i18n keys of mail subjects and bodies (`….mail.…`, `mail.…`). */
const TEMPLATES = (Object.keys(en) as MessageKey[]).filter((k) => /(^|\.)mail\./.test(k));
const APP = new URL(E.APP_URL).origin;

/** A template with its placeholders filled: link-like ones with what callers pass (absolute URLs). */
function render(locale: (typeof LOCALES)[number], key: MessageKey): string {
  const names = [...t(locale, key).matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  const params = Object.fromEntries(
    names.map((n) => [n, /url|link/i.test(n) ? `${APP}/sample/${n}` : "X"] as const),
  );
  return t(locale, key, params);
}

describe("links in mails are absolute (issue 16 point 4)", () => {
  it("every mail template, in both languages, has no relative link and links only to APP_URL", () => {
    expect(TEMPLATES.length).toBeGreaterThan(30);
    const bad: string[] = [];
    for (const locale of LOCALES)
      for (const key of TEMPLATES) {
        const links = mailLinks(render(locale, key));
        for (const r of links.relative) bad.push(`${locale} ${key}: relative ${r}`);
        for (const a of links.absolute) if (!a.startsWith(APP)) bad.push(`${locale} ${key}: foreign ${a}`);
      }
    expect(bad).toEqual([]);
  });

  it("a path a caller writes into a mail is stored as a link under APP_URL", async () => {
    const id = await sendMail(E, {
      to: "links@example.test",
      subject: "s",
      text: "Read it: /support/tkt_1 (or https://elsewhere.example/x and 24/7 help)",
      kind: "test",
      locale: "en",
    });
    const row = await controlDb(E).query.mailOutbox.findFirst({ where: eq(mailOutbox.id, id) });
    expect(row?.text).toBe(
      `Read it: ${new URL("/support/tkt_1", E.APP_URL).href} (or https://elsewhere.example/x and 24/7 help)`,
    );
    expect(mailLinks(row?.text ?? "").relative).toEqual([]);
  });
});
