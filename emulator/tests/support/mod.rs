//! What the emulator's peer tests share: whether a peer (Python module, command) is there, and
//! the rule that a missing peer fails under CI (`CI=true`) and is a printed skip elsewhere.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// Whether the tests run under CI, where a missing peer is a failure.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// A peer is missing: under CI this panics (CI installs every peer, see `.ci/run`); otherwise it
/// prints `skipped: <reason>` and returns `false`, so that the test returns early.
pub fn missing(test: &str, reason: &str) -> bool {
    if under_ci() {
        panic!("{test}: {reason} (CI=true: every peer must be installed; see .ci/run)");
    }
    println!("skipped: {test}: {reason}");
    false
}

/// The Python interpreter: `$PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Whether Python imports every module (else as [`missing`] says).
pub fn python_ready(test: &str, modules: &[&str]) -> bool {
    let code = modules
        .iter()
        .map(|m| format!("import {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    match Command::new(python()).args(["-c", &code]).output() {
        Ok(out) if out.status.success() => true,
        Ok(_) => missing(
            test,
            &format!("python cannot import {}", modules.join(", ")),
        ),
        Err(e) => missing(test, &format!("no python: {e}")),
    }
}

/// `scripts/interop/<name>` at the repository's root (the peer tests' scripts).
pub fn interop_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("scripts")
        .join("interop")
        .join(name)
}

/// `emulator/tests/python/<name>`.
pub fn python_script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("python")
        .join(name)
}

/// Runs a Python script with `args` off the async workers, bounded by `timeout` (killed
/// after it); returns its stdout, or panics with its stderr.
pub async fn run_python(script: &str, args: Vec<String>, timeout: std::time::Duration) -> String {
    run(python_script(script), args, None, timeout).await
}

/// Runs the Python script at `script` with `args` and `stdin`, as [`run_python`] does.
pub async fn run(
    script: PathBuf,
    args: Vec<String>,
    stdin: Option<String>,
    timeout: std::time::Duration,
) -> String {
    use tokio::io::AsyncWriteExt as _;
    let mut cmd = tokio::process::Command::new(python());
    cmd.arg(&script)
        .args(&args)
        .kill_on_drop(true)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE");
    let mut child = cmd.spawn().expect("python runs");
    let mut pipe = child.stdin.take().expect("stdin is piped");
    pipe.write_all(stdin.unwrap_or_default().as_bytes())
        .await
        .expect("stdin takes the input");
    drop(pipe);
    let out = tokio::time::timeout(timeout, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{} ran over {timeout:?}", script.display()))
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} failed:\nstdout: {stdout}\nstderr: {}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}
