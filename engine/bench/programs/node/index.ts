// The benchmark's synthetic program (TypeScript): the same queues as `programs/rust/main.rs`.
//
// `count` SQS queues, as independent fan-out (`shape = "fanout"`) or one deep chain
// (`shape = "chain"`: each queue's `Tags` carry the previous queue's `Arn`); `revision` changes
// one tag of every tenth queue. Prints `BENCH_REGISTER_SECONDS=<s>`: from the first
// registration to the end of `finishProgram` (every registration answered by the engine).

import * as engine from "engine-sdk";

async function main(): Promise<void> {
  const config = new engine.Config();
  const count = config.getNumber("count") ?? 1000;
  const chain = config.get("shape") === "chain";
  const revision = config.getNumber("revision") ?? 0;
  const started = performance.now();
  let previous: engine.Output<string> | undefined;
  for (let index = 0; index < count; index++) {
    const changed = index % 10 === 0 ? revision : 0;
    const tags: Array<{ Key: string; Value: engine.Input<string> }> = [
      { Key: "index", Value: String(index) },
      { Key: "revision", Value: String(changed) },
    ];
    if (previous !== undefined) tags.push({ Key: "previous", Value: previous });
    const queue = new engine.CustomResource("AWS::SQS::Queue", `q${index}`, { Tags: tags });
    previous = chain ? queue.getOutput<string>("Arn") : undefined;
  }
  const error = await engine.finishProgram();
  console.log(`BENCH_REGISTER_SECONDS=${((performance.now() - started) / 1000).toFixed(4)}`);
  if (error) process.exitCode = 1;
}

void main();
