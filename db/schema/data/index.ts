export * from "./agents";
export * from "./tenantMeta";
