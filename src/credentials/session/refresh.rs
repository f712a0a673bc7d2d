//! One token refresh: with which refresh token (the session's own, or one another process
//! stored), the way the app client wants, and what a refusal means.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::SystemTime;

use super::{Grant, Session, lock};
use crate::error::{Error, ErrorKind, Result};
use crate::user_pool::Tokens;

/// The most refresh tokens one refresh tries (its own, a stored one, winners of successive
/// rotation races) before it concludes that the session has ended.
const MAX_GRANTS_TRIED: usize = 4;

impl Session {
    /// One token refresh (run by the cell, on the refresh runtime, for everyone waiting):
    /// under the store's refresh lock, newer tokens another session stored are taken as they
    /// are; otherwise the session refreshes and stores what it gets for the others.
    pub(super) async fn refresh_tokens(&self) -> Result<(Arc<Tokens>, SystemTime)> {
        let grant = self.current_grant()?;
        // Looked for before the lock too: when a generation falls due, the first session in
        // refreshes and the others find its tokens without queueing for the lock.
        if let Some(tokens) = self.stored_tokens_newer_than_ours(&grant).await {
            return Ok(taken(tokens));
        }
        let _lock = match &self.inner.settings.store {
            Some(link) => link.refresh_lock().await,
            None => None,
        };
        if let Some(tokens) = self.stored_tokens_newer_than_ours(&grant).await {
            return Ok(taken(tokens));
        }
        self.refresh_with_grants(grant).await
    }

    /// Newer tokens from the store (see [`StoreLink::newer_tokens`]), installed with their
    /// refresh token.
    async fn stored_tokens_newer_than_ours(&self, grant: &Grant) -> Option<Tokens> {
        let s = &self.inner.settings;
        let link = s.store.as_ref()?;
        let config = &s.config;
        let (newer, tokens) = link
            .newer_tokens(
                &grant.username,
                self.inner.tokens.expires_at(),
                s.clock.now(),
                s.margin,
                |stored| stored.check_belongs_to(config).is_ok(),
            )
            .await?;
        self.adopt(&newer);
        if self.has_ended() {
            return None;
        }
        // No skew is learned from these: their `iat` is when another session got them, not now.
        Some(tokens)
    }

    /// A refresh with the grant in hand, or one another process stored, or a winner's.
    async fn refresh_with_grants(&self, mut grant: Grant) -> Result<(Arc<Tokens>, SystemTime)> {
        // The grant held before adopting another process's: tried if the adopted one is
        // refused (this session's own token may be newer than what the store held, after a
        // save that failed).
        let mut previous = None;
        // Another process sharing the store may have rotated the token since this session
        // last looked: use its.
        if let Some(newer) = self.stored_grant_newer_than(&grant).await {
            self.adopt(&newer);
            previous = Some(std::mem::replace(&mut grant, newer));
        }
        let mut result = self.refresh_with(&grant).await;
        let mut refused = Vec::new();
        while let Err(e) = &result
            && e.ends_session()
            && refused.len() < MAX_GRANTS_TRIED
        {
            refused.push(grant.clone());
            let next = match previous.take().filter(|p| !refused.contains(p)) {
                Some(previous) => {
                    tracing::info!(
                        "the stored refresh token was refused: trying the session's own"
                    );
                    previous
                }
                None => match self.winners_grant(&refused, e).await {
                    // Lost a rotation race: the winner stored the new token; refresh with that
                    // instead of ending a session that is still alive.
                    Some(winner) => {
                        tracing::info!(
                            "the refresh token was rotated by another process: adopting its token"
                        );
                        winner
                    }
                    None => break,
                },
            };
            self.adopt(&next);
            grant = next;
            result = self.refresh_with(&grant).await;
        }
        match result {
            Ok(tokens) => self.refreshed(&grant, tokens).await,
            Err(e) if e.ends_session() => {
                tracing::info!(kind = ?e.kind(), code = e.service_code(), "refresh refused: session ended");
                self.end_locally(Some(&grant.refresh)).await;
                Err(session_ended(&e))
            }
            Err(e) => Err(e),
        }
    }

    /// Holds `grant` from now on (unless the session has ended): a token adopted from the store
    /// is this session's, so that a retry after a transient failure uses it, not the retired
    /// one held before.
    fn adopt(&self, grant: &Grant) {
        let mut held = lock(&self.inner.grant);
        if !self.inner.ended.load(Ordering::SeqCst) {
            *held = Some(grant.clone());
        }
    }

    /// Installs what a successful refresh with `used` returned, and saves a rotated token.
    async fn refreshed(&self, used: &Grant, tokens: Tokens) -> Result<(Arc<Tokens>, SystemTime)> {
        let rotated = tokens
            .refresh
            .as_ref()
            .filter(|r| **r != used.refresh)
            .map(|refresh| Grant {
                refresh: refresh.clone(),
                username: tokens.username.clone(),
            });
        let installed = {
            let mut grant = lock(&self.inner.grant);
            // Checked under the grant's lock, which the end takes too.
            if self.inner.ended.load(Ordering::SeqCst) {
                false
            } else {
                *grant = Some(rotated.clone().unwrap_or_else(|| used.clone()));
                true
            }
        };
        if !installed {
            // Signed out while this refresh was in flight: its tokens must not come back, and
            // a refresh token it was issued must not outlive the sign-out.
            if let Some(issued) = rotated {
                let _ = self
                    .inner
                    .user_pool
                    .revoke_refresh_token(&issued.refresh)
                    .await;
            }
            return Err(Error::new(
                ErrorKind::SessionEnded,
                "the session has ended: sign in again",
            ));
        }
        self.learn_skew(&tokens);
        if tokens.expires_at <= self.inner.settings.clock.now() {
            tracing::warn!("refreshed tokens are already expired: is the device clock right?");
        }
        // Saved before use: a crash now must not leave only a retired token stored, and the
        // sessions sharing the store take these tokens instead of refreshing. A failure leaves
        // them unsaved; it is retried, and the session goes on.
        let _ = self.persist_with(Some(&tokens)).await;
        let expires_at = tokens.expires_at;
        Ok((Arc::new(tokens), expires_at))
    }

    fn current_grant(&self) -> Result<Grant> {
        lock(&self.inner.grant).clone().ok_or_else(|| {
            Error::new(
                ErrorKind::SessionEnded,
                "no refresh token to refresh with: sign in again",
            )
        })
    }

    /// The grant another process stored since this session last looked, if any.
    async fn stored_grant_newer_than(&self, own: &Grant) -> Option<Grant> {
        let link = self.inner.settings.store.as_ref()?;
        let config = &self.inner.settings.config;
        link.newer_grant(own, |stored| stored.check_belongs_to(config).is_ok())
            .await
    }

    /// One refresh with `grant`, the way the app client wants.
    async fn refresh_with(&self, grant: &Grant) -> Result<Tokens> {
        #[cfg(feature = "oauth")]
        if let Some(login) = &self.inner.settings.managed_login {
            return login.refresh(&grant.refresh).await;
        }
        let user_pool = &self.inner.user_pool;
        if self.inner.settings.rotation {
            user_pool
                .refresh_token_rotating(&grant.refresh, &grant.username)
                .await
        } else {
            user_pool
                .refresh_token(&grant.refresh, &grant.username)
                .await
        }
    }

    /// After a refusal of the `refused` grants on a rotating client sharing a store: the token
    /// another process rotated them to. `RefreshTokenReuseException` says someone did rotate it, so the
    /// winner's save — which may land seconds after its answer (a lock wait, a slow disk, a
    /// retried save) — is awaited for up to the session's rotation-race wait. Any other
    /// refusal (Cognito does not publish which code a rotated token gets) is looked up once,
    /// after any save in progress has landed.
    async fn winners_grant(&self, refused: &[Grant], refusal: &Error) -> Option<Grant> {
        let s = &self.inner.settings;
        let link = s.store.as_ref()?;
        if !s.rotation {
            return None;
        }
        let reused = refusal
            .service_code()
            .is_some_and(|c| c.ends_with("RefreshTokenReuseException"));
        let wait = if reused {
            s.rotation_wait
        } else {
            std::time::Duration::ZERO
        };
        let config = &s.config;
        let tokens: Vec<_> = refused.iter().map(|g| &g.refresh).collect();
        let user = &refused.first()?.username;
        link.wait_for_other(&tokens, user, wait, |stored| {
            stored.check_belongs_to(config).is_ok()
        })
        .await
    }
}

/// Tokens another session refreshed, as this one's refresh outcome.
fn taken(tokens: Tokens) -> (Arc<Tokens>, SystemTime) {
    tracing::debug!("tokens another session refreshed: taken from the store");
    let expires_at = tokens.expires_at;
    (Arc::new(tokens), expires_at)
}

/// The typed "sign in again" error for `cause`, keeping its service code and message.
pub(super) fn session_ended(cause: &Error) -> Error {
    let message = format!("the session has ended, sign in again: {}", cause.message());
    match cause.service_code() {
        Some(code) => Error::from_service(code, message).with_kind(ErrorKind::SessionEnded),
        None => Error::new(ErrorKind::SessionEnded, message),
    }
}
