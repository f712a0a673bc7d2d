//! Third-party peers for the interop tests: finding them, starting servers on 127.0.0.1,
//! waiting until they answer, running one-shot scripts, and stopping everything again.
//!
//! A peer that is not installed makes its test print `skipped: <reason>` and pass, except under
//! CI (`CI=true`), where it fails: CI installs every peer, so a missing one is a broken setup.
//!
//! Servers run under `scripts/interop/peer_guard.py`, which holds the peer in its own process
//! group and stops the group when its stdin closes. The test process holds that pipe, so a peer
//! shared by every test of a file (kept in a `static`, never dropped) still stops when the test
//! process exits, however it exits. [`Peer`]'s `Drop` stops it earlier when it is dropped.

use std::fmt::Display;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use cognito_sigv4::time::{Clock, SystemClock};

/// How long a server may take to answer after it was started.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a one-shot script may run.
pub const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(100);

/// Wall-clock time, for deadlines on external processes (read through the crate's clock).
fn now() -> SystemTime {
    SystemClock.now()
}

/// The crate's root directory.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `scripts/` (Python oracles, `package.json`, `node_modules`).
pub fn scripts_dir() -> PathBuf {
    repo_root().join("scripts")
}

/// `scripts/interop/` (bootstrap scripts and drivers of this suite).
pub fn interop_dir() -> PathBuf {
    scripts_dir().join("interop")
}

/// Whether the tests run under CI, where a missing peer is a failure.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// A peer is not installed: under CI this panics (CI installs every peer); otherwise it prints
/// `skipped: <reason>` and returns `None`, so that the test returns early.
pub fn missing<T>(test: &str, reason: impl Display) -> Option<T> {
    if under_ci() {
        panic!("{test}: {reason} (CI=true: every interop peer must be installed; see .ci/run)");
    }
    println!("skipped: {test}: {reason}");
    None
}

/// Whether node and the npm `package` are installed for `test`; when not, as [`missing`]
/// says (under CI it panics).
pub fn node_ready(test: &str, package: &str) -> bool {
    match node_has(package) {
        Ok(_) => true,
        Err(reason) => missing::<()>(test, reason).is_some(),
    }
}

/// The Python interpreter: `$PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// `Ok` if the Python interpreter runs and imports every module; otherwise why not.
pub fn python_has(modules: &[&str]) -> Result<(), String> {
    let code = modules
        .iter()
        .map(|m| format!("import {m}"))
        .collect::<Vec<_>>()
        .join("; ");
    let out = run(
        Command::new(python()).args(["-c", &code]),
        None,
        Duration::from_secs(60),
    )
    .map_err(|e| format!("{} cannot run: {e}", python()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "Python modules {modules:?} are not installed ({}): pip install -r scripts/requirements.txt",
            last_line(&out.stderr)
        ))
    }
}

/// `Ok(node_modules)` if `node` runs and `scripts/node_modules/<package>` is installed;
/// otherwise why not.
pub fn node_has(package: &str) -> Result<PathBuf, String> {
    let out = run(
        Command::new("node").arg("--version"),
        None,
        Duration::from_secs(30),
    )
    .map_err(|e| format!("node cannot run: {e}"))?;
    if !out.status.success() {
        return Err("node --version failed".to_owned());
    }
    let modules = scripts_dir().join("node_modules");
    if !modules.join(package).join("package.json").is_file() {
        return Err(format!(
            "{package} is not installed in scripts/node_modules: run `npm ci` in scripts/"
        ));
    }
    Ok(modules)
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Where peers write their logs (under Cargo's temporary directory for integration tests).
pub fn log_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// How to start a server peer. `{port}` in `args` and in environment values is replaced by
/// the chosen port.
#[derive(Debug, Clone)]
pub struct PeerSpec {
    /// A short name for messages and the log file.
    pub name: String,
    /// The program (for example the Python interpreter).
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
    /// A path that answers `GET` with any HTTP status once the server is ready.
    pub ready_path: String,
}

/// A running server peer on 127.0.0.1. Dropping it stops the peer and its process group.
#[derive(Debug)]
pub struct Peer {
    name: String,
    addr: SocketAddr,
    guard: Child,
    guard_stdin: Option<ChildStdin>,
    log: PathBuf,
}

impl Peer {
    /// Starts the peer on a free port and waits (at most [`START_TIMEOUT`]) until it answers.
    /// Tries another port if the first one was taken meanwhile.
    pub fn start(spec: &PeerSpec) -> Result<Peer, String> {
        let mut last = String::new();
        for _attempt in 0..3 {
            let port = free_port().map_err(|e| format!("no free port: {e}"))?;
            match Self::start_on(spec, port) {
                Ok(peer) => return Ok(peer),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn start_on(spec: &PeerSpec, port: u16) -> Result<Peer, String> {
        let subst = |s: &str| s.replace("{port}", &port.to_string());
        let log = log_dir().join(format!("{}-{port}.log", spec.name));
        let out = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(python());
        cmd.arg(interop_dir().join("peer_guard.py"))
            .arg(&spec.program)
            .args(spec.args.iter().map(|a| subst(a)))
            .stdin(Stdio::piped())
            .stdout(out)
            .stderr(err);
        for (k, v) in &spec.env {
            cmd.env(k, subst(v));
        }
        let mut guard = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", spec.name))?;
        let guard_stdin = guard.stdin.take();
        let mut peer = Peer {
            name: spec.name.clone(),
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            guard,
            guard_stdin,
            log,
        };
        let deadline = now() + START_TIMEOUT;
        loop {
            let answered = http_status(peer.addr, &spec.ready_path).is_some();
            // Checked after the probe: an answer while the peer has exited came from a
            // stranger that took the port meanwhile.
            if let Ok(Some(status)) = peer.guard.try_wait() {
                return Err(format!(
                    "{} exited ({status}) before answering on port {port}:\n{}",
                    spec.name,
                    peer.log_tail()
                ));
            }
            if answered {
                return Ok(peer);
            }
            if now() > deadline {
                let tail = peer.log_tail();
                peer.stop();
                return Err(format!(
                    "{} did not answer on port {port} within {START_TIMEOUT:?}:\n{tail}",
                    spec.name
                ));
            }
            std::thread::sleep(POLL);
        }
    }

    /// The peer's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The last lines of the peer's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let from = lines.len().saturating_sub(30);
        format!(
            "--- last lines of {} ---\n{}",
            self.log.display(),
            lines[from..].join("\n")
        )
    }

    /// Stops the peer: closing the guard's stdin makes it stop the peer's process group; the
    /// guard itself is killed if it has not exited within 10 s.
    pub fn stop(&mut self) {
        drop(self.guard_stdin.take());
        let deadline = now() + Duration::from_secs(10);
        while now() < deadline {
            if !matches!(self.guard.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(POLL);
        }
        eprintln!("{}: the guard did not exit; killing it", self.name);
        let _ = self.guard.kill();
        let _ = self.guard.wait();
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The status of `GET path` on `addr`, or `None` if nothing answers HTTP there.
pub fn http_status(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    let head = std::str::from_utf8(&head).ok()?;
    head.strip_prefix("HTTP/1.")?.get(2..5)?.parse().ok()
}

/// Runs a command to completion with `stdin` as its input, giving up (and killing it) after
/// `timeout`. Stdout and stderr are captured.
pub fn run(cmd: &mut Command, stdin: Option<&[u8]>, timeout: Duration) -> std::io::Result<Output> {
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(input)?;
    }
    // Drained on threads so that a chatty child never blocks on a full pipe.
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_end(&mut buf);
        }
        buf
    });
    let deadline = now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("gave up after {timeout:?}"),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Output {
        status,
        stdout: out_reader.join().unwrap_or_default(),
        stderr: err_reader.join().unwrap_or_default(),
    })
}

/// Runs a Python script from `scripts/` or `scripts/interop/` with `args` and `stdin`, and
/// parses its stdout as JSON. Fails (with the script's stderr) if it exits unsuccessfully.
pub fn python_json(
    script: &Path,
    args: &[&str],
    stdin: Option<&[u8]>,
) -> Result<serde_json::Value, String> {
    let out = run(
        Command::new(python())
            .arg(script)
            .args(args)
            .current_dir(repo_root()),
        stdin,
        SCRIPT_TIMEOUT,
    )
    .map_err(|e| format!("{}: {e}", script.display()))?;
    json_output(&script.display().to_string(), &out)
}

/// Runs a node script with `stdin` and parses its stdout as JSON.
pub fn node_json(script: &Path, stdin: &[u8]) -> Result<serde_json::Value, String> {
    let out = run(
        Command::new("node").arg(script).current_dir(scripts_dir()),
        Some(stdin),
        SCRIPT_TIMEOUT,
    )
    .map_err(|e| format!("{}: {e}", script.display()))?;
    json_output(&script.display().to_string(), &out)
}

fn json_output(what: &str, out: &Output) -> Result<serde_json::Value, String> {
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}):\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "{what} printed no JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn last_line(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// Why a shared server peer cannot serve a test.
pub enum Unavailable {
    /// Not installed here: the test is skipped (and fails under CI).
    Missing(String),
    /// Installed, but it did not start or its bootstrap failed: the test fails.
    Broken(String),
}

/// A server peer, started and then set up by a bootstrap script that printed, as JSON, the
/// ids of what it created.
pub struct Bootstrapped {
    /// The running peer.
    pub peer: Peer,
    /// The bootstrap script's answer.
    pub ids: serde_json::Value,
}

/// Checks that the Python `modules` are installed, starts `spec`, and runs
/// `scripts/interop/<script>` with the peer's endpoint.
pub fn start_bootstrapped(
    modules: &[&str],
    spec: &PeerSpec,
    script: &str,
) -> Result<Bootstrapped, Unavailable> {
    python_has(modules).map_err(Unavailable::Missing)?;
    let peer = Peer::start(spec).map_err(Unavailable::Broken)?;
    let ids = python_json(&interop_dir().join(script), &[&peer.endpoint()], None)
        .map_err(|e| Unavailable::Broken(format!("{e}\n{}", peer.log_tail())))?;
    Ok(Bootstrapped { peer, ids })
}

/// MiniStack as the interop tests run it: on loopback only, with SigV4 and IAM enforced
/// (`AUTH=true`), answering for `<api>.execute-api.us-east-1.amazonaws.com`, and with its own
/// state directory under `target/` (it keeps its token signing key there).
pub fn ministack_spec(name: &str) -> PeerSpec {
    let state = log_dir().join(format!("{name}-state"));
    PeerSpec {
        name: name.into(),
        program: python(),
        args: vec!["-m".into(), "ministack".into()],
        env: [
            ("AUTH", "true"),
            ("BIND_HOST", "127.0.0.1"),
            ("GATEWAY_PORT", "{port}"),
            ("IOT_MTLS_ENABLED", "0"),
            ("SFTP_ENABLED", "0"),
            ("MINISTACK_HOST", "us-east-1.amazonaws.com"),
            ("MINISTACK_REGION", "us-east-1"),
            ("LOG_LEVEL", "WARNING"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .chain([("STATE_DIR".to_owned(), state.display().to_string())])
        .collect(),
        ready_path: "/_ministack/health".into(),
    }
}

/// The peer a test file shares, started on first use: `Some`, or `None` after printing why
/// it is missing (a failure under CI); a broken peer fails the test.
pub fn shared<T>(
    cell: &'static std::sync::OnceLock<Result<T, Unavailable>>,
    start: fn() -> Result<T, Unavailable>,
    test: &str,
    what: &str,
) -> Option<&'static T> {
    match cell.get_or_init(start) {
        Ok(peer) => Some(peer),
        Err(Unavailable::Missing(reason)) => missing(test, reason),
        Err(Unavailable::Broken(reason)) => panic!("{test}: {what} did not start: {reason}"),
    }
}
