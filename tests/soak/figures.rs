//! The soak's figures, every one read from the emulator's call log (what the server saw), and
//! the children's reports only for what only they can know (a session that ended, a runtime's
//! stall, what a caller got).
//!
//! - **Refused for expiry**: requests the server refused because something they carried had
//!   expired (credentials, a token at the authorizer, a login token at the identity pool, a
//!   signature outside its window). 0, except in a window an injected lie or clock step
//!   excuses — and each of those rescued by exactly one retry (the same request, named in its
//!   user agent, answered 200 next). A request signed (its `X-Amz-Date`) 10 s or more before
//!   it arrived is counted apart: the SDK never signs with less than 10 s left, so it expired
//!   on the way (at 100x time, 100 ms of scheduling on a loaded machine).
//! - **Session ends**: 0 (nothing in the run revokes a sign-in).
//! - **Refreshes**: each session refreshes each token generation once: successful refresh
//!   calls closer than half a token lifetime apart are duplicates (0, outside clock-step
//!   windows); a lost rotation race shows as one `RefreshTokenReuseException` (counted).
//!   The same for credentials exchanges (half a credentials lifetime).
//! - **Stall**: the largest lag of each process's 10 ms ticker, less the time its thread
//!   waited for a CPU (the three processes and the emulator share the machine's cores): at
//!   most 50 ms.
//! - **Outage**: after the identity pool's 10-minute outage, each session refused during it
//!   tries again within 60 s (its backoff's cap) plus a step; meanwhile no second holds more
//!   than 20% of the sessions retrying.

use std::collections::{BTreeMap, HashMap};
use std::time::UNIX_EPOCH;

use cognito_sigv4_emulator::{CallRecord, RefusalReason, RunningEmulator};

use super::child::{Failure, Report};

/// How soon after the outage every session that failed in it tries again: the backoff's cap
/// (60 s), and for a session without a background task its caller's pace (100 ms, 10 simulated
/// seconds then) and a step.
const RECOVERY_LIMIT_SECS: f64 = 71.0;

/// When the run's faults happened (the emulator's epoch milliseconds).
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub start_ms: u64,
    pub end_ms: u64,
    /// The identity pool's outage.
    pub outage: (u64, u64),
    /// Where expiry refusals are the fault's doing.
    pub excused: Vec<Window>,
    pub lies: u64,
    pub lock_holds: u64,
    /// When the store's lock was held: the sessions that waited on it go on together when it
    /// is released, which is the lock's doing, not their backoffs'.
    pub lock_held: Vec<(u64, u64)>,
}

/// A span where refusals for expiry are excused: for one process or all.
#[derive(Debug, Clone)]
pub struct Window {
    process: Option<usize>,
    from_ms: u64,
    to_ms: u64,
    pub why: &'static str,
}

impl Window {
    pub fn all(from_ms: u64, length_ms: u64, why: &'static str) -> Self {
        Self {
            process: None,
            from_ms,
            to_ms: from_ms + length_ms,
            why,
        }
    }

    pub fn process(process: usize, from_ms: u64, length_ms: u64, why: &'static str) -> Self {
        Self {
            process: Some(process),
            from_ms,
            to_ms: from_ms + length_ms,
            why,
        }
    }

    fn covers(&self, process: Option<usize>, at_ms: u64) -> bool {
        (self.from_ms..=self.to_ms).contains(&at_ms)
            && (self.process.is_none() || self.process == process)
    }
}

impl Timeline {
    fn excuses(&self, process: Option<usize>, at_ms: u64) -> Option<&'static str> {
        self.excused
            .iter()
            .find(|w| w.covers(process, at_ms))
            .map(|w| w.why)
    }

    fn in_outage(&self, at_ms: u64, after_ms: u64) -> bool {
        (self.outage.0..=self.outage.1 + after_ms).contains(&at_ms)
    }
}

fn ms(record: &CallRecord) -> u64 {
    record
        .time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The session (`p1s3`) a record came from, by its user agent: the SDK's `app/p1s3`, or a
/// soak request's `soak/p1s3/r42` (which also names the request).
fn caller(record: &CallRecord) -> Option<(String, Option<String>)> {
    let ua = record.user_agent.as_deref().unwrap_or_default();
    if let Some(rest) = ua.strip_prefix("soak/") {
        let (session, request) = rest.split_once('/')?;
        return Some((session.to_owned(), Some(request.to_owned())));
    }
    let amz = record.amz_user_agent.as_deref().unwrap_or_default();
    [ua, amz].into_iter().find_map(|ua| {
        let name = ua.split_whitespace().find_map(|w| w.strip_prefix("app/"))?;
        Some((name.to_owned(), None))
    })
}

fn process_of(session: &str) -> Option<usize> {
    session.strip_prefix('p')?.split('s').next()?.parse().ok()
}

/// The figures of one run.
#[derive(Debug, Default)]
pub struct Figures {
    sessions: usize,
    requests: u64,
    ok: u64,
    cancelled: u64,
    calls: u64,
    /// Refused for expiry outside every excused window: (session, operation, reason).
    unexcused: Vec<String>,
    excused: u64,
    /// Refused for expiry after a transit longer than the SDK's send buffer: signed at least
    /// 10 s (simulated; 100 ms real) before they arrived, so with at least that much left.
    in_transit: Vec<String>,
    /// Excused refusals not followed by exactly one successful retry.
    unrescued: Vec<String>,
    session_ends: Vec<String>,
    refreshes: u64,
    refresh_calls: u64,
    lost_races: u64,
    refresh_duplicates: Vec<String>,
    refreshes_per_lifetime: f64,
    exchanges: u64,
    exchange_duplicates: Vec<String>,
    exchanges_per_lifetime: f64,
    max_stall_ms: u64,
    /// (process, runtime, stall, lag with the machine's load, when the stall ended in
    /// simulated seconds of the run) per process.
    lags: Vec<(usize, String, u64, u64, u64)>,
    outage_sessions: usize,
    outage_calls: u64,
    /// Per session that failed in the outage: seconds from its end to its next attempt.
    recovery_secs: Vec<f64>,
    /// The sessions of `recovery_secs`, in its order.
    recovery_sessions: Vec<String>,
    /// Seconds from its end to the next success (another injected fault may fail the first
    /// attempt), by session, slowest first.
    recovery: Vec<(f64, String)>,
    /// Seconds of the outage by how many sessions retried in them.
    spread: BTreeMap<usize, u64>,
    /// Caller-side failures outside the outage and excused windows.
    hard_failures: Vec<Failure>,
    soft_failures: u64,
    lies: u64,
    lock_holds: u64,
    dropped: u64,
    windows: Vec<String>,
    outage: (u64, u64),
    start_ms: u64,
}

/// Reads the figures.
pub fn compute(
    emu: &RunningEmulator,
    reports: &[Report],
    timeline: &Timeline,
    sessions: usize,
) -> Figures {
    let log = emu.call_log();
    let mut f = Figures {
        sessions,
        calls: log.len() as u64,
        dropped: emu.call_log_stats().dropped,
        lies: timeline.lies,
        lock_holds: timeline.lock_holds,
        windows: timeline
            .excused
            .iter()
            .map(|w| {
                format!(
                    "{} for {:?}: +{}s to +{}s",
                    w.why,
                    w.process,
                    w.from_ms.saturating_sub(timeline.start_ms) / 1_000,
                    w.to_ms.saturating_sub(timeline.start_ms) / 1_000
                )
            })
            .collect(),
        outage: timeline.outage,
        start_ms: timeline.start_ms,
        ..Figures::default()
    };
    // Requests whose caller gave up, or that ended in a retryable failure (an injected fault
    // on the way to new credentials): the server may see no retry of them.
    let given_up: std::collections::HashSet<&str> = reports
        .iter()
        .flat_map(|r| {
            r.given_up.iter().map(String::as_str).chain(
                r.failures
                    .iter()
                    .filter(|f| f.retryable)
                    .map(|f| f.request.as_str()),
            )
        })
        .collect();
    expiry_refusals(&log, timeline, &given_up, &mut f);
    generations(&log, timeline, &mut f);
    outage(&log, timeline, &mut f);
    // The session a failing recovery figure names is traced unasked: a run is not replayed
    // exactly by its seed, since its timing is the machine's.
    let slowest = f
        .recovery_secs
        .iter()
        .zip(f.recovery_sessions.iter())
        .filter(|(secs, _)| **secs > RECOVERY_LIMIT_SECS)
        .map(|(_, session)| session.clone());
    for session in std::env::var("SOAK_TRACE").into_iter().chain(slowest) {
        trace(&log, timeline, reports, &session);
    }
    for report in reports {
        f.max_stall_ms = f.max_stall_ms.max(report.max_stall_ms);
        f.lags.push((
            report.process,
            report.runtime.clone(),
            report.max_stall_ms,
            report.max_lag_ms,
            // 10 ms of real time is one simulated second.
            report.max_stall_at_ms / 10,
        ));
        for s in &report.sessions {
            f.requests += s.requests;
            f.ok += s.ok;
            f.cancelled += s.cancelled;
            if s.ended {
                f.session_ends.push(s.name.clone());
            }
        }
        for failure in &report.failures {
            let excused = timeline.in_outage(failure.at_ms, 300_000)
                || timeline
                    .excuses(process_of(&failure.session), failure.at_ms)
                    .is_some();
            if excused {
                continue;
            }
            if failure.retryable {
                f.soft_failures += 1;
            } else {
                f.hard_failures.push(failure.clone());
            }
        }
    }
    f
}

/// The SDK's send buffer: it never signs with credentials that have less left.
const SEND_BUFFER_MS: u64 = 10_000;

/// Expiry refusals, excused or not, and whether each excused one was rescued by one retry.
fn expiry_refusals(
    log: &[CallRecord],
    timeline: &Timeline,
    given_up: &std::collections::HashSet<&str>,
    f: &mut Figures,
) {
    // A request's records, in order, by its name.
    let mut by_request: HashMap<(String, String), Vec<&CallRecord>> = HashMap::new();
    for r in log {
        if let Some((session, Some(request))) = caller(r) {
            by_request.entry((session, request)).or_default().push(r);
        }
    }
    for r in log {
        let Some(reason) = r.reason().filter(|reason| reason.is_expiry()) else {
            continue;
        };
        let who = caller(r);
        let session = who.as_ref().map_or("?", |(s, _)| s.as_str()).to_owned();
        let at = ms(r);
        let what = format!(
            "{session} {} {} at +{}s",
            r.operation,
            reason.name(),
            (at.saturating_sub(timeline.start_ms)) / 1_000
        );
        let transit_ms = r
            .signed_at
            .and_then(|signed| r.time.duration_since(signed).ok())
            .map_or(0, |d| d.as_millis() as u64);
        if timeline.excuses(process_of(&session), at).is_none() && transit_ms >= SEND_BUFFER_MS {
            f.in_transit.push(format!(
                "{what} after {:.1} s in transit",
                transit_ms as f64 / 1e3
            ));
            continue;
        }
        if timeline.excuses(process_of(&session), at).is_none() {
            // What the session's credentials were: its exchanges just before.
            let exchanges: Vec<String> = log
                .iter()
                .filter(|x| {
                    &*x.operation == "GetCredentialsForIdentity"
                        && x.seq < r.seq
                        && caller(x).is_some_and(|(s, _)| s == session)
                        && ms(x) + 1_000_000 > at
                })
                .map(|x| format!("{}@-{}s", x.status, (at - ms(x)) / 1_000))
                .collect();
            f.unexcused
                .push(format!("{what} (exchanges before: {exchanges:?})"));
            continue;
        }
        f.excused += 1;
        // An API request's expiry refusal must be followed by one retry, answered 200.
        if let Some((s, Some(request))) = who {
            let named = format!("{s}/{request}");
            let records = &by_request[&(s, request)];
            let after: Vec<_> = records
                .iter()
                .skip_while(|x| x.seq != r.seq)
                .skip(1)
                .collect();
            // A caller that gave up before the retry, or a fault on the way, leaves none.
            let rescued = after.len() == 1 && after[0].status == 200
                || after.is_empty() && given_up.contains(named.as_str());
            if !rescued {
                f.unrescued.push(format!(
                    "{what}: then {:?}",
                    after
                        .iter()
                        .map(|x| (x.status, x.reason().map(RefusalReason::name)))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
}

/// Refreshes and exchanges per session: duplicates, lost races, per lifetime.
fn generations(log: &[CallRecord], timeline: &Timeline, f: &mut Figures) {
    let mut refreshes: HashMap<String, Vec<u64>> = HashMap::new();
    let mut exchanges: HashMap<String, Vec<u64>> = HashMap::new();
    for r in log {
        let Some((session, None)) = caller(r) else {
            continue;
        };
        match &*r.operation {
            "GetTokensFromRefreshToken" => {
                f.refresh_calls += 1;
                if r.status == 200 {
                    refreshes.entry(session).or_default().push(ms(r));
                } else if r.reason() == Some(RefusalReason::RefreshTokenReuse) {
                    f.lost_races += 1;
                }
            }
            "GetCredentialsForIdentity" if r.status == 200 => {
                exchanges.entry(session).or_default().push(ms(r));
            }
            _ => {}
        }
    }
    let run_ms = (timeline.end_ms - timeline.start_ms).max(1) as f64;
    let duplicates = |by: &HashMap<String, Vec<u64>>, min_gap_ms: u64, out: &mut Vec<String>| {
        for (session, times) in by {
            for pair in times.windows(2) {
                let gap = pair[1] - pair[0];
                if gap < min_gap_ms && timeline.excuses(process_of(session), pair[1]).is_none() {
                    out.push(format!("{session}: {gap} ms apart at {}", pair[1]));
                }
            }
        }
    };
    duplicates(&refreshes, 150_000, &mut f.refresh_duplicates);
    duplicates(&exchanges, 450_000, &mut f.exchange_duplicates);
    f.refreshes = refreshes.values().map(|v| v.len() as u64).sum();
    f.exchanges = exchanges.values().map(|v| v.len() as u64).sum();
    // Refreshes are shared by every session through the store; exchanges are each session's.
    f.refreshes_per_lifetime = f.refreshes as f64 / (run_ms / 300_000.0);
    f.exchanges_per_lifetime = f.exchanges as f64 / f.sessions.max(1) as f64 / (run_ms / 900_000.0);
}

/// Prints one session's calls as the server saw them, and its caller's failures: what to read
/// when a figure names a session (`SOAK_TRACE=p2s4`).
fn trace(log: &[CallRecord], timeline: &Timeline, reports: &[Report], session: &str) {
    let rel = |at_ms: u64| (at_ms as f64 - timeline.start_ms as f64) / 1_000.0;
    println!("trace of {session}'s Cognito calls and refused requests (seconds from the start):");
    for r in log {
        let routine = r.service == "execute-api" && r.status == 200;
        if !routine && caller(r).is_some_and(|(s, _)| s == session) {
            let why = r
                .refusal
                .as_ref()
                .map(|x| format!("{x:?}"))
                .unwrap_or_default();
            let fault = r
                .fault
                .as_ref()
                .map(|x| format!(" fault {x:?}"))
                .unwrap_or_default();
            println!(
                "  +{:9.1} {} {} {why}{fault}",
                rel(ms(r)),
                r.operation,
                r.status
            );
        }
    }
    let failures = reports.iter().flat_map(|r| &r.failures);
    for failure in failures.filter(|f| f.session == session) {
        println!(
            "  +{:9.1} caller: {} {}",
            rel(failure.at_ms),
            failure.request,
            failure.what
        );
    }
}

/// Who failed in the outage, how soon each recovered, and how retries spread.
fn outage(log: &[CallRecord], timeline: &Timeline, f: &mut Figures) {
    let (start, end) = timeline.outage;
    let mut failed = HashMap::new();
    let mut per_second: BTreeMap<u64, std::collections::HashSet<String>> = BTreeMap::new();
    let mut recovered: HashMap<String, u64> = HashMap::new();
    let mut attempted: HashMap<String, u64> = HashMap::new();
    for r in log {
        if !matches!(&*r.operation, "GetCredentialsForIdentity" | "GetId") {
            continue;
        }
        let Some((session, None)) = caller(r) else {
            continue;
        };
        let at = ms(r);
        if (start..end).contains(&at) {
            f.outage_calls += 1;
            // Only a refused call is a failure: one that the outage's faults, injected a moment
            // after its start was noted, let through succeeded, and its session's next call is
            // due a credentials lifetime later, not after a backoff.
            if r.status == 200 {
                continue;
            }
            // A session's first failure is its refresh falling due; what follows are retries,
            // but not those a held store lock released together (10 s after it).
            let released = |&(from, to): &(u64, u64)| (from..to + 10_000).contains(&at);
            if failed.insert(session.clone(), ()).is_some()
                && !timeline.lock_held.iter().any(released)
            {
                per_second.entry(at / 1_000).or_default().insert(session);
            }
        } else if at >= end && &*r.operation == "GetCredentialsForIdentity" {
            attempted.entry(session.clone()).or_insert(at);
            if r.status == 200 {
                recovered.entry(session).or_insert(at);
            }
        }
    }
    f.outage_sessions = failed.len();
    for session in failed.keys() {
        let secs = recovered
            .get(session)
            .map_or(f64::INFINITY, |at| (at - end) as f64 / 1_000.0);
        f.recovery.push((secs, session.clone()));
        let tried = attempted
            .get(session)
            .map_or(f64::INFINITY, |at| (at - end) as f64 / 1_000.0);
        f.recovery_secs.push(tried);
        f.recovery_sessions.push(session.clone());
    }
    f.recovery.sort_by(|a, b| b.0.total_cmp(&a.0));
    for sessions in per_second.values() {
        *f.spread.entry(sessions.len()).or_default() += 1;
    }
}

impl Figures {
    /// The table.
    pub fn print(&self, seed: u64, hours: f64) {
        let pct = |n: u64| 100.0 * n as f64 / self.requests.max(1) as f64;
        println!(
            "soak: {hours} simulated hours, seed {seed}, {} sessions in 3 processes sharing one rotating FileStore",
            self.sessions
        );
        println!(
            "  requests                                  {} ({} ok, {} given up by their callers)",
            self.requests, self.ok, self.cancelled
        );
        println!(
            "  calls the emulator logged                 {} (dropped from the log: {})",
            self.calls, self.dropped
        );
        println!(
            "  refused for expiry, not excused           {}",
            self.unexcused.len()
        );
        println!(
            "  refused for expiry after >10 s in transit {}",
            self.in_transit.len()
        );
        println!(
            "  refused for expiry after a lie or a step  {} ({} not rescued by exactly one retry)",
            self.excused,
            self.unrescued.len()
        );
        println!(
            "  lying Dates, lock holds                   {}, {}",
            self.lies, self.lock_holds
        );
        println!(
            "  session ends                              {}",
            self.session_ends.len()
        );
        println!(
            "  refreshes per token lifetime, all sessions {:.2} ({} successful of {} calls; one per generation refreshed 60-90 s early is 1.25-1.43)",
            self.refreshes_per_lifetime, self.refreshes, self.refresh_calls
        );
        println!(
            "  duplicate refreshes                       {} (lost rotation races: {}, each a RefreshTokenReuseException)",
            self.refresh_duplicates.len(),
            self.lost_races
        );
        println!(
            "  exchanges per credentials lifetime, each  {:.2} ({} successful)",
            self.exchanges_per_lifetime, self.exchanges
        );
        println!(
            "  duplicate exchanges                       {}",
            self.exchange_duplicates.len()
        );
        for (process, runtime, stall, lag, at) in &self.lags {
            println!(
                "  worker stall, process {process} ({runtime})      {stall} ms (lag {lag} ms with waits for a CPU; ended about +{at}s)"
            );
        }
        let worst = self.recovery_secs.iter().copied().fold(0.0, f64::max);
        println!(
            "  outage: sessions failing in it            {} ({} calls in 10 minutes)",
            self.outage_sessions, self.outage_calls
        );
        println!("  outage: slowest first attempt after it    {worst:.0} s");
        println!(
            "  outage: slowest first success after it    {:.0} s ({:?})",
            self.recovery.first().map_or(0.0, |r| r.0),
            self.recovery.iter().take(3).collect::<Vec<_>>()
        );
        println!(
            "  outage: most sessions retrying in a second allowed {}",
            self.spread_allowed()
        );
        println!(
            "  outage: seconds by sessions retrying      {:?}",
            self.spread
        );
        println!(
            "  failed outside the outage                 {} retryable ({:.2}%), {} not",
            self.soft_failures,
            pct(self.soft_failures),
            self.hard_failures.len()
        );
        for w in self.in_transit.iter().take(10) {
            println!("    in transit: {w}");
        }
        for w in self.unexcused.iter().take(10) {
            println!("    not excused: {w}");
        }
        for w in self.unrescued.iter().take(10) {
            println!("    not rescued: {w}");
        }
        for w in self
            .refresh_duplicates
            .iter()
            .chain(&self.exchange_duplicates)
            .take(10)
        {
            println!("    duplicate: {w}");
        }
        println!(
            "    outage: +{}s to +{}s",
            self.outage.0.saturating_sub(self.start_ms) / 1_000,
            self.outage.1.saturating_sub(self.start_ms) / 1_000
        );
        for w in &self.windows {
            println!("    window: {w}");
        }
        for fl in self.hard_failures.iter().take(10) {
            println!(
                "    failed: {} {} at {}: {}",
                fl.session, fl.path, fl.at_ms, fl.what
            );
        }
    }

    /// The most sessions that may retry in one second of the outage: 20% of them, or what
    /// independent retries at the run's own rate reach by chance (a Poisson mean plus five
    /// standard deviations, plus one), whichever is larger. Lockstep retries exceed both.
    fn spread_allowed(&self) -> usize {
        // Over every second of the outage, those without a retry too.
        let outage_secs = self.outage.1.saturating_sub(self.outage.0) / 1_000;
        let seconds = outage_secs.max(self.spread.values().sum());
        let retries: u64 = self.spread.iter().map(|(n, s)| *n as u64 * s).sum();
        let mean = retries as f64 / seconds.max(1) as f64;
        let by_chance = (mean + 5.0 * mean.sqrt()).ceil() as usize + 1;
        (self.sessions / 5).max(by_chance)
    }

    /// The promise, as figures.
    pub fn check(&self) {
        assert_eq!(self.dropped, 0, "the call log held the whole run");
        assert!(
            self.requests > 0 && self.ok * 2 > self.requests,
            "the run did work"
        );
        assert_eq!(
            self.unexcused,
            Vec::<String>::new(),
            "no request sent expired"
        );
        assert_eq!(
            self.unrescued,
            Vec::<String>::new(),
            "each excused refusal rescued by one retry"
        );
        assert_eq!(
            self.session_ends,
            Vec::<String>::new(),
            "no spurious sign-out"
        );
        assert_eq!(
            self.refresh_duplicates,
            Vec::<String>::new(),
            "one refresh per generation"
        );
        assert_eq!(
            self.exchange_duplicates,
            Vec::<String>::new(),
            "one exchange per generation"
        );
        assert!(
            self.max_stall_ms <= 50,
            "no worker stalled over 50 ms: {:?}",
            self.lags
        );
        assert!(self.outage_sessions > 0, "the outage was felt");
        let worst = self.recovery_secs.iter().copied().fold(0.0, f64::max);
        assert!(
            worst <= RECOVERY_LIMIT_SECS,
            "tried again within 60 s of the outage's end: {worst}"
        );
        let most = self.spread.keys().max().copied().unwrap_or(0);
        let allowed = self.spread_allowed();
        assert!(
            most <= allowed,
            "retries spread: at most {allowed} sessions in one second, got {:?}",
            self.spread
        );
        assert!(
            self.hard_failures.is_empty(),
            "only retryable failures reach callers"
        );
        assert!(
            self.soft_failures * 100 <= self.requests,
            "at most 1% retryable failures"
        );
    }
}
