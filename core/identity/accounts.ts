/**
 * Code written before issue 13 split the accounts module imports it from here; new code imports the
 * file that owns the function (sign-up, login, password reset, profile, MFA, members, invitations).
 * Remove once no import of `identity/accounts` is left (`grep -rn identity/accounts apps core test`).
 */
export * from "./account-base";
export * from "./invitations";
export * from "./login";
export * from "./members";
export * from "./mfa";
export * from "./passwords-reset";
export * from "./profile";
export * from "./signup";
