// Stack outputs, logs, facts about the run, and the built-in functions (invokes).

import { call, handleOf, unwrap, type BindingResource } from "./native";
import { Output, type Input } from "./output";
import type { Resource } from "./resource";
import { context } from "./state";

/** Export a stack output (any input; outputs inside are awaited). Sent when the program ends;
 * exporting a name again replaces the value. */
function exportOutput(name: string, value: Input<unknown>): void {
  const ctx = context();
  call(() => ctx.export(name, value));
}
export { exportOutput as export };

/** The project's name (`Engine.toml`). */
export function getProject(): string {
  return context().info.project;
}

/** The stack's name. */
export function getStack(): string {
  return context().info.stack;
}

/** Whether this run is a preview (values the engine does not know yet are unknown). */
export function isDryRun(): boolean {
  return context().info.dryRun;
}

/** The stack's default region. */
export function getRegionName(): string {
  return context().info.region;
}

function send(severity: string, message: string, resource?: Resource): void {
  const ctx = context();
  call(() => ctx.log(severity, message, resource ? handleOf<BindingResource>(resource) : null));
}

/** Log lines sent to the engine (shown by `engine up`), in order, optionally about a resource. */
export const log = {
  debug: (message: string, resource?: Resource): void => send("debug", message, resource),
  info: (message: string, resource?: Resource): void => send("info", message, resource),
  warn: (message: string, resource?: Resource): void => send("warn", message, resource),
  error: (message: string, resource?: Resource): void => send("error", message, resource),
};

/** The account and principal the engine acts as. */
export interface CallerIdentity {
  accountId: string;
  arn: string;
  userId: string;
}

/** A region's availability zones. */
export interface AvailabilityZones {
  names: string[];
  zoneIds: string[];
}

/** A resource as Cloud Control describes it. */
export interface CloudResource {
  identifier: string;
  properties: Record<string, any>;
}

/** Options of a function call. */
export interface InvokeOptions {
  /** The region to call in (default: the stack's). */
  region?: string;
}

/** The account, ARN and user id the engine acts as. */
export async function getCallerIdentity(): Promise<CallerIdentity> {
  return unwrap(await context().getCallerIdentity()) as CallerIdentity;
}

/** The region the engine deploys to by default. */
export async function getRegion(): Promise<string> {
  return unwrap(await context().getRegion()) as string;
}

/** A region's availability zones (default: the stack's region). */
export async function getAvailabilityZones(opts?: InvokeOptions): Promise<AvailabilityZones> {
  return unwrap(await context().getAvailabilityZones(opts?.region)) as AvailabilityZones;
}

/** An existing cloud resource, by type and identifier. */
export async function cloudControlGet(typeName: string, identifier: string, opts?: InvokeOptions): Promise<CloudResource> {
  return unwrap(await context().cloudControlGet(typeName, identifier, opts?.region)) as CloudResource;
}

/** The existing cloud resources of a type (some types need a `resourceModel` filter). */
export async function cloudControlList(typeName: string, resourceModel?: Record<string, unknown>, opts?: InvokeOptions): Promise<CloudResource[]> {
  return unwrap(await context().cloudControlList(typeName, resourceModel, opts?.region)) as CloudResource[];
}

/** Call a built-in function by token; arguments may be outputs. The result is an output
 * (unknown in a preview when an argument is). */
export function invokeOutput<T = any>(token: string, args?: Record<string, Input<unknown>>, opts?: InvokeOptions): Output<T> {
  const ctx = context();
  return new Output(call(() => ctx.invoke(token, args ?? {}, opts?.region)));
}

/** Call a built-in function by token: its result (undefined when an argument is unknown in a
 * preview). */
export async function invoke<T = any>(token: string, args?: Record<string, Input<unknown>>, opts?: InvokeOptions): Promise<T> {
  return (await invokeOutput<T>(token, args, opts).resolve()).value as T;
}
