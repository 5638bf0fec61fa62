//! Two processes on one stack, and kill -9 in the middle of writes. The child side runs in this
//! same test binary (`child_main`, started with ENGINE_STATE_CHILD set).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::Duration;

use engine_config::Crypter;
use engine_state::*;

const CHILD_ENV: &str = "ENGINE_STATE_CHILD";
const DIR_ENV: &str = "ENGINE_STATE_CHILD_DIR";

fn crypter() -> Crypter {
    Crypter::from_key([3; 32], "test key")
}

fn store(dir: &Path) -> StateStore {
    StateStore::new(Arc::new(FileBackend::new(dir)), "proj", "dev")
}

fn resource(i: u64) -> ResourceState {
    ResourceState {
        urn: format!("urn:engine:dev::proj::AWS::SQS::Queue::q{i}"),
        type_name: "AWS::SQS::Queue".to_owned(),
        custom: true,
        id: format!("q-{i}"),
        ..ResourceState::default()
    }
}

/// The child process: `hold` takes the lock and waits; `write` creates resources until killed.
#[test]
#[ignore = "helper: run as a child process by the other tests of this file"]
fn child_main() {
    let (Ok(mode), Ok(dir)) = (std::env::var(CHILD_ENV), std::env::var(DIR_ENV)) else { return };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = store(Path::new(&dir));
        let options = LockOptions {
            command: format!("child {mode}"),
            heartbeat_interval: Duration::from_millis(100),
            ..LockOptions::default()
        };
        let lock = store.lock(&options).unwrap();
        let (writer, _) = store.open_writer(lock, crypter(), WriterOptions::default()).unwrap();
        let mut out = std::io::stdout();
        match mode.as_str() {
            "hold" => {
                writeln!(out, "LOCKED").unwrap();
                out.flush().unwrap();
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).unwrap();
                let result = match writer.put(resource(0)).await {
                    Ok(()) => "Ok".to_owned(),
                    Err(StateError::LockLost { .. }) => "LockLost".to_owned(),
                    Err(other) => format!("{other}"),
                };
                writeln!(out, "RESULT {result}").unwrap();
            }
            "write" => {
                for i in 0.. {
                    let mut begin = BeginOperation::new(OpKind::Create, resource(i).urn, "AWS::SQS::Queue");
                    begin.desired = Some(resource(i));
                    let begun = writer.begin(begin).await.unwrap();
                    writer.done(begun.op, None).await.unwrap();
                    writeln!(out, "DURABLE {i}").unwrap();
                    out.flush().unwrap();
                }
            }
            other => panic!("unknown child mode {other}"),
        }
    });
}

fn spawn_child(mode: &str, dir: &Path) -> (Child, Receiver<String>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_main", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, mode)
        .env(DIR_ENV, dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn wait_for(rx: &Receiver<String>, prefix: &str) -> String {
    loop {
        let line = rx.recv_timeout(Duration::from_secs(60)).expect("child output");
        // The test harness may print `test child_main ... ` before the child's first line.
        if let Some(at) = line.find(prefix) {
            return line[at..].to_owned();
        }
    }
}

#[test]
fn a_second_process_is_refused_and_cancel_stops_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, lines) = spawn_child("hold", dir.path());
    wait_for(&lines, "LOCKED");
    let store = store(dir.path());
    let error = store.lock(&LockOptions::default()).unwrap_err();
    let message = error.to_string();
    let StateError::Locked { holder, .. } = &error else { panic!("{message}") };
    assert_eq!(holder.pid, child.id());
    assert_eq!(holder.command, "child hold");
    assert!(message.contains(&format!("pid {} on host {}", child.id(), holder.host)), "{message}");
    assert!(message.contains("since ") && message.contains("engine cancel --stack dev"), "{message}");

    // engine cancel
    let broken = store.break_lock().unwrap().unwrap();
    assert_eq!(broken.pid, child.id());
    let mine = store.lock(&LockOptions::default()).unwrap();
    std::thread::sleep(Duration::from_millis(400)); // a few of the child's heartbeats
    child.stdin.as_mut().unwrap().write_all(b"go\n").unwrap();
    assert_eq!(wait_for(&lines, "RESULT"), "RESULT LockLost");
    assert!(child.wait().unwrap().success());
    assert_eq!(store.lock_holder().unwrap().unwrap().id, mine.info().id);
    mine.release().unwrap();
}

#[test]
fn kill_9_during_writes_keeps_every_durable_record() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, lines) = spawn_child("write", dir.path());
    let mut reported: Option<u64> = None;
    while reported.is_none_or(|n| n < 40) {
        let line = wait_for(&lines, "DURABLE ");
        reported = line["DURABLE ".len()..].parse().ok();
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // Lines the child printed before dying are durable too.
    while let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
        if let Some(n) = line.rsplit("DURABLE ").next().filter(|_| line.contains("DURABLE ")).and_then(|n| n.parse().ok()) {
            reported = Some(n);
        }
    }
    let reported = reported.unwrap();

    let store = store(dir.path());
    let loaded = store.load(&crypter()).unwrap();
    for i in 0..=reported {
        assert!(loaded.state.get(&resource(i).urn).is_some(), "q{i} was reported durable but is missing");
    }
    // At most the one operation in progress is beyond what was reported.
    let total = loaded.state.resources.len() as u64 + loaded.in_flight.len() as u64;
    assert!(total <= reported + 2, "{total} records for {reported} reported");
    assert!(loaded.in_flight.len() <= 1);

    // The killed process's lock is stale (its pid is gone) and is taken over.
    let lock = store.lock(&LockOptions::default()).unwrap();
    let (_, reason) = lock.replaced_stale().expect("the child's lock was left behind");
    assert!(reason.contains("is gone"), "{reason}");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (writer, loaded) = store.open_writer(lock, crypter(), WriterOptions::default()).unwrap();
        for pending in &loaded.in_flight {
            writer.abandon(pending.op, "test: forget").await.unwrap();
        }
        writer.close().await.unwrap();
    });
    let after = store.load(&crypter()).unwrap();
    assert!(after.in_flight.is_empty());
    assert!(after.state.resources.len() as u64 > reported);
}
