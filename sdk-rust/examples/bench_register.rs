//! Benchmark: register N resources (default 10,000) against the mock monitor in this process.
//!
//! `cargo run --release -p engine-sdk --features testing --example bench_register [N]`
//!
//! Prints the wall time of a burst (every registration issued at once, then the program's end
//! waits for all) and of sequential registrations (each awaited before the next), so the
//! Python and Node bindings' benchmarks can be compared with the Rust core in the same run.

use std::time::Instant;

use engine_sdk::prelude::*;
use engine_sdk::runtime::block_on;
use engine_sdk::testing::{MockMonitor, MockOptions};
use serde_json::json;

fn main() -> Result<()> {
    let count: usize = std::env::args().nth(1).and_then(|arg| arg.parse().ok()).unwrap_or(10_000);
    for round in 1..=3 {
        let burst = block_on(burst(count))?;
        let sequential = block_on(sequential(count.min(2_000)))?;
        let baseline = block_on(raw_calls(count.min(2_000)))?;
        println!(
            "round {round}: burst {count} registrations in {:.3} s ({:.0}/s); sequential {} in {:.3} s ({:.0} µs each; \
             a bare RPC round trip: {:.0} µs)",
            burst,
            count as f64 / burst,
            count.min(2_000),
            sequential,
            sequential * 1e6 / count.min(2_000) as f64,
            baseline * 1e6 / count.min(2_000) as f64,
        );
    }
    Ok(())
}

async fn burst(count: usize) -> Result<f64> {
    let mock = MockMonitor::start(MockOptions::default()).await?;
    let ctx = mock.connect().await?;
    let started = Instant::now();
    for index in 0..count {
        ctx.register_resource(
            "AWS::SNS::Topic",
            &format!("topic-{index}"),
            json!({"TopicName": format!("topic-{index}"), "Tags": [{"Key": "index", "Value": index.to_string()}]}),
            ResourceOptions::new(),
        )?;
    }
    ctx.finish(Ok(())).await?;
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(mock.recorded().registrations.len(), count);
    Ok(elapsed)
}

async fn sequential(count: usize) -> Result<f64> {
    let mock = MockMonitor::start(MockOptions::default()).await?;
    let ctx = mock.connect().await?;
    let started = Instant::now();
    for index in 0..count {
        let topic = ctx.register_resource(
            "AWS::SNS::Topic",
            &format!("topic-{index}"),
            json!({"TopicName": format!("topic-{index}")}),
            ResourceOptions::new(),
        )?;
        topic.wait().await?;
    }
    ctx.finish(Ok(())).await?;
    Ok(started.elapsed().as_secs_f64())
}

/// The same number of bare calls (`Invoke engine:getRegion`), awaited one by one: the cost of a
/// gRPC round trip to the mock, without registration.
async fn raw_calls(count: usize) -> Result<f64> {
    let mock = MockMonitor::start(MockOptions::default()).await?;
    let ctx = mock.connect().await?;
    let started = Instant::now();
    for _ in 0..count {
        ctx.get_region().await?;
    }
    Ok(started.elapsed().as_secs_f64())
}
