//! Credential providers: everything that keeps a login's AWS credentials (and tokens) fresh.
//!
//! - [`Session`]: a user-pool sign-in (SRP or password, with challenges), its refreshing tokens,
//!   and the AWS credentials its ID token buys at the identity pool.
//! - [`FederatedCredentials`]: AWS credentials for Google, Facebook, Apple, Amazon, OIDC or SAML
//!   identities, developer-authenticated identities (the app's back end vouches for its own
//!   users, [`DeveloperTokenSource`]), or guests, straight at the identity pool.
//!
//! Both rest on one core (`core`): the identity id, the enhanced or basic flow, and
//! single-flight refresh before expiry ([`crate::cache`]); they differ only in where the logins
//! come from. Both implement [`ProvideCredentials`],
//! so they plug into [`ApiClient`](crate::client::ApiClient) and into any aws-sdk-rust client.
//!
//! Tokens come from a [`TokenSource`], the one trait for "a fresh JWT when needed": a session
//! (its ID or access token), a fixed [`Jwt`](crate::secret::Jwt), or a closure ([`token_fn`]).

mod background;
mod core;
mod developer;
mod federated;
mod session;
mod sign_in;
mod token;

use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;

pub use self::core::BasicFlow;
pub use developer::{
    DeveloperToken, DeveloperTokenFuture, DeveloperTokenSource, FnDeveloperTokenSource,
    developer_token_fn,
};
pub use federated::{FederatedCredentials, FederatedCredentialsBuilder, LoginSources};
pub use session::{
    DEFAULT_BACKGROUND_POLL, DEFAULT_REFRESH_TIMEOUT, DEFAULT_ROTATION_RACE_WAIT, Session,
    SessionToken,
};
pub use sign_in::{DEFAULT_DEVICE_NAME, PendingSignIn, SessionBuilder, SignInOutcome};
pub use token::{FnTokenSource, TokenFuture, TokenKind, TokenSource, token_fn};

/// A credentials provider that can be told the service refused its credentials as expired, so
/// that the next call fetches new ones instead of handing out the same again.
///
/// [`Session`] and [`FederatedCredentials`] implement it; [`ApiClient`](crate::client::ApiClient)
/// calls it when API Gateway answers `The security token included in the request is expired`
/// (wire one with [`ApiClientBuilder::session`](crate::client::ApiClientBuilder::session) or
/// [`refreshable_credentials`](crate::client::ApiClientBuilder::refreshable_credentials)).
pub trait RefreshableCredentials: ProvideCredentials {
    /// The service refused `credentials` as expired: if they are still the ones held, drop
    /// them. The next call refreshes (once, for every caller waiting); credentials already
    /// replaced are left alone.
    fn refused(&self, credentials: &Credentials);
}

/// The default refresh margin: tokens and credentials are renewed this long (plus up to 50%
/// jitter, at most half their lifetime) before they expire, as the AWS JS SDK v3 does.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);
