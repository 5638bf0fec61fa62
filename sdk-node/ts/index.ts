// engine-sdk: infrastructure as code for the engine, from TypeScript and JavaScript.
//
// A thin layer over the Rust SDK core (through the native addon): the same concepts and names
// as the Rust and Python SDKs. A program is a plain module run by `engine up`: it declares
// resources, exports stack outputs, and ends on its own.

export {
  Output,
  output,
  secret,
  unsecret,
  all,
  concat,
  interpolate,
  isSecret,
  type Input,
  type Inputs,
  type Unwrap,
  type UnwrapSimple,
  type Resolution,
} from "./output";
export {
  Resource,
  CustomResource,
  ComponentResource,
  RemoteComponentResource,
  type ResourceOptions,
  type CustomResourceOptions,
  type ComponentResourceOptions,
  type CustomTimeouts,
  type Alias,
} from "./resource";
export { Config } from "./config";
export { FileAsset, FileArchive } from "./asset";
export { RandomPassword, RandomString, type RandomArgs } from "./random";
export {
  export,
  getProject,
  getStack,
  isDryRun,
  log,
  getCallerIdentity,
  getRegion,
  getRegionName,
  getAvailabilityZones,
  cloudControlGet,
  cloudControlList,
  invoke,
  invokeOutput,
  type CallerIdentity,
  type AvailabilityZones,
  type CloudResource,
  type InvokeOptions,
} from "./stack";
export {
  EngineError,
  RunEnvironmentError,
  ConnectError,
  ProtocolMismatchError,
  EngineCallError,
  ConfigError,
  InvalidError,
  CallbackError,
  SerializationError,
  ForkedError,
  ProgramError,
} from "./errors";
export { finishProgram } from "./state";
export { serveComponents, type ComponentFactory } from "./provider";
import "./runtime";
