export * from "./contract";
export {};
