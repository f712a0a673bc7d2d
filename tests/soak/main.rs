//! The soak: real processes sharing one rotating session store, against the emulator, for many
//! simulated hours, under every fault the session promises to survive — and every figure read
//! from the emulator's call log, where the faults show.
//!
//! - **Processes**: three OS processes (this test binary re-executed as `soak_child`), each
//!   with its own runtime (one current-thread, two multi-thread) and eight sessions resumed
//!   from one `FileStore` (rotation on, grace period 0; half with background refresh), each
//!   session's worker calling `/cip` (SigV4) and `/cup` (its ID token at a Cognito
//!   authorizer). 5-minute tokens, 15-minute credentials, a 60-second margin.
//! - **Time**: one simulated clock, a file every process maps; the emulator runs on it. It
//!   moves 1 s per 10 ms of real time (100 times faster), and in real time while a lock is
//!   held.
//! - **Faults**, from one seed (`SOAK_SEED`, printed first): 10% throttling and 10% 5xx on
//!   every Cognito call the sessions make, 2% latency before and 5% after the service acted
//!   (the answer lost to a caller that gives up); one caller in ten giving up after 80 ms; a
//!   10-minute outage of the identity pool; the store's lock held by another process for up to
//!   5 s, failed saves, a store that panics, a runtime shut down mid-refresh; a suspended
//!   laptop (+2 h), a device clock stepped back 10 minutes, another drifting 3 minutes; lying
//!   `Date` headers.
//! - **Figures**, from the emulator's call log: see [`figures`].
//!
//! `cargo test -p cognito-sigv4 --test soak -- --nocapture` runs the CI variant (3 simulated
//! hours); `SOAK_HOURS=24` the long one; `SOAK_SEED=n` replays a run's schedule.

#[path = "../support/mod.rs"]
mod support;

mod child;
mod clock;
mod figures;
mod parent;
mod plan;

#[test]
fn soak() {
    if child::ChildConfig::from_env().is_some() {
        return;
    }
    parent::run();
}

/// The entry of a soak child process (does nothing in a normal test run).
#[test]
fn soak_child() {
    if let Some(config) = child::ChildConfig::from_env() {
        child::run(config);
    }
}
