/**
 * The call detail page's player (B5), served as `/static/player.js` (apps/public/static.ts).
 * Vanilla JS, no build step: the Worker has no asset pipeline, so the module is a string.
 *
 * The page works without it (the `<audio controls>` element plays and seeks by itself, through
 * Range requests); this adds: a click on a segment's timestamp seeks the audio there and plays,
 * and the segment being heard is highlighted (`.playing`, `aria-current`) as the audio advances;
 * a click on an evidence quote scrolls to its segment and seeks the audio there.
 */
export const PLAYER_JS = `// CallCenterRate: transcript synced to the call's audio.
const audio = document.querySelector("audio[data-player]");
if (audio) {
  const segments = Array.from(document.querySelectorAll("[data-start][data-end]")).map((el) => ({
    el,
    start: Number(el.getAttribute("data-start")),
    end: Number(el.getAttribute("data-end")),
  }));
  let current = null;

  const sync = () => {
    const t = audio.currentTime;
    let found = null;
    // Segments may overlap (overtalk): the one that started last wins.
    for (const s of segments) if (t >= s.start && t < Math.max(s.end, s.start + 0.25)) found = s;
    if (found === current) return;
    if (current) {
      current.el.classList.remove("playing");
      current.el.removeAttribute("aria-current");
    }
    current = found;
    if (found) {
      found.el.classList.add("playing");
      found.el.setAttribute("aria-current", "true");
      if (!audio.paused) found.el.scrollIntoView({ block: "nearest" });
    }
  };

  document.addEventListener("click", (e) => {
    const button = e.target instanceof Element ? e.target.closest("button[data-seek]") : null;
    if (!button) return;
    const t = Number(button.getAttribute("data-seek"));
    if (!Number.isFinite(t) || t < 0) return;
    audio.currentTime = t;
    sync();
    const played = audio.play();
    // A browser may refuse to play (no audio device, autoplay policy): seeking still happened.
    if (played && typeof played.catch === "function") played.catch(() => {});
  });
  audio.addEventListener("timeupdate", sync);
  audio.addEventListener("seeked", sync);
  document.documentElement.classList.add("player-ready");
}

// Evidence (D2): a click on a criterion's or an irritant's quote scrolls the transcript to its
// segment, marks it, moves focus there, and seeks the audio (when there is one) to the quote.
document.addEventListener("click", (e) => {
  const button = e.target instanceof Element ? e.target.closest("button[data-evidence]") : null;
  if (!button) return;
  const seg = document.getElementById(button.getAttribute("data-segment") || "");
  for (const el of document.querySelectorAll(".evidence-focus")) el.classList.remove("evidence-focus");
  if (seg) {
    seg.classList.add("evidence-focus");
    seg.setAttribute("tabindex", "-1");
    seg.scrollIntoView({ block: "center" });
    seg.focus({ preventScroll: true });
  }
  const t = Number(button.getAttribute("data-seek"));
  if (audio && Number.isFinite(t) && t >= 0) {
    audio.currentTime = t;
    const played = audio.play();
    if (played && typeof played.catch === "function") played.catch(() => {});
  }
});
`;
