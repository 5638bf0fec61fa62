//! Journal throughput figures (run: `cargo test -p engine-state --test bench -- --ignored --nocapture`).

use std::sync::Arc;
use std::time::Instant;

use engine_config::Crypter;
use engine_proto::value::secret;
use engine_state::*;
use serde_json::json;

fn resource(i: usize) -> ResourceState {
    let name = format!("bucket-{i:05}");
    ResourceState {
        urn: format!("urn:engine:dev::bench::AWS::S3::Bucket::{name}"),
        type_name: "AWS::S3::Bucket".to_owned(),
        custom: true,
        id: name.clone(),
        region: "us-east-1".to_owned(),
        parent: "urn:engine:dev::bench::engine:index:Stack::bench-dev".to_owned(),
        inputs: json!({"BucketName": name, "Tags": [{"Key": "team", "Value": "core"}], "VersioningConfiguration": {"Status": "Enabled"}})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        outputs: json!({"BucketName": name, "Arn": format!("arn:aws:s3:::{name}"), "DomainName": format!("{name}.s3.amazonaws.com"), "Token": secret(json!("s3cr3t"))})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        ..ResourceState::default()
    }
}

fn open(dir: &std::path::Path) -> (StateStore, StateWriter) {
    let store = StateStore::new(Arc::new(FileBackend::new(dir)), "bench", "dev");
    let lock = store.lock(&LockOptions::default()).unwrap();
    let options = WriterOptions { compact_after_bytes: u64::MAX, ..WriterOptions::default() };
    let (writer, _) = store.open_writer(lock, Crypter::from_key([1; 32], "bench"), options).unwrap();
    (store, writer)
}

async fn create(writer: &StateWriter, i: usize) {
    let record = resource(i);
    let mut begin = BeginOperation::new(OpKind::Create, record.urn.clone(), "AWS::S3::Bucket");
    begin.desired = Some(ResourceState { id: String::new(), outputs: Default::default(), ..record.clone() });
    let begun = writer.begin(begin).await.unwrap();
    writer.done(begun.op, Some(record)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "slow: benchmark, prints figures"]
async fn journal_throughput() {
    const N: usize = 1000;
    // One step at a time: every record waits for its own fsync.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let (_, writer) = open(dir.path());
    let started = Instant::now();
    for i in 0..N {
        create(&writer, i).await;
    }
    let sequential = started.elapsed();
    let stats = writer.stats();
    println!(
        "sequential: {} records in {:.2?} = {:.0} records/s ({} writes+fsyncs, {:.1} KiB journal)",
        stats.records,
        sequential,
        stats.records as f64 / sequential.as_secs_f64(),
        stats.batches,
        stats.bytes as f64 / 1024.0
    );
    drop(writer);

    // 1,000 steps at once (begin + done each): group commit.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let (store, writer) = open(dir.path());
    let started = Instant::now();
    let tasks: Vec<_> = (0..N)
        .map(|i| {
            let writer = writer.clone();
            tokio::spawn(async move { create(&writer, i).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let concurrent = started.elapsed();
    let stats = writer.stats();
    println!(
        "concurrent ({N} tasks): {} records in {:.2?} = {:.0} records/s ({} writes+fsyncs, {:.1} records per fsync)",
        stats.records,
        concurrent,
        stats.records as f64 / concurrent.as_secs_f64(),
        stats.batches,
        stats.records as f64 / stats.batches as f64
    );
    let started = Instant::now();
    writer.compact().await.unwrap();
    println!("compaction of {N} resources: {:.2?}", started.elapsed());
    drop(writer);
    let started = Instant::now();
    let loaded = store.load(&Crypter::from_key([1; 32], "bench")).unwrap();
    println!("load of {} resources (decrypting one secret each): {:.2?}", loaded.state.resources.len(), started.elapsed());
    assert_eq!(loaded.state.resources.len(), N);
}
