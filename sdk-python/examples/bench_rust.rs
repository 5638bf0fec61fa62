//! The Rust side of the Python SDK's benchmark: register N resources (default 10,000) against
//! the engine (or the mock engine) named by `ENGINE_MONITOR_ADDRESS` / `ENGINE_MONITOR_TOKEN`,
//! exactly as `sdk-python/tests/bench_register.py` does from Python, and print the seconds
//! from the first registration to the end of `finish` as `RUST_SECONDS=<s>`.
//!
//! `cargo run --release -p engine-sdk-python --example bench_rust -- [N]` (the benchmark script
//! starts it with the mock engine's environment).

use std::time::Instant;

use engine_sdk::prelude::*;
use engine_sdk::runtime::block_on;
use serde_json::json;

fn main() -> Result<()> {
    let count: usize = std::env::args().nth(1).and_then(|arg| arg.parse().ok()).unwrap_or(10_000);
    block_on(async move {
        let ctx = Context::from_env().await?;
        let started = Instant::now();
        for index in 0..count {
            ctx.register_resource(
                "AWS::SQS::Queue",
                &format!("queue-{index}"),
                json!({"QueueName": format!("queue-{index}"), "Tags": [{"Key": "index", "Value": index.to_string()}]}),
                ResourceOptions::new(),
            )?;
        }
        ctx.finish(Ok(())).await?;
        println!("RUST_SECONDS={:.4}", started.elapsed().as_secs_f64());
        Ok(())
    })
}
