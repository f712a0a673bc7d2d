//! A session's link to its store: what it last saw there, the save that failed and must be
//! retried, and the rule for adopting what another process stored.
//!
//! Every store call runs off the async workers (`crate::runtime::blocking`): a file store
//! may wait seconds for another process's lock, or for a slow disk's fsync, and that must
//! stall no app's runtime.
//!
//! **Which refresh token is current.** Processes sharing a store share one session: with
//! rotation, each refresh retires the token it used, so the token a session holds is current
//! only until another process refreshes and stores the next one. The rule: a stored token is
//! adopted only when the store *changed since this session last read or wrote it* (another
//! process wrote it), never because it differs from the session's own — after a failed save
//! the store still holds the session's previous, retired token, and replaying that one would
//! end a session that is alive.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};
use crate::jwt::UnverifiedClaims;
use crate::secret::RefreshToken;
use crate::store::{RefreshLock, SessionStore, StoredSession};
use crate::time::Clock;
use crate::user_pool::Tokens;

use super::{Grant, lock};

/// The first wait before a failed save is retried; it doubles up to [`MAX_FLUSH_BACKOFF`].
const FIRST_FLUSH_BACKOFF: Duration = Duration::from_secs(1);
const MAX_FLUSH_BACKOFF: Duration = Duration::from_secs(60);

/// Whether a session may replace what the store holds with `ours`: what it last saw there,
/// nothing (an emptied store), or the same user's tokens of an older generation — a save of
/// its own that failed left the store behind, and what was written since holds a token its
/// newer one has retired.
fn replaceable(
    held: Option<&StoredSession>,
    seen: Option<&RefreshToken>,
    ours: &StoredSession,
) -> bool {
    let Some(held) = held else {
        return true;
    };
    if seen == Some(&held.refresh_token) {
        return true;
    }
    let same_user = held.user_pool_id == ours.user_pool_id
        && held.client_id == ours.client_id
        && held.username == ours.username;
    same_user
        && matches!(
            (held.tokens_expire_at(), ours.tokens_expire_at()),
            (Some(theirs), Some(ours)) if theirs < ours
        )
}

/// A session's store, and what the session knows of it.
pub(in crate::credentials) struct StoreLink {
    store: std::sync::Arc<dyn SessionStore>,
    /// The refresh token the store held when this session last read or wrote it (`None`: it
    /// held nothing, or the session has not looked).
    seen: Mutex<Option<RefreshToken>>,
    /// The session holds a newer refresh token than the store: its save failed. Read on every
    /// call, so an atomic.
    unsaved: AtomicBool,
    /// When a failed save may be retried (monotonic), and the next backoff.
    flush: Mutex<(Option<Duration>, Duration)>,
    /// Held by every write and by the wipe at the end, so that a wipe is never followed by a
    /// save of this session.
    pub(super) writing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for StoreLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreLink")
            .field("store", &self.store)
            .field("unsaved", &self.unsaved.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// How a save treats what the store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Save {
    /// Whatever it holds (a new sign-in).
    Always,
    /// Only over what this session last saw there (or into an emptied store): otherwise
    /// another process stored a newer session, which is left alone.
    OverSeen,
}

impl StoreLink {
    pub(in crate::credentials) fn new(
        store: std::sync::Arc<dyn SessionStore>,
        seen: Option<RefreshToken>,
    ) -> Self {
        Self {
            store,
            seen: Mutex::new(seen),
            unsaved: AtomicBool::new(false),
            flush: Mutex::new((None, FIRST_FLUSH_BACKOFF)),
            writing: tokio::sync::Mutex::new(()),
        }
    }

    /// Runs `op` on the store, off the async workers. A panic in the store is a store error.
    async fn io<T: Send + 'static>(
        &self,
        op: impl FnOnce(&dyn SessionStore) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let store = self.store.clone();
        crate::runtime::blocking(move || op(&*store))
            .await
            .unwrap_or_else(|_| Err(Error::new(ErrorKind::Store, "the session store panicked")))
    }

    /// What the store holds now.
    pub(super) async fn load(&self) -> Result<Option<StoredSession>> {
        self.io(|s| s.load()).await
    }

    /// The store's refresh lock ([`SessionStore::refresh_lock`]), if it has one and it can be
    /// taken: held across a refresh. Without it the refresh goes on uncoordinated.
    pub(super) async fn refresh_lock(&self) -> Option<RefreshLock> {
        match self.io(|s| s.refresh_lock()).await {
            Ok(lock) => lock,
            Err(e) => {
                tracing::warn!(kind = ?e.kind(), "cannot take the store's refresh lock; refreshing without it");
                None
            }
        }
    }

    /// Tokens another session stored that are newer than the ones held (`held_until`: when
    /// those expire) and not yet due for refresh by `margin` (at most half their lifetime),
    /// with the refresh token they came with: taken instead of refreshing. `None` otherwise.
    pub(super) async fn newer_tokens(
        &self,
        user: &str,
        held_until: Option<std::time::SystemTime>,
        now: std::time::SystemTime,
        margin: Duration,
        belongs: impl FnOnce(&StoredSession) -> bool,
    ) -> Option<(Grant, Tokens)> {
        let stored = self.load().await.ok()??;
        if !belongs(&stored) || stored.username != user {
            return None;
        }
        let kept = stored.tokens.as_ref()?;
        let tokens = Tokens::from_jwts(
            kept.id.clone(),
            kept.access.clone(),
            Some(stored.refresh_token.clone()),
        )
        .ok()?;
        let lifetime = UnverifiedClaims::from_jwt(&tokens.id)
            .ok()
            .and_then(|c| c.iat())
            .and_then(|iat| tokens.expires_at.duration_since(iat).ok())
            .unwrap_or_default();
        let newer = held_until.is_none_or(|held| tokens.expires_at > held);
        let fresh = tokens.expires_at > now + margin.min(lifetime / 2);
        if !(newer && fresh && tokens.username == user) {
            return None;
        }
        *lock(&self.seen) = Some(stored.refresh_token.clone());
        self.unsaved.store(false, Ordering::Relaxed);
        Some((
            Grant {
                refresh: stored.refresh_token,
                username: stored.username,
            },
            tokens,
        ))
    }

    /// Whether the session holds a refresh token the store does not have yet.
    pub(super) fn is_unsaved(&self) -> bool {
        self.unsaved.load(Ordering::Relaxed)
    }

    /// Whether a failed save may be retried now (and, if so, when the one after may be).
    pub(super) fn flush_due(&self, clock: &dyn Clock) -> bool {
        if !self.is_unsaved() {
            return false;
        }
        let now = clock.monotonic();
        let mut flush = lock(&self.flush);
        if flush.0.is_some_and(|after| now < after) {
            return false;
        }
        flush.0 = Some(now + flush.1);
        flush.1 = (flush.1 * 2).min(MAX_FLUSH_BACKOFF);
        true
    }

    /// The grant the store holds for `own`'s user when another process wrote it since this
    /// session last looked (see the [module docs](self)); `None` otherwise, or when the store
    /// cannot be read (the grant in hand is tried). `belongs` checks that a stored session is
    /// this session's pool and client.
    pub(super) async fn newer_grant(
        &self,
        own: &Grant,
        belongs: impl FnOnce(&StoredSession) -> bool,
    ) -> Option<Grant> {
        let stored = match self.load().await {
            Ok(stored) => stored?,
            Err(e) => {
                tracing::warn!(kind = ?e.kind(), "cannot read the session store; refreshing with the token in hand");
                return None;
            }
        };
        if !belongs(&stored) || stored.username != own.username {
            return None;
        }
        if stored.refresh_token == own.refresh {
            // In step: whatever failed before has landed (a save that finished late).
            *lock(&self.seen) = Some(stored.refresh_token);
            self.unsaved.store(false, Ordering::Relaxed);
            return None;
        }
        let mut seen = lock(&self.seen);
        if seen.as_ref() == Some(&stored.refresh_token) {
            return None;
        }
        *seen = Some(stored.refresh_token.clone());
        Some(Grant {
            refresh: stored.refresh_token,
            username: stored.username,
        })
    }

    /// Saves `session` as `how` says; returns whether it wrote. A failure marks the session's
    /// token unsaved (retried later) and is returned. The caller holds [`writing`](Self::writing).
    pub(super) async fn save(&self, session: StoredSession, how: Save) -> Result<bool> {
        let token = session.refresh_token.clone();
        let expected = lock(&self.seen).clone();
        let outcome = self
            .io(move |s| match how {
                Save::Always => s.save(&session).map(|()| true),
                Save::OverSeen => s.save_if(
                    &|held| replaceable(held, expected.as_ref(), &session),
                    &session,
                ),
            })
            .await;
        match &outcome {
            Ok(true) => {
                *lock(&self.seen) = Some(token);
                self.unsaved.store(false, Ordering::Relaxed);
                *lock(&self.flush) = (None, FIRST_FLUSH_BACKOFF);
            }
            Ok(false) => {
                // Another process stored its session since: it stays, and is what this
                // session adopts at its next refresh.
                tracing::debug!("the store holds another process's newer session: left as it is");
                self.unsaved.store(false, Ordering::Relaxed);
            }
            Err(e) => {
                tracing::warn!(kind = ?e.kind(), "cannot save the session; will retry");
                self.unsaved.store(true, Ordering::Relaxed);
            }
        }
        outcome
    }

    /// Wipes the store if it holds one of `tokens` (this session's), or whatever it holds when
    /// `tokens` is `None`. The caller holds [`writing`](Self::writing).
    pub(super) async fn wipe(&self, tokens: Option<Vec<RefreshToken>>) {
        let wiped = self
            .io(move |s| match tokens {
                Some(tokens) => {
                    for token in &tokens {
                        if s.clear_if_current(token)? {
                            break;
                        }
                    }
                    Ok(())
                }
                None => s.clear(),
            })
            .await;
        self.unsaved.store(false, Ordering::Relaxed);
        if let Err(e) = wiped {
            tracing::warn!(kind = ?e.kind(), "cannot wipe the session store");
        }
    }

    /// Waits up to `limit` for the store to hold a token other than the `refused` ones for
    /// `user` (the winner of a rotation race saving its token), looking every 25 ms; takes it
    /// as seen. A file store's load waits for a writer's lock to be released, so a save in
    /// progress is seen as soon as it lands.
    pub(super) async fn wait_for_other(
        &self,
        refused: &[&RefreshToken],
        user: &str,
        limit: Duration,
        belongs: impl Fn(&StoredSession) -> bool,
    ) -> Option<Grant> {
        let step = Duration::from_millis(25);
        let mut waited = Duration::ZERO;
        loop {
            if let Ok(Some(stored)) = self.load().await
                && belongs(&stored)
                && stored.username == user
                && !refused.contains(&&stored.refresh_token)
            {
                *lock(&self.seen) = Some(stored.refresh_token.clone());
                return Some(Grant {
                    refresh: stored.refresh_token,
                    username: stored.username,
                });
            }
            if waited >= limit {
                return None;
            }
            // Real time: the winner's save is a real process writing a real file.
            tokio::time::sleep(step).await;
            waited += step;
        }
    }
}
