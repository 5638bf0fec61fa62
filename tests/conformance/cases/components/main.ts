import * as engine from "engine-sdk";

class Subnet extends engine.ComponentResource {
  readonly logs: engine.CustomResource;

  constructor(name: string, opts?: engine.ComponentResourceOptions) {
    super("platform:index:Subnet", name, {}, opts);
    this.logs = new engine.CustomResource(
      "AWS::Logs::LogGroup",
      `${name}-logs`,
      { LogGroupName: `conformance-${name}` },
      { parent: this },
    );
    this.registerOutputs({ logs: this.logs.getOutput("Arn") });
  }
}

class Network extends engine.ComponentResource {
  readonly subnet: Subnet;
  readonly config: engine.CustomResource;

  constructor(name: string) {
    super("platform:index:Network", name);
    this.subnet = new Subnet(`${name}-a`, { parent: this });
    this.config = new engine.CustomResource(
      "AWS::SSM::Parameter",
      `${name}-config`,
      { Name: `/conformance/${name}`, Type: "String", Value: this.subnet.logs.id },
      { parent: this },
    );
    this.registerOutputs({ logGroup: this.subnet.logs.id, subnets: [`${name}-a`] });
  }
}

const network = new Network("core");
new engine.CustomResource("AWS::SQS::Queue", "consumer", { QueueName: "conformance-consumer" }, { dependsOn: [network] });
engine.export("logGroup", network.subnet.logs.id);
engine.export("configUrn", network.config.urn);
