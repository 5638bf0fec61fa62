// The program as a whole: config, stack outputs, logs, invokes, errors as classes, and the
// automatic end of a plain module run by node (CommonJS, ESM, TypeScript).
import { test } from "node:test";
import assert from "node:assert/strict";
import { engine, runProgram, programDir, runChild, TSX_LOADER } from "./helpers.mjs";

test("config getters are the core's, secrets stay secret", async () => {
  let values;
  let secret;
  const run = await runProgram(() => {
    const config = new engine.Config();
    values = {
      name: config.require("name"),
      days: config.getNumber("days"),
      on: config.getBoolean("on"),
      obj: config.getObject("obj"),
      missing: config.get("missing"),
      ns: new engine.Config("aws").get("region"),
    };
    secret = config.requireSecret("token");
    engine.export("token", secret);
    assert.throws(() => config.require("missing"), (error) => error instanceof engine.ConfigError && /missing required configuration value 'proj:missing': set it with `engine config set missing <VALUE>`/.test(error.message));
    assert.throws(() => config.getNumber("name"), engine.ConfigError);
  }, { config: { name: "svc", days: 14, on: true, obj: { a: [1] }, token: "t0p", "aws:region": "eu-west-3" }, secretKeys: ["token"] });
  assert.equal(run.error, null);
  assert.deepEqual(values, { name: "svc", days: 14, on: true, obj: { a: [1] }, missing: undefined, ns: "eu-west-3" });
  assert.deepEqual(run.stackOutputs, { token: { __engine: "secret", value: "t0p" } });
});

test("stack outputs, logs and functions", async () => {
  let region;
  let identity;
  const run = await runProgram(async () => {
    const topic = new engine.CustomResource("AWS::SNS::Topic", "t", {});
    engine.export("arn", topic.getOutput("Arn"));
    engine.export("list", [1, topic.id]);
    engine.export("replaced", 1);
    engine.export("replaced", 2);
    engine.log.warn("careful", topic);
    engine.log.info("plain");
    region = await engine.getRegion();
    identity = await engine.getCallerIdentity();
    assert.equal(engine.getStack(), "dev");
    assert.equal(engine.getProject(), "proj");
    assert.equal(engine.isDryRun(), false);
  });
  assert.equal(run.error, null);
  assert.deepEqual(run.stackOutputs, { arn: "arn:mock:AWS::SNS::Topic:t", list: [1, "t-id"], replaced: 2 });
  assert.deepEqual(run.logs.map((l) => [l.message, l.urn]), [["careful", "urn:engine:dev::proj::AWS::SNS::Topic::t"], ["plain", ""]]);
  assert.equal(region, "eu-west-1");
  assert.equal(typeof identity.accountId, "string");
  assert.ok(run.invokes.some((call) => call.token === "engine:getRegion"));
});

test("outside the engine, the first use says how programs are run", () => {
  const saved = process.env.ENGINE_MONITOR_ADDRESS;
  delete process.env.ENGINE_MONITOR_ADDRESS;
  try {
    assert.throws(() => new engine.Config(), (error) => error instanceof engine.RunEnvironmentError && /run by the engine/.test(error.message));
  } finally {
    if (saved !== undefined) process.env.ENGINE_MONITOR_ADDRESS = saved;
  }
});

test("a CommonJS program ends by itself: registrations awaited, outputs sent, exit code 0", async () => {
  const dir = programDir({
    "index.js": `const engine = require("engine-sdk");
const b = new engine.CustomResource("AWS::S3::Bucket", "b", {});
engine.export("arn", b.getOutput("Arn").apply((a) => new Promise((r) => setTimeout(() => r(a + "!"), 50))));
`,
  });
  const run = await runChild(dir, "index.js");
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.recorded.registrations.length, 1);
  assert.deepEqual(run.recorded.resourceOutputs.at(-1).outputs, { arn: "arn:mock:AWS::S3::Bucket:b!" });
  assert.deepEqual(run.recorded.finishes, [{ error: "", urn: "" }]);
});

test("an ESM program's uncaught exception is reported with its stack and exits 1", async () => {
  const dir = programDir({
    "index.mjs": `import { CustomResource } from "engine-sdk";
new CustomResource("AWS::S3::Bucket", "b", {});
function explode() { throw new Error("boom"); }
explode();
`,
  });
  const run = await runChild(dir, "index.mjs");
  assert.equal(run.code, 1);
  assert.match(run.stderr, /Error: boom\n\s+at explode .*index\.mjs:3/);
  assert.match(run.recorded.finishes[0].error, /Error: boom/);
});

test("a failed resource is shown with where the program declared it", async () => {
  const dir = programDir({
    "index.js": `const engine = require("engine-sdk");
function declare() {
  return new engine.CustomResource("AWS::S3::Bucket", "bad", {});
}
declare();
`,
  });
  const run = await runChild(dir, "index.js", { failTypes: { "AWS::S3::Bucket": "BucketName: too short" } });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /error: AWS::S3::Bucket "bad": .*BucketName: too short\n  the resource was declared\n\s+at declare .*index\.js:3:10/);
  assert.equal(run.recorded.finishes[0].urn, "urn:engine:dev::proj::AWS::S3::Bucket::bad");
});

test("a TypeScript program runs through the tsx loader with its own line numbers", async () => {
  const dir = programDir({
    "index.ts": `import * as engine from "engine-sdk";
interface Args { name: string }
const args: Args = { name: "typed" };
const bucket = new engine.CustomResource("AWS::S3::Bucket", args.name, { BucketName: args.name });
engine.export("id", bucket.id);
`,
  });
  const run = await runChild(dir, "index.ts", { args: ["--import", `file://${TSX_LOADER}`] });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.recorded.registrations[0].sourcePosition, "index.ts:4");
  assert.deepEqual(run.recorded.resourceOutputs.at(-1).outputs, { id: "typed-id" });
});

test("an uncaught SDK error ends the program as the core's error itself, naming its resource", async () => {
  const dir = programDir({
    "index.js": `const engine = require("engine-sdk");
new engine.CustomResource("AWS::SQS::Queue", "jobs", {});
new engine.CustomResource("AWS::SQS::Queue", "jobs", {});
`,
  });
  const run = await runChild(dir, "index.js");
  assert.equal(run.code, 1);
  assert.match(run.stderr, /InvalidError: AWS::SQS::Queue "jobs": duplicate resource/);
  const [finish] = run.recorded.finishes;
  assert.equal(
    finish.error,
    'AWS::SQS::Queue "jobs": duplicate resource: URN urn:engine:dev::proj::AWS::SQS::Queue::jobs is already registered by this program; give one of them another name',
    "the message alone, as a Rust or Python program reports it",
  );
  assert.equal(finish.urn, "urn:engine:dev::proj::AWS::SQS::Queue::jobs");
});

test("a missing config value thrown from the program ends it with the core's message", async () => {
  const dir = programDir({
    "index.mjs": `import * as engine from "engine-sdk";
new engine.Config().require("databaseName");
`,
  });
  const run = await runChild(dir, "index.mjs");
  assert.equal(run.code, 1);
  assert.equal(
    run.recorded.finishes[0].error,
    "missing required configuration value 'proj:databaseName': set it with `engine config set databaseName <VALUE>`",
  );
});
