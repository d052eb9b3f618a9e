import type { Hono } from "hono";
import type { AppEnv } from "../types";

/** Operator console (A9). */
export function registerOps(_app: Hono<AppEnv>) {}
