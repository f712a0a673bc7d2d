//! The optional background refresher of a [`Session`]: it refreshes ahead of time so that
//! callers never wait, holds the session only while it works (so it stops when the last clone
//! drops), and reads time from the session's clock (so it follows a manual clock in tests).

use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use super::session::{Inner, Session, lock};
use crate::error::{Error, ErrorKind, Result};

/// Backoff of the background task after a failed attempt on an already expired value.
const BACKGROUND_MIN_BACKOFF: Duration = Duration::from_secs(1);
const BACKGROUND_MAX_BACKOFF: Duration = Duration::from_secs(60);

impl Session {
    /// Starts the background task if the builder asked for one.
    pub(super) fn spawn_background(&self) -> Result<()> {
        if !self.inner.settings.background {
            return Ok(());
        }
        let handle = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::new(
                ErrorKind::Config,
                "background refresh needs a tokio runtime",
            )
        })?;
        let weak = Arc::downgrade(&self.inner);
        let task = handle.spawn(background_loop(weak));
        *lock(&self.inner.task) = Some(task.abort_handle());
        Ok(())
    }
}

/// The loop: act when something is due (with backoff after failures), otherwise sleep until
/// it is, at most `background_poll` at a time.
async fn background_loop(weak: Weak<Inner>) {
    let mut not_before: Option<SystemTime> = None;
    let mut backoff = BACKGROUND_MIN_BACKOFF;
    loop {
        let wait = {
            let Some(inner) = weak.upgrade() else { return };
            let session = Session { inner };
            if session.has_ended() {
                return;
            }
            let clock = session.inner.settings.clock.clone();
            let poll = session.inner.settings.background_poll;
            let now = clock.now();
            let due = session.next_background_refresh();
            let may_try = not_before.is_none_or(|t| now >= t);
            if may_try && due.is_some_and(|d| d <= now) {
                match session.background_round().await {
                    // Still due after a successful round (values that arrive already due,
                    // e.g. with a skewed clock): back off rather than spin.
                    Ok(())
                        if session
                            .next_background_refresh()
                            .is_some_and(|d| d <= clock.now()) =>
                    {
                        not_before = Some(clock.now() + backoff);
                        backoff = (backoff * 2).min(BACKGROUND_MAX_BACKOFF);
                    }
                    Ok(()) => {
                        not_before = None;
                        backoff = BACKGROUND_MIN_BACKOFF;
                    }
                    Err(e) if e.kind() == ErrorKind::SessionEnded => return,
                    Err(e) => {
                        tracing::warn!(kind = ?e.kind(), code = e.service_code(), "background refresh failed");
                        not_before = Some(clock.now() + backoff);
                        backoff = (backoff * 2).min(BACKGROUND_MAX_BACKOFF);
                    }
                }
                Duration::ZERO
            } else {
                let now = clock.now();
                let target = match (due, not_before) {
                    (Some(d), Some(n)) => Some(d.max(n)),
                    (d, n) => d.or(n),
                };
                let until = target
                    .and_then(|t| t.duration_since(now).ok())
                    .unwrap_or(poll);
                until.min(poll)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}
