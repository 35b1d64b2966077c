//! Running one test in a process of its own. Every cross-crate test shares one test binary, so
//! one process: a test that must change process-wide state (environment variables) runs in a
//! second run of the same binary that holds that test only.

use std::process::Command;

/// Set in the child process, to the name of the test it runs.
const CHILD: &str = "TESTS_IN_OWN_PROCESS";

/// `true` in the process where the test `module::name` runs on its own: the caller then runs
/// its body. Elsewhere it runs the test binary again with only that test, waits, fails if the
/// test failed or did not run, and returns `false`.
pub fn in_own_process(module: &str, name: &str) -> bool {
    // `module_path!()` starts with the binary's crate name, which test names leave out.
    let module = module.split_once("::").map_or("", |(_, rest)| rest);
    let test = format!("{module}::{name}");
    if std::env::var_os(CHILD).is_some_and(|v| v == test.as_str()) {
        return true;
    }
    let binary = std::env::current_exe().expect("the test binary's path");
    let run = Command::new(binary)
        .args([test.as_str(), "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, &test)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {test} in a process of its own: {e}"));
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{test}, in a process of its own, did not pass ({}):\n{stdout}\n{stderr}",
        run.status
    );
    false
}
