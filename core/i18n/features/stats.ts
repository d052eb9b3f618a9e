/** Strings of one feature area, merged into the tables by en.ts / fr.ts (same keys in both). */
export const statsEn = {} as const satisfies Record<string, string>;

export const statsFr: Record<keyof typeof statsEn, string> = {};
