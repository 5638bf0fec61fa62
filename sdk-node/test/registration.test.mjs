// Registration through the core: inputs, URNs, options, components, dependencies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { engine, runProgram } from "./helpers.mjs";

test("a resource registers its inputs under the URN the core computes, with the program's source position", async () => {
  let urn;
  const run = await runProgram(() => {
    const bucket = new engine.CustomResource("AWS::S3::Bucket", "logs", { BucketName: "logs-1", Tags: [{ Key: "team", Value: "data" }], Skipped: undefined, Nothing: null });
    urn = bucket.urnStr;
  });
  assert.equal(run.error, null);
  assert.equal(urn, "urn:engine:dev::proj::AWS::S3::Bucket::logs");
  const registration = run.registration("logs");
  assert.equal(registration.type, "AWS::S3::Bucket");
  assert.equal(registration.custom, true);
  assert.deepEqual(registration.inputs, { BucketName: "logs-1", Tags: [{ Key: "team", Value: "data" }] });
  assert.match(registration.sourcePosition, /registration\.test\.mjs:9$/);
  assert.equal(run.handshakes[0].sdkName, "engine-sdk-node");
  assert.deepEqual(run.finishes, [{ error: "", urn: "" }]);
});

test("every resource option reaches the engine", async () => {
  const run = await runProgram(() => {
    const first = new engine.CustomResource("AWS::SNS::Topic", "first", {});
    new engine.CustomResource("AWS::SQS::Queue", "q", { VisibilityTimeout: 60 }, {
      dependsOn: first,
      protect: true,
      ignoreChanges: ["Tags"],
      replaceOnChanges: ["QueueName"],
      deleteBeforeReplace: true,
      retainOnDelete: true,
      import: "https://queue",
      customTimeouts: { create: "1h30m", update: 90, delete: "250ms" },
      region: "us-west-2",
      aliases: ["urn:engine:dev::proj::AWS::SQS::Queue::old", { name: "older", noParent: true }, { parent: first }],
      additionalSecretOutputs: ["Arn"],
    });
  });
  assert.equal(run.error, null);
  const q = run.registration("q");
  assert.deepEqual(q.dependencies, ["urn:engine:dev::proj::AWS::SNS::Topic::first"]);
  assert.deepEqual(q.options, {
    protect: true,
    ignoreChanges: ["Tags"],
    replaceOnChanges: ["QueueName"],
    deleteBeforeReplace: true,
    retainOnDelete: true,
    importId: "https://queue",
    customTimeouts: { create: 5400, update: 90, delete: 0.25 },
    region: "us-west-2",
    aliases: [
      { urn: "urn:engine:dev::proj::AWS::SQS::Queue::old" },
      { name: "older", type: "", stack: "", project: "", parent: { noParent: true } },
      { name: "", type: "", stack: "", project: "", parent: { urn: "urn:engine:dev::proj::AWS::SNS::Topic::first" } },
    ],
    additionalSecretOutputs: ["Arn"],
  });
});

test("a bad duration names the option", async () => {
  await runProgram(() => {
    assert.throws(
      () => new engine.CustomResource("AWS::SQS::Queue", "q", {}, { customTimeouts: { create: "five minutes" } }),
      (error) => error instanceof engine.InvalidError && /customTimeouts.create: "five minutes" is not a duration/.test(error.message),
    );
    assert.throws(
      () => new engine.CustomResource("AWS::SQS::Queue", "q2", {}, { customTimeouts: { delete: -1 } }),
      (error) => error instanceof engine.InvalidError && /customTimeouts.delete: -1 is not a duration/.test(error.message),
    );
  });
});

test("an alias naming both a former parent and no parent is refused", async () => {
  await runProgram(() => {
    const first = new engine.CustomResource("AWS::SNS::Topic", "first", {});
    assert.throws(
      () => new engine.CustomResource("AWS::SQS::Queue", "q", {}, { aliases: [{ parent: first, noParent: true }] }),
      (error) => error instanceof engine.InvalidError && /a former parent .* or no parent, not both/.test(error.message),
    );
  });
});

test("random arguments are renamed by the core, mistakes named with a suggestion", async () => {
  const run = await runProgram(() => {
    new engine.RandomString("suffix", { length: 6, minNumeric: 2, overrideSpecial: undefined });
    assert.throws(
      () => new engine.RandomPassword("typo", { lenght: 6 }),
      (error) => error instanceof engine.InvalidError && error.message === 'Engine::Random::Password "typo": unknown property lenght (did you mean length?)',
    );
  });
  assert.equal(run.error, null);
  assert.deepEqual(run.registration("suffix").inputs, { Length: 6, MinNumeric: 2 });
});

test("components parent their children, protect is inherited, dependsOn a component waits for its children", async () => {
  class Network extends engine.ComponentResource {
    constructor(name, opts) {
      super("platform:index:Network", name, {}, opts);
      this.vpc = new engine.CustomResource("AWS::EC2::VPC", `${name}-vpc`, { CidrBlock: "10.0.0.0/16" }, { parent: this });
      this.registerOutputs({ vpcId: this.vpc.id });
    }
  }
  const run = await runProgram(() => {
    const net = new Network("core", { protect: true });
    new engine.CustomResource("AWS::SNS::Topic", "after", {}, { dependsOn: [net] });
  });
  assert.equal(run.error, null);
  const vpc = run.registration("core-vpc");
  assert.equal(vpc.parent, "urn:engine:dev::proj::platform:index:Network::core");
  assert.equal(vpc.options.protect, true);
  assert.equal(run.registration("core").custom, false);
  assert.deepEqual(run.registration("after").dependencies.sort(), [
    "urn:engine:dev::proj::platform:index:Network$AWS::EC2::VPC::core-vpc",
    "urn:engine:dev::proj::platform:index:Network::core",
  ]);
  const outputs = run.resourceOutputs.find((entry) => entry.urn.endsWith("::core"));
  assert.deepEqual(outputs.outputs, { vpcId: "core-vpc-id" });
});

test("invalid names and duplicates throw at once, naming the resource", async () => {
  await runProgram(() => {
    assert.throws(() => new engine.CustomResource("AWS::S3::Bucket", "a::b", {}), (error) => {
      assert.ok(error instanceof engine.InvalidError);
      assert.equal(error.code, "invalid");
      assert.match(error.message, /AWS::S3::Bucket "a::b": invalid resource name/);
      assert.match(error.stack, /registration\.test\.mjs/);
      return true;
    });
    new engine.CustomResource("AWS::S3::Bucket", "twice", {});
    assert.throws(() => new engine.CustomResource("AWS::S3::Bucket", "twice", {}), /duplicate resource/);
    assert.throws(() => new engine.CustomResource("AWS::S3::Bucket", "fn", { F: () => 1 }), /property F: a function cannot be a property value/);
  });
});

test("an engine error fails the program with the resource's URN, and dependents are never sent", async () => {
  const run = await runProgram(() => {
    const bad = new engine.CustomResource("AWS::S3::Bucket", "bad", {});
    new engine.CustomResource("AWS::S3::BucketPolicy", "policy", { Bucket: bad.id });
    new engine.CustomResource("AWS::SNS::Topic", "independent", {});
  }, { failTypes: { "AWS::S3::Bucket": "BucketName: invalid" } });
  assert.equal(run.error.urn, "urn:engine:dev::proj::AWS::S3::Bucket::bad");
  assert.match(run.error.message, /AWS::S3::Bucket "bad": .*BucketName: invalid/);
  assert.equal(run.registration("policy"), undefined);
  assert.ok(run.registration("independent"));
  assert.equal(run.finishes[0].urn, "urn:engine:dev::proj::AWS::S3::Bucket::bad");
});

test("reads and remote components", async () => {
  const run = await runProgram(() => {
    const existing = engine.CustomResource.get("AWS::S3::Bucket", "existing", "bucket-123");
    new engine.RemoteComponentResource("platform:index:Db", "db", "platform@^0.1", { Size: 2 });
    engine.export("readArn", existing.getOutput("Arn"));
  });
  assert.equal(run.error, null);
  assert.equal(run.reads[0].id, "bucket-123");
  const db = run.registration("db");
  assert.equal(db.remote, true);
  assert.equal(db.package, "platform@^0.1");
  assert.deepEqual(db.inputs, { Size: 2 });
});
