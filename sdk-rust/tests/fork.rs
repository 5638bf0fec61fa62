//! Fork safety (toolchain notes, P8): Python programs fork (multiprocessing). After `fork()`,
//! the parent's runtime threads do not exist in the child: the SDK must build a new runtime
//! there, and a context made before the fork must refuse to work instead of hanging.

#![expect(unsafe_code, reason = "fork(), waitpid() and _exit() for the fork-safety test")]

use engine_sdk::prelude::*;
use engine_sdk::runtime::block_on;
use engine_sdk::testing::{MockMonitor, MockOptions};
use serde_json::json;

/// Runs in the forked child; returns the exit code (0: everything behaved).
fn child(parent_ctx: &Context, mock: &MockMonitor) -> i32 {
    // A context from before the fork refuses, with a clear error.
    match parent_ctx.register_resource("AWS::SNS::Topic", "from-child", json!({}), ResourceOptions::new()) {
        Err(error) if error.kind() == "forked" && error.to_string().contains("create a new one in the child") => {}
        _ => return 2,
    }
    // The SDK runtime works again in the child...
    if block_on(async { tokio::time::sleep(std::time::Duration::from_millis(5)).await; 7 }) != 7 {
        return 3;
    }
    // ...and a new context registers through it.
    let Ok(ctx) = block_on(mock.connect()) else { return 4 };
    let Ok(topic) = ctx.register_resource("AWS::SNS::Topic", "child-topic", json!({}), ResourceOptions::new()) else {
        return 5;
    };
    if block_on(topic.wait()).is_err() || block_on(ctx.finish(Ok(()))).is_err() {
        return 6;
    }
    0
}

#[test]
fn a_forked_child_gets_a_fresh_runtime_and_refuses_the_parents_context() {
    let mock = block_on(MockMonitor::start(MockOptions::default())).unwrap();
    let ctx = block_on(mock.connect()).unwrap();
    let before = ctx.register_resource("AWS::SNS::Topic", "parent-topic", json!({}), ResourceOptions::new()).unwrap();
    block_on(before.wait()).unwrap();

    // SAFETY: the child only runs Rust code that builds its own threads, then _exit()s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        // SAFETY: a hung child is killed by SIGALRM instead of hanging the test.
        unsafe { libc::alarm(20) };
        let code = child(&ctx, &mock);
        // SAFETY: leave the child without running the parent's destructors or test harness.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    let waited = unsafe { libc::waitpid(pid, &raw mut status, 0) };
    assert_eq!(waited, pid);
    assert!(libc::WIFEXITED(status), "the child was killed (hung?): status {status}");
    assert_eq!(libc::WEXITSTATUS(status), 0, "the child failed at step {}", libc::WEXITSTATUS(status));

    // The parent is unaffected.
    let after = ctx.register_resource("AWS::SNS::Topic", "parent-after", json!({}), ResourceOptions::new()).unwrap();
    block_on(after.wait()).unwrap();
    block_on(ctx.finish(Ok(()))).unwrap();
    assert!(mock.recorded().registration("child-topic").is_some());
}
