//! Zero-stall refresh: request latency through [`ApiClient`] while a session with background
//! refresh crosses its refresh window, beside the steady-state latency of the same run (issue
//! 17's target: the slowest request across a refresh boundary at most 1.1 × the steady p99).
//!
//! ```text
//! cargo run --release -p cognito-sigv4-benches --bin refresh_stall [-- BOUNDARIES CONCURRENCY]
//! ```
//!
//! The emulator's Cognito operations all take 50 ms more (fault injection), so a refresh that
//! any request waited for would show as a 50–100 ms request. `CONCURRENCY` workers each start
//! a request every 2 ms, alternately `GET /cip` (SigV4 with the session's credentials) and
//! `GET /cup` (the session's ID token). A driver moves the manual clock that the emulator and
//! the session share: quickly (10 s a millisecond) up to just before the earliest refresh time
//! jitter allows, then at 250× real time until both tokens and credentials have been
//! renewed by the background task, and on to the next boundary.
//!
//! A request belongs to a boundary when it overlaps one of its two refreshes (tokens,
//! credentials), each from the emulator admitting its call (less 5 ms, for the client's work
//! before sending) to its renewal seen (plus 5 ms); it is steady when it is at least 200 ms
//! away from every refresh. The
//! report gives the steady percentiles, each boundary's slowest request, and the same
//! statistic over steady windows as long as a boundary, since the slowest of a few hundred
//! requests on a shared machine is itself a tail figure.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use cognito_sigv4::client::{ApiClient, AuthMode};
use cognito_sigv4::secret::Password;
use cognito_sigv4::{Clock, ManualClock, Session, SignInOutcome, SystemClock};
use cognito_sigv4_emulator::{Emulator, Fault, Seed};
use hdrhistogram::Histogram;

/// The Cognito operations a session calls; each gets the injected latency.
const COGNITO_OPERATIONS: [&str; 5] = [
    "InitiateAuth",
    "RespondToAuthChallenge",
    "GetTokensFromRefreshToken",
    "GetId",
    "GetCredentialsForIdentity",
];
const LATENCY: Duration = Duration::from_millis(50);
/// Each worker starts a request at most this often.
const PACE: Duration = Duration::from_millis(2);

/// One request: when it started and how long it took, in microseconds from the run's start.
#[derive(Clone, Copy)]
struct Sample {
    start: u64,
    micros: u64,
}

/// A refresh boundary, in microseconds from the run's start.
#[derive(Clone, Copy)]
struct Boundary {
    from: u64,
    to: u64,
}

#[allow(
    clippy::disallowed_methods,
    reason = "a benchmark measures wall time with the real clock"
)]
fn now_instant() -> std::time::Instant {
    std::time::Instant::now()
}

fn histogram(samples: impl Iterator<Item = u64>) -> Histogram<u64> {
    let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
    for s in samples {
        h.saturating_record(s.max(1));
    }
    h
}

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .map(|a| a.parse().expect("a number"))
            .unwrap_or(default)
    };
    let (boundaries, concurrency) = (arg(1, 20), arg(2, 2));
    // The service's clock and the device's: one manual clock, started at the real time.
    let now = SystemClock
        .now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    let clock = ManualClock::at_epoch_secs(now.as_secs());
    // The emulator on its own threads, as Cognito and API Gateway are elsewhere: its CPU work
    // (RS256 signatures of new tokens, SigV4 checks) must not hold up the client's runtime,
    // whose cooperative scheduling would turn it into client latency.
    let service = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("emulator")
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = service
        .block_on(
            Emulator::builder()
                .seed(Seed::reference())
                .clock(clock.clone())
                .start(),
        )
        .expect("emulator");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run(boundaries, concurrency, &emulator, clock));
    service.block_on(emulator.shutdown());
}

async fn run(
    boundaries: usize,
    concurrency: usize,
    emulator: &cognito_sigv4_emulator::RunningEmulator,
    clock: ManualClock,
) {
    for operation in COGNITO_OPERATIONS {
        emulator.inject_fault_rate(operation, Fault::Latency(LATENCY), 1.0);
    }
    let config = emulator.config("quickstart", "web").expect("config");
    let SignInOutcome::Done(session) = Session::builder(config)
        .clock(clock.clone())
        .background_refresh(true)
        .background_poll(Duration::from_millis(5))
        .sign_in("jdoe", &Password::new("Quickstart-Passw0rd!"))
        .await
        .expect("sign in")
    else {
        panic!("unexpected challenge")
    };
    session.credentials().await.expect("credentials");
    let api = ApiClient::builder("http://abc123defg.execute-api.us-east-1.amazonaws.com/prod")
        .connect_to(emulator.addr())
        .session(&session)
        .route(None, "/cup", AuthMode::id_token())
        .build()
        .expect("api client");

    let t0 = now_instant();
    let micros = move || u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX);
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let (api, stop) = (api.clone(), stop.clone());
            tokio::spawn(async move {
                let mut samples = Vec::with_capacity(1 << 20);
                let mut i = w;
                // Paced, not back to back: a saturated CPU would measure its run queue.
                let mut tick = tokio::time::interval(PACE);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    let path = if i % 2 == 0 { "/cip" } else { "/cup" };
                    i += 1;
                    let start = micros();
                    let response = api
                        .request(http::Method::GET, path)
                        .send()
                        .await
                        .expect("request");
                    let took = micros() - start;
                    assert_eq!(response.status(), 200, "{path}: {}", response.text());
                    samples.push(Sample {
                        start,
                        micros: took,
                    });
                }
                samples
            })
        })
        .collect();

    // Steady state first, then the boundaries, each followed by steady time.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut found = Vec::with_capacity(boundaries);
    for _ in 0..boundaries {
        found.push(cross_boundary(&session, emulator, &clock, micros).await);
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut samples = Vec::new();
    for w in workers {
        samples.extend(w.await.expect("worker"));
    }
    report(&samples, &found);
}

/// Moves the clock through one refresh window and returns when the refresh ran.
async fn cross_boundary(
    session: &Session,
    emulator: &cognito_sigv4_emulator::RunningEmulator,
    clock: &ManualClock,
    micros: impl Fn() -> u64,
) -> [Boundary; 2] {
    let tokens_until = session.tokens_expire_at().expect("tokens");
    let credentials_until = session.credentials_expire_at().expect("credentials");
    // The earliest refresh time jitter allows: 5 minutes × 1.5 before the first expiry.
    let earliest = tokens_until.min(credentials_until) - Duration::from_secs(460);
    // Quickly there, in steps far below SigV4's 5-minute window (requests in flight stay
    // valid).
    while clock.now() < earliest {
        clock.advance(Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // Each refresh runs from the emulator's admission of its call (less 5 ms for the client's
    // work before sending) to the renewal seen here (plus 5 ms).
    let (tokens_calls, credentials_calls) = (
        emulator.calls("InitiateAuth"),
        emulator.calls("GetCredentialsForIdentity"),
    );
    let (mut tokens, mut credentials) = (Refresh::default(), Refresh::default());
    // Then at 250× real time (a second every 4 ms) until both are renewed: a background
    // refresh then has more than a second of real time, however busy the machine.
    while tokens.to.is_none() || credentials.to.is_none() {
        clock.advance(Duration::from_millis(250));
        tokio::time::sleep(Duration::from_millis(1)).await;
        let t = micros();
        tokens.observe(
            t,
            emulator.calls("InitiateAuth") > tokens_calls,
            session.tokens_expire_at().is_some_and(|e| e > tokens_until),
        );
        credentials.observe(
            t,
            emulator.calls("GetCredentialsForIdentity") > credentials_calls,
            session
                .credentials_expire_at()
                .is_some_and(|e| e > credentials_until),
        );
        assert!(
            clock.now() < credentials_until.min(tokens_until),
            "the background refresh did not finish before expiry: tokens {:?}, credentials {:?}",
            (tokens.from, tokens.to),
            (credentials.from, credentials.to),
        );
    }
    [tokens.window(), credentials.window()]
}

/// When one refresh was seen to start and end, in microseconds from the run's start.
#[derive(Default)]
struct Refresh {
    from: Option<u64>,
    to: Option<u64>,
}

impl Refresh {
    fn observe(&mut self, now: u64, called: bool, renewed: bool) {
        if called && self.from.is_none() {
            self.from = Some(now.saturating_sub(PADDING));
        }
        if renewed && self.to.is_none() {
            self.to = Some(now + PADDING);
            self.from.get_or_insert(now.saturating_sub(PADDING));
        }
    }

    fn window(&self) -> Boundary {
        let to = self.to.unwrap_or_default();
        Boundary {
            from: self.from.unwrap_or(to),
            to,
        }
    }
}

/// Added on both sides of a refresh's observed window, in microseconds: the client's work
/// before its call is sent and after its answer, and the driver's 1 ms polling.
const PADDING: u64 = 5_000;

fn report(samples: &[Sample], boundaries: &[[Boundary; 2]]) {
    const GUARD: u64 = 200_000;
    let overlaps = |s: &Sample, b: &Boundary| s.start <= b.to && s.start + s.micros >= b.from;
    let widened = |b: &Boundary| Boundary {
        from: b.from.saturating_sub(GUARD),
        to: b.to + GUARD,
    };
    let steady: Vec<Sample> = samples
        .iter()
        .filter(|s| {
            !boundaries
                .iter()
                .flatten()
                .any(|b| overlaps(s, &widened(b)))
        })
        .copied()
        .collect();
    let h = histogram(steady.iter().map(|s| s.micros));
    let p99 = h.value_at_quantile(0.99);
    println!(
        "steady: {} requests, p50 {} µs, p90 {} µs, p99 {} µs, p99.9 {} µs, max {} µs",
        h.len(),
        h.value_at_quantile(0.5),
        h.value_at_quantile(0.9),
        p99,
        h.value_at_quantile(0.999),
        h.max()
    );
    let slowest = |windows: &[Boundary], among: &[Sample]| {
        let inside: Vec<u64> = among
            .iter()
            .filter(|s| windows.iter().any(|w| overlaps(s, w)))
            .map(|s| s.micros)
            .collect();
        (inside.len(), inside.iter().copied().max().unwrap_or(0))
    };
    let (mut maxima, mut control, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    for (i, [tokens, credentials]) in boundaries.iter().enumerate() {
        let (n, max) = slowest(&[*tokens, *credentials], samples);
        // The same statistic on steady requests: windows as long, 600 ms after the boundary.
        let shift = |b: &Boundary| {
            let at = tokens.to.max(credentials.to)
                + 600_000
                + (b.from - tokens.from.min(credentials.from));
            Boundary {
                from: at,
                to: at + (b.to - b.from),
            }
        };
        let (_, steady_max) = slowest(&[shift(tokens), shift(credentials)], &steady);
        println!(
            "boundary {i}: token refresh {:.0} ms, credentials refresh {:.0} ms, {n} requests \
             in flight, slowest {max} µs ({:.2} × steady p99); steady windows as long: \
             slowest {steady_max} µs",
            (tokens.to - tokens.from) as f64 / 1000.0,
            (credentials.to - credentials.from) as f64 / 1000.0,
            max as f64 / p99 as f64,
        );
        maxima.push(max);
        control.push(steady_max);
        counts.push(n);
    }
    // Every boundary's requests together, beside the steady ones: whether refreshes move the
    // distribution, not only its slowest draw.
    let pooled = histogram(
        samples
            .iter()
            .filter(|s| boundaries.iter().flatten().any(|b| overlaps(s, b)))
            .map(|s| s.micros),
    );
    println!(
        "every boundary's requests together: {} requests, p50 {} µs, p90 {} µs, p99 {} µs \
         ({:.2} × steady p99)",
        pooled.len(),
        pooled.value_at_quantile(0.5),
        pooled.value_at_quantile(0.9),
        pooled.value_at_quantile(0.99),
        pooled.value_at_quantile(0.99) as f64 / p99 as f64,
    );
    let worst = maxima.iter().copied().max().unwrap_or(0);
    maxima.sort_unstable();
    control.sort_unstable();
    counts.sort_unstable();
    let median = |v: &[u64]| v.get(v.len() / 2).copied().unwrap_or(0);
    println!(
        "{} boundaries, a median {} requests in flight during each one's refreshes",
        boundaries.len(),
        counts.get(counts.len() / 2).copied().unwrap_or(0)
    );
    println!(
        "median boundary's slowest request: {} µs = {:.2} × steady p99 ({p99} µs) (target <= 1.1); \
         median of steady windows as long: {} µs = {:.2} × steady p99",
        median(&maxima),
        median(&maxima) as f64 / p99 as f64,
        median(&control),
        median(&control) as f64 / p99 as f64,
    );
    println!(
        "slowest request across every boundary: {worst} µs = {:.2} × steady p99; slowest steady: {} µs",
        worst as f64 / p99 as f64,
        h.max()
    );
}
