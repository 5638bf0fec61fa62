// The built-in random resources (`Engine::Random::Password`, `Engine::Random::String`):
// computed by the engine, stable across runs; a change of `keepers` generates a new value.

import { call, handleOf, type BindingResource } from "./native";
import { Output, type Input } from "./output";
import { ADOPT, CustomResource, nativeOptions, type CustomResourceOptions } from "./resource";
import { context, declaration } from "./state";

/** Arguments of a random password or string. */
export interface RandomArgs {
  /** Number of characters. */
  length: Input<number>;
  /** Include special characters (default true). */
  special?: Input<boolean>;
  /** The special characters to use instead of the default set. */
  overrideSpecial?: Input<string>;
  minUpper?: Input<number>;
  minLower?: Input<number>;
  minNumeric?: Input<number>;
  minSpecial?: Input<number>;
  /** Arbitrary values; changing any of them generates a new value. */
  keepers?: Input<Record<string, Input<unknown>>>;
}

function register(kind: "password" | "string", name: string, args: RandomArgs, opts?: CustomResourceOptions): [BindingResource, NodeJS.CallSite[]] {
  const ctx = context();
  const { sourcePosition, sites } = declaration();
  const [parent, dependsOn, options] = nativeOptions(opts, sourcePosition);
  return [call(() => ctx.registerRandom(kind, name, args, parent, dependsOn, options)), sites];
}

/** A random password (its `result` is always secret). */
export class RandomPassword extends CustomResource {
  constructor(name: string, args: RandomArgs, opts?: CustomResourceOptions) {
    const [handle, sites] = register("password", name, args, opts);
    super(ADOPT, handle, sites);
  }

  /** The password (secret). */
  get result(): Output<string> {
    return new Output(handleOf<BindingResource>(this).output("Result"));
  }
}

/** A random string (not secret). */
export class RandomString extends CustomResource {
  constructor(name: string, args: RandomArgs, opts?: CustomResourceOptions) {
    const [handle, sites] = register("string", name, args, opts);
    super(ADOPT, handle, sites);
  }

  /** The string. */
  get result(): Output<string> {
    return new Output(handleOf<BindingResource>(this).output("Result"));
  }
}
