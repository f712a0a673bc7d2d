//! The soak: many simulated hours of a real workload against the in-process emulator, on an
//! accelerated manual clock, under every trouble the session promises to survive at once:
//!
//! - 5-minute tokens and 15-minute credentials, refreshed again and again;
//! - 20% throttling and 5xx answers on every Cognito operation the sessions call, and latency
//!   spikes;
//! - a 10-minute outage of the identity pool (every GetCredentialsForIdentity a 5xx);
//! - a device clock that falls 10 minutes behind mid-run, then runs 3 minutes ahead;
//! - callers cancelled at random mid-request;
//! - concurrent workers on two sessions that share one rotating file store (two processes of
//!   one app).
//!
//! It reports requests sent with expired credentials (goal 0), spurious session ends (goal 0),
//! refreshes per token and credentials lifetime (goal about 1: single flight), the calls made
//! during the outage, failed calls outside the outage (goal 0) and the slowest request.
//!
//! `cargo test -p cognito-sigv4 --test soak -- --nocapture` runs the short variant (3 simulated
//! hours, in CI); `SOAK_HOURS=24 cargo test -p cognito-sigv4 --test soak -- --nocapture`
//! the long one (see RELIABILITY.md).

mod support;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cognito_sigv4::client::ApiClient;
use cognito_sigv4::credentials::Session;
use cognito_sigv4::store::FileStore;
use cognito_sigv4::{AuthMode, Clock, ManualClock, SystemClock};
use cognito_sigv4_emulator::{Emulator, Fault, RunningEmulator, Seed};
use support::{DeviceClock, signed_in};

const STEP: Duration = Duration::from_secs(20);
const TOKEN_LIFETIME: u64 = 300;
const CREDENTIALS_LIFETIME: u64 = 900;
const MARGIN: Duration = Duration::from_secs(60);
const WORKERS: usize = 6;
const COGNITO_OPERATIONS: [&str; 4] = [
    "InitiateAuth",
    "GetTokensFromRefreshToken",
    "GetId",
    "GetCredentialsForIdentity",
];

/// What the run saw.
#[derive(Debug, Default)]
struct Tally {
    requests: AtomicU64,
    cancelled: AtomicU64,
    failed_in_outage: AtomicU64,
    failed_outside: AtomicU64,
    /// Of those outside: a throttle or 5xx handed to the caller when no valid credential was
    /// left to serve (after the clock jumped), which a retry mends.
    transient_outside: AtomicU64,
    expired_credentials_sent: AtomicU64,
    max_latency_us: AtomicU64,
    /// The first few failures outside the outage (status and message, or error kind): no
    /// secret is in either.
    failures: Mutex<Vec<String>>,
}

fn wall_now() -> SystemTime {
    SystemClock.now()
}

fn normal_faults(emu: &RunningEmulator) {
    for op in COGNITO_OPERATIONS {
        emu.inject_fault_rate(op, Fault::Throttle, 0.1);
        emu.inject_fault_rate(op, Fault::ServerError, 0.1);
        emu.inject_fault_rate(op, Fault::Latency(Duration::from_millis(5)), 0.02);
    }
}

async fn start(clock: &ManualClock) -> RunningEmulator {
    let mut seed = Seed::reference();
    seed.credential_lifetime_secs = Some(CREDENTIALS_LIFETIME);
    for pool in &mut seed.user_pools {
        for client in &mut pool.clients {
            client.id_token_validity_secs = TOKEN_LIFETIME;
            client.access_token_validity_secs = TOKEN_LIFETIME;
            client.refresh_token_rotation = true;
        }
    }
    Emulator::builder()
        .seed(seed)
        .clock(clock.clone())
        .fault_seed(20_261_129)
        .start()
        .await
        .expect("the emulator starts")
}

/// One worker's request on `api`, maybe cancelled; `in_outage` files its failure.
async fn request(api: &ApiClient, path: &str, cancel: bool, in_outage: bool, tally: &Tally) {
    tally.requests.fetch_add(1, Ordering::Relaxed);
    let started = wall_now();
    let send = api.request(http::Method::GET, path).send();
    let outcome = if cancel {
        match tokio::time::timeout(Duration::from_micros(300), send).await {
            Ok(outcome) => outcome,
            Err(_) => {
                tally.cancelled.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
    } else {
        send.await
    };
    let took = wall_now().duration_since(started).unwrap_or_default();
    let took_us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
    tally.max_latency_us.fetch_max(took_us, Ordering::Relaxed);
    let transient = outcome.as_ref().is_err_and(|e| e.is_retryable());
    let failure = match &outcome {
        Ok(resp) if resp.status() == 200 => None,
        Ok(resp) => {
            if resp
                .text()
                .contains("security token included in the request is expired")
            {
                tally
                    .expired_credentials_sent
                    .fetch_add(1, Ordering::Relaxed);
            }
            Some(format!("{path}: {} {}", resp.status(), resp.text()))
        }
        Err(e) => Some(format!("{path}: {e}")),
    };
    if let Some(failure) = failure {
        if !in_outage && transient {
            tally.transient_outside.fetch_add(1, Ordering::Relaxed);
        }
        if !in_outage && !transient {
            let mut seen = tally.failures.lock().expect("lock");
            if seen.len() < 5 {
                seen.push(failure);
            }
        }
        let counter = if in_outage {
            &tally.failed_in_outage
        } else {
            &tally.failed_outside
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Distinct values seen, for counting refreshes.
#[derive(Default)]
struct Generations(Mutex<Vec<SystemTime>>);

impl Generations {
    fn see(&self, t: Option<SystemTime>) {
        if let Some(t) = t {
            let mut seen = self.0.lock().expect("lock");
            if seen.last() != Some(&t) {
                seen.push(t);
            }
        }
    }

    fn count(&self) -> usize {
        self.0.lock().expect("lock").len()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak() {
    let hours: f64 = std::env::var("SOAK_HOURS")
        .ok()
        .and_then(|h| h.parse().ok())
        .unwrap_or(3.0);
    let now = wall_now().duration_since(UNIX_EPOCH).expect("after 1970");
    let clock = ManualClock::at_epoch_secs(now.as_secs());
    let emu = start(&clock).await;
    let config = emu.config("quickstart", "web").expect("config");
    let device = DeviceClock::new(&clock, 0);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(dir.path().join("session.json"));
    let builder = || {
        Session::builder(config.clone())
            .clock(device.clone())
            .store(store.clone())
            .refresh_token_rotation(true)
            .refresh_margin(MARGIN)
    };
    let a = signed_in(builder(), "jdoe").await;
    let b = builder().resume().await.expect("a second process resumes");
    let sessions = [a, b];
    let base = emu.api_url("reference", "prod").expect("api url");
    let apis: Vec<ApiClient> = sessions
        .iter()
        .map(|s| {
            ApiClient::builder(base.as_str())
                .region(emu.region())
                .session(s)
                .route(None, "/cup", AuthMode::id_token())
                .build()
                .expect("api client")
        })
        .collect();
    // Warm up: both sessions hold credentials before the faults begin.
    for s in &sessions {
        s.credentials().await.expect("first credentials");
    }
    normal_faults(&emu);

    let steps = (hours * 3_600.0 / STEP.as_secs_f64()) as u64;
    const OUTAGE_STEPS: u64 = 600 / STEP.as_secs();
    const RECOVERY_STEPS: u64 = 300 / STEP.as_secs();
    // The outage starts, after 40% of the run, when the first session's credentials have at
    // most 3 minutes left: it bites (they expire during it) rather than fall between refreshes.
    let mut outage: Option<(u64, u64)> = None;
    let (skew_behind, skew_ahead) = (steps * 3 / 10, steps * 7 / 10);
    let tally = Arc::new(Tally::default());
    let tokens: [Generations; 2] = Default::default();
    let credentials: [Generations; 2] = Default::default();
    let mut outage_calls = 0;
    let mut rng_state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next_random = move || {
        // xorshift: reproducible, no dependency.
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        rng_state
    };
    for step in 0..steps {
        clock.advance(STEP);
        if step == skew_behind {
            device.set_offset(-600);
        }
        if step == skew_ahead {
            device.set_offset(180);
        }
        if outage.is_none()
            && step >= steps * 2 / 5
            && sessions[0]
                .credentials_expire_at()
                .is_some_and(|e| e <= clock.now() + Duration::from_secs(180))
        {
            outage = Some((step, step + OUTAGE_STEPS));
            outage_calls = emu.calls("GetCredentialsForIdentity");
            emu.inject_fault_rate("GetCredentialsForIdentity", Fault::ServerError, 1.0);
        }
        if outage.is_some_and(|(_, end)| end == step) {
            outage_calls = emu.calls("GetCredentialsForIdentity") - outage_calls;
            normal_faults(&emu);
        }
        // The outage, and the recovery after it: credentials expired during it, and the first
        // attempts after it still meet 20% faults, backed off.
        let in_outage =
            outage.is_some_and(|(start, end)| (start..=end + RECOVERY_STEPS).contains(&step));
        let mut workers = Vec::with_capacity(WORKERS);
        for w in 0..WORKERS {
            let api = apis[w % 2].clone();
            let tally = tally.clone();
            let path = if w % 3 == 0 { "/cup" } else { "/cip" };
            let cancel = next_random() % 10 == 0;
            workers.push(tokio::spawn(async move {
                request(&api, path, cancel, in_outage, &tally).await;
            }));
        }
        for w in workers {
            w.await.expect("worker");
        }
        for (i, s) in sessions.iter().enumerate() {
            tokens[i].see(s.tokens_expire_at());
            credentials[i].see(s.credentials_expire_at());
        }
    }

    let simulated = steps * STEP.as_secs();
    let ends = sessions.iter().filter(|s| s.has_ended()).count();
    let per_token_lifetime =
        |g: &Generations| g.count() as f64 / (simulated / TOKEN_LIFETIME) as f64;
    let per_credentials_lifetime =
        |g: &Generations| g.count() as f64 / (simulated / CREDENTIALS_LIFETIME) as f64;
    let t = &tally;
    println!(
        "soak: {hours} simulated hours in {steps} steps of {STEP:?}, {WORKERS} workers on 2 sessions sharing one rotating file store"
    );
    println!(
        "  requests                              {}",
        t.requests.load(Ordering::Relaxed)
    );
    println!(
        "  cancelled by their callers            {}",
        t.cancelled.load(Ordering::Relaxed)
    );
    println!(
        "  sent with expired credentials         {}",
        t.expired_credentials_sent.load(Ordering::Relaxed)
    );
    println!("  spurious session ends                 {ends}");
    println!(
        "  failed outside the outage             {} ({} transient: a throttle or 5xx with nothing valid to serve)",
        t.failed_outside.load(Ordering::Relaxed),
        t.transient_outside.load(Ordering::Relaxed)
    );
    println!(
        "  failed in the outage (+5 min after)   {}",
        t.failed_in_outage.load(Ordering::Relaxed)
    );
    println!("  GetCredentialsForIdentity calls in it {outage_calls}");
    for i in 0..2 {
        println!(
            "  session {i}: token refreshes per lifetime {:.2}, credential exchanges per lifetime {:.2}",
            per_token_lifetime(&tokens[i]),
            per_credentials_lifetime(&credentials[i])
        );
    }
    println!(
        "  slowest request (wall clock)          {} ms",
        t.max_latency_us.load(Ordering::Relaxed) / 1_000
    );

    for failure in t.failures.lock().expect("lock").iter() {
        println!("  non-transient failure outside the outage: {failure}");
    }
    assert!(outage.is_some(), "the outage happened");
    assert_eq!(t.expired_credentials_sent.load(Ordering::Relaxed), 0);
    assert_eq!(ends, 0, "no spurious sign-out");
    let hard =
        t.failed_outside.load(Ordering::Relaxed) - t.transient_outside.load(Ordering::Relaxed);
    assert_eq!(
        hard, 0,
        "outside the outage, only retryable service errors may reach a caller"
    );
    let transient = t.transient_outside.load(Ordering::Relaxed);
    assert!(
        transient * 100 <= t.requests.load(Ordering::Relaxed),
        "at most 1% transient: {transient}"
    );
    for i in 0..2 {
        let r = per_token_lifetime(&tokens[i]);
        assert!(
            (0.9..=1.6).contains(&r),
            "session {i}: {r} token refreshes per lifetime"
        );
        let r = per_credentials_lifetime(&credentials[i]);
        assert!(
            (0.9..=1.9).contains(&r),
            "session {i}: {r} exchanges per lifetime"
        );
    }
    assert!(
        outage_calls < 40,
        "the outage is not hammered: {outage_calls} calls"
    );
}
