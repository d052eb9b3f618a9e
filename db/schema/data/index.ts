export * from "./agents";
export * from "./analyses";
export * from "./calls";
export * from "./imports";
export * from "./privacy";
export * from "./reviews";
export * from "./support";
export * from "./tenantMeta";
