// Serving this package's components to programs in other languages: the plugin side of
// multi-language components. The engine starts the package's plugin entry point (its
// EnginePackage.toml `main`), which calls `serveComponents`; for each component a Rust or Python
// program declares, the component's own constructor runs here, with the program's name, inputs
// and options, and its children register on the same run as the program's.

import { call, handleOf, native, setHandle, type BindingResource } from "./native";
import { Output } from "./output";
import { ComponentResource, CustomResource, type ComponentResourceOptions, type Resource } from "./resource";
import { context, describeThrown, setPluginMode } from "./state";

/** Builds one component: usually `(name, args, opts) => new MyComponent(name, args, opts)`. */
export type ComponentFactory = (name: string, args: Record<string, any>, opts: ComponentResourceOptions) => ComponentResource;

/** A handle on a resource of the consumer (the component's parent or dependency). */
function adopt(handle: BindingResource): Resource {
  const resource = Object.create(CustomResource.prototype) as CustomResource;
  setHandle(resource, handle);
  return resource;
}

/**
 * Serve components as the package's plugin: `components` maps each component's type
 * (`acme:index:Greeter`) to its factory. The package's name and version are the engine's
 * (`ENGINE_PLUGIN`, `ENGINE_PLUGIN_VERSION`) unless given. Inputs that are not plain values
 * (unknown in a preview, secret, or from another resource) are `Output`s. The process serves
 * until the engine stops it.
 */
export function serveComponents(
  components: Record<string, ComponentFactory>,
  pkg?: { name: string; version: string },
): void {
  const name = pkg?.name ?? process.env.ENGINE_PLUGIN ?? "";
  const version = pkg?.version ?? process.env.ENGINE_PLUGIN_VERSION ?? "";
  const ctx = context();
  setPluginMode();
  call(() =>
    native.serveComponents(ctx, name, version, Object.keys(components), (construct) => {
      try {
        const factory = components[construct.resourceType];
        if (factory === undefined) {
          throw new Error(`this plugin serves ${Object.keys(components).join(", ")}, not ${construct.resourceType}`);
        }
        const args: Record<string, any> = {};
        for (const input of construct.inputNames()) {
          args[input] = construct.isPlain(input) ? construct.value(input) : new Output(construct.output(input));
        }
        const options = construct.options();
        const parent = construct.parent();
        const opts: ComponentResourceOptions = {
          parent: parent ? adopt(parent) : undefined,
          dependsOn: construct.dependsOn().map(adopt),
          protect: options.protect ?? undefined,
          ignoreChanges: options.ignoreChanges ?? undefined,
          replaceOnChanges: options.replaceOnChanges ?? undefined,
          deleteBeforeReplace: options.deleteBeforeReplace ?? undefined,
          retainOnDelete: options.retainOnDelete ?? undefined,
          customTimeouts: options.customTimeouts
            ? {
                create: options.customTimeouts.create ?? undefined,
                update: options.customTimeouts.update ?? undefined,
                delete: options.customTimeouts.delete ?? undefined,
              }
            : undefined,
          region: options.region ?? undefined,
          aliases: (options.aliases ?? []).map((alias) =>
            alias.urn
              ? alias.urn
              : {
                  name: alias.name ?? undefined,
                  type: alias.type ?? undefined,
                  stack: alias.stack ?? undefined,
                  project: alias.project ?? undefined,
                  parent: alias.parentUrn ?? undefined,
                  noParent: alias.noParent ?? undefined,
                },
          ),
          additionalSecretOutputs: options.additionalSecretOutputs ?? undefined,
        };
        const component = factory(construct.name, args, opts);
        construct.resolve(handleOf<BindingResource>(component));
      } catch (error) {
        construct.reject(describeThrown(error));
      }
    }),
  );
}
