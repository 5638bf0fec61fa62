//! Figures, not timed assertions: `up` of 1,000 independent resources on a zero-latency local
//! cloud, then a no-op preview and a no-op `up` of the same stack.
//!
//! ```text
//! cargo test -p engine-tests --test bench -- --ignored --nocapture
//! BENCH_N=3000 cargo test -p engine-tests --test bench -- --ignored --nocapture
//! ```

use std::time::Instant;

use engine_tests::Project;
use serde_json::json;

#[test]
#[ignore = "slow: benchmark (prints figures)"]
fn up_and_no_op_preview_of_many_independent_resources() {
    let n: usize = std::env::var("BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let project = Project::new(&json!({ "generate": {"type": "AWS::SQS::Queue", "count": n, "prefix": "q"} }));

    let started = Instant::now();
    project.engine(&["up", "--yes", "--skip-preview"]).ok();
    let up = started.elapsed();
    assert_eq!(project.cloud_resources().len(), n);

    let started = Instant::now();
    let preview = project.engine(&["preview", "--expect-no-changes"]);
    let preview_time = started.elapsed();
    assert_eq!(preview.code, 0, "{}", preview.text());

    let started = Instant::now();
    project.engine(&["up", "--yes"]).ok();
    let noop_up = started.elapsed();

    let started = Instant::now();
    project.engine(&["destroy", "--yes"]).ok();
    let destroy = started.elapsed();
    assert!(project.cloud_resources().is_empty());

    println!("BENCH n={n}");
    println!("BENCH up (--skip-preview):        {:>8.2} s", up.as_secs_f64());
    println!("BENCH no-op preview:              {:>8.2} s", preview_time.as_secs_f64());
    println!("BENCH no-op up (preview + check): {:>8.2} s", noop_up.as_secs_f64());
    println!("BENCH destroy:                    {:>8.2} s", destroy.as_secs_f64());
}
