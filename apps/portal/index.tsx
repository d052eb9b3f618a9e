import type { Hono } from "hono";
import type { AppEnv } from "../types";

/** Signed-in pages: account, members, API keys, settings, audit. */
export function registerPortal(_app: Hono<AppEnv>) {}
