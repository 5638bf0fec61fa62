// Generated typed resources (`engine-sdk/aws/*`): the native layer renames arguments with the
// module's shape table, sends the type's metadata, and renames outputs back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { runProgram, SDK_DIR } from "./helpers.mjs";

const require = createRequire(import.meta.url);
const s3 = require(join(SDK_DIR, "dist", "aws", "s3.js"));

test("typed arguments are renamed to schema names, outputs back to camelCase, mistakes named", async () => {
  let tags;
  const run = await runProgram(() => {
    const bucket = new s3.Bucket("logs", { bucketName: "logs-1", tags: [{ key: "team", value: "data" }], versioningConfiguration: { status: "Enabled" }, objectLockEnabled: undefined });
    tags = bucket.tags;
    assert.throws(() => new s3.Bucket("typo", { bucketNam: "x" }), /AWS::S3::Bucket "typo": unknown property bucketNam \(did you mean bucketName\?\)/);
    assert.throws(() => new s3.Bucket("ro", { arn: "x" }), /property arn is read-only/);
    assert.throws(() => new s3.Bucket("deep", { tags: [{ key: "a", valu: "b" }] }), /unknown property tags\[0\]\.valu \(did you mean value\?\)/);
  });
  assert.equal(run.error, null);
  const registration = run.registration("logs");
  assert.deepEqual(registration.inputs, { BucketName: "logs-1", Tags: [{ Key: "team", Value: "data" }], VersioningConfiguration: { Status: "Enabled" } });
  assert.deepEqual(registration.typeMetadata.primaryIdentifier, ["/properties/BucketName"]);
  assert.deepEqual((await tags.resolve()).value, [{ key: "team", value: "data" }]);
});
