//! Developer-authenticated identities: the app's own back end authenticates its users and asks
//! Cognito, with its AWS credentials, for an identity id and an OpenID token
//! (`GetOpenIdTokenForDeveloperIdentity`); the app hands both to
//! [`FederatedCredentials`](super::FederatedCredentials), which trades the token for the
//! identity's credentials (the login `cognito-identity.amazonaws.com`,
//! [`LoginProvider::Developer`](crate::identity_pool::LoginProvider::Developer)) and asks the
//! app's [`DeveloperTokenSource`] again whenever it renews them.
//!
//! The back end's call is signed with AWS credentials that must never reach a device, so this
//! crate does not make it: the source is the app's own call to its back end.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::error::Result;
use crate::secret::Jwt;

/// What the app's back end answered: the identity id and the identity pool's OpenID token for
/// it (GetOpenIdTokenForDeveloperIdentity's `IdentityId` and `Token`). `Debug` leaves out the
/// token.
#[derive(Clone)]
pub struct DeveloperToken {
    identity_id: String,
    token: Jwt,
}

impl DeveloperToken {
    /// The back end's answer: `identity_id` (`<region>:<uuid>`) and its `token`.
    pub fn new(identity_id: impl Into<String>, token: Jwt) -> Self {
        Self {
            identity_id: identity_id.into(),
            token,
        }
    }

    /// The identity id.
    pub fn identity_id(&self) -> &str {
        &self.identity_id
    }

    /// The OpenID token.
    pub fn token(&self) -> &Jwt {
        &self.token
    }
}

impl fmt::Debug for DeveloperToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeveloperToken")
            .field("identity_id", &self.identity_id)
            .finish_non_exhaustive()
    }
}

/// What a [`DeveloperTokenSource`] returns: the back end's answer, or why there is none.
pub type DeveloperTokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<DeveloperToken>> + Send + 'a>>;

/// Where a developer-authenticated identity's token comes from: typically a call to the app's
/// back end, which calls GetOpenIdTokenForDeveloperIdentity. Asked each time the credentials
/// are renewed, so it should return a token that is still valid (the identity pool's tokens
/// live 15 minutes unless the back end asked for another `TokenDuration`).
pub trait DeveloperTokenSource: Send + Sync + fmt::Debug {
    /// The identity id and a valid token for it.
    fn developer_token(&self) -> DeveloperTokenFuture<'_>;

    /// The identity pool refused `token` as expired although it looked valid here: a source
    /// that caches the back end's answer drops it, so that the next call asks again. The
    /// default does nothing.
    fn refused(&self, _token: &Jwt) {}
}

/// Shared sources are sources.
impl<S: DeveloperTokenSource + ?Sized> DeveloperTokenSource for std::sync::Arc<S> {
    fn developer_token(&self) -> DeveloperTokenFuture<'_> {
        (**self).developer_token()
    }

    fn refused(&self, token: &Jwt) {
        (**self).refused(token)
    }
}

/// A [`DeveloperTokenSource`] made from a closure; see [`developer_token_fn`].
pub struct FnDeveloperTokenSource<F> {
    f: F,
}

impl<F> fmt::Debug for FnDeveloperTokenSource<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnDeveloperTokenSource")
    }
}

/// A developer token source from a closure returning a future of the back end's answer.
///
/// ```
/// use cognito_sigv4::credentials::{DeveloperToken, DeveloperTokenSource, developer_token_fn};
/// use cognito_sigv4::secret::Jwt;
///
/// // In an app: ask its own back end, which calls GetOpenIdTokenForDeveloperIdentity.
/// let source = developer_token_fn(|| async {
///     Ok(DeveloperToken::new("us-east-1:0000", Jwt::new("eyJ...")))
/// });
/// # fn takes(_: impl DeveloperTokenSource) {}
/// takes(source);
/// ```
pub fn developer_token_fn<F, Fut>(f: F) -> FnDeveloperTokenSource<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<DeveloperToken>> + Send + 'static,
{
    FnDeveloperTokenSource { f }
}

impl<F, Fut> DeveloperTokenSource for FnDeveloperTokenSource<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<DeveloperToken>> + Send + 'static,
{
    fn developer_token(&self) -> DeveloperTokenFuture<'_> {
        Box::pin((self.f)())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_identity_but_never_the_token() {
        let t = DeveloperToken::new("us-east-1:abc", Jwt::new("MARKER-token"));
        let dbg = format!("{t:?}");
        assert!(dbg.contains("us-east-1:abc"), "{dbg}");
        assert!(!dbg.contains("MARKER"), "{dbg}");
    }
}
