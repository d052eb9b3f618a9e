/** Strings of one feature area, merged into the tables by en.ts / fr.ts (same keys in both). */
export const privacyEn = {} as const satisfies Record<string, string>;

export const privacyFr: Record<keyof typeof privacyEn, string> = {};
