//! A session as a [`TokenSource`]: of its ID token, or of either token through
//! [`SessionToken`]; a token the service refused as expired drops the session's tokens.

use super::Session;
use crate::credentials::{TokenFuture, TokenKind, TokenSource};
use crate::secret::Jwt;

/// A session is the source of its (refreshed) ID token: for routes behind a Cognito
/// authorizer, or as one login among others in [`FederatedCredentials`](crate::FederatedCredentials).
impl TokenSource for Session {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(self.id_token())
    }

    fn refused(&self, token: &Jwt) {
        self.token_refused(token);
    }
}

impl Session {
    /// A service refused `token` as expired: if the session still holds it, its tokens are
    /// dropped and the next call refreshes them (the refresh token is kept).
    pub(super) fn token_refused(&self, token: &Jwt) {
        let dropped = self
            .inner
            .tokens
            .invalidate_if(|held| held.id == *token || held.access == *token);
        if dropped {
            tracing::debug!("a token refused as expired by the service: dropped");
        }
    }
}

/// One of a session's tokens as a [`TokenSource`]; made by [`Session::token_source`].
#[derive(Debug, Clone)]
pub struct SessionToken {
    pub(super) session: Session,
    pub(super) kind: TokenKind,
}

impl TokenSource for SessionToken {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            let tokens = self.session.shared_tokens().await?;
            Ok(match self.kind {
                TokenKind::Id => tokens.id.clone(),
                TokenKind::Access => tokens.access.clone(),
            })
        })
    }

    fn refused(&self, token: &Jwt) {
        self.session.token_refused(token);
    }
}
