/** Timestamp parsing for the text formats. Each returns seconds, or null when malformed. */

const VTT_TS = /^(?:(\d{1,4}):)?([0-5]\d):([0-5]\d)\.(\d{3})$/;
/** SRT is `hh:mm:ss,ttt`; a `.` separator and 1–2 digit milliseconds are common enough to accept. */
const SRT_TS = /^(\d{1,4}):([0-5]\d):([0-5]\d)[,.](\d{1,3})$/;
/** Plain text: `mm:ss`, `hh:mm:ss`, optional fraction. Range-checked below, so `[00:75]` is an error. */
const TEXT_TS = /^(?:(\d{1,2}):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$/;

const ms = (frac: string | undefined) => (frac ? Number(frac.padEnd(3, "0")) / 1000 : 0);

export function parseVttTimestamp(s: string): number | null {
  const m = VTT_TS.exec(s);
  if (!m) return null;
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + ms(m[4]);
}

export function parseSrtTimestamp(s: string): number | null {
  const m = SRT_TS.exec(s);
  if (!m) return null;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + ms(m[4]);
}

export function parseTextTimestamp(s: string): number | null {
  const m = TEXT_TS.exec(s.replace(/^[[(]|[\])]$/g, ""));
  if (!m) return null;
  const h = Number(m[1] ?? 0);
  const min = Number(m[2]);
  const sec = Number(m[3]);
  if (sec > 59 || (m[1] !== undefined && min > 59)) return null;
  return h * 3600 + min * 60 + sec + ms(m[4]);
}

/** Seconds rounded to the millisecond, so float noise never reaches storage or comparisons. */
export const roundS = (s: number) => Math.round(s * 1000) / 1000;

/** 12.5 → "00:00:12.500", for messages. */
export function fmtS(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s - h * 3600 - m * 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}:${sec.toFixed(3).padStart(6, "0")}`;
}
