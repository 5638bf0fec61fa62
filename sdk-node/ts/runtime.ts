// What generated typed resources (`engine-sdk/aws/*`, written by `engine gen-sdk --lang node`)
// call: `engine/codegen/RUNTIME.md`, section 3. Shape tables are parsed and applied by the core;
// nothing here renames a property.

export { CustomResource } from "./resource";
export type { ResourceOptions, CustomResourceOptions } from "./resource";
export { Output } from "./output";
export type { Input, Inputs } from "./output";

/** A generated module's shape table (parsed by the native layer on first use). */
export function shapeTable(text: string): unknown {
  return { text };
}
