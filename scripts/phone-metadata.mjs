// Generates core/calls/phone-metadata.json: libphonenumber-js's "min" metadata restricted to the
// calling codes a European or North American call centre meets (+1, +3x, +4x, the Maghreb, West
// and Central Africa's French-speaking countries, the French overseas departments). The full
// metadata weighs ~89 KB and would push the Worker past its bundle budget (P6); numbers of other
// countries are still accepted in international form (core/calls/phone.ts). Re-run after
// upgrading libphonenumber-js: `node scripts/phone-metadata.mjs && npx biome format --write core/calls/phone-metadata.json`.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const full = JSON.parse(
  readFileSync(path.join(root, "node_modules/libphonenumber-js/metadata.min.json"), "utf8"),
);
const EXTRA = [
  "212",
  "213",
  "216",
  "221",
  "222",
  "225",
  "237",
  "262",
  "269",
  "508",
  "590",
  "594",
  "596",
  "681",
  "687",
  "689",
];
const codes = Object.keys(full.country_calling_codes).filter(
  (c) => c === "1" || c[0] === "3" || c[0] === "4" || EXTRA.includes(c),
);
const countries = new Set(codes.flatMap((c) => full.country_calling_codes[c]));
const out = {
  version: full.version,
  country_calling_codes: Object.fromEntries(codes.map((c) => [c, full.country_calling_codes[c]])),
  // Without the national formatting rules (position 4 of a country's entry, half the bytes): the
  // platform parses, checks possibility and reads the calling code and national number, never
  // formats a number (maskPhone builds its own display).
  countries: Object.fromEntries(
    Object.entries(full.countries)
      .filter(([k]) => countries.has(k))
      .map(([k, v]) => [k, v.map((x, i) => (i === 4 ? [] : x))]),
  ),
  nonGeographic: {},
};
writeFileSync(path.join(root, "core/calls/phone-metadata.json"), `${JSON.stringify(out)}\n`);
console.log(`${codes.length} calling codes, ${countries.size} countries`);
