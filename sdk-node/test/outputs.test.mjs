// Outputs: apply, all, interpolate, secrets, unknowns in preview, dependencies, failures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { engine, runProgram } from "./helpers.mjs";

test("apply chains carry values, secrets and dependencies; Promises and outputs returned are flattened", async () => {
  let chained;
  const run = await runProgram(async () => {
    const bucket = new engine.CustomResource("AWS::S3::Bucket", "b", {});
    const password = new engine.RandomPassword("pw", { length: 16, special: false });
    chained = bucket.getOutput("Arn")
      .apply((arn) => arn.toUpperCase())
      .apply(async (arn) => ({ arn, pw: password.result }))
      .apply((both) => Promise.resolve(`${both.arn}/${both.pw.length}`));
    new engine.CustomResource("AWS::SNS::Topic", "t", { Name: chained, Plain: engine.interpolate`x-${bucket.id}-${3}-${null}` });
  });
  assert.equal(run.error, null);
  const resolved = await chained.resolve();
  assert.equal(resolved.value, "ARN:MOCK:AWS::S3::BUCKET:B/5");
  assert.equal(resolved.secret, true);
  assert.deepEqual(resolved.dependencies, ["urn:engine:dev::proj::AWS::S3::Bucket::b", "urn:engine:dev::proj::Engine::Random::Password::pw"]);
  const t = run.registration("t");
  assert.deepEqual(t.inputs, { Name: { __engine: "secret", value: "ARN:MOCK:AWS::S3::BUCKET:B/5" }, Plain: "x-b-id-3-" });
  assert.deepEqual(t.propertyDependencies.Plain, ["urn:engine:dev::proj::AWS::S3::Bucket::b"]);
  assert.deepEqual(run.registration("pw").inputs, { Length: 16, Special: false });
});

test("in a preview, unknown values skip callbacks and travel as unknown markers", async () => {
  let calls = 0;
  let derived;
  const run = await runProgram(() => {
    const bucket = new engine.CustomResource("AWS::S3::Bucket", "b", { BucketName: "known" });
    derived = bucket.getOutput("Arn").apply((arn) => {
      calls += 1;
      return arn;
    });
    new engine.CustomResource("AWS::SNS::Topic", "t", { Name: derived, Known: bucket.getOutput("BucketName") });
  }, { dryRun: true });
  assert.equal(run.error, null);
  assert.equal(calls, 0);
  assert.deepEqual(run.registration("t").inputs, { Name: { __engine: "unknown" }, Known: "known" });
  assert.equal((await derived.resolve()).known, false);
});

test("Output.all of arrays and objects, concat, secret and unsecret", async () => {
  let all;
  let named;
  let joined;
  await runProgram(() => {
    const a = new engine.CustomResource("AWS::SNS::Topic", "a", {});
    all = engine.Output.all([a.id, 2, Promise.resolve("three")]);
    named = engine.all({ id: a.id, secret: engine.secret("s") });
    joined = engine.concat("id=", a.id, "; n=", 1);
  });
  assert.deepEqual((await all.resolve()).value, ["a-id", 2, "three"]);
  const namedResolution = await named.resolve();
  assert.deepEqual(namedResolution.value, { id: "a-id", secret: "s" });
  assert.equal(namedResolution.secret, true);
  assert.equal((await named.unsecret().resolve()).secret, false);
  assert.equal((await joined.resolve()).value, "id=a-id; n=1");
});

test("a throwing callback fails the program with its stack trace; a rejected Promise too", async () => {
  const run = await runProgram(() => {
    const bucket = new engine.CustomResource("AWS::S3::Bucket", "b", {});
    bucket.getOutput("Arn").apply(function failingCallback() {
      throw new TypeError("no such thing");
    });
  });
  assert.match(run.error.message, /TypeError: no such thing\n\s+at failingCallback .*outputs\.test\.mjs/);
  assert.equal(run.error.kind, "callback");
  const rejected = await runProgram(() => {
    new engine.CustomResource("AWS::S3::Bucket", "b", { Name: Promise.reject(new Error("nope")) });
  });
  assert.match(rejected.error.message, /AWS::S3::Bucket "b": property Name: a Promise was rejected: Error: nope/);
});

test("outputs are not strings", async () => {
  await runProgram(() => {
    const bucket = new engine.CustomResource("AWS::S3::Bucket", "b", {});
    assert.match(`${bucket.id}`, /cannot be turned into a string: use output\.apply/);
    assert.match(JSON.stringify({ id: bucket.id }), /interpolate/);
  });
});

test("resources inside properties become references; assets become markers with hashes", async () => {
  const run = await runProgram(() => {
    const bucket = new engine.CustomResource("AWS::S3::Bucket", "b", {});
    new engine.CustomResource("AWS::Lambda::Function", "f", {
      Ref: bucket,
      Code: new engine.FileArchive("test"),
      File: new engine.FileAsset("package.json"),
    });
  });
  assert.equal(run.error, null);
  const inputs = run.registration("f").inputs;
  assert.deepEqual(inputs.Ref, { __engine: "resource", urn: "urn:engine:dev::proj::AWS::S3::Bucket::b", id: "b-id" });
  assert.equal(inputs.Code.__engine, "asset");
  assert.equal(inputs.Code.kind, "archive");
  assert.ok(inputs.Code.path.startsWith("/") && inputs.Code.path.endsWith("/test"));
  assert.match(inputs.Code.hash, /^sha256:[0-9a-f]{64}$/);
  assert.equal(inputs.File.kind, "file");
  const missing = await runProgram(() => {
    new engine.CustomResource("AWS::Lambda::Function", "g", { Code: new engine.FileArchive("no-such-folder") });
  });
  assert.match(missing.error.message, /AWS::Lambda::Function "g": property Code: archive .*no-such-folder/);
});

test("outputs are indexed by key or position, as in every language", async () => {
  let first;
  let missing;
  const run = await runProgram(() => {
    const queue = new engine.CustomResource("AWS::SQS::Queue", "q", { Tags: [{ Key: "a", Value: "b" }] });
    first = queue.getOutput("Tags").get(0).get("Value");
    missing = queue.getOutput("Tags").get(5);
    assert.throws(() => queue.getOutput("Tags").get(-1), TypeError);
  });
  assert.equal(run.error, null);
  assert.deepEqual(await first.resolve(), { known: true, value: "b", secret: false, dependencies: ["urn:engine:dev::proj::AWS::SQS::Queue::q"] });
  assert.equal((await missing.resolve()).value, null);
});
