// Shared helpers of the unit tests: the SDK as a program imports it, the mock-backed runner,
// and child programs run under a mock engine (the automatic end, exit codes, TypeScript).
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

export const SDK_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);
export const engine = require(join(SDK_DIR, "dist", "index.js"));
export const { runProgram } = require(join(SDK_DIR, "dist", "testing.js"));
const { native } = require(join(SDK_DIR, "dist", "native.js"));

/** A throw-away program folder with `engine-sdk` linked into its node_modules. */
export function programDir(files) {
  const dir = mkdtempSync(join(tmpdir(), "engine-sdk-node-test-"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(SDK_DIR, join(dir, "node_modules", "engine-sdk"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Run `node [args] entry` in `dir` against a fresh mock engine; resolves to its exit code,
 * output and what the mock recorded. */
export function runChild(dir, entry, { args = [], mock = {}, failTypes = {} } = {}) {
  const monitor = native.BindingMock.start(mock);
  for (const [type, message] of Object.entries(failTypes)) monitor.failType(type, message);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, entry], {
      cwd: dir,
      env: { ...process.env, ENGINE_MONITOR_ADDRESS: monitor.address, ENGINE_MONITOR_TOKEN: monitor.token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, recorded: monitor.recorded(), rootUrn: monitor.rootUrn });
    });
  });
}

export const TSX_LOADER = join(SDK_DIR, "node_modules", "tsx", "dist", "loader.mjs");
