// What generated typed resources (`engine-sdk/aws/*`, written by `engine gen-sdk --lang node`)
// call: `engine/codegen/RUNTIME.md`, section 3. Shape tables are parsed and applied by the native
// layer (Rust); nothing here renames a property.

import { native, call, handleOf, type BindingResource, type BindingOptions, type BindingShapeTable } from "./native";
import { CustomResource, setTypedRegistration } from "./resource";
import { Output } from "./output";
import type { context } from "./state";

export { CustomResource } from "./resource";
export type { ResourceOptions, CustomResourceOptions } from "./resource";
export { Output } from "./output";
export type { Input, Inputs } from "./output";

/** A generated module's shape table (parsed once, by the native layer). */
export function shapeTable(text: string): unknown {
  return call(() => native.BindingShapeTable.parse(text));
}

const installed = new WeakSet<object>();

/** Output accessors of a generated class: one getter per top-level property (language names). */
function installAccessors(prototype: object, table: BindingShapeTable, index: number): void {
  if (installed.has(prototype)) return;
  installed.add(prototype);
  for (const name of table.propertyNames(index)) {
    if (name in prototype) continue; // `urn`, `id` and the SDK's own members win
    Object.defineProperty(prototype, name, {
      configurable: true,
      enumerable: false,
      get(this: CustomResource): Output<unknown> {
        return new Output(handleOf<BindingResource>(this).typedOutput(table, index, name));
      },
    });
  }
}

setTypedRegistration(
  (
    ctx: ReturnType<typeof context>,
    table: unknown,
    index: number,
    name: string,
    props: object,
    parent: BindingResource | null,
    dependsOn: BindingResource[] | null,
    options: BindingOptions,
    prototype?: object,
  ): BindingResource => {
    const shapes = table as BindingShapeTable;
    if (prototype) installAccessors(prototype, shapes, index);
    return call(() => ctx.registerTyped(shapes, index, name, props, parent, dependsOn, options));
  },
);
