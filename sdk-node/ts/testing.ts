// Unit-testing programs (and the SDK itself) against the core's mock of the engine's resource
// monitor: `runProgram` runs a program in this process and returns everything the mock
// received (registrations with their inputs, options and dependencies, stack outputs, logs,
// the program's end).

import { native, call } from "./native";
import { setContext, finishProgram } from "./state";
import type { ErrorData } from "./errors";

/** How the mock engine behaves. */
export interface MockOptions {
  project?: string;
  stack?: string;
  /** A preview: outputs the engine computes are unknown. */
  dryRun?: boolean;
  /** Config values by key (bare keys are put in the project's namespace). */
  config?: Record<string, unknown>;
  /** Keys of `config` that are secret. */
  secretKeys?: string[];
  region?: string;
  /** Fail every registration of these types with the message given. */
  failTypes?: Record<string, string>;
  /** Milliseconds each registration takes. */
  registerDelayMs?: number;
}

/** One registration the mock received. */
export interface RecordedRegistration {
  type: string;
  name: string;
  custom: boolean;
  remote: boolean;
  package: string;
  parent: string;
  inputs: Record<string, any>;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  sourcePosition: string;
  typeMetadata: Record<string, any> | null;
  options: Record<string, any>;
}

/** What the mock received while the program ran. */
export interface Recorded {
  handshakes: { protocolVersion: number; sdkName: string; sdkVersion: string }[];
  registrations: RecordedRegistration[];
  resourceOutputs: { urn: string; outputs: Record<string, any> }[];
  reads: Record<string, any>[];
  invokes: { token: string; args: Record<string, any>; region: string }[];
  logs: { severity: number; message: string; urn: string }[];
  finishes: { error: string; urn: string }[];
  unauthenticated: number;
  maxRegistrationsInFlight: number;
}

/** The result of `runProgram`. */
export interface ProgramRun extends Recorded {
  /** The program's first error (as the engine was told), or null. */
  error: ErrorData | null;
  /** The stack's root URN. */
  rootUrn: string;
  /** The stack outputs the program registered, or undefined. */
  stackOutputs: Record<string, any> | undefined;
  /** A registration by resource name. */
  registration(name: string): RecordedRegistration | undefined;
}

/**
 * Run `program` against a fresh mock engine in this process and return what it sent. The
 * program ends as under the engine (outstanding work awaited, stack outputs, `Finish`); a thrown
 * error or rejected Promise is the program's error.
 */
export async function runProgram(program: () => unknown, options: MockOptions = {}): Promise<ProgramRun> {
  const project = options.project ?? "proj";
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options.config ?? {})) {
    config[key.includes(":") ? key : `${project}:${key}`] = value;
  }
  const secretKeys = (options.secretKeys ?? []).map((key) => (key.includes(":") ? key : `${project}:${key}`));
  const mock = call(() =>
    native.BindingMock.start({
      project,
      stack: options.stack,
      dryRun: options.dryRun,
      config,
      secretKeys,
      region: options.region,
      registerDelayMs: options.registerDelayMs,
    }),
  );
  for (const [type, message] of Object.entries(options.failTypes ?? {})) mock.failType(type, message);
  const ctx = call(() => native.BindingContext.connect(mock.address, mock.token));
  setContext(ctx);
  let programError: string | undefined;
  try {
    await program();
  } catch (error) {
    programError = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  }
  const error = await finishProgram(programError);
  setContext(undefined);
  const recorded = mock.recorded() as Recorded;
  const rootUrn = mock.rootUrn;
  const stackOutputs = [...recorded.resourceOutputs].reverse().find((entry) => entry.urn === rootUrn)?.outputs;
  return {
    ...recorded,
    error: error ?? null,
    rootUrn,
    stackOutputs,
    registration: (name: string) => recorded.registrations.find((r) => r.name === name),
  };
}
