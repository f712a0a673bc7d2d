//! Machine-to-machine access: `client_credentials` access tokens with custom scopes, renewed
//! before they expire (one grant at a time, shared by every caller).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::cache::ExpiringCell;
use crate::credentials::{DEFAULT_REFRESH_MARGIN, TokenFuture, TokenSource};
use crate::error::{Error, ErrorKind, Result};
use crate::jwt::UnverifiedClaims;
use crate::secret::Jwt;

use super::ManagedLogin;

/// An access token from the `client_credentials` grant. `Debug` never shows the token.
#[derive(Clone)]
pub struct MachineToken {
    /// The access token (send it as `Authorization` to routes behind a Cognito authorizer).
    pub access: Jwt,
    /// When it expires.
    pub expires_at: SystemTime,
    /// The scopes granted.
    pub scopes: Vec<String>,
}

impl fmt::Debug for MachineToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MachineToken")
            .field("access", &"***")
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl MachineToken {
    /// From a token answer: the expiry from the token's `exp` (else `expires_in` from `now`),
    /// the scopes from the answer (else the token's `scope` claim).
    pub(super) fn from_answer(
        access: &str,
        expires_in: Option<Duration>,
        scopes: Option<Vec<String>>,
        now: SystemTime,
    ) -> Result<Self> {
        let claims = UnverifiedClaims::decode(access).ok();
        let expires_at = claims
            .as_ref()
            .and_then(UnverifiedClaims::exp)
            .or_else(|| expires_in.map(|d| now + d))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidResponse,
                    "the access token states no expiry",
                )
            })?;
        let scopes = scopes
            .or_else(|| claims.map(|c| c.scopes().to_vec()))
            .unwrap_or_default();
        Ok(Self {
            access: Jwt::new(access),
            expires_at,
            scopes,
        })
    }
}

/// A [`TokenSource`] of `client_credentials` access tokens for one set of scopes: the cached
/// token while it is valid for the refresh margin, else one new grant shared by every caller
/// (detached, so a cancelled caller does not waste it). Cheap to clone.
///
/// Use it as the access-token source of an [`ApiClient`](crate::ApiClient):
/// `.token_source(TokenKind::Access, client_credentials)` with
/// [`AuthMode::access_token`](crate::client::AuthMode::access_token) routes.
#[derive(Clone)]
pub struct ClientCredentials {
    inner: Arc<Inner>,
}

struct Inner {
    login: ManagedLogin,
    scopes: Vec<String>,
    margin: Duration,
    cell: ExpiringCell<MachineToken>,
}

impl fmt::Debug for ClientCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCredentials")
            .field("login", &self.inner.login)
            .field("scopes", &self.inner.scopes)
            .finish_non_exhaustive()
    }
}

impl ClientCredentials {
    pub(super) fn new(login: ManagedLogin, scopes: Vec<String>) -> Self {
        Self {
            inner: Arc::new(Inner {
                login,
                scopes,
                margin: DEFAULT_REFRESH_MARGIN,
                cell: ExpiringCell::new(),
            }),
        }
    }

    /// A valid token: the cached one, or a new grant.
    ///
    /// Errors: [`ErrorKind::Config`] (`invalid_client`, `unauthorized_client`) for an app
    /// client without a secret or without the client-credentials flow, and
    /// [`ErrorKind::InvalidParameter`] (`invalid_scope`) for scopes it may not have.
    pub async fn token(&self) -> Result<MachineToken> {
        let inner = self.inner.clone();
        let clock = inner.login.clock().clone();
        inner
            .cell
            .get_or_refresh_detached(&clock, inner.margin, move || {
                let inner = self.inner.clone();
                async move {
                    let token = inner.login.grant_client_credentials(&inner.scopes).await?;
                    let expires_at = token.expires_at;
                    Ok((token, expires_at))
                }
            })
            .await
    }
}

impl TokenSource for ClientCredentials {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move { ClientCredentials::token(self).await.map(|t| t.access) })
    }

    fn refused(&self, token: &Jwt) {
        self.inner.cell.invalidate_if(|held| held.access == *token);
    }
}
