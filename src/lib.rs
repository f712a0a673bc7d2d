// The README is the crate's front page, so its examples are compiled as doc tests.
#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations, unreachable_pub)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "aws-sdk")]
pub mod aws_sdk;
pub mod cache;
pub mod client;
pub mod config;
pub mod credentials;
pub mod error;
mod http_body;
pub mod identity_pool;
pub mod jwt;
#[cfg(feature = "oauth")]
pub mod oauth;
mod runtime;
pub mod secret;
pub mod signing;
pub mod skew;
pub mod store;
pub mod time;
pub mod user_pool;
#[cfg(feature = "verify")]
pub mod verify;

pub use client::{ApiClient, AuthMode};
pub use config::CognitoConfig;
pub use credentials::{FederatedCredentials, Session, SignInOutcome, TokenSource};
pub use error::{Error, ErrorKind, Result};
pub use identity_pool::{IdentityPoolClient, LoginProvider, Logins};
pub use secret::Password;
pub use time::{Clock, ManualClock, SharedClock, SystemClock};
pub use user_pool::{SignInStep, Tokens, UserPoolClient};
