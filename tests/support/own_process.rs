//! Running one test in a process of its own. Every cross-crate test shares one test binary, so
//! one process: a test that must change process-wide state (environment variables) runs in a
//! second run of the same binary that holds that test only. A test that must kill a process
//! (one that dies part-way through a request) starts that second run itself and kills it.

use std::process::Command;

/// Set in the child process, to the name of the test it runs.
const CHILD: &str = "TESTS_IN_OWN_PROCESS";

/// `module::name` as the test harness names it: `module_path!()` starts with the binary's crate
/// name, which test names leave out.
fn test_name(module: &str, name: &str) -> String {
    let module = module.split_once("::").map_or("", |(_, rest)| rest);
    format!("{module}::{name}")
}

/// `true` in the process that [`own_process_command`] (or [`in_own_process`]) started for the
/// test `module::name`.
pub fn is_own_process(module: &str, name: &str) -> bool {
    std::env::var_os(CHILD).is_some_and(|v| v == test_name(module, name).as_str())
}

/// The command that runs the test binary again with only `module::name`, in which
/// [`is_own_process`] is `true`. The caller adds to its environment, starts it, and waits for it
/// or kills it.
pub fn own_process_command(module: &str, name: &str) -> Command {
    let test = test_name(module, name);
    let binary = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new(binary);
    command
        .args([test.as_str(), "--exact", "--test-threads=1", "--nocapture"])
        .env(CHILD, &test);
    command
}

/// `true` in the process where the test `module::name` runs on its own: the caller then runs
/// its body. Elsewhere it runs the test binary again with only that test, waits, fails if the
/// test failed or did not run, and returns `false`.
pub fn in_own_process(module: &str, name: &str) -> bool {
    if is_own_process(module, name) {
        return true;
    }
    let test = test_name(module, name);
    let run = own_process_command(module, name)
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
