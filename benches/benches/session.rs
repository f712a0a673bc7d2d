//! What the session costs on the hot path: handing out cached credentials, alone and under
//! contention. (Refreshes are network-bound and measured by the tests' call counts instead.)
//!
//! ```text
//! cargo bench -p cognito-sigv4-benches --bench session
//! ```

use std::sync::Arc;
use std::time::Duration;

use cognito_sigv4::cache::ExpiringCell;
use cognito_sigv4::secret::Password;
use cognito_sigv4::{Clock, ManualClock, Session, SignInOutcome};
use cognito_sigv4_emulator::{Emulator, Seed};
use criterion::{Criterion, criterion_group, criterion_main};

fn cell(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let clock = ManualClock::at_epoch_secs(1_000_000);
    let cell = Arc::new(ExpiringCell::<u64>::new());
    cell.set(7, clock.now(), clock.now() + Duration::from_secs(3_600));
    let margin = Duration::from_secs(300);
    c.bench_function("cache/fresh_get", |b| {
        b.to_async(&rt).iter(|| async {
            cell.get_or_refresh(&clock, margin, || async { unreachable!("fresh") })
                .await
        })
    });
    c.bench_function("cache/fresh_get_x100_concurrent", |b| {
        b.to_async(&rt).iter(|| async {
            let mut tasks = Vec::with_capacity(100);
            for _ in 0..100 {
                let (cell, clock) = (cell.clone(), clock.clone());
                tasks.push(tokio::spawn(async move {
                    cell.get_or_refresh(&clock, margin, || async { unreachable!("fresh") })
                        .await
                }));
            }
            for t in tasks {
                let _ = t.await;
            }
        })
    });
}

fn session(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (session, _emulator) = rt.block_on(async {
        let emulator = Emulator::builder()
            .seed(Seed::reference())
            .start()
            .await
            .expect("emulator");
        let config = emulator.config("quickstart", "web").expect("config");
        let outcome = Session::builder(config)
            .sign_in("jdoe", &Password::new("Quickstart-Passw0rd!"))
            .await
            .expect("sign in");
        let SignInOutcome::Done(session) = outcome else {
            panic!("unexpected challenge")
        };
        session.credentials().await.expect("credentials");
        (session, emulator)
    });
    c.bench_function("session/credentials_cached", |b| {
        b.to_async(&rt)
            .iter(|| async { session.credentials().await.expect("credentials") })
    });
    // 10,000 reads by one task, then by two tasks on the runtime's two workers (5,000 each):
    // contention on the shared credentials, per 10,000 reads.
    let rt2 = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let reads = |session: Session, n: usize| async move {
        for _ in 0..n {
            std::hint::black_box(session.credentials().await.expect("credentials"));
        }
    };
    c.bench_function("session/credentials_cached_x10000_one_task", |b| {
        b.to_async(&rt2)
            .iter(|| async { tokio::spawn(reads(session.clone(), 10_000)).await })
    });
    c.bench_function("session/credentials_cached_x10000_two_workers", |b| {
        b.to_async(&rt2).iter(|| async {
            let a = tokio::spawn(reads(session.clone(), 5_000));
            let b = tokio::spawn(reads(session.clone(), 5_000));
            let _ = (a.await, b.await);
        })
    });
}

/// The floor of a credential read: the three steps it cannot skip, each alone. (The figure in
/// BENCHMARKS.md explains why `session/credentials_cached` stays above 50 ns.)
fn floor(c: &mut Criterion) {
    // The clock read every expiry decision needs; measuring it is the point here.
    #[allow(clippy::disallowed_methods)]
    c.bench_function("floor/system_time_now", |b| {
        b.iter(|| std::hint::black_box(std::time::SystemTime::now()))
    });
    let swap = arc_swap::ArcSwap::from_pointee(7u64);
    c.bench_function("floor/arc_swap_load", |b| {
        b.iter(|| **std::hint::black_box(&swap).load())
    });
    let shared = Arc::new(7u64);
    c.bench_function("floor/arc_clone_drop", |b| {
        b.iter(|| std::hint::black_box(Arc::clone(&shared)))
    });
}

criterion_group!(benches, cell, session, floor);
criterion_main!(benches);
