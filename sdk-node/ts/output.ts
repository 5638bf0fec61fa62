// `Output<T>`: a value known later. A thin wrapper over the core's output (`BindingOutput`):
// unknowns, secrets, dependencies and flattening are the core's rules.

import { native, call, convertError, setHandle, handleOf, type BindingOutput, type BindingCompletion } from "./native";
import { errorFromData } from "./errors";
import { context, describeThrown } from "./state";

/** A value, a Promise of one, or an output of one: accepted wherever a property value is. */
export type Input<T> = T | Promise<T> | Output<T>;

/** An object whose values are inputs. */
export type Inputs = Record<string, Input<any>>;

/** The plain value an input resolves to (outputs and Promises inside unwrapped). */
export type Unwrap<T> =
  T extends Output<infer U> ? UnwrapSimple<U>
  : T extends Promise<infer U> ? UnwrapSimple<U>
  : UnwrapSimple<T>;

type Primitive = string | number | boolean | bigint | null | undefined | symbol;

/** `Unwrap` of a value that is not itself an output or a Promise. */
export type UnwrapSimple<T> =
  T extends Primitive ? T
  : T extends Output<infer U> ? UnwrapSimple<U>
  : T extends Promise<infer U> ? UnwrapSimple<U>
  : T extends Array<infer U> ? UnwrapSimple<U>[]
  : T extends object ? { [K in keyof T]: Unwrap<T[K]> }
  : never;

/** What an output resolved to. */
export interface Resolution<T> {
  /** False in a preview for a value the engine does not know yet. */
  known: boolean;
  value: T | undefined;
  secret: boolean;
  /** URNs of the resources the value came from. */
  dependencies: string[];
}

/** The message `toString()` of an output gives: its value is not known when the program runs. */
const NOT_A_STRING =
  "Output<T> is a value known later and cannot be turned into a string: use output.apply(v => ...), " +
  "interpolate`...${output}...` or Output.concat(...)";

/**
 * A value known later (a resource's property once the engine registered it). It may stay
 * unknown (in a preview), may be secret, and remembers the resources it came from: using it as
 * a property makes the resource depend on them.
 */
export class Output<T> {
  /** @internal */
  declare readonly __engine_handle: BindingOutput;
  /** Type-level only: the value's type. */
  declare readonly __type?: T;

  /** @internal Wrap a native output. */
  constructor(handle: BindingOutput) {
    setHandle(this, handle);
  }

  /** Whether `value` is an `Output`. */
  static isInstance(value: unknown): value is Output<unknown> {
    return value instanceof Output;
  }

  /** An output of any input (outputs, Promises and resources inside are awaited). */
  static create<T>(value: Input<T>): Output<Unwrap<T>> {
    if (value instanceof Output) return value as Output<Unwrap<T>>;
    context();
    return new Output(call(() => native.BindingOutput.fromValue(value)));
  }

  /** Same as `Output.create` (the Python SDK's `Output.from_input`). */
  static fromInput<T>(value: Input<T>): Output<Unwrap<T>> {
    return Output.create(value);
  }

  /** A secret output of any input. */
  static secret<T>(value: Input<T>): Output<Unwrap<T>> {
    context();
    return new Output(call(() => native.BindingOutput.secret(value)));
  }

  /** An output that is never known (what a preview gives for values not known yet). */
  static unknown<T = any>(): Output<T> {
    return new Output(native.BindingOutput.unknown());
  }

  /** Several inputs as one output: an array for an array, an object for an object. Unknown if
   * any is unknown, secret if any is secret, depending on all of them. */
  static all<T extends readonly unknown[]>(values: readonly [...T]): Output<{ -readonly [K in keyof T]: Unwrap<T[K]> }>;
  static all<T extends Record<string, unknown>>(values: T): Output<{ [K in keyof T]: Unwrap<T[K]> }>;
  static all(values: unknown): Output<unknown> {
    context();
    return new Output(call(() => native.BindingOutput.fromValue(values)));
  }

  /** The parts joined into one string (strings as they are, `null` as nothing, other values in
   * their JSON form). */
  static concat(...parts: Input<unknown>[]): Output<string> {
    context();
    return new Output(call(() => native.BindingOutput.concat(parts)));
  }

  /**
   * Transform the value once it is known (never called on unknowns in a preview). `fn` may
   * return a plain value, a Promise, an output, or a structure containing outputs: the result
   * is flattened, depends on everything it came from, and is secret if anything was.
   */
  apply<U>(fn: (value: T) => Input<U>): Output<Unwrap<U>> {
    const applied = call(() =>
      handleOf<BindingOutput>(this).apply((value: any, completion: BindingCompletion) => {
        let result: unknown;
        try {
          result = fn(value as T);
        } catch (error) {
          completion.reject(describeThrown(error));
          return;
        }
        if (result instanceof Promise || (typeof result === "object" && result !== null && typeof (result as PromiseLike<unknown>).then === "function" && !(result instanceof Output))) {
          Promise.resolve(result).then(
            (settled) => resolveCompletion(completion, settled),
            (error) => completion.reject(describeThrown(error)),
          );
        } else {
          resolveCompletion(completion, result);
        }
      }),
    );
    return new Output(applied);
  }

  /** The value at `key` of an object, or at `index` of an array (`null` when absent). */
  get<K extends keyof T & string>(key: K): Output<T[K]>;
  get(index: number): Output<T extends readonly (infer U)[] ? U : unknown>;
  get(key: string | number): Output<unknown> {
    if (typeof key === "number" && !(Number.isInteger(key) && key >= 0)) {
      throw new TypeError(`an output index must be a non-negative integer, not ${key}`);
    }
    return new Output(handleOf<BindingOutput>(this).get(key));
  }

  /** The same value, secret. */
  asSecret(): Output<T> {
    return new Output(handleOf<BindingOutput>(this).asSecret());
  }

  /** The same value, no longer secret (use with care). */
  unsecret(): Output<T> {
    return new Output(handleOf<BindingOutput>(this).unsecret());
  }

  /**
   * Wait for the output: its value, whether it is known and secret, and its dependencies.
   * For tests and diagnostics; programs pass outputs along instead of awaiting them.
   */
  async resolve(): Promise<Resolution<T>> {
    const resolved = await handleOf<BindingOutput>(this).resolve();
    if (resolved.error) throw errorFromData(resolved.error);
    return {
      known: resolved.known,
      value: (resolved.known ? resolved.value : undefined) as T | undefined,
      secret: resolved.secret,
      dependencies: resolved.dependencies,
    };
  }

  /** Outputs are not strings: this returns a message saying how to use them. */
  toString(): string {
    return NOT_A_STRING;
  }

  /** Outputs cannot be serialized as JSON: this returns a message saying how to use them. */
  toJSON(): string {
    return NOT_A_STRING;
  }
}

function resolveCompletion(completion: BindingCompletion, value: unknown): void {
  try {
    completion.resolve(value);
  } catch (error) {
    completion.reject(describeThrown(convertError(error)));
  }
}

/** An output of any input (the SDK's `Output.create`). */
export function output<T>(value: Input<T>): Output<Unwrap<T>> {
  return Output.create(value);
}

/** A secret output of any input. */
export function secret<T>(value: Input<T>): Output<Unwrap<T>> {
  return Output.secret(value);
}

/** The same value, no longer secret. */
export function unsecret<T>(value: Output<T>): Output<T> {
  return value.unsecret();
}

/** Several inputs as one output (see `Output.all`). */
export const all: typeof Output.all = Output.all;

/** The parts joined into one string output (see `Output.concat`). */
export function concat(...parts: Input<unknown>[]): Output<string> {
  return Output.concat(...parts);
}

/** A template literal whose placeholders may be outputs: ``interpolate`arn:${bucket.arn}/*` ``. */
export function interpolate(strings: TemplateStringsArray, ...values: Input<unknown>[]): Output<string> {
  const parts: Input<unknown>[] = [];
  strings.forEach((text, index) => {
    if (text !== "") parts.push(text);
    if (index < values.length) parts.push(values[index]);
  });
  return Output.concat(...parts);
}

/** Whether an output is secret (waits for it). */
export async function isSecret(value: Output<unknown>): Promise<boolean> {
  return (await value.resolve()).secret;
}
