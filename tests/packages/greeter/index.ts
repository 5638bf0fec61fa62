// The Greeter component, written once in TypeScript. TypeScript programs import it directly;
// programs in other languages use the binding `engine package add` generates, and the engine runs
// `plugin.ts` to build it for them.

import * as engine from "engine-sdk";

export interface GreeterArgs {
  /** What to say. */
  greeting: engine.Input<string>;
  /** Days the log group keeps events (default 7). */
  retentionDays?: engine.Input<number>;
  /** More tags for the queue. */
  tags?: engine.Input<Record<string, string>>;
}

export class Greeter extends engine.ComponentResource {
  readonly message: engine.Output<string>;
  readonly queueUrl: engine.Output<string>;
  readonly logGroupName: engine.Output<string>;

  constructor(name: string, args: GreeterArgs, opts?: engine.ComponentResourceOptions) {
    super("greeter:index:Greeter", name, {}, opts);
    const logs = new engine.CustomResource(
      "AWS::Logs::LogGroup",
      `${name}-logs`,
      { RetentionInDays: args.retentionDays ?? 7 },
      { parent: this },
    );
    const tags = engine
      .all([engine.output(args.greeting), engine.output(args.tags ?? {})])
      .apply(([greeting, more]) =>
        [["greeting", greeting], ...Object.entries(more as Record<string, string>)].map(([Key, Value]) => ({ Key, Value })),
      );
    const queue = new engine.CustomResource("AWS::SQS::Queue", `${name}-queue`, { Tags: tags }, { parent: this });
    this.message = engine.interpolate`${args.greeting}, ${name}!`;
    this.queueUrl = queue.getOutput("QueueUrl");
    this.logGroupName = logs.getOutput("LogGroupName");
    this.registerOutputs({ message: this.message, queueUrl: this.queueUrl, logGroupName: this.logGroupName });
  }
}
