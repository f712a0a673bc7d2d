//! The one token-source trait: where a fresh JWT comes from when a call needs one.
//!
//! The same trait serves two consumers: [`ApiClient`](crate::client::ApiClient) routes behind a
//! Cognito authorizer (a user-pool ID or access token in a header), and identity-pool logins
//! (a Google ID token, a user-pool ID token, ...) that [`FederatedCredentials`] trades for AWS
//! credentials. A [`Session`](super::Session) is a source of its own ID token, and of either of
//! its tokens through [`Session::token_source`](super::Session::token_source).
//!
//! [`FederatedCredentials`]: super::FederatedCredentials

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::error::Result;
use crate::secret::Jwt;

/// What a [`TokenSource`] returns: a fresh token, or why there is none.
pub type TokenFuture<'a> = Pin<Box<dyn Future<Output = Result<Jwt>> + Send + 'a>>;

/// Where a fresh token comes from. Called each time a token is needed (every request of a
/// user-pool route, every credentials renewal), so it should return a token that is still
/// valid, renewing it with its provider when needed, and be cheap when it is.
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// A valid token.
    fn token(&self) -> TokenFuture<'_>;

    /// A service refused `token` as expired although it looked valid here (a clock that is
    /// off, a token the service no longer accepts): a source that caches tokens drops it if it
    /// still holds it, so that the next call renews it. The default does nothing.
    fn refused(&self, _token: &Jwt) {}
}

/// Which user-pool token a consumer wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// The ID token: identity-pool logins, and Cognito authorizers without OAuth scopes.
    Id,
    /// The access token: Cognito's own user APIs, and authorizers that require OAuth scopes.
    Access,
}

/// A fixed token: fine for a one-off exchange, but whatever it authorizes cannot be renewed
/// after the token expires.
impl TokenSource for Jwt {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(std::future::ready(Ok(self.clone())))
    }
}

/// Shared sources are sources, so builders can take `impl TokenSource` and still accept one
/// source shared by several consumers.
impl<S: TokenSource + ?Sized> TokenSource for std::sync::Arc<S> {
    fn token(&self) -> TokenFuture<'_> {
        (**self).token()
    }

    fn refused(&self, token: &Jwt) {
        (**self).refused(token)
    }
}

/// A [`TokenSource`] made from a closure; see [`token_fn`].
pub struct FnTokenSource<F> {
    f: F,
}

impl<F> fmt::Debug for FnTokenSource<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FnTokenSource")
    }
}

/// A token source from a closure returning a future of a fresh token, e.g. one that asks the
/// Google sign-in library for a current ID token.
///
/// ```
/// use cognito_sigv4::credentials::{TokenSource, token_fn};
/// use cognito_sigv4::secret::Jwt;
///
/// let source = token_fn(|| async { Ok(Jwt::new("eyJ...")) });
/// # fn takes(_: impl TokenSource) {}
/// takes(source);
/// ```
pub fn token_fn<F, Fut>(f: F) -> FnTokenSource<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<Jwt>> + Send + 'static,
{
    FnTokenSource { f }
}

impl<F, Fut> TokenSource for FnTokenSource<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<Jwt>> + Send + 'static,
{
    fn token(&self) -> TokenFuture<'_> {
        Box::pin((self.f)())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    async fn text(source: &dyn TokenSource) -> Option<String> {
        source
            .token()
            .await
            .ok()
            .map(|t| t.expose_secret().to_owned())
    }

    #[tokio::test]
    async fn closures_fixed_and_shared_tokens_are_sources() {
        assert_eq!(text(&Jwt::new("fixed")).await.as_deref(), Some("fixed"));
        let f = token_fn(|| async { Ok(Jwt::new("from-fn")) });
        assert_eq!(text(&f).await.as_deref(), Some("from-fn"));
        let shared: Arc<dyn TokenSource> = Arc::new(Jwt::new("shared"));
        assert_eq!(text(&shared).await.as_deref(), Some("shared"));
    }
}
