//! The benchmark's synthetic program (Rust): `count` SQS queues, as independent fan-out
//! (`shape = "fanout"`) or as one deep chain (`shape = "chain"`: each queue's `Tags` carry the
//! previous queue's `Arn`, so it depends on it). `revision` changes one tag of every tenth
//! queue (an in-place update of 10% of the resources).
//!
//! The Python (`programs/python/__main__.py`) and TypeScript (`programs/node/index.ts`)
//! programs declare exactly the same resources. Each prints
//! `BENCH_REGISTER_SECONDS=<s>`: the time from its first registration to the end of `finish`
//! (every registration answered by the engine).

use std::time::Instant;

use engine_sdk::prelude::*;
use engine_sdk::runtime::block_on;
use engine_sdk::{DynInput, Output};
use serde_json::{Value, json};

fn main() -> Result<()> {
    block_on(async move {
        let ctx = Context::from_env().await?;
        let config = ctx.config();
        let count = config.get_i64("count")?.unwrap_or(1000).max(0);
        let chain = config.get("shape").as_deref() == Some("chain");
        let revision = config.get_i64("revision")?.unwrap_or(0);
        let started = Instant::now();
        let mut previous: Option<Output<Value>> = None;
        for index in 0..count {
            let changed = if index % 10 == 0 { revision } else { 0 };
            let mut tags = vec![
                DynInput::from(json!({"Key": "index", "Value": index.to_string()})),
                DynInput::from(json!({"Key": "revision", "Value": changed.to_string()})),
            ];
            if let Some(arn) = previous.take() {
                tags.push(DynInput::from_iter([
                    ("Key".to_owned(), DynInput::from(json!("previous"))),
                    ("Value".to_owned(), DynInput::Output(arn)),
                ]));
            }
            let props = DynInput::from_iter([("Tags".to_owned(), DynInput::from_iter(tags))]);
            let queue =
                ctx.register_resource("AWS::SQS::Queue", &format!("q{index}"), props, ResourceOptions::new())?;
            if chain {
                previous = Some(queue.output_value("Arn"));
            }
        }
        ctx.finish(Ok(())).await?;
        println!("BENCH_REGISTER_SECONDS={:.4}", started.elapsed().as_secs_f64());
        Ok(())
    })
}
