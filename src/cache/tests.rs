//! The cache's rules, one test each, on a manual clock.
use super::*;
use crate::ErrorKind;
use crate::time::ManualClock;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const MARGIN: Duration = Duration::from_secs(60);

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A cell whose refresh times and backoffs are exact, for tests that step through them.
fn cell() -> ExpiringCell<u32> {
    ExpiringCell::new()
        .with_max_jitter(0.0)
        .with_exact_backoff()
}

#[tokio::test]
async fn fresh_value_is_served_without_refresh() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = cell();
    cell.set(7, clock.now(), clock.now() + secs(600));
    let v = cell
        .get_or_refresh(&clock, MARGIN, || async {
            panic!("no refresh while fresh")
        })
        .await;
    assert_eq!(v.ok(), Some(7));
}

#[test]
fn a_value_is_due_at_the_first_instant_of_its_margin() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = cell();
    cell.set(1, clock.now(), clock.now() + secs(600));
    clock.advance(secs(539));
    assert_eq!(cell.get_fresh(clock.now(), MARGIN), Some(1));
    // Exactly 60 s before expiry: due, as `next_refresh_at` says.
    clock.advance(secs(1));
    assert_eq!(cell.get_fresh(clock.now(), MARGIN), None);
    assert_eq!(cell.next_refresh_at(&clock, MARGIN), Some(clock.now()));
}

#[tokio::test]
async fn a_value_is_not_served_at_the_instant_it_expires() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = cell();
    cell.set(1, clock.now(), clock.now() + secs(600));
    clock.advance(secs(599));
    let down =
        || async { Err::<(u32, SystemTime), _>(Error::new(ErrorKind::ServiceUnavailable, "down")) };
    assert_eq!(
        cell.get_or_refresh(&clock, MARGIN, down).await.ok(),
        Some(1)
    );
    // Its expiry instant: no longer valid, so the failure is the answer.
    clock.advance(secs(1));
    assert!(cell.get_or_refresh(&clock, MARGIN, down).await.is_err());
}

#[test]
fn values_stored_at_the_same_moment_fall_due_at_spread_times() {
    let clock = ManualClock::at_epoch_secs(100_000);
    let due: std::collections::BTreeSet<SystemTime> = (0..50)
        .map(|_| {
            let cell = ExpiringCell::new();
            cell.set(1u32, clock.now(), clock.now() + secs(3_600));
            cell.next_refresh_at(&clock, MARGIN).expect("due")
        })
        .collect();
    // The margin is stretched by up to 50%: a fleet started together does not refresh at once.
    assert!(due.len() > 10, "{} distinct refresh times", due.len());
    let earliest = clock.now() + secs(3_600 - 90);
    let latest = clock.now() + secs(3_600 - 60);
    assert!(due.iter().all(|t| (earliest..=latest).contains(t)));
}

#[tokio::test]
async fn refreshes_within_the_margin_before_expiry() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = cell();
    cell.set(1, clock.now(), clock.now() + secs(600));
    clock.advance(secs(541)); // 59 s before expiry, inside the 60 s margin
    let exp = clock.now() + secs(600);
    let v = cell
        .get_or_refresh(&clock, MARGIN, || async move { Ok((2, exp)) })
        .await;
    assert_eq!(v.ok(), Some(2));
    assert_eq!(cell.expires_at(), Some(exp));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_gets_across_expiry_share_one_refresh() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = Arc::new(cell());
    cell.set(1, clock.now(), clock.now() + secs(600));
    clock.advance(secs(601)); // expired: everyone must wait for the new value
    let refreshes = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(tokio::sync::Notify::new());
    let mut tasks = Vec::with_capacity(10_000);
    for _ in 0..10_000 {
        let (cell, clock, refreshes, gate) =
            (cell.clone(), clock.clone(), refreshes.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            cell.get_or_refresh(&clock, MARGIN, || async {
                refreshes.fetch_add(1, Ordering::SeqCst);
                // Hold the refresh open until released, so the others pile up behind it.
                gate.notified().await;
                Ok((2, clock.now() + secs(600)))
            })
            .await
        }));
    }
    // Bounded wait until the one refresher is in flight, then release it.
    for _ in 0..1_000 {
        if refreshes.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    gate.notify_one();
    for t in tasks {
        assert_eq!(t.await.ok().and_then(|r| r.ok()), Some(2));
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
}

/// 1,000 callers queue behind one attempt that fails with `error()`: every one gets that
/// error, and the refresh ran once.
async fn callers_share_one_failure(
    cell: &Arc<ExpiringCell<u32>>,
    clock: &ManualClock,
    error: fn() -> Error,
) {
    let attempts = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(tokio::sync::Notify::new());
    let mut tasks = Vec::new();
    for _ in 0..1_000 {
        let (cell, clock, attempts, started, gate) = (
            cell.clone(),
            clock.clone(),
            attempts.clone(),
            started.clone(),
            gate.clone(),
        );
        tasks.push(tokio::spawn(async move {
            started.fetch_add(1, Ordering::SeqCst);
            cell.get_or_refresh(&clock, MARGIN, || async {
                // Only the first attempt is held open; a later one would fail at once.
                if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
                    gate.notified().await;
                }
                Err::<(u32, SystemTime), _>(error())
            })
            .await
        }));
    }
    // Bounded wait until every caller has started and queued behind the one attempt.
    for _ in 0..2_000 {
        if started.load(Ordering::SeqCst) == 1_000 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    gate.notify_one();
    let expected = error();
    for t in tasks {
        let e = t.await.ok().and_then(|r| r.err());
        assert_eq!(e.as_ref().map(|e| e.kind()), Some(expected.kind()));
        assert_eq!(
            e.as_ref().and_then(|e| e.service_code()),
            expected.service_code()
        );
    }
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        1,
        "waiters shared the one failure"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_failed_refresh() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = Arc::new(cell());
    callers_share_one_failure(&cell, &clock, || {
        Error::from_service("InternalErrorException", "boom")
    })
    .await;
    // After the backoff, the next caller tries again.
    clock.advance(secs(1));
    let exp = clock.now() + secs(600);
    assert_eq!(
        cell.get_or_refresh(&clock, MARGIN, || async move { Ok((3, exp)) })
            .await
            .ok(),
        Some(3)
    );
}

/// A refresh that finds the session ended ends it for the callers waiting on it too: none of
/// them tries again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_session_end() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = Arc::new(cell());
    callers_share_one_failure(&cell, &clock, || {
        Error::new(ErrorKind::SessionEnded, "the refresh token was revoked")
    })
    .await;
}

#[tokio::test]
async fn once_expired_a_failure_is_backed_off_not_retried_by_every_call() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = cell();
    let attempts = AtomicUsize::new(0);
    let fail = || async {
        attempts.fetch_add(1, Ordering::SeqCst);
        Err::<(u32, SystemTime), _>(Error::new(ErrorKind::Network, "down"))
    };
    let e = cell.get_or_refresh(&clock, MARGIN, fail).await;
    assert_eq!(e.err().map(|e| e.kind()), Some(ErrorKind::Network));
    // Within the backoff: the same error at once, no new attempt.
    for _ in 0..100 {
        let e = cell.get_or_refresh(&clock, MARGIN, fail).await;
        assert_eq!(e.err().map(|e| e.kind()), Some(ErrorKind::Network));
    }
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    // After it, one new attempt; it fails again and the backoff doubles.
    clock.advance(secs(1));
    let _ = cell.get_or_refresh(&clock, MARGIN, fail).await;
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    clock.advance(secs(1));
    let _ = cell.get_or_refresh(&clock, MARGIN, fail).await;
    assert_eq!(attempts.load(Ordering::SeqCst), 2, "backoff doubled to 2 s");
    // Recovery once the backoff has passed.
    clock.advance(secs(1));
    let exp = clock.now() + secs(600);
    let v = cell
        .get_or_refresh(&clock, MARGIN, || async move { Ok((5, exp)) })
        .await;
    assert_eq!(v.ok(), Some(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_that_arrives_expired_is_one_shared_failure_not_a_refresh_per_waiter() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = Arc::new(cell());
    let attempts = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(tokio::sync::Notify::new());
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let (cell, clock, attempts, gate) =
            (cell.clone(), clock.clone(), attempts.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            cell.get_or_refresh(&clock, MARGIN, || async {
                attempts.fetch_add(1, Ordering::SeqCst);
                gate.notified().await;
                // Expired by this clock on arrival (a device clock ahead of the service).
                Ok((2, clock.now() - secs(1)))
            })
            .await
        }));
    }
    for _ in 0..1_000 {
        if attempts.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    gate.notify_one();
    for t in tasks {
        let e = t.await.ok().and_then(|r| r.err());
        assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::InvalidResponse));
    }
    assert_eq!(attempts.load(Ordering::SeqCst), 1, "one attempt, shared");
    assert_eq!(cell.peek(), None, "an expired value is never held");
}

#[tokio::test]
async fn stale_while_valid_with_doubling_backoff_then_error_after_expiry() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = ExpiringCell::new()
        .with_max_jitter(0.0)
        .with_exact_backoff()
        .with_backoff(secs(1), secs(4));
    cell.set(1u32, clock.now(), clock.now() + secs(100));
    clock.advance(secs(80)); // due (margin 60), valid for 20 s more
    let attempts = AtomicUsize::new(0);
    let throttled = || async {
        attempts.fetch_add(1, Ordering::SeqCst);
        Err::<(u32, SystemTime), _>(Error::from_service("TooManyRequestsException", "slow"))
    };
    // Failure: the valid value is served, and the next attempt waits 1 s.
    assert_eq!(
        cell.get_or_refresh(&clock, MARGIN, throttled).await.ok(),
        Some(1)
    );
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    assert_eq!(
        cell.get_or_refresh(&clock, MARGIN, throttled).await.ok(),
        Some(1)
    );
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        1,
        "within backoff: no attempt"
    );
    assert_eq!(
        cell.next_refresh_at(&clock, MARGIN),
        Some(clock.now() + secs(1))
    );
    clock.advance(secs(1));
    assert_eq!(
        cell.get_or_refresh(&clock, MARGIN, throttled).await.ok(),
        Some(1)
    );
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    // Backoff doubled to 2 s.
    assert_eq!(
        cell.next_refresh_at(&clock, MARGIN),
        Some(clock.now() + secs(2))
    );
    clock.advance(secs(2));
    let _ = cell.get_or_refresh(&clock, MARGIN, throttled).await;
    clock.advance(secs(4));
    let _ = cell.get_or_refresh(&clock, MARGIN, throttled).await;
    // Capped at 4 s.
    assert_eq!(
        cell.next_refresh_at(&clock, MARGIN),
        Some(clock.now() + secs(4))
    );
    assert_eq!(attempts.load(Ordering::SeqCst), 4);
    // Past expiry the error reaches the caller.
    clock.advance(secs(20));
    let e = cell.get_or_refresh(&clock, MARGIN, throttled).await;
    assert_eq!(e.err().map(|e| e.kind()), Some(ErrorKind::Throttled));
    // And recovery, after the backoff, resets everything.
    clock.advance(secs(4));
    let exp = clock.now() + secs(100);
    assert_eq!(
        cell.get_or_refresh(&clock, MARGIN, || async move { Ok((9, exp)) })
            .await
            .ok(),
        Some(9)
    );
    assert_eq!(cell.next_refresh_at(&clock, MARGIN), Some(exp - secs(50)));
}

#[tokio::test]
async fn only_a_session_ended_error_drops_a_valid_value() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = cell();
    cell.set(1, clock.now(), clock.now() + secs(600));
    clock.advance(secs(560));
    // A refused exchange (the identity pool's "Token expired") keeps the valid value.
    let v = cell
        .get_or_refresh(&clock, MARGIN, || async {
            Err::<(u32, SystemTime), _>(Error::from_service(
                "NotAuthorizedException",
                "Invalid login token. Token expired",
            ))
        })
        .await;
    assert_eq!(v.ok(), Some(1));
    assert_eq!(cell.peek(), Some(1));
    // The owner's verdict that the session is over drops it.
    clock.advance(secs(1));
    let e = cell
        .get_or_refresh(&clock, MARGIN, || async {
            Err::<(u32, SystemTime), _>(
                Error::from_service("NotAuthorizedException", "Refresh Token has been revoked")
                    .with_kind(ErrorKind::SessionEnded),
            )
        })
        .await;
    let e = e.err();
    assert_eq!(e.as_ref().map(|e| e.kind()), Some(ErrorKind::SessionEnded));
    assert_eq!(
        e.and_then(|e| e.service_code().map(str::to_owned))
            .as_deref(),
        Some("NotAuthorizedException")
    );
    assert_eq!(cell.peek(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detached_refresh_survives_its_dropped_caller() {
    let clock: SharedClock = Arc::new(ManualClock::at_epoch_secs(1_000));
    let cell = Arc::new(cell());
    let attempts = Arc::new(AtomicUsize::new(0));
    let gate = Arc::new(tokio::sync::Notify::new());
    let caller = {
        let (cell, clock, attempts, gate) =
            (cell.clone(), clock.clone(), attempts.clone(), gate.clone());
        tokio::spawn(async move {
            let exp = clock.now() + secs(600);
            cell.get_or_refresh_detached(&clock, MARGIN, move || async move {
                attempts.fetch_add(1, Ordering::SeqCst);
                // A rotating refresh: single-use, must not be abandoned halfway.
                gate.notified().await;
                Ok((7, exp))
            })
            .await
        })
    };
    for _ in 0..1_000 {
        if attempts.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    caller.abort(); // the caller times out
    let _ = caller.await;
    gate.notify_one();
    // The next caller gets the refreshed value; nobody refreshed a second time.
    let v = cell
        .get_or_refresh_detached(&clock, MARGIN, || async { panic!("a second refresh") })
        .await;
    assert_eq!(v.ok(), Some(7));
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
}

/// A caller refreshing `cell` (to 2, for 600 s), held open until the returned gate is
/// notified; returns once the refresh has started.
async fn a_refresh_held_open(
    cell: &Arc<ExpiringCell<u32>>,
    clock: &ManualClock,
) -> (
    tokio::task::JoinHandle<Result<u32>>,
    Arc<tokio::sync::Notify>,
) {
    let gate = Arc::new(tokio::sync::Notify::new());
    let started = Arc::new(tokio::sync::Notify::new());
    let refresher = {
        let (cell, clock, gate, started) =
            (cell.clone(), clock.clone(), gate.clone(), started.clone());
        tokio::spawn(async move {
            cell.get_or_refresh(&clock, MARGIN, || async {
                started.notify_one();
                gate.notified().await;
                Ok((2, clock.now() + secs(600)))
            })
            .await
        })
    };
    started.notified().await;
    (refresher, gate)
}

#[tokio::test]
async fn a_due_value_is_served_while_another_caller_refreshes() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = Arc::new(cell());
    cell.set(1, clock.now(), clock.now() + secs(600));
    clock.advance(secs(550)); // due, still valid
    let (refresher, gate) = a_refresh_held_open(&cell, &clock).await;
    // Does not wait for the refresh in flight.
    let v = cell
        .get_or_refresh(&clock, MARGIN, || async { panic!("second refresh") })
        .await;
    assert_eq!(v.ok(), Some(1));
    gate.notify_one();
    assert_eq!(refresher.await.ok().and_then(|r| r.ok()), Some(2));
}

#[tokio::test]
async fn a_value_in_its_last_moments_is_not_served_while_another_caller_refreshes() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = Arc::new(cell());
    cell.set(1, clock.now(), clock.now() + secs(600));
    clock.advance(secs(600) - SERVE_FLOOR); // valid, but no more than the floor left
    let (refresher, gate) = a_refresh_held_open(&cell, &clock).await;
    let second = {
        let (cell, clock) = (cell.clone(), clock.clone());
        tokio::spawn(async move {
            cell.get_or_refresh(&clock, MARGIN, || async { panic!("second refresh") })
                .await
        })
    };
    // The second caller decides while the refresh is held open (one thread: it runs now).
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!second.is_finished(), "it waits for the refresh in flight");
    gate.notify_one();
    assert_eq!(refresher.await.ok().and_then(|r| r.ok()), Some(2));
    assert_eq!(
        second.await.ok().and_then(|r| r.ok()),
        Some(2),
        "the new value"
    );
}

#[tokio::test]
async fn jitter_stays_within_half_the_margin_and_margin_within_half_the_lifetime() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let now = clock.now();
    for _ in 0..100 {
        let cell = ExpiringCell::new();
        cell.set(1u8, now, now + secs(3_600));
        let at = cell.next_refresh_at(&clock, secs(300)).unwrap_or(now);
        assert!(at <= now + secs(3_300) && at >= now + secs(3_150), "{at:?}");
    }
    let cell = cell();
    cell.set(1, now, now + secs(300));
    // A 5-minute margin on a 5-minute value refreshes at half-life, not on every call.
    assert_eq!(
        cell.next_refresh_at(&clock, secs(300)),
        Some(now + secs(150))
    );
}

#[tokio::test]
async fn the_lock_free_read_follows_every_write() {
    let clock = ManualClock::at_epoch_secs(1_000);
    let cell = cell();
    assert_eq!(cell.get_fresh(clock.now(), MARGIN), None, "empty");
    cell.set(7, clock.now(), clock.now() + secs(600));
    assert_eq!(cell.get_fresh(clock.now(), MARGIN), Some(7));
    // Due within the margin: not fresh, so the caller takes the refreshing path.
    clock.advance(secs(541));
    assert_eq!(cell.get_fresh(clock.now(), MARGIN), None);
    let v = cell
        .get_or_refresh(&clock, MARGIN, || async {
            Ok((8, clock.now() + secs(600)))
        })
        .await;
    assert_eq!(v.ok(), Some(8));
    assert_eq!(
        cell.get_fresh(clock.now(), MARGIN),
        Some(8),
        "a refresh publishes"
    );
    assert!(cell.invalidate_if(|v| *v == 8));
    assert_eq!(
        cell.get_fresh(clock.now(), MARGIN),
        None,
        "an invalidation unpublishes"
    );
    cell.set(9, clock.now(), clock.now() + secs(600));
    cell.clear();
    assert_eq!(
        cell.get_fresh(clock.now(), MARGIN),
        None,
        "a clear unpublishes"
    );
}

/// Issue 23, item 5: a backoff is a span of time, not a date. A wall clock stepped back (NTP, a
/// corrected skew) right after a failure must not make the cell refuse to try for as long as
/// the step.
#[tokio::test]
async fn a_clock_stepped_back_never_stretches_the_backoff() {
    let clock = ManualClock::at_epoch_secs(100_000);
    let cell = cell();
    let attempts = AtomicUsize::new(0);
    let fail = || async {
        attempts.fetch_add(1, Ordering::SeqCst);
        Err::<(u32, SystemTime), _>(Error::new(ErrorKind::Throttled, "slow down"))
    };
    assert!(cell.get_or_refresh(&clock, MARGIN, fail).await.is_err());
    assert_eq!(attempts.load(Ordering::SeqCst), 1);
    // The wall clock steps back ten minutes; then the longest first backoff passes.
    clock.set(clock.now() - secs(600));
    clock.advance(secs(2));
    let exp = clock.now() + secs(600);
    let v = cell
        .get_or_refresh(&clock, MARGIN, || async move { Ok((5, exp)) })
        .await;
    assert_eq!(v.ok(), Some(5), "tried again once the backoff was over");
}

/// Issue 23, item 5: cells that failed together (a fleet meeting the same outage) do not all
/// retry at the same moment.
#[tokio::test]
async fn failures_at_the_same_moment_are_retried_at_spread_times() {
    let clock = ManualClock::at_epoch_secs(100_000);
    let cells: Vec<ExpiringCell<u32>> = (0..200).map(|_| ExpiringCell::new()).collect();
    for cell in &cells {
        let failed = cell
            .get_or_refresh(&clock, MARGIN, || async {
                Err::<(u32, SystemTime), _>(Error::new(ErrorKind::ServiceUnavailable, "down"))
            })
            .await;
        assert!(failed.is_err());
    }
    // Step through the first backoff (1 s) in tenths: count who tries in each tenth.
    let mut retried = vec![false; cells.len()];
    let mut per_step = Vec::new();
    for _ in 0..12 {
        clock.advance(Duration::from_millis(100));
        let mut now = 0;
        for (i, cell) in cells.iter().enumerate() {
            if retried[i] {
                continue;
            }
            let exp = clock.now() + secs(600);
            let tried = AtomicUsize::new(0);
            let _ = cell
                .get_or_refresh(&clock, MARGIN, || async {
                    tried.fetch_add(1, Ordering::SeqCst);
                    Ok((1, exp))
                })
                .await;
            if tried.load(Ordering::SeqCst) > 0 {
                retried[i] = true;
                now += 1;
            }
        }
        per_step.push(now);
    }
    assert!(
        retried.iter().all(|r| *r),
        "every cell retried: {per_step:?}"
    );
    let most = per_step.iter().copied().max().unwrap_or(0);
    assert!(
        most * 5 <= cells.len(),
        "no tenth of a second holds more than 20% of the retries: {per_step:?}"
    );
}
