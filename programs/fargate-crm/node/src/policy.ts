// IAM policy documents whose resources may be outputs of other resources.
//
// One action or resource is written as a string, several as a list (as the inventory writes
// them); the Rust and Python variants follow the same rule so the three produce the same
// documents.

import * as engine from "engine-sdk";

export interface StatementOptions {
  sid?: string;
  /** For resource policies: the AWS service allowed (`events.amazonaws.com`). */
  service?: string;
  /** For resource policies: an AWS principal (an account root ARN). */
  awsPrincipal?: string;
  /** Only when the request comes from this account (`aws:SourceAccount`). */
  sourceAccount?: string;
}

export type Statement = Record<string, unknown>;

/** One `Allow` statement. */
export function allow(
  actions: string[],
  resources: engine.Input<string>[],
  options: StatementOptions = {},
): Statement {
  const statement: Statement = {};
  if (options.sid !== undefined) statement.Sid = options.sid;
  statement.Effect = "Allow";
  if (options.service !== undefined) statement.Principal = { Service: options.service };
  if (options.awsPrincipal !== undefined) statement.Principal = { AWS: options.awsPrincipal };
  statement.Action = actions.length === 1 ? actions[0] : actions;
  statement.Resource = resources.length === 1 ? resources[0] : resources;
  if (options.sourceAccount !== undefined) {
    statement.Condition = { StringEquals: { "aws:SourceAccount": options.sourceAccount } };
  }
  return statement;
}

/** A policy document (version 2012-10-17) of `statements`. */
export function document(...statements: Statement[]) {
  return { Version: "2012-10-17", Statement: statements };
}

/** The trust policy of a role that `service` assumes. */
export function trust(service: string) {
  return document({ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" });
}

/** A role's one inline policy. */
export function inline(name: string, ...statements: Statement[]) {
  return [{ policyName: name, policyDocument: document(...statements) }];
}

/** `arn` + `suffix` (objects of a bucket: `/*`). */
export function suffixed(arn: engine.Output<string>, suffix: string): engine.Output<string> {
  return arn.apply((value) => `${value}${suffix}`);
}
