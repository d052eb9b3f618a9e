/**
 * The rubric editor's live weight total (D4), served as `/static/rubric-editor.js`
 * (apps/public/static.ts). Progressive: without it the page shows the total of the last render
 * and the server refuses a bad total with a message that keeps what was typed.
 *
 * It sums the `input[data-weight]` fields as they change, shows the total and whether it is 100
 * (the messages come from the page's own data attributes, in the page's language), and stops a
 * button marked `data-needs-total` (save, dry run) from submitting while the total is not 100 —
 * the add/remove buttons still work, since they only reshape the draft.
 */
export const RUBRIC_EDITOR_JS = `// CallCenterRate: live weight total of the rubric editor.
const form = document.querySelector("form[data-rubric-editor]");
if (form) {
  const out = form.querySelector("[data-weight-total]");
  const msg = form.querySelector("[data-weight-msg]");
  const alert = form.querySelector("[data-weight-alert]");
  const fmt = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 4 });
  const total = () => {
    let t = 0;
    for (const i of form.querySelectorAll("input[data-weight]")) {
      const v = Number(i.value);
      if (i.value !== "" && Number.isFinite(v)) t += v;
    }
    return Math.round(t * 1e4) / 1e4;
  };
  const show = () => {
    const t = total();
    const ok = Math.abs(t - 100) < 1e-6;
    out.textContent = fmt.format(t);
    out.dataset.ok = String(ok);
    msg.textContent = ok ? msg.dataset.okMsg : msg.dataset.badMsg;
    if (ok) alert.hidden = true;
    return { t, ok };
  };
  form.addEventListener("input", (e) => {
    if (e.target instanceof HTMLInputElement && e.target.hasAttribute("data-weight")) show();
  });
  form.addEventListener("submit", (e) => {
    if (!e.submitter || !e.submitter.hasAttribute("data-needs-total")) return;
    const { t, ok } = show();
    if (ok) return;
    e.preventDefault();
    alert.textContent = alert.dataset.msg.replace("{total}", fmt.format(t));
    alert.hidden = false;
    alert.focus();
  });
  show();
}
`;
