// Benchmark: register N resources (default 10,000) from Node against the core's mock monitor in
// this process, as a burst (every registration issued at once, then the program's end waits for
// all of them), and compare with the Rust core's own benchmark run right after, on the same
// machine (`cargo run --release -p engine-sdk --features testing --example bench_register N`).
//
//   node bench/register.mjs [N] [--no-rust]
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const engine = require(join(here, "..", "dist", "index.js"));
const { runProgram } = require(join(here, "..", "dist", "testing.js"));

const count = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 10_000);
const withRust = !process.argv.includes("--no-rust");

async function burst(n) {
  let started = 0;
  const run = await runProgram(() => {
    started = performance.now();
    for (let index = 0; index < n; index++) {
      new engine.CustomResource("AWS::SNS::Topic", `topic-${index}`, {
        TopicName: `topic-${index}`,
        Tags: [{ Key: "index", Value: String(index) }],
      });
    }
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.error) throw new Error(run.error.message);
  if (run.registrations.length !== n) throw new Error(`${run.registrations.length} registrations of ${n}`);
  return seconds;
}

async function sequential(n) {
  let seconds = 0;
  const run = await runProgram(async () => {
    const started = performance.now();
    for (let index = 0; index < n; index++) {
      const topic = new engine.CustomResource("AWS::SNS::Topic", `topic-${index}`, { TopicName: `topic-${index}` });
      await topic.urn.resolve();
    }
    seconds = (performance.now() - started) / 1000;
  });
  if (run.error) throw new Error(run.error.message);
  return seconds;
}

const nodeBursts = [];
for (let round = 1; round <= 3; round++) {
  const seconds = await burst(count);
  const oneByOne = await sequential(Math.min(count, 2000));
  nodeBursts.push(seconds);
  console.log(
    `node round ${round}: burst ${count} registrations in ${seconds.toFixed(3)} s (${Math.round(count / seconds)}/s); ` +
      `sequential ${Math.min(count, 2000)} in ${oneByOne.toFixed(3)} s (${Math.round((oneByOne * 1e6) / Math.min(count, 2000))} µs each)`,
  );
}
const nodeBest = Math.min(...nodeBursts);

if (withRust) {
  const root = join(here, "..", "..");
  const binary = join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "release", "examples", "bench_register");
  const command = existsSync(binary)
    ? [binary, [String(count)]]
    : ["cargo", ["run", "--quiet", "--release", "-p", "engine-sdk", "--features", "testing", "--example", "bench_register", "--", String(count)]];
  const rust = spawnSync(command[0], command[1], { cwd: root, encoding: "utf8" });
  if (rust.status !== 0) {
    console.log(`rust benchmark failed: ${rust.stderr}`);
  } else {
    process.stdout.write(rust.stdout.replace(/^round/gm, "rust round"));
    const rustBursts = [...rust.stdout.matchAll(/burst \d+ registrations in ([\d.]+) s/g)].map((m) => Number(m[1]));
    const rustBest = Math.min(...rustBursts);
    console.log(`best burst: node ${nodeBest.toFixed(3)} s, rust ${rustBest.toFixed(3)} s: node/rust = ${(nodeBest / rustBest).toFixed(2)}x (target: within 2x)`);
  }
}
