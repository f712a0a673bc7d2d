//! Credential providers: everything that keeps a login's AWS credentials (and tokens) fresh.
//!
//! - [`Session`]: a user-pool sign-in (SRP or password, with challenges), its refreshing tokens,
//!   and the AWS credentials its ID token buys at the identity pool.
//! - [`FederatedCredentials`]: AWS credentials for Google, Facebook, Apple, Amazon, OIDC or SAML
//!   identities, or guests, straight at the identity pool.
//!
//! Both rest on one core (`core`): the identity id, the enhanced or basic flow, and
//! single-flight refresh before expiry ([`crate::cache`]); they differ only in where the logins
//! come from. Both implement [`ProvideCredentials`](aws_credential_types::provider::ProvideCredentials),
//! so they plug into [`ApiClient`](crate::client::ApiClient) and into any aws-sdk-rust client.
//!
//! Tokens come from a [`TokenSource`], the one trait for "a fresh JWT when needed": a session
//! (its ID or access token), a fixed [`Jwt`](crate::secret::Jwt), or a closure ([`token_fn`]).

mod background;
mod core;
mod federated;
mod session;
mod sign_in;
mod token;

use std::time::Duration;

pub use self::core::BasicFlow;
pub use federated::{FederatedCredentials, FederatedCredentialsBuilder, LoginSources};
pub use session::{DEFAULT_BACKGROUND_POLL, Session, SessionToken};
pub use sign_in::{PendingSignIn, SessionBuilder, SignInOutcome};
pub use token::{FnTokenSource, TokenFuture, TokenKind, TokenSource, token_fn};

/// The default refresh margin: tokens and credentials are renewed this long (plus up to 50%
/// jitter, at most half their lifetime) before they expire, as the AWS JS SDK v3 does.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);
