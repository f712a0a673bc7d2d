//! The soak's driver: starts the emulator on the simulated clock, signs in once, starts the
//! child processes, moves time and serves the schedule's faults, then reads the figures.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use cognito_sigv4::config::Service;
use cognito_sigv4::credentials::Session;
use cognito_sigv4::store::FileStore;
use cognito_sigv4::{Clock, CognitoConfig, SystemClock};
use cognito_sigv4_emulator::{Emulator, Fault, RunningEmulator, Seed};

use super::child::Report;
use super::clock::{SharedClock, epoch_ms};
use super::figures::{self, Timeline, Window};
use super::plan::{self, Event, What};
use super::support::signed_in;

/// How many child processes, and sessions in each.
const PROCESSES: usize = 3;
const SESSIONS: usize = 16;
/// Simulated seconds per step.
const STEP: u64 = 1;
/// Real time per step: the simulation runs 100 times faster than real time. A request that
/// waits 100 ms for a busy core takes 10 simulated seconds: faster would stretch latencies
/// past what a 60-second margin is meant for.
const REAL_STEP: Duration = Duration::from_millis(10);
const TOKEN_LIFETIME: u64 = 300;
const CREDENTIALS_LIFETIME: u64 = 900;
const COGNITO_OPERATIONS: [&str; 4] = [
    "InitiateAuth",
    "GetTokensFromRefreshToken",
    "GetId",
    "GetCredentialsForIdentity",
];

/// The run's seed: `SOAK_SEED`, or a fresh one.
fn seed() -> u64 {
    std::env::var("SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let now = SystemClock.now().duration_since(std::time::UNIX_EPOCH);
            now.map(|d| d.as_nanos() as u64).unwrap_or(1) ^ u64::from(std::process::id())
        })
}

fn emulator_seed() -> Seed {
    let mut seed = Seed::reference();
    seed.credential_lifetime_secs = Some(CREDENTIALS_LIFETIME);
    for pool in &mut seed.user_pools {
        for client in &mut pool.clients {
            client.id_token_validity_secs = TOKEN_LIFETIME;
            client.access_token_validity_secs = TOKEN_LIFETIME;
            client.refresh_token_rotation = true;
        }
    }
    seed
}

/// The faults every Cognito call meets all run long; `outage` makes the identity pool fail.
fn background_faults(emu: &RunningEmulator, outage: bool) {
    for op in COGNITO_OPERATIONS {
        let down = outage && matches!(op, "GetId" | "GetCredentialsForIdentity");
        emu.inject_fault_rate(op, Fault::ServerError, if down { 1.0 } else { 0.1 });
        emu.inject_fault_rate(op, Fault::Throttle, 0.1);
        emu.inject_fault_rate(op, Fault::Latency(Duration::from_millis(5)), 0.02);
    }
    emu.inject_fault_rate(
        "GetTokensFromRefreshToken",
        Fault::LatencyAfter(Duration::from_millis(100)),
        0.05,
    );
}

/// A child process and the lines it printed.
struct Running {
    child: Child,
    stdin: ChildStdin,
    lines: mpsc::Receiver<String>,
}

impl Running {
    fn send(&mut self, line: &str) {
        // A child that died is found at the end, by its missing report.
        let _ = writeln!(self.stdin, "{line}");
        let _ = self.stdin.flush();
    }
}

fn spawn_child(
    process: usize,
    seed: u64,
    config: &CognitoConfig,
    dir: &std::path::Path,
    api_base: &str,
) -> Running {
    let mut child = Command::new(std::env::current_exe().expect("this test binary"))
        .args(["soak_child", "--exact", "--nocapture", "--test-threads=1"])
        .env("SOAK_CHILD", "1")
        .env("SOAK_PROCESS", process.to_string())
        .env("SOAK_SESSIONS", SESSIONS.to_string())
        .env("SOAK_SEED", seed.to_string())
        .env("SOAK_STORE", dir.join("session.json"))
        .env("SOAK_CLOCK", dir.join("clock"))
        .env("SOAK_API_BASE", api_base)
        .env("COGNITO_REGION", config.region())
        .env(
            "COGNITO_USER_POOL_ID",
            config.user_pool_id().expect("a pool"),
        )
        .env("COGNITO_CLIENT_ID", config.client_id().expect("a client"))
        .env(
            "COGNITO_IDENTITY_POOL_ID",
            config.identity_pool_id().expect("an identity pool"),
        )
        .env(
            "COGNITO_IDP_ENDPOINT",
            config.endpoint(Service::CognitoIdp).as_str(),
        )
        .env(
            "COGNITO_IDENTITY_ENDPOINT",
            config.endpoint(Service::CognitoIdentity).as_str(),
        )
        .env(
            "COGNITO_STS_ENDPOINT",
            config.endpoint(Service::Sts).as_str(),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("a soak child");
    let stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Running {
        child,
        stdin,
        lines,
    }
}

/// Holds the store's lock from this process for `ms` of real time, the simulated clock
/// following the real one meanwhile.
#[allow(clippy::disallowed_methods)] // The hold is real time, and so is the clock meanwhile.
fn hold_lock(store: &FileStore, ms: u64, clock: &SharedClock) {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(store.lock_path())
        .expect("the lock file");
    file.lock().expect("the lock");
    let started = std::time::Instant::now();
    let mut moved = Duration::ZERO;
    while started.elapsed() < Duration::from_millis(ms) {
        std::thread::sleep(Duration::from_millis(10));
        let now = started.elapsed();
        clock.advance(now - moved);
        moved = now;
    }
    drop(file);
}

/// Runs the soak and checks its figures.
pub fn run() {
    let seed = seed();
    println!("soak seed: {seed} (SOAK_SEED={seed} replays this schedule)");
    let hours: f64 = std::env::var("SOAK_HOURS")
        .ok()
        .and_then(|h| h.parse().ok())
        .unwrap_or(3.0);
    let run_secs = (hours * 3_600.0) as u64;
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the emulator's runtime");
    let dir = tempfile::tempdir().expect("a directory");
    let real_now = SystemClock.now().duration_since(std::time::UNIX_EPOCH);
    let clock = SharedClock::open(&dir.path().join("clock"));
    clock.start_at(
        std::time::UNIX_EPOCH + Duration::from_secs(real_now.expect("after 1970").as_secs()),
    );
    let emu = server
        .block_on(
            Emulator::builder()
                .seed(emulator_seed())
                .clock(clock.clone())
                .fault_seed(seed)
                .call_log_capacity(4_000_000)
                .start(),
        )
        .expect("the emulator starts");
    let config = emu.config("quickstart", "web").expect("config");
    let store_path = dir.path().join("session.json");
    let store = FileStore::new(&store_path);
    // One sign-in, stored; every session of every process resumes it.
    server.block_on(async {
        let session = signed_in(
            Session::builder(config.clone())
                .clock(clock.clone())
                .store(store.clone())
                .refresh_token_rotation(true),
            "jdoe",
        )
        .await;
        drop(session);
    });
    background_faults(&emu, false);
    let api_base = emu
        .api_url("reference", "prod")
        .expect("the reference API")
        .to_string();
    let mut children: Vec<Running> = (0..PROCESSES)
        .map(|p| spawn_child(p, seed, &config, dir.path(), &api_base))
        .collect();

    let events = plan::schedule(seed, run_secs, PROCESSES);
    let mut timeline = Timeline {
        start_ms: epoch_ms(clock.now()),
        ..Timeline::default()
    };
    // The outage starts when the first session's credentials are about to expire after its
    // scheduled time, so that it is felt; it ends ten minutes later.
    let mut outage: Option<(u64, u64)> = None;
    let mut next = 0;
    let mut t = 0;
    while t < run_secs {
        while next < events.len() && events[next].at <= t {
            match events[next].what {
                What::OutageStart => {
                    let start = t + secs_until_an_expiry(&emu, &clock).saturating_sub(100);
                    outage = Some((start, start + 600));
                }
                What::OutageEnd => {}
                _ => serve(
                    &events[next],
                    &emu,
                    &clock,
                    &store,
                    &mut children,
                    &mut timeline,
                ),
            }
            next += 1;
        }
        if let Some((start, end)) = outage {
            let what = if t == start {
                Some(What::OutageStart)
            } else if t == end {
                Some(What::OutageEnd)
            } else {
                None
            };
            if let Some(what) = what {
                let event = Event { at: t, what };
                serve(&event, &emu, &clock, &store, &mut children, &mut timeline);
            }
        }
        clock.advance(Duration::from_secs(STEP));
        t += STEP;
        std::thread::sleep(REAL_STEP);
    }
    timeline.end_ms = epoch_ms(clock.now());
    for child in &mut children {
        child.send("stop");
    }
    let reports = collect(children);
    let shown = figures::compute(&emu, &reports, &timeline, SESSIONS * PROCESSES);
    shown.print(seed, hours);
    server.block_on(emu.shutdown());
    shown.check();
}

/// Seconds until the first credentials issued so far expire (the latest exchange of each
/// session, plus the credentials' lifetime).
fn secs_until_an_expiry(emu: &RunningEmulator, clock: &SharedClock) -> u64 {
    let now = epoch_ms(clock.now());
    let mut latest = std::collections::HashMap::new();
    for r in emu.call_log() {
        if &*r.operation == "GetCredentialsForIdentity" && r.status == 200 {
            let at = epoch_ms(r.time);
            latest.insert(r.user_agent.clone(), at);
        }
    }
    latest
        .values()
        .map(|at| at + CREDENTIALS_LIFETIME * 1_000)
        .filter(|expiry| *expiry > now)
        .min()
        .map_or(0, |expiry| (expiry - now) / 1_000)
}

/// Serves one scheduled fault, noting in `timeline` the windows it excuses.
fn serve(
    event: &Event,
    emu: &RunningEmulator,
    clock: &SharedClock,
    store: &FileStore,
    children: &mut [Running],
    timeline: &mut Timeline,
) {
    let now = epoch_ms(clock.now());
    match event.what {
        What::OutageStart => {
            background_faults(emu, true);
            timeline.outage.0 = now;
        }
        What::OutageEnd => {
            background_faults(emu, false);
            timeline.outage.1 = now;
        }
        What::LockHold(ms) => {
            timeline.lock_holds += 1;
            hold_lock(store, ms, clock);
            timeline.lock_held.push((now, epoch_ms(clock.now())));
        }
        What::StoreFail { process, n } => children[process].send(&format!("fail {n}")),
        What::StorePanic { process } => children[process].send("panic"),
        What::RuntimeDrop { process } => children[process].send("rtdrop"),
        What::Suspend(secs) => {
            clock.jump(Duration::from_secs(secs));
            // Requests signed just before the jump arrive just after it.
            timeline
                .excused
                .push(Window::all(epoch_ms(clock.now()), 60_000, "the suspension"));
        }
        What::DeviceOffset { process, secs } => {
            children[process].send(&format!("off {secs}"));
            // Until what the sessions hold has expired once by the new clock, each expiry
            // refused once and the new error learned from the refusal: one credentials
            // lifetime, and a margin.
            timeline.excused.push(Window::process(
                process,
                now,
                (CREDENTIALS_LIFETIME + 120) * 1_000,
                "a device clock step",
            ));
        }
        What::LyingDate(secs) => {
            emu.inject_fault("execute-api", Fault::LyingDate(secs), 1);
            timeline.lies += 1;
            timeline
                .excused
                .push(Window::all(now, 120_000, "a lying Date"));
        }
    }
}

/// Waits (bounded) for every child's report.
fn collect(children: Vec<Running>) -> Vec<Report> {
    let mut reports = Vec::new();
    for mut running in children {
        let mut report = None;
        while let Ok(line) = running.lines.recv_timeout(Duration::from_secs(60)) {
            // The test harness prints its own words before it on the same line.
            if let Some(json) = line.split_once("REPORT ").map(|(_, json)| json) {
                report = Some(serde_json::from_str::<Report>(json).expect("a report"));
            }
        }
        drop(running.stdin);
        let waited = running.child.wait();
        if report.is_none() {
            let _ = running.child.kill();
        }
        reports.push(report.unwrap_or_else(|| panic!("a child gave no report ({waited:?})")));
    }
    reports
}
