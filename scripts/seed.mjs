// Dev seed: demo tenants, users of every role, API keys, agents, synthetic tenants, an operator.
//
// LOCAL ONLY. This data has published passwords, API keys and a TOTP secret; it must never
// reach a real database. scripts/dev.mjs is the only caller and it only ever runs
// `wrangler d1 execute … --local`; nothing here talks to Cloudflare. Do not add a `--remote`
// path to it.
//
// `generateSeed()` returns SQL statements for the control DB and for each data-plane shard
// (keyed by D1 binding name); `writeSeedFiles()` writes them to `.wrangler/seed/*.sql` for
// `wrangler d1 execute <db> --local --file`. Column names follow db/migrations/*/0000_init.sql.
// Every insert is `INSERT OR IGNORE`, so replaying a file is harmless.
//
// Run alone: `node scripts/seed.mjs` (after `.dev.vars` exists) writes the files without
// loading them.

import { pbkdf2, webcrypto } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

const pbkdf2Async = promisify(pbkdf2);

export const DEMO_PASSWORD = "ccr-demo-2026!";
export const OPERATOR = {
  id: "opr_demo_ops",
  email: "ops@callcenterrate.example",
  name: "Jeanne Durand",
  password: "ccr-ops-2026!",
  /** RFC 4648 base32 of 20 bytes; enter it in any authenticator app (SHA-1, 6 digits, 30 s). */
  totpSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
};
export const ALL_SCOPES = [
  "calls:read",
  "calls:write",
  "analyses:read",
  "agents:read",
  "agents:write",
  "admin",
];

/** Same parameters as core/identity/password.ts (PBKDF2_ITERATIONS). */
const PBKDF2_ITERATIONS = 600_000;

/**
 * The two demo tenants. API keys are fixed and published in the README: `ccr_live_` + 32 chars
 * of [a-z2-7] (the shape of a real key: 20 random bytes in lower-case base32).
 */
export const DEMO_TENANTS = [
  {
    id: "ten_demo_eu",
    name: "Assurances Horizon",
    location: "eu",
    shard: "DATA_EU_1",
    locale: "fr",
    domain: "horizon.example",
    apiKey: {
      id: "key_demo_eu",
      name: "Clé de démonstration",
      key: "ccr_live_eudemo22222222222222222222222222",
    },
    users: {
      owner: ["Claire", "Dubois", "Directrice de la relation client"],
      admin: ["Julien", "Martin", "Administrateur des outils"],
      supervisor: ["Sophie", "Lefèvre", "Superviseure plateau sinistres"],
      agent: ["Karim", "Benali", "Conseiller clientèle"],
      viewer: ["Élodie", "Moreau", "Auditrice qualité"],
    },
    // [id suffix, external id, name, team]; the first one is the agent-role user.
    agents: [
      ["01", "HZ-1001", "Karim Benali", "Sinistres auto"],
      ["02", "HZ-1002", "Nathalie Girard", "Sinistres auto"],
      ["03", "HZ-1003", "Thomas Roux", "Habitation"],
      ["04", "HZ-1004", "Amélie Fontaine", "Habitation"],
      ["05", "HZ-1005", "Mehdi Haddad", "Souscription"],
      ["06", "HZ-1006", "Camille Laurent", "Souscription"],
    ],
  },
  {
    id: "ten_demo_us",
    name: "Northwind Telecom",
    location: "us",
    shard: "DATA_US_1",
    locale: "en",
    domain: "northwind.example",
    apiKey: { id: "key_demo_us", name: "Demo key", key: "ccr_live_usdemo22222222222222222222222222" },
    users: {
      owner: ["Margaret", "Chen", "VP Customer Care"],
      admin: ["David", "Thompson", "IT Administrator"],
      supervisor: ["Angela", "Rivera", "Support Team Lead"],
      agent: ["Marcus", "Johnson", "Customer Support Representative"],
      viewer: ["Emily", "Parker", "Quality Analyst"],
    },
    agents: [
      ["01", "NW-2001", "Marcus Johnson", "Technical Support"],
      ["02", "NW-2002", "Jessica Nguyen", "Technical Support"],
      ["03", "NW-2003", "Robert Garcia", "Billing"],
      ["04", "NW-2004", "Ashley Williams", "Billing"],
      ["05", "NW-2005", "Kevin O'Brien", "Retention"],
      ["06", "NW-2006", "Samantha Lee", "Retention"],
    ],
  },
];

/**
 * Small tenants for the anonymised benchmark (F6). Their calls, like the demo tenants', are
 * loaded through the API by scripts/dev.mjs (scripts/demo-calls.mjs), with the all-scopes API key
 * each one has here (fixed and published in the README, same shape as the demo keys).
 */
export const SYNTH_TENANTS = [
  {
    n: 1,
    name: "Banque Atlantique",
    key: "ccr_live_bnqsynth222222222222222222222222",
    location: "eu",
    locale: "fr",
    owner: ["Lucie", "Bernard"],
    agents: [
      ["Hugo Lambert", "Particuliers"],
      ["Manon Caron", "Particuliers"],
      ["Yanis Mercier", "Professionnels"],
    ],
  },
  {
    n: 2,
    name: "Lakeside Energy",
    key: "ccr_live_lkesynth222222222222222222222222",
    location: "us",
    locale: "en",
    owner: ["Brian", "Walker"],
    agents: [
      ["Tyler Brooks", "Billing"],
      ["Megan Hughes", "Billing"],
      ["Carlos Mendoza", "Outages"],
    ],
  },
  {
    n: 3,
    name: "Mutuelle Rhône-Alpes",
    key: "ccr_live_mrasynth222222222222222222222222",
    location: "eu",
    locale: "fr",
    owner: ["Antoine", "Petit"],
    agents: [
      ["Chloé Faure", "Remboursements"],
      ["Nicolas Blanc", "Remboursements"],
      ["Sarah Henry", "Adhésions"],
    ],
  },
  {
    n: 4,
    name: "Summit Health Plans",
    key: "ccr_live_smhsynth222222222222222222222222",
    location: "us",
    locale: "en",
    owner: ["Laura", "Mitchell"],
    agents: [
      ["Jordan Bailey", "Claims"],
      ["Nicole Foster", "Claims"],
      ["Derek Simmons", "Enrollment"],
    ],
  },
  {
    n: 5,
    name: "Voyages Azur",
    key: "ccr_live_vazsynth222222222222222222222222",
    location: "eu",
    locale: "fr",
    owner: ["Inès", "Garnier"],
    agents: [
      ["Lucas Chevalier", "Réservations"],
      ["Emma Rousseau", "Réservations"],
      ["Maxime Gauthier", "Après-vente"],
    ],
  },
].map(({ key, ...t }) => ({
  ...t,
  id: `ten_synth_${t.n}`,
  shard: t.location === "eu" ? "DATA_EU_1" : "DATA_US_1",
  email: `owner@synth${t.n}.example`,
  apiKey: { id: `key_synth_${t.n}`, name: t.locale === "fr" ? "Clé de démonstration" : "Demo key", key },
  agents: t.agents.map(([name, team], i) => [`0${i + 1}`, `S${t.n}-${101 + i}`, name, team]),
}));

const ROLES = ["owner", "admin", "supervisor", "agent", "viewer"];

// The published keys must look like real ones (core/identity/api-keys.ts) and be told apart by their prefix.
{
  const prefixes = new Set();
  for (const t of [...DEMO_TENANTS, ...SYNTH_TENANTS]) {
    if (!/^ccr_live_[a-z2-7]{32}$/.test(t.apiKey.key)) throw new Error(`seed: malformed API key for ${t.id}`);
    prefixes.add(t.apiKey.key.slice(0, 12));
  }
  if (prefixes.size !== DEMO_TENANTS.length + SYNTH_TENANTS.length)
    throw new Error("seed: two API keys share a 12-character prefix");
}

// ---------------------------------------------------------------------------------------------
// SQL helpers

function sqlValue(v) {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new Error(`non-finite number in seed: ${v}`);
    return String(v);
  }
  return `'${String(v).replaceAll("'", "''")}'`;
}

/** `INSERT OR IGNORE INTO t (a, b) VALUES (…);` — one row per statement, far below D1's limits. */
function insert(table, row) {
  const cols = Object.keys(row);
  return `INSERT OR IGNORE INTO "${table}" (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols
    .map((c) => sqlValue(row[c]))
    .join(", ")});`;
}

/** The dev seed's policy text: a labelled placeholder, never a legal text. */
const DEV_POLICY = {
  fr: `# Version de développement — ce n'est pas la politique de confidentialité de CallCenterRate

Ce texte est chargé par le jeu de données de démonstration local (scripts/seed.mjs). Il n'a aucune valeur juridique. En production, la politique est rédigée et publiée par l'opérateur depuis la console (/ops/legal).`,
  en: `# Development version — this is not CallCenterRate's privacy policy

This text is loaded by the local demo seed (scripts/seed.mjs). It has no legal value. In production, the policy is written and published by the operator from the console (/ops/legal).`,
};

// ---------------------------------------------------------------------------------------------
// Crypto, byte-compatible with core/platform/crypto.ts and core/identity/password.ts

/** `pbkdf2-sha256$600000$<salt b64>$<hash b64>`, password NFKC-normalised, 16-byte salt, 32-byte hash. */
export async function hashPassword(password, iterations = PBKDF2_ITERATIONS) {
  const salt = webcrypto.getRandomValues(new Uint8Array(16));
  const hash = await pbkdf2Async(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  return `pbkdf2-sha256$${iterations}$${Buffer.from(salt).toString("base64")}$${hash.toString("base64")}`;
}

/** Same as encryptString(): AES-256-GCM, 12-byte random IV, `v1.<iv b64>.<ciphertext+tag b64>`. */
export async function encryptString(secretB64, plaintext, aad = "") {
  const enc = new TextEncoder();
  const raw = Buffer.from(secretB64, "base64");
  if (raw.byteLength !== 32) throw new Error("ENCRYPTION_KEY must be 32 bytes, base64-encoded");
  const key = await webcrypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt"]);
  const iv = webcrypto.getRandomValues(new Uint8Array(12));
  const ct = await webcrypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: enc.encode(aad) },
    key,
    enc.encode(plaintext),
  );
  return `v1.${Buffer.from(iv).toString("base64")}.${Buffer.from(ct).toString("base64")}`;
}

export async function sha256Hex(s) {
  const d = await webcrypto.subtle.digest("SHA-256", new TextEncoder().encode(s));
  return Buffer.from(d).toString("hex");
}

// ---------------------------------------------------------------------------------------------
// The seed

/**
 * Hook for rows that SQL can hold (e.g. analysed calls for the synthetic tenants, F6). The demo
 * calls themselves are not here: they need R2 objects and the FTS index, so scripts/dev.mjs
 * loads them through the API (scripts/demo-calls.mjs). Returns `{ shard, sql }[]` — `shard` a
 * data-plane binding (`DATA_EU_1`…), `sql` one statement (keep each under D1's 100 KB) —
 * loaded after the agents.
 * `ctx`: `{ now, demo: DEMO_TENANTS, synth: SYNTH_TENANTS }` (agent ids `agt_<tenant>_0N`).
 */
export function seedCalls(_ctx) {
  return [];
}

/**
 * Builds the seed. `encryptionKey` is ENCRYPTION_KEY from .dev.vars (the operator's TOTP secret
 * is encrypted with it, so the Worker can decrypt it). Returns
 * `{ control: string[], data: { [binding]: string[] } }`.
 */
export async function generateSeed({ encryptionKey, now = Date.now() }) {
  if (!encryptionKey)
    throw new Error("generateSeed: encryptionKey (ENCRYPTION_KEY from .dev.vars) is required");
  const control = [];
  const data = {};
  const dataFor = (binding) => {
    data[binding] ??= [];
    return data[binding];
  };

  // Hash every password concurrently (libuv thread pool); ~16 hashes at 600k iterations.
  const pending = [];
  const hashed = (password) => {
    const p = hashPassword(password);
    pending.push(p);
    return p;
  };

  const tenants = [];
  const users = [];
  const memberships = [];
  const apiKeys = [];

  const tenantRow = (t) => ({
    id: t.id,
    name: t.name,
    location: t.location,
    shard: t.shard,
    processing_scope: "in_region",
    require_mfa: false,
    password_login_enabled: true,
    default_locale: t.locale,
    // The location's business clock (Northwind works on New York time, not Paris time).
    time_zone: t.location === "us" ? "America/New_York" : "Europe/Paris",
    status: "active",
    created_at: now,
    updated_at: now,
  });
  const userRow = async (id, email, first, last, t, jobTitle) => ({
    id,
    email,
    email_verified_at: now,
    password_hash: await hashed(DEMO_PASSWORD),
    first_name: first,
    last_name: last,
    phone: null,
    company: t.name,
    job_title: jobTitle,
    locale: t.locale,
    created_at: now,
    updated_at: now,
  });
  /** Every seeded tenant has one all-scopes key (published in the README). */
  const apiKeyRow = async (t, createdBy) => ({
    id: t.apiKey.id,
    tenant_id: t.id,
    name: t.apiKey.name,
    prefix: t.apiKey.key.slice(0, 12),
    key_hash: await sha256Hex(t.apiKey.key),
    scopes: JSON.stringify(ALL_SCOPES),
    created_by: createdBy,
    created_at: now,
    expires_at: null,
    revoked_at: null,
    last_used_at: null,
    last_used_ip: null,
  });
  const agentRows = (t, prefix) =>
    t.agents.map(([suffix, externalId, name, team]) => ({
      id: `${prefix}_${suffix}`,
      tenant_id: t.id,
      external_id: externalId,
      name,
      team,
      created_at: now,
      updated_at: now,
    }));

  for (const t of DEMO_TENANTS) {
    const short = t.id.replace(/^ten_/, ""); // demo_eu
    tenants.push(tenantRow(t));
    const agents = agentRows(t, `agt_${short}`);
    for (const role of ROLES) {
      const [first, last, jobTitle] = t.users[role];
      const userId = `usr_${short}_${role}`;
      users.push(userRow(userId, `${role}@${t.domain}`, first, last, t, jobTitle));
      memberships.push({
        id: `mem_${short}_${role}`,
        tenant_id: t.id,
        user_id: userId,
        role,
        // An agent-role user sees only the calls of their own agent record (A5).
        agent_id: role === "agent" ? agents[0].id : null,
        created_at: now,
      });
    }
    apiKeys.push(await apiKeyRow(t, `usr_${short}_owner`));
    const d = dataFor(t.shard);
    d.push(insert("tenant_meta", { tenant_id: t.id, location: t.location, created_at: now }));
    for (const a of agents) d.push(insert("agents", a));
  }

  for (const t of SYNTH_TENANTS) {
    const short = t.id.replace(/^ten_/, ""); // synth_1
    tenants.push(tenantRow(t));
    const userId = `usr_${short}_owner`;
    users.push(userRow(userId, t.email, t.owner[0], t.owner[1], t, t.locale === "fr" ? "Gérant" : "Owner"));
    memberships.push({
      id: `mem_${short}_owner`,
      tenant_id: t.id,
      user_id: userId,
      role: "owner",
      agent_id: null,
      created_at: now,
    });
    apiKeys.push(await apiKeyRow(t, userId));
    const d = dataFor(t.shard);
    d.push(insert("tenant_meta", { tenant_id: t.id, location: t.location, created_at: now }));
    for (const a of agentRows(t, `agt_${short}`)) d.push(insert("agents", a));
  }

  const operator = {
    id: OPERATOR.id,
    email: OPERATOR.email,
    name: OPERATOR.name,
    password_hash: await hashed(OPERATOR.password),
    // AAD binds the ciphertext to this operator, as the ops login expects.
    totp_secret_enc: await encryptString(encryptionKey, OPERATOR.totpSecret, `operator:${OPERATOR.id}`),
    totp_last_step: null,
    disabled_at: null,
    created_at: now,
  };

  await Promise.all(pending);
  // Foreign keys: tenants and users before memberships. The tenant `ten_demo_eu` is dev.mjs's
  // "already seeded" marker; the whole control file runs as one D1 batch (atomic), and dev.mjs
  // loads the data files first, so the marker implies everything else is there.
  for (const r of tenants) control.push(insert("tenants", r));
  for (const r of await Promise.all(users)) control.push(insert("users", r));
  for (const r of memberships) control.push(insert("memberships", r));
  for (const r of apiKeys) control.push(insert("api_keys", r));
  control.push(insert("operators", operator));
  // A privacy policy version in force, so the portal's legal pages and acceptance banner work
  // locally. Its text says plainly that it is a development placeholder: no developer-written
  // legal text is ever presented as the platform's policy (production has no seed; its console
  // shows a blocking alert until an operator publishes the real one).
  control.push(
    insert("policy_versions", {
      id: "pol_dev_seed",
      version: "dev-1",
      effective_at: now - 86_400_000,
      substantial: false,
      body_fr: DEV_POLICY.fr,
      body_en: DEV_POLICY.en,
      published_by: OPERATOR.id,
      published_at: now - 86_400_000,
    }),
  );
  // Billing (local mode, G4): plans as an operator would assign them. Horizon holds new calls over
  // quota, Northwind accepts overage, the synthetic tenants have a contract plan with no quota.
  for (const r of tenants) {
    const plan = r.id === "ten_demo_eu" ? "business" : r.id === "ten_demo_us" ? "starter" : "enterprise";
    control.push(
      insert("billing_accounts", {
        tenant_id: r.id,
        plan,
        plan_source: "operator",
        over_quota: r.id === "ten_demo_us" ? "overage" : "hold",
        contact_email: r.id === "ten_demo_eu" ? "compta@horizon.example" : null,
        created_at: now,
        updated_at: now,
      }),
    );
  }

  for (const { shard, sql } of seedCalls({ now, demo: DEMO_TENANTS, synth: SYNTH_TENANTS })) {
    dataFor(shard).push(sql);
  }

  return { control, data };
}

/**
 * Writes `<dir>/<database_name>.sql` for the control DB and every data DB that has statements.
 * `databases` maps D1 binding → database_name (from wrangler.toml). Returns
 * `[{ database, file }]` in load order: data DBs first, control last (it holds the marker).
 */
export function writeSeedFiles(seed, { dir, databases }) {
  mkdirSync(dir, { recursive: true });
  const out = [];
  const write = (binding, statements) => {
    const database = databases[binding];
    if (!database) throw new Error(`seed: no D1 database with binding ${binding} in wrangler.toml`);
    const file = path.join(dir, `${database}.sql`);
    writeFileSync(
      file,
      `-- Generated by scripts/seed.mjs: LOCAL DEV SEED, never for production.\n${statements.join("\n")}\n`,
    );
    out.push({ database, file });
  };
  for (const [binding, statements] of Object.entries(seed.data)) write(binding, statements);
  write("CONTROL_DB", seed.control);
  return out;
}

/**
 * `{ binding: database_name }` of the top-level `[[d1_databases]]` in wrangler.toml (the local
 * environment; `[env.*]` sections are ignored). A tiny reader, enough for that file's shape.
 */
export function readD1Databases(root) {
  const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const topLevel = toml.split(/^\[+env\./m)[0];
  const out = {};
  for (const block of topLevel.split(/^\[\[d1_databases\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\[/m)[0];
    const binding = /^\s*binding\s*=\s*"([^"]+)"/m.exec(body)?.[1];
    const name = /^\s*database_name\s*=\s*"([^"]+)"/m.exec(body)?.[1];
    if (binding && name) out[binding] = name;
  }
  if (!out.CONTROL_DB) throw new Error("wrangler.toml: no [[d1_databases]] with binding CONTROL_DB");
  return out;
}

/** KEY=VALUE lines of a .dev.vars file (no multi-line values). */
export function readDevVars(file) {
  const vars = {};
  for (const line of readFileSync(file, "utf8").split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    vars[m[1]] = m[2].replace(/^(["'])(.*)\1$/, "$2");
  }
  return vars;
}

// `node scripts/seed.mjs`: write the files only (dev.mjs loads them).
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const vars = readDevVars(path.join(root, ".dev.vars"));
  const seed = await generateSeed({ encryptionKey: vars.ENCRYPTION_KEY });
  const files = writeSeedFiles(seed, {
    dir: path.join(root, ".wrangler", "seed"),
    databases: readD1Databases(root),
  });
  for (const f of files) console.log(`${f.database}: ${path.relative(root, f.file)}`);
}
