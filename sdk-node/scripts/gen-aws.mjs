// The typed resources (`dist/aws/`): generated at build time by the engine's code generator
// (`engine gen-sdk --lang node`, ~4 s for every Cloud Control type), never committed. The engine
// binary is `$ENGINE_BIN` (the engine sets it when it builds the SDK), else the workspace's
// `target/debug/engine` or `target/release/engine`, else built with cargo.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const out = join(here, "..", "dist");
const target = process.env.CARGO_TARGET_DIR ?? join(root, "target");
const candidates = [process.env.ENGINE_BIN, join(target, "debug", "engine"), join(target, "release", "engine")].filter(Boolean);
let engine = candidates.find((path) => existsSync(path));
let command = engine ? [engine, []] : ["cargo", ["run", "--quiet", "-p", "engine-cli", "--"]];
rmSync(join(out, "aws"), { recursive: true, force: true });
const result = spawnSync(command[0], [...command[1], "gen-sdk", "--lang", "node", "--out", out], { cwd: root, stdio: "inherit" });
if (result.status !== 0) {
  console.error(`generating the typed resources failed (${command[0]} gen-sdk --lang node)`);
  process.exit(1);
}
