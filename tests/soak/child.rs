//! One soak process: several sessions resumed from the shared store, a worker per session
//! calling `/cip` (SigV4) and `/cup` (the ID token at a Cognito authorizer), a 10 ms ticker
//! measuring how late the runtime runs, and the faults the parent sends over stdin. At `stop`
//! it prints one `REPORT {json}` line.

use std::io::BufRead;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cognito_sigv4::client::ApiClient;
use cognito_sigv4::credentials::Session;
use cognito_sigv4::store::FileStore;
use cognito_sigv4::{AuthMode, CognitoConfig};
use serde::{Deserialize, Serialize};

use super::clock::SharedClock;
use super::plan::Rng;
use super::support::faulty_store::{FaultyStore, Ticker};

/// The token and credential lifetimes' refresh margin every session uses.
pub const MARGIN: Duration = Duration::from_secs(60);
/// How long a worker pauses between two requests (real time: 10 simulated seconds).
pub const PACE: Duration = Duration::from_millis(100);
/// How long a caller that gives up waits (real time): longer than any request but one held by
/// an injected latency.
const PATIENCE: Duration = Duration::from_millis(80);

/// What a child is told at start, through its environment.
#[derive(Debug, Clone)]
pub struct ChildConfig {
    pub process: usize,
    pub sessions: usize,
    pub seed: u64,
    pub store: std::path::PathBuf,
    pub clock: std::path::PathBuf,
    pub api_base: String,
}

impl ChildConfig {
    /// This process's configuration, if it is a soak child.
    pub fn from_env() -> Option<Self> {
        let var = |name: &str| std::env::var(name).ok();
        var("SOAK_CHILD")?;
        Some(Self {
            process: var("SOAK_PROCESS")?.parse().ok()?,
            sessions: var("SOAK_SESSIONS")?.parse().ok()?,
            seed: var("SOAK_SEED")?.parse().ok()?,
            store: var("SOAK_STORE")?.into(),
            clock: var("SOAK_CLOCK")?.into(),
            api_base: var("SOAK_API_BASE")?,
        })
    }
}

/// One failed request, as the caller saw it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    /// The service's time when it finished (epoch ms).
    pub at_ms: u64,
    pub session: String,
    /// The request's name (`p0s3/r42`), as its user agent gave it to the server.
    pub request: String,
    pub path: String,
    /// `status 403: <message>`, or the error's kind and message.
    pub what: String,
    /// A throttle, a 5xx, a network error or a timeout: a retry may succeed.
    pub retryable: bool,
}

/// What one session saw.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionReport {
    pub name: String,
    pub requests: u64,
    pub ok: u64,
    pub cancelled: u64,
    pub ended: bool,
    pub background: bool,
}

/// What a child reports at the end.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    pub process: usize,
    pub sessions: Vec<SessionReport>,
    pub failures: Vec<Failure>,
    /// The requests whose callers gave up (`p0s3/r42`): the server may see no retry of them.
    pub given_up: Vec<String>,
    /// The ticker's largest lag, the machine's load included.
    pub max_lag_ms: u64,
    /// The same less its thread's wait for a CPU: the runtime's own stall.
    pub max_stall_ms: u64,
    /// When it ended, in real milliseconds since the ticker started.
    pub max_stall_at_ms: u64,
    pub runtime: String,
}

/// The run's own panics (`injected: ...`) print one line, not a backtrace each; any other
/// panic prints as usual.
fn quiet_injected_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| info.payload().downcast_ref::<String>().map(String::as_str));
        match message {
            Some(m) if m.starts_with("injected:") => eprintln!("soak child: {m} (as planned)"),
            _ => default(info),
        }
    }));
}

/// A command from the parent.
enum Command {
    StoreFail(u32),
    StorePanic,
    RuntimeDrop,
    Stop,
}

/// Reads the parent's lines: device offsets are applied at once, the rest handed on.
fn read_commands(clock: SharedClock, tx: tokio::sync::mpsc::UnboundedSender<Command>) {
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let mut words = line.split_whitespace();
        let command = match words.next() {
            Some("off") => {
                let secs = words.next().and_then(|w| w.parse().ok()).unwrap_or(0);
                clock.set_offset(secs);
                continue;
            }
            Some("fail") => {
                Command::StoreFail(words.next().and_then(|w| w.parse().ok()).unwrap_or(1))
            }
            Some("panic") => Command::StorePanic,
            Some("rtdrop") => Command::RuntimeDrop,
            Some("stop") => Command::Stop,
            _ => continue,
        };
        if tx.send(command).is_err() {
            break;
        }
    }
    // The parent went away: stop.
    let _ = tx.send(Command::Stop);
}

/// A session of this process, with what its worker counts.
struct Worked {
    name: String,
    session: Session,
    api: ApiClient,
    store: FaultyStore<FileStore>,
    background: bool,
    requests: AtomicU64,
    ok: AtomicU64,
    cancelled: AtomicU64,
}

/// Runs the child to the end.
pub fn run(config: ChildConfig) {
    quiet_injected_panics();
    let clock = SharedClock::open(&config.clock);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    {
        let clock = clock.clone();
        std::thread::spawn(move || read_commands(clock, tx));
    }
    // Process 0 runs on one thread; the others on two, as apps do.
    let (runtime, kind) = if config.process == 0 {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        (rt, "current-thread")
    } else {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build();
        (rt, "multi-thread (2)")
    };
    let runtime = runtime.expect("runtime");
    let report = runtime.block_on(serve(config, clock, rx, kind));
    println!(
        "REPORT {}",
        serde_json::to_string(&report).expect("a report")
    );
}

async fn serve(
    config: ChildConfig,
    clock: SharedClock,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Command>,
    kind: &str,
) -> Report {
    let base = CognitoConfig::from_env().expect("the emulator's config in the environment");
    let mut worked = Vec::new();
    for j in 0..config.sessions {
        let name = format!("p{}s{j}", config.process);
        let cognito = base
            .to_builder()
            .app_name(name.clone())
            .build()
            .expect("config");
        let store = FaultyStore::new(FileStore::new(&config.store));
        let background = j % 2 == 0;
        let session = Session::builder(cognito)
            .clock(clock.clone())
            .store(store.clone())
            .refresh_token_rotation(true)
            .refresh_margin(MARGIN)
            .background_refresh(background)
            .background_poll(Duration::from_millis(20))
            .resume()
            .await
            .expect("resumed from the shared store");
        let api = ApiClient::builder(&config.api_base)
            .region("us-east-1")
            .session(&session)
            .route(None, "/cup", AuthMode::id_token())
            .build()
            .expect("api client");
        worked.push(Arc::new(Worked {
            name,
            session,
            api,
            store,
            background,
            requests: AtomicU64::new(0),
            ok: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
        }));
    }
    let ticker = Ticker::start();
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let given_up = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for (j, w) in worked.iter().enumerate() {
        let seen = Seen {
            failures: failures.clone(),
            given_up: given_up.clone(),
        };
        let (w, stop, clock) = (w.clone(), stop.clone(), clock.clone());
        let rng = Rng::new(config.seed ^ ((config.process as u64) << 32) ^ j as u64);
        tasks.push(tokio::spawn(work(w, stop, seen, clock, rng)));
    }
    let mut rng = Rng::new(config.seed ^ 0xC0FF_EE00 ^ config.process as u64);
    while let Some(command) = rx.recv().await {
        let pick = |rng: &mut Rng| worked[rng.range(0, worked.len() as u64) as usize].clone();
        match command {
            Command::StoreFail(n) => pick(&mut rng).store.fail_saves(n),
            Command::StorePanic => pick(&mut rng).store.panic_loads(1),
            Command::RuntimeDrop => {
                let session = pick(&mut rng).session.clone();
                // A sync wrapper's `block_on`: the runtime ends with whatever was in flight.
                // (Off this runtime's workers: the wrapper's thread is its own.)
                let _ = tokio::task::spawn_blocking(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    rt.block_on(async {
                        let _ =
                            tokio::time::timeout(Duration::from_millis(20), session.credentials())
                                .await;
                    });
                })
                .await;
            }
            Command::Stop => break,
        }
    }
    stop.store(true, Ordering::SeqCst);
    for task in tasks {
        let _ = task.await;
    }
    let failures = std::mem::take(&mut *failures.lock().expect("lock"));
    let given_up = std::mem::take(&mut *given_up.lock().expect("lock"));
    Report {
        process: config.process,
        sessions: worked
            .iter()
            .map(|w| SessionReport {
                name: w.name.clone(),
                requests: w.requests.load(Ordering::SeqCst),
                ok: w.ok.load(Ordering::SeqCst),
                cancelled: w.cancelled.load(Ordering::SeqCst),
                ended: w.session.has_ended(),
                background: w.background,
            })
            .collect(),
        failures,
        given_up,
        max_lag_ms: ticker.max_lag().as_millis() as u64,
        max_stall_ms: ticker.max_stall().as_millis() as u64,
        max_stall_at_ms: ticker.max_stall_at().as_millis() as u64,
        runtime: kind.to_owned(),
    }
}

/// What the workers of a process saw go wrong.
struct Seen {
    failures: Arc<Mutex<Vec<Failure>>>,
    given_up: Arc<Mutex<Vec<String>>>,
}

/// One session's worker: `/cip` and `/cup` in turn, one caller in ten giving up early.
async fn work(w: Arc<Worked>, stop: Arc<AtomicBool>, seen: Seen, clock: SharedClock, mut rng: Rng) {
    let mut n = 0u64;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let path = if n.is_multiple_of(2) { "/cup" } else { "/cip" };
        w.requests.fetch_add(1, Ordering::SeqCst);
        // Each request names itself, so the server's log can follow its retries.
        let send = w
            .api
            .request(http::Method::GET, path)
            .header("user-agent", format!("soak/{}/r{n}", w.name))
            .send();
        let outcome = if rng.chance(0.1) {
            tokio::time::timeout(PATIENCE, send).await.ok()
        } else {
            Some(send.await)
        };
        let failure = match outcome {
            None => {
                w.cancelled.fetch_add(1, Ordering::SeqCst);
                seen.given_up
                    .lock()
                    .expect("lock")
                    .push(format!("{}/r{n}", w.name));
                None
            }
            Some(Ok(resp)) if resp.status() == 200 => {
                w.ok.fetch_add(1, Ordering::SeqCst);
                None
            }
            Some(Ok(resp)) => Some((
                format!("status {}: {}", resp.status(), resp.text()),
                resp.status() == 429 || resp.status().is_server_error(),
            )),
            Some(Err(e)) => Some((format!("{:?}: {}", e.kind(), e.message()), e.is_retryable())),
        };
        if let Some((what, retryable)) = failure {
            seen.failures.lock().expect("lock").push(Failure {
                at_ms: clock.service_ms(),
                session: w.name.clone(),
                request: format!("{}/r{n}", w.name),
                path: path.to_owned(),
                what,
                retryable,
            });
        }
        tokio::time::sleep(PACE).await;
    }
}
