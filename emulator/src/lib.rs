//! A local emulator of the AWS services an app meets when it calls IAM-secured APIs as an
//! Amazon Cognito user: Cognito user pools (`cognito-idp`), Cognito identity pools
//! (`cognito-identity`), STS and API Gateway — so that apps built with
//! [`cognito-sigv4`](cognito_sigv4) (or any other client) can be tested without an AWS account.
//!
//! It is a real HTTP server on 127.0.0.1 speaking AWS's wire protocols, so `cognito-sigv4`,
//! the official AWS SDK clients and other languages' clients all work against it by endpoint
//! override. It verifies SRP, signs tokens with RS256, and checks SigV4, roles and expiry for
//! real, answering with AWS's status codes, error names and messages.
//!
//! In a test, start it with a [`Seed`] (here the reference scenario, [`Seed::reference`]) and
//! a clock you can move, and point the SDK at it with [`RunningEmulator::config`]:
//!
//! ```no_run
//! use cognito_sigv4::ManualClock;
//! use cognito_sigv4_emulator::{Emulator, Seed};
//!
//! # async fn demo() -> Result<(), cognito_sigv4_emulator::Error> {
//! let clock = ManualClock::at_epoch_secs(1_767_603_843);
//! let emulator = Emulator::builder()
//!     .seed(Seed::reference())
//!     .clock(clock.clone())
//!     .start()
//!     .await?;
//! // Region, pool and client ids, the identity pool, and every endpoint set to the emulator.
//! let config = emulator.config("quickstart", "web")?;
//! assert_eq!(config.user_pool_id(), Some("us-east-1_QuickStrt"));
//! println!("cognito-idp, cognito-identity and sts at {}", emulator.endpoint());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! API Gateway requests are addressed either with `Host: <api>.execute-api.<region>.amazonaws.com`
//! (connect to the emulator's address) or by the path prefix
//! `/_aws/execute-api/<api>/<stage>/<resource path>` ([`RunningEmulator::api_url`]).
//!
//! The binary `cognito-sigv4-emulator` serves the same emulator standalone, for apps and tests
//! in other languages: `cognito-sigv4-emulator --reference` or `--seed <file>`.
//!
//! # Knobs for tests
//!
//! A manual clock ([`EmulatorBuilder::clock`]); faults by count
//! ([`RunningEmulator::inject_fault`]) or by rate for soak tests
//! ([`RunningEmulator::inject_fault_rate`], replayable with [`EmulatorBuilder::fault_seed`]);
//! call counts ([`RunningEmulator::calls`]) and the call log with typed refusals
//! ([`RunningEmulator::call_log`], [`RunningEmulator::refusals`], also served over HTTP at
//! `/_emulator/calls` and `/_emulator/refusals`); the outbox of SMS and e-mail codes
//! ([`RunningEmulator::sent_codes`]); and how much issued state it holds
//! ([`RunningEmulator::issued_state`]). Every answer carries a `Date` header from the
//! emulator's clock, as clients learn their clock skew from it.
//!
//! The next section, the one list of the emulator's own choices, is `CHOICES.md` in this
//! package.
//!
#![doc = include_str!("../CHOICES.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]

// From the bottom up: shared tools, then data, then the wire, then the services, then the
// router and the handle that starts them. No module imports one above it.
mod crypto;
mod error;
mod fault;
mod keys;
mod lambda;
mod lockwatch;
mod seed;
pub mod sigv4;
mod srp_server;
mod time;

mod calls;
mod clock;
mod cors;
mod policy;

mod state;

mod credentials;
mod tokens;
mod wire;

mod apigw;
mod apigw_ws;
mod iam;
mod identity;
mod idp;
mod sts;

mod control;
mod persist;
mod router;
/// The standalone emulator's command line.
#[cfg(feature = "cli")]
pub mod serve;

// The handle that starts it all comes last.
mod emulator;

pub use apigw::EXECUTE_API_PATH_PREFIX;
pub use calls::{
    CallFilter, CallLogStats, CallRecord, DEFAULT_CALL_LOG_CAPACITY, Refusal, RefusalCounts,
    RefusalReason,
};
pub use crypto::totp_code;
pub use emulator::{Emulator, EmulatorBuilder, RunningEmulator};
pub use error::{Error, ErrorKind};
pub use fault::Fault;
pub use lambda::{FunctionError, FunctionResult};
pub use seed::{
    AdminKeySeed, ApiSeed, AppClientSeed, DeviceConfigurationSeed, FunctionSeed, GroupSeed,
    IdentityPoolSeed, LambdaConfigSeed, MappingRuleSeed, MethodSeed, OidcProviderSeed, PemKey,
    ResourceSeed, ResourceServerSeed, RoleMappingSeed, RoleSeed, Seed, TestLoginSeed, TrustSeed,
    UserPoolProviderSeed, UserPoolSeed, UserSeed, VersionedLambdaSeed,
};
pub use state::{DeliveryMedium, IssuedState, LockStats, SentCode};
