// Configuration of the stack (`engine config set ...`): every getter is the core's (parsing,
// typed conversions, secrets, the messages for missing values).

import { call, type BindingConfig } from "./native";
import { Output } from "./output";
import { context } from "./state";

/**
 * The configuration of a namespace: the project's by default. Bare keys are read in the
 * namespace (`logRetentionDays` is `<project>:logRetentionDays`), keys with `:` as they are.
 */
export class Config {
  #native: BindingConfig;

  constructor(namespace?: string) {
    this.#native = context().config(namespace);
  }

  /** The namespace bare keys are read in. */
  get name(): string {
    return this.#native.namespace;
  }

  /** The full key (`namespace:key`) a key is read at. */
  fullKey(key: string): string {
    return this.#native.fullKey(key);
  }

  /** Whether the value was set with `--secret`. */
  isSecret(key: string): boolean {
    return this.#native.isSecret(key);
  }

  /** The value as text (JSON values in their JSON form), or undefined. */
  get(key: string): string | undefined {
    return this.#native.get(key) ?? undefined;
  }

  /** The value as text; a missing value throws `ConfigError` saying how to set it. */
  require(key: string): string {
    return call(() => this.#native.require(key));
  }

  /** The value as a number, or undefined; a value of another type throws `ConfigError`. */
  getNumber(key: string): number | undefined {
    return call(() => this.#native.getNumber(key)) ?? undefined;
  }

  requireNumber(key: string): number {
    return call(() => this.#native.requireNumber(key));
  }

  /** The value as a boolean, or undefined. */
  getBoolean(key: string): boolean | undefined {
    return call(() => this.#native.getBoolean(key)) ?? undefined;
  }

  requireBoolean(key: string): boolean {
    return call(() => this.#native.requireBoolean(key));
  }

  /** A structured value (JSON, or its text form), or undefined. */
  getObject<T = any>(key: string): T | undefined {
    return (call(() => this.#native.getObject(key)) ?? undefined) as T | undefined;
  }

  requireObject<T = any>(key: string): T {
    return call(() => this.#native.requireObject(key)) as T;
  }

  /** The value as a secret output, or undefined. */
  getSecret(key: string): Output<string> | undefined {
    const secret = this.#native.getSecret(key);
    return secret ? new Output(secret) : undefined;
  }

  /** The value as a secret output; a missing value throws `ConfigError`. */
  requireSecret(key: string): Output<string> {
    return new Output(call(() => this.#native.requireSecret(key)));
  }

  /** A structured value as a secret output. */
  requireSecretObject<T = any>(key: string): Output<T> {
    return new Output(call(() => this.#native.requireSecretObject(key)));
  }
}
