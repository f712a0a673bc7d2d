//! The optional background refresher of a [`Session`]: it refreshes ahead of time so that
//! callers never wait, holds the session only while it works (so it stops when the last clone
//! drops), and reads time from the session's clock (so it follows a manual clock in tests).
//!
//! It runs on the crate's refresh runtime, not the caller's, so it outlives the runtime that
//! started the session. It is supervised: if it ever stops while the session lives (a panic),
//! the next call notices, runs with the full foreground margin meanwhile, and starts it again.

use std::sync::Weak;
use std::time::Duration;

use super::session::{Inner, Session, lock};
use crate::error::{Error, ErrorKind, Result};

/// The task's own pause after a round that left something due at once: a refresh still in
/// flight, or a value that arrived within a hair of its expiry (a value that arrives valid is
/// due no sooner than half its remaining life later, see `cache::Entry::refresh_at`). After a
/// failure the cells' backoffs (doubling, jittered) decide when the next round is due; this
/// only keeps the task from spinning.
const BACKGROUND_PAUSE: Duration = Duration::from_secs(1);

impl Session {
    /// Starts the background task if the builder asked for one.
    pub(super) fn spawn_background(&self) -> Result<()> {
        if !self.inner.settings.background {
            return Ok(());
        }
        let task = crate::runtime::spawn(background_loop(std::sync::Arc::downgrade(&self.inner)))
            .ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                "background refresh needs a tokio runtime, and none could be started",
            )
        })?;
        if let Some(old) = lock(&self.inner.task).replace(task) {
            old.abort();
        }
        Ok(())
    }

    /// Whether the background refresher is running: `false` when the builder did not ask for
    /// one, once the session has ended, and between the moment it stopped unexpectedly (a
    /// panic) and the next call, which starts it again.
    pub fn background_refresh_running(&self) -> bool {
        self.background_alive()
    }

    /// Whether the background task is running.
    pub(super) fn background_alive(&self) -> bool {
        lock(&self.inner.task)
            .as_ref()
            .is_some_and(|task| !task.is_finished())
    }

    /// Starts the background task again after it stopped (at most once per call that notices).
    pub(super) fn restart_background(&self) {
        tracing::warn!("the background refresher had stopped: restarting it");
        if let Err(e) = self.spawn_background() {
            tracing::warn!(kind = ?e.kind(), "cannot restart the background refresher");
        }
    }
}

/// The loop: act when something is due, otherwise sleep until it is (a failed refresh's
/// backoff included), at most `background_poll` at a time.
async fn background_loop(weak: Weak<Inner>) {
    let mut not_before: Option<Duration> = None;
    loop {
        let wait = {
            let Some(inner) = weak.upgrade() else { return };
            let session = Session { inner };
            if session.has_ended() {
                return;
            }
            let clock = session.inner.settings.clock.clone();
            let poll = session.inner.settings.background_poll;
            let (now, mono) = (clock.now(), clock.monotonic());
            let due = session.next_background_refresh();
            let may_try = not_before.is_none_or(|t| mono >= t);
            if may_try && due.is_some_and(|d| d <= now) {
                match session.background_round().await {
                    Ok(()) => {}
                    Err(e) if e.kind() == ErrorKind::SessionEnded => return,
                    Err(e) => {
                        tracing::warn!(kind = ?e.kind(), code = e.service_code(), "background refresh failed");
                    }
                }
                not_before = session
                    .next_background_refresh()
                    .is_some_and(|d| d <= clock.now())
                    .then(|| clock.monotonic() + BACKGROUND_PAUSE);
                Duration::ZERO
            } else {
                let until_due = due.and_then(|d| d.duration_since(now).ok());
                let until_retry = not_before.and_then(|t| t.checked_sub(mono));
                let until = match (until_due, until_retry) {
                    (Some(a), Some(b)) => a.max(b),
                    (a, b) => a.or(b).unwrap_or(poll),
                };
                until.min(poll)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}
