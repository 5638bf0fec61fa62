// The SDK's errors: one class per kind of the core's errors (`engine_sdk::Error::kind`), all
// rooted in `EngineError`. The messages are the core's, unchanged (they name the resource and
// the property path).

/** An error of the SDK core, as data (what the addon hands over). */
export interface ErrorData {
  kind: string;
  message: string;
  urn?: string | null;
  engineCode?: string | null;
  /** Names the core's error (an uncaught one ends the program as itself). */
  id?: number;
}

/** Every error of the SDK. `code` is the kind of error (stable across versions). */
export class EngineError extends Error {
  /** `environment`, `connect`, `protocol`, `engine`, `config`, `invalid`, `callback`,
   * `serialization`, `forked`, `other`. */
  readonly code: string;
  /** The URN of the resource the error concerns, if any. */
  readonly urn?: string;
  /** The engine's gRPC status code when the engine reported the error (`InvalidArgument`, ...). */
  readonly engineCode?: string;

  constructor(message: string, code = "other", urn?: string | null, engineCode?: string | null) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    if (urn) this.urn = urn;
    if (engineCode) this.engineCode = engineCode;
  }
}

/** The program was not started by the engine (`engine up`, `engine preview`). */
export class RunEnvironmentError extends EngineError {}
/** The engine's resource monitor could not be reached. */
export class ConnectError extends EngineError {}
/** The SDK and the engine speak different protocol versions. */
export class ProtocolMismatchError extends EngineError {}
/** The engine answered a call with an error. */
export class EngineCallError extends EngineError {}
/** A configuration value is missing or has the wrong type. */
export class ConfigError extends EngineError {}
/** An argument is invalid (a name, a duplicate resource, a property value). */
export class InvalidError extends EngineError {}
/** An `apply` callback failed. */
export class CallbackError extends EngineError {}
/** A value could not be converted to or from JSON. */
export class SerializationError extends EngineError {}
/** The SDK was used in a process forked from the one that connected. */
export class ForkedError extends EngineError {}
/** Any other failure of the program. */
export class ProgramError extends EngineError {}

const CLASSES: Record<string, new (message: string, code: string, urn?: string | null, engineCode?: string | null) => EngineError> = {
  environment: RunEnvironmentError,
  connect: ConnectError,
  protocol: ProtocolMismatchError,
  engine: EngineCallError,
  config: ConfigError,
  invalid: InvalidError,
  callback: CallbackError,
  serialization: SerializationError,
  forked: ForkedError,
  other: ProgramError,
};

/** The `EngineError` subclass of an error's kind. */
export function errorFromData(data: ErrorData): EngineError {
  const Class = CLASSES[data.kind] ?? EngineError;
  const error = new Class(data.message, data.kind, data.urn, data.engineCode);
  if (data.id !== undefined) {
    // Not enumerable: not part of what the program sees of the error.
    Object.defineProperty(error, CORE_ERROR, { value: data.id, enumerable: false });
  }
  return error;
}

const CORE_ERROR = "__engine_error_id";

/** @internal The id of the core's error behind an SDK error (see `finishProgram`). */
export function coreErrorId(error: unknown): number | undefined {
  if (!(error instanceof EngineError)) return undefined;
  const id = (error as unknown as Record<string, unknown>)[CORE_ERROR];
  return typeof id === "number" ? id : undefined;
}
