// The native addon (napi-rs) and the conversion of its errors. Every other module reaches the
// core through this one.

import type * as Binding from "../native/binding.cjs";
import { errorFromData, type ErrorData } from "./errors";

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: typeof Binding = require("../native/binding.cjs");

export type {
  BindingContext,
  BindingOutput,
  BindingResource,
  BindingConfig,
  BindingOptions,
  BindingAsset,
  BindingCompletion,
  BindingResolved,
  BindingMock,
  BindingErrorData,
  BindingShapeTable,
  BindingConstruct,
} from "../native/binding.cjs";

/** The property of facade objects that holds their native handle (read by the addon). */
export const HANDLE_KEY = "__engine_handle";

const ERROR_PREFIX = "engine-sdk-error:";

/** Attach a native handle to a facade object (not enumerable: not a property value). */
export function setHandle(target: object, handle: unknown): void {
  Object.defineProperty(target, HANDLE_KEY, { value: handle, enumerable: false, writable: false, configurable: false });
}

/** The native handle of a facade object. */
export function handleOf<T>(target: object): T {
  return (target as Record<string, unknown>)[HANDLE_KEY] as T;
}

/** An error thrown by the addon, as the SDK's `EngineError` (other errors unchanged). */
export function convertError(error: unknown): unknown {
  if (error instanceof Error && error.message.startsWith(ERROR_PREFIX)) {
    let data: ErrorData;
    try {
      data = JSON.parse(error.message.slice(ERROR_PREFIX.length)) as ErrorData;
    } catch {
      return error;
    }
    const converted = errorFromData(data);
    // Keep the program's stack (where the native call was made), not the conversion's.
    if (error.stack) {
      const frames = error.stack.split("\n").slice(1).join("\n");
      converted.stack = `${converted.name}: ${converted.message}\n${frames}`;
    }
    return converted;
  }
  return error;
}

/** Call the addon, converting its errors. */
export function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw convertError(error);
  }
}

/** The value of an asynchronous native result, or its error thrown. */
export function unwrap<T>(result: { value?: T | null; error?: ErrorData | null }): T {
  if (result.error) throw errorFromData(result.error);
  return result.value as T;
}
