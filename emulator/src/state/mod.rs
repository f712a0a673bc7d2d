//! The emulator's runtime state: data and lookups only, no service logic. Every service works
//! on it behind one mutex ([`Shared`]): a handler locks, does its work without awaiting, and
//! unlocks; latency faults are awaited outside the lock.

use std::time::Duration;

/// How long expired records (challenge sessions, refresh tokens, issued credentials) are
/// remembered, so that using one answers "expired" rather than "invalid"; after that they are
/// forgotten, so that a long run holds only what it issued recently.
pub(crate) const EXPIRED_MEMORY: Duration = Duration::from_secs(3600);

/// The state forgets expired records at most this often (of the emulator's clock), on the
/// first request after it has passed.
pub(crate) const FORGET_INTERVAL: Duration = Duration::from_secs(60);

mod account;
mod api;
mod device;
mod from_openapi;
mod from_seed;
mod iam;
mod identity_pool;
mod oauth;
mod shared;
mod user_pool;
mod webauthn;

#[cfg(test)]
pub(crate) use crate::policy::glob_match;
pub(crate) use account::{AccountCodes, CodePurpose, PendingCode};
pub(crate) use api::{
    Api, Integration, LambdaAuthorizer, Method as ApiMethod, MethodAuth, Resource,
};
pub(crate) use device::{Device, DeviceTracking, Devices};
pub(crate) use from_openapi::{
    Imported as ImportedApi, api as api_from_openapi, import as import_openapi,
    parse_document as parse_openapi,
};
pub(crate) use iam::{IssuedCredentials, WebIdentity};
pub(crate) use identity_pool::{
    IdentityPool, MatchType, RoleMapping, RoleResolution, test_login_key,
};
pub(crate) use oauth::{AuthCode, CODE_LIFETIME, OAuthClient, OAuthState};
pub use shared::{IssuedState, LockStats};
pub(crate) use shared::{Shared, State, at_arrival};
pub(crate) use user_pool::{
    AppClient, ChallengeResult, ChallengeState, CustomChallenge, Group, Lockout, OutboxEntry,
    PasswordPolicy, RefreshTokenRecord, SrpPending, User, UserPool, UserStatus,
};
pub use user_pool::{DeliveryMedium, SentCode};
pub(crate) use webauthn::{Passkey, Passwordless, PendingRegistration};
