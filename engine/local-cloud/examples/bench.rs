//! Benchmark: create+get round trips through aws-sdk-cloudcontrol on loopback with zero latency,
//! and the server's resident memory at N resources.
//!
//! ```text
//! cargo run --release -p engine-local-cloud --example bench -- [RESOURCES] [CONCURRENCY]
//! ```
//!
//! The server runs in a child process (this example re-executed with `serve`), so its resident
//! memory (`VmRSS`) is measured apart from the client's.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use aws_sdk_cloudcontrol::config::{BehaviorVersion, Credentials, Region};

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// CPU seconds (user + system) a process has used.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(") ").next().unwrap_or("").split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn serve(dir: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        let running = engine_local_cloud::LocalCloud::start(engine_local_cloud::Config::new(dir)).await.unwrap();
        println!("{}", running.endpoint());
        // Serve until the parent closes our stdin.
        tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        })
        .await
        .unwrap();
        running.shutdown().await.unwrap();
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("serve") {
        serve(&args[2]);
        return;
    }
    let total: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let concurrency: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(16);
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(&args[0])
        .args(["serve", dir.path().to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut endpoint = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut endpoint).unwrap();
    let endpoint = endpoint.trim().to_owned();
    let pid = child.id();
    let idle = rss_kib(pid);

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        let conf = aws_sdk_cloudcontrol::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("a", "b", None, None, "static"))
            .endpoint_url(&endpoint)
            .build();
        let client = aws_sdk_cloudcontrol::Client::from_conf(conf);
        let next = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let client = client.clone();
            let next = next.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        break;
                    }
                    let name = format!("bench-{i:06}");
                    let desired = format!(r#"{{"LogGroupName":"{name}","RetentionInDays":7,"Tags":[{{"Key":"n","Value":"{i}"}}]}}"#);
                    client.create_resource().type_name("AWS::Logs::LogGroup").desired_state(desired).send().await.unwrap();
                    let got = client.get_resource().type_name("AWS::Logs::LogGroup").identifier(&name).send().await.unwrap();
                    assert!(got.resource_description().is_some());
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let elapsed = start.elapsed().as_secs_f64();
        let listed = client.list_resources().type_name("AWS::Logs::LogGroup").into_paginator().items().send().collect::<Vec<_>>().await;
        assert_eq!(listed.len(), total);
        println!(
            "{total} create+get round trips with {concurrency} concurrent clients in {elapsed:.2} s: {:.0} create+get pairs/s = {:.0} operations/s",
            total as f64 / elapsed,
            2.0 * total as f64 / elapsed
        );
        println!(
            "CPU used: server {:.2} s, client (SDK) {:.2} s",
            cpu_seconds(&pid.to_string()),
            cpu_seconds("self")
        );
        println!("server resident memory: {:.1} MiB idle, {:.1} MiB at {total} resources", idle as f64 / 1024.0, rss_kib(pid) as f64 / 1024.0);
    });
    drop(child.stdin.take());
    let shutdown = Instant::now();
    child.wait().unwrap();
    println!("shutdown (snapshot of {total} resources) took {:.2} s", shutdown.elapsed().as_secs_f64());
}
