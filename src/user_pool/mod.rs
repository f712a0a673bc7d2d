//! User pool sign-in: SRP and password flows, challenges, refresh and sign-out.
//!
//! [`UserPoolClient`] talks to Cognito user pools (`cognito-idp`) through the official
//! `aws-sdk-cognitoidentityprovider` client, built with the region, the endpoint override if
//! any, and **no credentials**: every operation used here is unauthenticated, so the client
//! never walks the default credentials chain nor probes the instance metadata service.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = cognito_sigv4_emulator::Emulator::builder()
//! #     .seed(cognito_sigv4_emulator::Seed::reference())
//! #     .start()
//! #     .await?;
//! use cognito_sigv4::CognitoConfig;
//! use cognito_sigv4::secret::Password;
//! use cognito_sigv4::user_pool::{SignInStep, UserPoolClient};
//!
//! // `CognitoConfig::from_env()` in an app; here, the local emulator's pool.
//! let config: CognitoConfig = emulator.config("quickstart", "web")?;
//! let client = UserPoolClient::new(&config)?;
//! match client.sign_in("alice", &Password::new("Quickstart-Passw0rd!")).await? {
//!     SignInStep::Done(tokens) => assert_eq!(tokens.username, "alice"),
//!     SignInStep::Challenge(ch) => panic!("answer {} first", ch.name()),
//! }
//! # emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! `SECRET_HASH` (for app clients with a secret) is computed over the name the person typed only
//! at `InitiateAuth`; every later call uses Cognito's own username (`USER_ID_FOR_SRP`, or the
//! access token's `username`), which differs when the person signs in with an e-mail or phone
//! alias.

mod account;
mod call_context;
mod challenge;
mod client;
mod custom_auth;
mod device;
mod refresh;
pub mod secret_hash;
pub mod srp;
mod types;
mod user_auth;
mod webauthn;

pub use crate::secret::TotpSecret;
pub use account::{CodeDelivery, SignUpResult};
pub use call_context::UserContextData;
pub use client::{DEFAULT_TIMEOUT, UserPoolClient, UserPoolClientBuilder};
pub use custom_auth::ChallengeAnswer;
pub use device::{ConfirmedDevice, DeviceInfo, DeviceStatus, NewDeviceMetadata, RememberedDevice};
pub use types::{
    AuthFlow, Challenge, ChallengeKind, ChallengeResponse, MfaKind, SignInStep, Tokens, UserInfo,
};
pub use user_auth::FirstFactor;
pub use webauthn::{PasskeyAssertion, PasskeyCredential};
