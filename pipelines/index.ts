export * from "./spec";
export * from "./mermaid";
