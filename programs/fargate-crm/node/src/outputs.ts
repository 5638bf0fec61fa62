import * as engine from "engine-sdk";

/** A property the cloud always returns (such as a queue's name), required here. */
export function present(output: engine.Output<string | undefined>, what: string): engine.Output<string> {
  return output.apply((value) => {
    if (value === undefined || value === null) throw new Error(`${what} is missing`);
    return value;
  });
}
