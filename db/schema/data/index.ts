export * from "./agents";
export * from "./analyses";
export * from "./calls";
export * from "./tenantMeta";
