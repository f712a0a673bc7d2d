//! # cognito-sigv4
//!
//! Call IAM-secured AWS APIs as an Amazon Cognito user: sign a person in to a user pool,
//! exchange their ID token at an identity pool for temporary AWS credentials, keep both fresh,
//! and SigV4-sign requests to API Gateway (`execute-api`).
//!
//! The crate is being built; see the README for what works today.
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

pub use client::ApiClient;
pub use config::CognitoConfig;
pub use error::{Error, ErrorKind, Result};
pub use session::Session;
pub use time::{Clock, ManualClock, SharedClock, SystemClock};
