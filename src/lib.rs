// The README is the crate's front page, so its examples are compiled as doc tests.
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

pub mod cache;
pub mod client;
pub mod config;
pub mod error;
pub mod federation;
pub mod identity_pool;
pub mod jwt;
pub mod secret;
pub mod session;
pub mod signing;
pub mod store;
pub mod time;
pub mod user_pool;

#[cfg(feature = "mock")]
pub mod mock;

pub use client::{ApiClient, AuthMode};
pub use config::CognitoConfig;
pub use error::{Error, ErrorKind, Result};
pub use federation::FederatedCredentials;
pub use identity_pool::{IdentityPoolClient, LoginProvider, Logins};
pub use secret::Password;
pub use session::{Session, SignInOutcome};
pub use time::{Clock, ManualClock, SharedClock, SystemClock};
pub use user_pool::{SignInStep, Tokens, UserPoolClient};
