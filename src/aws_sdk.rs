//! Any aws-sdk-rust client as the Cognito identity (feature `aws-sdk`): an
//! [`SdkConfig`] whose credentials come from a [`Session`] or [`FederatedCredentials`].
//!
//! ```
//! # use cognito_sigv4::{Password, Session, SignInOutcome};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # // Runs against the local emulator's reference scenario.
//! # let emulator = cognito_sigv4_emulator::Emulator::builder()
//! #     .seed(cognito_sigv4_emulator::Seed::reference()).start().await?;
//! # let config = emulator.config("quickstart", "web")?;
//! # let password = Password::new("Quickstart-Passw0rd!");
//! # let SignInOutcome::Done(session) =
//! #     Session::builder(config.clone()).sign_in("jdoe", &password).await? else { panic!() };
//! let sts = aws_sdk_sts::Client::new(&cognito_sigv4::aws_sdk::sdk_config(&config, &session));
//! let me = sts.get_caller_identity().send().await?;
//! assert!(me.arn().unwrap_or_default().contains(":assumed-role/CipRole/"));
//! # Ok(()) }
//! ```
//!
//! What the config holds:
//!
//! - **Credentials**: the session (or federated identity) itself, with the SDK's identity cache
//!   turned off: the session already caches, refreshes before expiry with margin and jitter,
//!   single-flight, and is told when [`ApiClient`](crate::client::ApiClient) sees credentials
//!   refused as expired. A second cache in the SDK would keep serving credentials the session
//!   has replaced, judged by a clock of its own.
//! - **Time**: for a session, its clock corrected by the skew it learned, so SDK signatures
//!   and the session's expiry decisions agree (and a manual clock in tests drives both).
//! - **Region**: the [`CognitoConfig`]'s.
//! - **Endpoint**: when the config sends all three Cognito services to one URL (the local
//!   emulator, [`CognitoConfigBuilder::endpoint_url`](crate::config::CognitoConfigBuilder::endpoint_url)),
//!   every SDK client goes there too; per-service overrides (a VPC endpoint for Cognito only)
//!   are not applied to other services.
//! - **Behavior version**: the latest, as `aws_config::load_defaults(BehaviorVersion::latest())`.
//!
//! Use [`sdk_config_builder`] to change anything before building (an HTTP client, retries, a
//! different region for S3).

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime::client::identity::IdentityCache;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_types::SdkConfig;
use aws_types::region::Region;
use aws_types::sdk_config::{Builder, TimeSource};

use crate::config::{CognitoConfig, Service};
use crate::credentials::{FederatedCredentials, Session};
use crate::skew::SkewedClock;
use crate::time::{Clock, SharedClock};

/// An identity of this crate that can stand behind an [`SdkConfig`]: a [`Session`] or
/// [`FederatedCredentials`]. Sealed.
pub trait SdkIdentity: private::Sealed {
    /// The credentials provider the SDK clients call.
    fn credentials_provider(&self) -> SharedCredentialsProvider;
    /// The clock SDK requests are signed by, when the identity has one of its own.
    fn clock(&self) -> Option<SharedClock>;
}

mod private {
    pub trait Sealed {}
    impl Sealed for super::Session {}
    impl Sealed for super::FederatedCredentials {}
}

impl SdkIdentity for Session {
    fn credentials_provider(&self) -> SharedCredentialsProvider {
        SharedCredentialsProvider::new(self.clone())
    }

    fn clock(&self) -> Option<SharedClock> {
        Some(std::sync::Arc::new(SkewedClock::new(
            self.device_clock(),
            self.clock_skew(),
        )))
    }
}

impl SdkIdentity for FederatedCredentials {
    fn credentials_provider(&self) -> SharedCredentialsProvider {
        SharedCredentialsProvider::new(self.clone())
    }

    fn clock(&self) -> Option<SharedClock> {
        // Its clock is not exposed; the SDK's default (the system time) signs.
        None
    }
}

/// An [`SdkConfig`] for any aws-sdk-rust client, as `identity`, in `config`'s region (see the
/// [module docs](self) for what it holds).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = cognito_sigv4_emulator::Emulator::builder()
/// #     .seed(cognito_sigv4_emulator::Seed::reference())
/// #     .start()
/// #     .await?;
/// # let config = emulator.config("quickstart", "web")?; // the emulator's pools and endpoint
/// use cognito_sigv4::FederatedCredentials;
/// let guest = FederatedCredentials::guest(config.clone())?;
/// let sts = aws_sdk_sts::Client::new(&cognito_sigv4::aws_sdk::sdk_config(&config, &guest));
/// let me = sts.get_caller_identity().send().await?;
/// assert!(me.arn().unwrap_or_default().contains("assumed-role/GuestRole/"));
/// # Ok(()) }
/// ```
pub fn sdk_config(config: &CognitoConfig, identity: &impl SdkIdentity) -> SdkConfig {
    sdk_config_builder(config, identity).build()
}

/// Like [`sdk_config`], as a builder to adjust before `build()`.
pub fn sdk_config_builder(config: &CognitoConfig, identity: &impl SdkIdentity) -> Builder {
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(config.region().to_owned()))
        .credentials_provider(identity.credentials_provider())
        .identity_cache(IdentityCache::no_cache());
    if let Some(clock) = identity.clock() {
        builder = builder.time_source(ClockTimeSource(clock));
    }
    if let Some(url) = shared_endpoint(config) {
        builder = builder.endpoint_url(url);
    }
    builder
}

/// The one URL all three services are sent to, if the config overrides them all alike.
fn shared_endpoint(config: &CognitoConfig) -> Option<String> {
    let first = config.endpoint_override(Service::CognitoIdp)?;
    Service::ALL
        .iter()
        .all(|s| config.endpoint_override(*s) == Some(first))
        .then(|| first.as_str().trim_end_matches('/').to_owned())
}

/// The crate's clock as the SDK's time source.
#[derive(Debug)]
struct ClockTimeSource(SharedClock);

impl TimeSource for ClockTimeSource {
    fn now(&self) -> std::time::SystemTime {
        self.0.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> crate::config::CognitoConfigBuilder {
        CognitoConfig::builder()
            .region("eu-west-1")
            .identity_pool_id("eu-west-1:4a1f9e1c-7b6d-4c3a-9e2f-0d5b8c7a6e41")
    }

    #[test]
    fn one_url_for_every_service_becomes_the_sdk_endpoint() {
        let emulator = base()
            .endpoint_url("http://127.0.0.1:4566/".parse().unwrap())
            .build()
            .unwrap();
        let guest = FederatedCredentials::guest(emulator.clone()).unwrap();
        let sdk = sdk_config(&emulator, &guest);
        assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:4566"));
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert!(sdk.credentials_provider().is_some());
        assert!(sdk.behavior_version().is_some());

        let vpc = base()
            .endpoint(
                Service::CognitoIdp,
                "https://vpce.example/".parse().unwrap(),
            )
            .build()
            .unwrap();
        assert_eq!(sdk_config(&vpc, &guest).endpoint_url(), None);
        let aws = base().build().unwrap();
        assert_eq!(sdk_config(&aws, &guest).endpoint_url(), None);
    }
}
