// The process's current program: its connection to the engine (made on first use), where
// resources were declared (for error reports), and how the program ends.
//
// A program is a plain module: it declares resources at the top level (or in an async
// function), and ends on its own. When the event loop has nothing left to do (`beforeExit`),
// the SDK asks the core to finish: wait for every registration and callback, send the stack
// outputs, report the outcome to the engine, and set the exit code. An uncaught exception or
// unhandled rejection ends the program the same way, with its stack trace as the error.

import * as path from "node:path";
import { findSourceMap } from "node:module";
import { native, call, type BindingContext, type BindingErrorData } from "./native";
import { coreErrorId } from "./errors";

let current: BindingContext | undefined;
let lifecycle = false;
let ending: Promise<BindingErrorData | null> | undefined;

/** Where each resource was declared (URN → call sites), for error reports. */
const declarations = new Map<string, NodeJS.CallSite[]>();

/** The current program's connection (connects on first use). */
export function context(): BindingContext {
  if (current === undefined) {
    current = call(() => native.BindingContext.fromEnv());
    installLifecycle();
  }
  return current;
}

/** Whether a program is connected in this process. */
export function hasContext(): boolean {
  return current !== undefined;
}

/** @internal Make `ctx` the current program without the automatic end (tests). */
export function setContext(ctx: BindingContext | undefined): void {
  current = ctx;
  declarations.clear();
  ending = undefined;
}

let plugin = false;

/** @internal This process serves components (a plugin): it never ends by itself and never
 * reports a program outcome; an uncaught error ends it with a message. */
export function setPluginMode(): void {
  plugin = true;
  removeLifecycle();
  process.on("uncaughtException", (error) => {
    process.stderr.write(`${describeThrown(error)}\n`);
    process.exit(1);
  });
}

function installLifecycle(): void {
  if (lifecycle || plugin) return;
  lifecycle = true;
  process.on("beforeExit", onBeforeExit);
  process.on("uncaughtException", onUncaught);
}

function removeLifecycle(): void {
  if (!lifecycle) return;
  lifecycle = false;
  process.off("beforeExit", onBeforeExit);
  process.off("uncaughtException", onUncaught);
}

function onBeforeExit(): void {
  if (ending !== undefined || current === undefined) return;
  void finishProgram().then((error) => {
    if (error) process.exitCode = 1;
  });
}

function onUncaught(error: unknown): void {
  const text = describeThrown(error);
  process.stderr.write(`${text}\n`);
  if (ending !== undefined || current === undefined) {
    process.exit(1);
  }
  // An SDK error ends the program as the core's error itself (its message and resource), as in
  // every language; any other with its stack trace.
  const core = coreErrorId(error);
  const reported = core !== undefined && error instanceof Error ? error.message : text;
  void finishProgram(reported, core).then(() => process.exit(1));
}

/**
 * End the current program: wait for all outstanding work, send the stack outputs and tell the
 * engine how it ended. Resolves to the program's first error (also printed), or null. Called
 * automatically; call it yourself only to end early (it is idempotent).
 */
export function finishProgram(programError?: string, coreError?: number): Promise<BindingErrorData | null> {
  if (ending !== undefined) return ending;
  const ctx = current;
  if (ctx === undefined) return Promise.resolve(null);
  ending = ctx.finish(programError ?? null, coreError ?? null).then((error) => {
    removeLifecycle();
    if (error && error.message !== programError) {
      process.stderr.write(`error: ${error.message}${declaredAt(error.urn)}\n`);
    }
    return error;
  });
  return ending;
}

/** A thrown value as text: an error's stack (name, message, frames), else its string form. */
export function describeThrown(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  try {
    return `Uncaught ${String(error)}`;
  } catch {
    return "Uncaught exception";
  }
}

// ---------------------------------------------------------------------------------------------
// Where the program declared things

const SDK_DIR = __dirname + path.sep;
const TSX_DIR = `${path.sep}node_modules${path.sep}tsx${path.sep}`;

function callSites(): NodeJS.CallSite[] {
  const previous = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  Error.prepareStackTrace = (_, sites) => sites;
  Error.stackTraceLimit = 12;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  Error.captureStackTrace(holder, callSites);
  const sites = holder.stack ?? [];
  Error.prepareStackTrace = previous;
  Error.stackTraceLimit = previousLimit;
  return sites;
}

interface Position {
  file: string;
  line: number;
  column: number;
  fn: string | null;
}

const paths = new Map<string, string>();

/** A call site's file as a path (file URLs converted once per file). */
function filePath(file: string): string {
  if (!file.startsWith("file://")) return file;
  let converted = paths.get(file);
  if (converted === undefined) {
    converted = new URL(file).pathname;
    paths.set(file, converted);
  }
  return converted;
}

function position(site: NodeJS.CallSite): Position | undefined {
  const name = site.getFileName() ?? site.getScriptNameOrSourceURL();
  if (!name) return undefined;
  let file = filePath(name);
  let line = site.getLineNumber() ?? 0;
  let column = site.getColumnNumber() ?? 0;
  if (process.sourceMapsEnabled) {
    const map = findSourceMap(file);
    if (map) {
      const entry = map.findEntry(line - 1, column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (entry && entry.originalSource) {
        file = filePath(entry.originalSource);
        line = (entry.originalLine ?? 0) + 1;
        column = (entry.originalColumn ?? 0) + 1;
      }
    }
  }
  return { file, line, column, fn: site.getFunctionName() };
}

function isProgramFrame(site: NodeJS.CallSite): boolean {
  const name = site.getFileName();
  if (!name || name.startsWith("node:")) return false;
  const file = filePath(name);
  return !file.startsWith(SDK_DIR) && !file.includes(TSX_DIR);
}

const relative = new Map<string, string>();

/**
 * Capture where the program declared a resource: its `file:line` (sent as the registration's
 * source position) and the call sites (shown if the resource fails).
 */
export function declaration(): { sourcePosition: string; sites: NodeJS.CallSite[] } {
  const sites = callSites().filter(isProgramFrame);
  const first = sites.length > 0 ? position(sites[0]!) : undefined;
  if (!first) return { sourcePosition: "", sites };
  let shown = relative.get(first.file);
  if (shown === undefined) {
    shown = native.displayPath(first.file);
    relative.set(first.file, shown);
  }
  return { sourcePosition: `${shown}:${first.line}`, sites };
}

/** Remember where the resource `urn` was declared. */
export function remember(urn: string, sites: NodeJS.CallSite[]): void {
  declarations.set(urn, sites.slice(0, 8));
}

/** "\n    declared at ..." lines for a resource, or nothing. */
export function declaredAt(urn?: string | null): string {
  if (!urn) return "";
  const sites = declarations.get(urn);
  if (!sites || sites.length === 0) return "";
  const lines = sites.map((site) => {
    const where = position(site);
    if (!where) return "    at <unknown>";
    const location = `${where.file}:${where.line}:${where.column}`;
    return where.fn ? `    at ${where.fn} (${location})` : `    at ${location}`;
  });
  return `\n  the resource was declared\n${lines.join("\n")}`;
}
