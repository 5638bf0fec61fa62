//! A Rust program using a component written in TypeScript (`tests/packages/greeter`), through
//! its generated binding. Config: `greeting` (default "hello"), `retention` (default 7).

use std::collections::BTreeMap;

use engine_sdk::prelude::*;

mod greeter {
    include!(concat!(env!("OUT_DIR"), "/greeter/mod.rs"));
}

#[engine_sdk::main]
async fn main(ctx: Context) -> Result<()> {
    let config = ctx.config();
    let mut args = greeter::GreeterArgs::new(config.get("greeting").unwrap_or_else(|| "hello".to_owned()));
    args.retention_days = Some(config.get_i64("retention")?.unwrap_or(7).into());
    args.tags = Some(BTreeMap::from([("team".to_owned(), "core".to_owned())]).into());
    let hi = greeter::Greeter::new(&ctx, "hi", args, ResourceOptions::default())?;
    ctx.export("message", hi.message());
    ctx.export("queueUrl", hi.queue_url());
    ctx.export("logGroupName", hi.log_group_name());
    Ok(())
}
