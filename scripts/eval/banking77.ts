import type { AnalysisResult } from "../../core/scoring/engine/types";
import type { LabelledCall } from "./corpus";

/**
 * Banking77 (PolyAI, "Efficient Intent Detection with Dual Sentence Encoders", Casanueva et al.,
 * 2020; github PolyAI-LDN/task-specific-datasets `banking_data/train.csv`; licence CC BY 4.0).
 * Real customer phrasings, one utterance per row. The intents with a counterpart in CCR's default
 * taxonomy, and those that are a contested charge, as `../shared/datasets/banking77/README.md`
 * lists them; the other intents have no category and are only used for the irritant's precision.
 */
export const BANKING77_CATEGORY: Record<string, string> = {
  card_arrival: "delivery",
  card_delivery_estimate: "delivery",
  passcode_forgotten: "account_access",
  pin_blocked: "account_access",
  extra_charge_on_statement: "billing",
  card_payment_fee_charged: "billing",
  transfer_fee_charged: "billing",
  cash_withdrawal_charge: "billing",
  exchange_charge: "billing",
  top_up_by_card_charge: "billing",
  top_up_by_bank_transfer_charge: "billing",
  transaction_charged_twice: "billing",
  direct_debit_payment_not_recognised: "billing",
  card_payment_not_recognised: "billing",
  request_refund: "billing",
  Refund_not_showing_up: "billing",
  cash_withdrawal_not_recognised: "billing",
  terminate_account: "cancellation",
  card_not_working: "technical_issue",
  contactless_not_working: "technical_issue",
  virtual_card_not_working: "technical_issue",
  exchange_rate: "information_request",
  fiat_currency_support: "information_request",
  age_limit: "information_request",
  supported_cards_and_currencies: "information_request",
  visa_or_mastercard: "information_request",
  top_up_limits: "information_request",
  disposable_card_limits: "information_request",
  atm_support: "information_request",
  country_support: "information_request",
  why_verify_identity: "information_request",
};
export const BANKING77_DISPUTE = new Set([
  "transaction_charged_twice",
  "direct_debit_payment_not_recognised",
  "card_payment_not_recognised",
  "cash_withdrawal_not_recognised",
  "extra_charge_on_statement",
  "wrong_amount_of_cash_received",
]);

/** A CSV line of `text,category` (the text may be quoted, with "" inside). */
export function parseBanking77(csv: string): { text: string; intent: string }[] {
  const out: { text: string; intent: string }[] = [];
  const lines = csv.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    const cut = line.lastIndexOf(",");
    let text = line.slice(0, cut);
    if (text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1).replaceAll('""', '"');
    out.push({ text, intent: line.slice(cut + 1).trim() });
  }
  return out;
}

/** One utterance as a call: the customer says it after the agent's greeting. */
export function utteranceCall(text: string, n: number): LabelledCall {
  const words = text.split(/\s+/).length;
  return {
    id: `b77-${n}`,
    language: "en",
    domain: "banking",
    company: "Bank",
    segments: [
      { id: "s1", speaker: "agent", start: 0, end: 2.5, text: "Hello, how can I help you today?" },
      { id: "s2", speaker: "customer", start: 3, end: 3 + Math.max(1, words / 2.5), text },
    ],
    labels: { irritants: [], categories: { secondary: [] }, criteria: {}, sentiment: {} },
  };
}

export interface Banking77Report {
  n: number;
  accuracy: number;
  perCategory: Record<string, { n: number; correct: number }>;
  confusion: Record<string, Record<string, number>>;
  dispute: { tp: number; fp: number; fn: number; p: number; r: number; f1: number };
}

export function scoreBanking77(rows: { intent: string; result: AnalysisResult }[]): Banking77Report {
  const perCategory: Banking77Report["perCategory"] = {};
  const confusion: Banking77Report["confusion"] = {};
  let n = 0;
  let correct = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const { intent, result } of rows) {
    const want = BANKING77_CATEGORY[intent];
    if (want) {
      const top = result.categories.length
        ? result.categories.reduce((a, b) => (b.confidence > a.confidence ? b : a))
        : null;
      const got = !top ? "none" : top.uncertain ? `${top.id}?` : top.id;
      n++;
      perCategory[want] ??= { n: 0, correct: 0 };
      perCategory[want].n++;
      confusion[want] ??= {};
      confusion[want][got] = (confusion[want][got] ?? 0) + 1;
      if (got === want) {
        correct++;
        perCategory[want].correct++;
      }
    }
    const t = BANKING77_DISPUTE.has(intent);
    const p = result.irritants.some((i) => i.type === "billing_dispute" && !i.uncertain);
    if (t && p) tp++;
    else if (p) fp++;
    else if (t) fn++;
  }
  const p = tp + fp ? tp / (tp + fp) : 1;
  const r = tp + fn ? tp / (tp + fn) : 1;
  return {
    n,
    accuracy: n ? correct / n : 0,
    perCategory,
    confusion,
    dispute: { tp, fp, fn, p, r, f1: tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 1 },
  };
}

export function formatBanking77(r: Banking77Report, title: string): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [`# ${title} — ${r.n} utterances of intents with a category`, ""];
  for (const [c, v] of Object.entries(r.perCategory).sort())
    lines.push(`${c.padEnd(20)} ${String(v.n).padStart(5)}  ${pct(v.correct / v.n).padStart(6)}`);
  lines.push("", "Confusion (rows: mapped category, columns: top category)");
  for (const [c, m] of Object.entries(r.confusion).sort())
    lines.push(
      `${c.padEnd(20)} ${Object.entries(m)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k}:${v}`)
        .join(" ")}`,
    );
  const d = r.dispute;
  lines.push(
    "",
    `billing_dispute irritant over all rows: P ${d.p.toFixed(2)} R ${d.r.toFixed(2)} F1 ${d.f1.toFixed(2)} (TP ${d.tp}, FP ${d.fp}, FN ${d.fn})`,
    "",
    `SUMMARY ${title}: category ${pct(r.accuracy)} (n=${r.n}) | billing_dispute F1 ${d.f1.toFixed(2)} (P ${d.p.toFixed(2)} R ${d.r.toFixed(2)})`,
  );
  return lines.join("\n");
}
