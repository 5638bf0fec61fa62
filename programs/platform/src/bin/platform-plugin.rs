//! The platform package as a component plugin: the engine starts it when a Python or TypeScript
//! program uses one of its components, and asks it to construct them (`engine_sdk::provider`).
//! Each component is built by the same code Rust programs link, so URNs, children and state are
//! the same whichever language the program is written in.

use engine_sdk::provider::Provider;
use platform::{FargateService, Network, ServerlessFunction};

fn main() -> std::process::ExitCode {
    Provider::new(platform::PACKAGE, platform::VERSION)
        .component(Network::TYPE, |ctx, name, inputs, options| Network::new(ctx, name, inputs.deserialize()?, options))
        .component(ServerlessFunction::TYPE, |ctx, name, inputs, options| {
            ServerlessFunction::new(ctx, name, inputs.deserialize()?, options)
        })
        .component(FargateService::TYPE, |ctx, name, inputs, options| {
            FargateService::new(ctx, name, inputs.deserialize()?, options)
        })
        .serve()
}
