// Resources: `CustomResource` (a cloud resource by type name and properties; the typed classes
// of `engine-sdk/aws` are written on top of it), `ComponentResource`, `RemoteComponentResource`,
// and their options. Registration is the core's: a resource is returned at once and registered
// in the background once its inputs, parent and dependencies are ready.

import { call, handleOf, setHandle, type BindingOptions, type BindingResource } from "./native";
import { Output, type Input, type Inputs } from "./output";
import { context, declaration, remember } from "./state";

/** Time limits of the engine's cloud operations: seconds, or text such as `"5m"`, `"1h30m"`. */
export interface CustomTimeouts {
  create?: number | string;
  update?: number | string;
  delete?: number | string;
}

/** A former identity of a resource, so that renaming or moving it is not a replacement. Unset
 * parts are the resource's current ones. */
export interface Alias {
  name?: string;
  type?: string;
  stack?: string;
  project?: string;
  /** The former parent (a resource or its URN). */
  parent?: Resource | string;
  /** Formerly at the top level. */
  noParent?: boolean;
}

/** Options of a resource (all optional). */
export interface ResourceOptions {
  /** The component this resource belongs to (its URN and protection derive from it). */
  parent?: Resource;
  /** Resources to wait for and depend on, besides those its inputs come from (a component
   * stands for every resource under it). */
  dependsOn?: Resource | Resource[];
  /** Refuse to delete or replace it (a protected parent's children are protected too). */
  protect?: boolean;
  /** Property paths whose changes are ignored after creation. */
  ignoreChanges?: string[];
  /** Property paths whose changes force a replacement. */
  replaceOnChanges?: string[];
  /** Delete it before creating its replacement. */
  deleteBeforeReplace?: boolean;
  /** Forget it instead of deleting it in the cloud (a component's applies to its children). */
  retainOnDelete?: boolean;
  /** Adopt the existing cloud resource with this identifier. */
  import?: string;
  customTimeouts?: CustomTimeouts;
  /** The region it lives in (components: their children too, unless they set one). */
  region?: string;
  /** Its former identities (URNs or `Alias`). */
  aliases?: (string | Alias)[];
  /** Output properties to treat as secret. */
  additionalSecretOutputs?: string[];
}

/** Options of a custom resource. */
export type CustomResourceOptions = ResourceOptions;
/** Options of a component resource. */
export type ComponentResourceOptions = ResourceOptions;

/** @internal The native arguments of a registration's options. */
export function nativeOptions(
  opts: ResourceOptions | undefined,
  sourcePosition: string,
): [BindingResource | null, BindingResource[] | null, BindingOptions] {
  const o = opts ?? {};
  const parent = o.parent ? handleOf<BindingResource>(o.parent) : null;
  const dependsOn = o.dependsOn === undefined ? null : (Array.isArray(o.dependsOn) ? o.dependsOn : [o.dependsOn]).map((r) => handleOf<BindingResource>(r));
  const options: BindingOptions = {
    protect: o.protect,
    ignoreChanges: o.ignoreChanges,
    replaceOnChanges: o.replaceOnChanges,
    deleteBeforeReplace: o.deleteBeforeReplace,
    retainOnDelete: o.retainOnDelete,
    import: o.import,
    customTimeouts: o.customTimeouts,
    region: o.region,
    aliases: o.aliases?.map((alias) =>
      typeof alias === "string"
        ? { urn: alias }
        : {
            name: alias.name,
            type: alias.type,
            stack: alias.stack,
            project: alias.project,
            parentUrn: alias.parent === undefined ? undefined : typeof alias.parent === "string" ? alias.parent : alias.parent.urnStr,
            noParent: alias.noParent,
          },
    ),
    additionalSecretOutputs: o.additionalSecretOutputs,
    sourcePosition,
  };
  return [parent, dependsOn, options];
}

/** @internal Marks a `CustomResource` built on a handle the core already registered. */
export const ADOPT: unique symbol = Symbol("engine-sdk:adopt");

/** Every resource: its URN (known at once) and identity. */
export abstract class Resource {
  /** @internal */
  declare readonly __engine_handle: BindingResource;

  /** @internal */
  protected constructor(handle: BindingResource, sites?: NodeJS.CallSite[]) {
    setHandle(this, handle);
    if (sites) remember(handle.urn, sites);
  }

  /** The URN as an output (using it makes a resource depend on this one). */
  get urn(): Output<string> {
    return new Output(handleOf<BindingResource>(this).urnOutput());
  }

  /** The URN as text (known at once). */
  get urnStr(): string {
    return handleOf<BindingResource>(this).urn;
  }

  /** The resource's type (`AWS::S3::Bucket`, `platform:index:Network`). */
  get resourceType(): string {
    return handleOf<BindingResource>(this).resourceType;
  }

  /** The resource's logical name. */
  get resourceName(): string {
    return handleOf<BindingResource>(this).name;
  }

  /** Whether `value` is a resource of this SDK. */
  static isInstance(value: unknown): value is Resource {
    return value instanceof Resource;
  }

  /** @internal */
  toString(): string {
    return `${this.constructor.name}(${this.urnStr})`;
  }
}

/**
 * A cloud resource (or a built-in one) by type name and properties:
 * `new CustomResource("AWS::SQS::Queue", "jobs", { VisibilityTimeout: 60 })`. Property names are
 * the CloudFormation schema's; the typed classes of `engine-sdk/aws` are built on this class.
 */
export class CustomResource extends Resource {
  /** Declare the resource; it registers at once (in the background). */
  constructor(type: string, name: string, props?: Inputs, opts?: CustomResourceOptions);
  /** @internal Generated typed resources: a shape table, the resource's index in it. */
  constructor(table: unknown, index: number, name: string, args?: object, opts?: CustomResourceOptions);
  /** @internal A handle the core already registered (built-in resources). */
  constructor(adopt: typeof ADOPT, handle: BindingResource, sites: NodeJS.CallSite[]);
  constructor(...args: unknown[]) {
    if (args[0] === ADOPT) {
      super(args[1] as BindingResource, args[2] as NodeJS.CallSite[]);
      return;
    }
    const ctx = context();
    const { sourcePosition, sites } = declaration();
    if (typeof args[0] === "string") {
      const [type, name, props, opts] = args as [string, string, Inputs | undefined, ResourceOptions | undefined];
      const [parent, dependsOn, options] = nativeOptions(opts, sourcePosition);
      super(call(() => ctx.register("custom", type, name, props ?? {}, parent, dependsOn, options)), sites);
    } else {
      const [table, index, name, props, opts] = args as [unknown, number, string, object | undefined, ResourceOptions | undefined];
      const [parent, dependsOn, options] = nativeOptions(opts, sourcePosition);
      super(call(() => registerTyped(ctx, table, index, name, props ?? {}, parent, dependsOn, options, new.target.prototype)), sites);
    }
  }

  /** The cloud identifier (unknown in a preview until the resource exists). */
  get id(): Output<string> {
    return new Output(handleOf<BindingResource>(this).id());
  }

  /** Every output property, as one object (schema names). */
  get outputs(): Output<Record<string, any>> {
    return new Output(handleOf<BindingResource>(this).outputs());
  }

  /** One output property by its schema name (`"Arn"`): unknown in a preview while the engine
   * does not know it, secret when the engine marked it so. */
  getOutput<T = any>(name: string): Output<T> {
    return new Output(handleOf<BindingResource>(this).output(name));
  }

  /**
   * Read an existing cloud resource by identifier (not managed: never changed or deleted). Of
   * the options, `parent`, `dependsOn`, `region` and `additionalSecretOutputs` apply.
   */
  static get(type: string, name: string, id: Input<string>, opts?: CustomResourceOptions): CustomResource {
    const ctx = context();
    const { sourcePosition, sites } = declaration();
    const [parent, dependsOn, options] = nativeOptions(opts, sourcePosition);
    const handle = call(() => ctx.read(type, name, id, parent, dependsOn, options));
    const resource = Object.create(CustomResource.prototype) as CustomResource;
    setHandle(resource, handle);
    remember(handle.urn, sites);
    return resource;
  }
}

/** @internal Registration of a generated typed resource (see `runtime.ts`). */
export let registerTyped: (
  ctx: ReturnType<typeof context>,
  table: unknown,
  index: number,
  name: string,
  props: object,
  parent: BindingResource | null,
  dependsOn: BindingResource[] | null,
  options: BindingOptions,
  prototype?: object,
) => BindingResource = () => {
  throw new TypeError("typed resources need the engine-sdk runtime module (engine-sdk/runtime)");
};

/** @internal */
export function setTypedRegistration(fn: typeof registerTyped): void {
  registerTyped = fn;
}

/**
 * A group of resources of the program, usually a subclass:
 *
 * ```ts
 * class Network extends ComponentResource {
 *   readonly vpc: CustomResource;
 *   constructor(name: string, opts?: ComponentResourceOptions) {
 *     super("platform:index:Network", name, {}, opts);
 *     this.vpc = new CustomResource("AWS::EC2::VPC", `${name}-vpc`, { CidrBlock: "10.0.0.0/16" }, { parent: this });
 *     this.registerOutputs({ vpcId: this.vpc.id });
 *   }
 * }
 * ```
 */
export class ComponentResource extends Resource {
  /** Declare the component (`args` is accepted for symmetry and not sent: a component's inputs
   * are its constructor's arguments). */
  constructor(type: string, name: string, args?: Inputs, opts?: ComponentResourceOptions) {
    void args;
    const ctx = context();
    const { sourcePosition, sites } = declaration();
    const [parent, dependsOn, options] = nativeOptions(opts, sourcePosition);
    super(call(() => ctx.register("component", type, name, {}, parent, dependsOn, options)), sites);
  }

  /** Record the component's outputs (outputs inside are awaited by the core). */
  registerOutputs(outputs?: Inputs): void {
    const handle = handleOf<BindingResource>(this);
    call(() => handle.registerOutputs(outputs ?? {}));
  }
}

/** A component implemented by a plugin package (`pkg`: name and version requirement, e.g.
 * `"platform@^0.1"`); its outputs come back from the engine. */
export class RemoteComponentResource extends Resource {
  constructor(type: string, name: string, pkg: string, props?: Inputs, opts?: ComponentResourceOptions) {
    const ctx = context();
    const { sourcePosition, sites } = declaration();
    const [parent, dependsOn, options] = nativeOptions(opts, sourcePosition);
    super(call(() => ctx.register("remote", type, name, props ?? {}, parent, dependsOn, options, pkg)), sites);
  }

  /** One output of the component, as the plugin returned it. */
  getOutput<T = any>(name: string): Output<T> {
    return new Output(handleOf<BindingResource>(this).output(name));
  }
}
