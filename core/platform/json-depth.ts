/**
 * How deeply a JSON input may nest arrays and objects. Our own formats need fewer than ten levels;
 * 64 leaves room for speech-provider JSON. Deeper input is refused before anything walks it: code
 * that recurses over JSON (canonical hashing, redaction of raw provider output) would otherwise
 * overflow the stack on 3,000 levels and answer 500.
 */
export const MAX_JSON_DEPTH = 64;

/** Is this JSON text nested deeper than `max`? One pass over the brackets outside strings, no parsing. */
export function jsonTextTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92)
        i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      if (++depth > max) return true;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return false;
}

/** Is this parsed value nested deeper than `max`? Iterative, so it cannot overflow itself. */
export function jsonValueTooDeep(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    if (d + 1 > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return false;
}
