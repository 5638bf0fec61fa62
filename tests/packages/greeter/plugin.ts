// The package as a plugin: the engine runs this (EnginePackage.toml `main`) when a program in
// another language uses Greeter.

import { serveComponents } from "engine-sdk";
import { Greeter, type GreeterArgs } from "./index";

serveComponents({
  "greeter:index:Greeter": (name, args, opts) => new Greeter(name, args as GreeterArgs, opts),
});
