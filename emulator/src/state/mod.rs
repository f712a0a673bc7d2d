//! The emulator's runtime state: data and lookups only, no service logic. Every service works
//! on it behind one mutex ([`Shared`]): a handler locks, does its work without awaiting, and
//! unlocks; latency faults are awaited outside the lock.

mod api;
mod from_seed;
mod iam;
mod identity_pool;
mod shared;
mod user_pool;

pub(crate) use api::{Api, MethodAuth, Resource};
pub(crate) use iam::IssuedCredentials;
pub(crate) use identity_pool::IdentityPool;
pub(crate) use shared::{Shared, State};
pub(crate) use user_pool::{
    AppClient, ChallengeState, OutboxEntry, RefreshTokenRecord, SrpPending, User, UserPool,
    UserStatus,
};
pub use user_pool::{DeliveryMedium, SentCode};
