// The stack's configuration (`Engine.<stack>.toml`, `[config]`), read once with its defaults.
// Every key and default is the same in the Rust and Python variants.

import * as engine from "engine-sdk";

/** The region of everything global-by-contract: CloudFront's viewer certificate, the cost and
 * usage report (its type exists only there), and the cost alerts that go with it. */
export const US_EAST_1 = "us-east-1";

export class Settings {
  private constructor(
    /** Prefix of every fixed physical name (`crm-<stack>` unless `namePrefix` is set). */
    readonly prefix: string,
    /** The stack's region: almost every resource lives there. */
    readonly primaryRegion: string,
    /** The disaster-recovery region: the read replica and the backup copy vault. */
    readonly drRegion: string,
    readonly accountId: string,
    readonly partition: string,
    /** The hosted zone; its apex is the application's host name. */
    readonly zoneName: string,
    readonly alertEmail: string,
    /** `owner/repository` of the pipeline's source. */
    readonly gitHubRepo: string,
    readonly gitHubBranch: string,
    readonly availabilityZones: string[],
    readonly vpcCidr: string,
    readonly publicSubnetCidrs: string[],
    readonly privateSubnetCidrs: string[],
    /** Retention of the application and function log groups. */
    readonly logRetentionDays: number,
    readonly flowLogsRetentionDays: number,
    readonly dbInstanceClass: string,
    readonly dbEngineVersion: string,
    readonly dbAllocatedStorage: number,
    readonly dbMultiAz: boolean,
    readonly dbBackupRetentionDays: number,
    readonly imageTag: string,
    readonly serverDesiredCount: number,
    readonly serverMaxCount: number,
    readonly workerDesiredCount: number,
    readonly workerMaxCount: number,
    readonly backupRetentionDays: number,
    readonly drBackupRetentionDays: number,
    readonly monthlyBudget: number,
    readonly budgetCurrency: string,
  ) {}

  /** Read the configuration (required keys fail with how to set them). */
  static async load(): Promise<Settings> {
    const config = new engine.Config();
    const region = await engine.getRegion();
    const identity = await engine.getCallerIdentity();
    const text = (key: string, fallback: string) => config.get(key) ?? fallback;
    const num = (key: string, fallback: number) => config.getNumber(key) ?? fallback;
    const list = (key: string, fallback: string[]) => config.getObject<string[]>(key) ?? fallback;
    return new Settings(
      config.get("namePrefix") ?? `crm-${engine.getStack()}`,
      region,
      text("drRegion", "ap-southeast-1"),
      identity.accountId,
      identity.arn.split(":")[1],
      config.require("zoneName"),
      config.require("alertEmail"),
      config.require("gitHubRepo"),
      text("gitHubBranch", "main"),
      list("availabilityZones", [`${region}a`, `${region}c`]),
      text("vpcCidr", "10.0.0.0/16"),
      list("publicSubnetCidrs", ["10.0.1.0/24", "10.0.2.0/24"]),
      list("privateSubnetCidrs", ["10.0.3.0/24", "10.0.4.0/24"]),
      num("logRetentionDays", 30),
      num("flowLogsRetentionDays", 14),
      text("dbInstanceClass", "db.t3.medium"),
      text("dbEngineVersion", "15.15"),
      num("dbAllocatedStorage", 20),
      config.getBoolean("dbMultiAz") ?? true,
      num("dbBackupRetentionDays", 7),
      text("imageTag", "latest"),
      num("serverDesiredCount", 2),
      num("serverMaxCount", 10),
      num("workerDesiredCount", 1),
      num("workerMaxCount", 10),
      num("backupRetentionDays", 35),
      num("drBackupRetentionDays", 90),
      num("monthlyBudget", 1_000_000),
      text("budgetCurrency", "JPY"),
    );
  }

  /** A fixed physical name: `<prefix>-<suffix>`. */
  name(suffix: string): string {
    return `${this.prefix}-${suffix}`;
  }

  /** An ARN of this account: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
  arn(service: string, region: string, resource: string): string {
    return `arn:${this.partition}:${service}:${region}:${this.accountId}:${resource}`;
  }

  /** The host name CloudFront reaches the load balancer by (the ALB certificate's name). */
  get originHost(): string {
    return `origin.${this.zoneName}`;
  }
}
