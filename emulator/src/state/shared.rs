//! The state itself and the handle every handler shares.

use super::api::Api;
use super::iam::{IssuedCredentials, Role};
use super::identity_pool::{IdentityPool, OidcIssuer};
use super::user_pool::UserPool;
use crate::fault::FaultPlan;
use crate::keys::SigningKey;
use cognito_sigv4::{Clock as _, SharedClock};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// The state shared by the server's handlers and the running emulator's handle.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    inner: Arc<Mutex<State>>,
    clock: SharedClock,
}

impl Shared {
    pub(crate) fn new(state: State, clock: SharedClock) -> Self {
        Self {
            inner: Arc::new(Mutex::new(state)),
            clock,
        }
    }

    /// Locks the state. A handler that panicked cannot leave it half-written in a way that
    /// matters to an emulator, so poisoning is ignored.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The emulator's clock (the services' "now").
    pub(crate) fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// The emulator's clock.
    pub(crate) fn clock(&self) -> &SharedClock {
        &self.clock
    }
}

/// Everything the emulated services know.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) region: String,
    pub(crate) account_id: String,
    pub(crate) credential_lifetime: Duration,
    /// By pool id.
    pub(crate) user_pools: BTreeMap<String, UserPool>,
    /// By issuer URL (`https://accounts.google.com`).
    pub(crate) oidc_issuers: BTreeMap<String, OidcIssuer>,
    /// By identity pool id.
    pub(crate) identity_pools: BTreeMap<String, IdentityPool>,
    /// Identity pool ids in the seed's order, for "the first identity pool that..." questions.
    pub(crate) identity_pool_order: Vec<String>,
    /// By role ARN.
    pub(crate) roles: BTreeMap<String, Role>,
    /// By API id.
    pub(crate) apis: BTreeMap<String, Api>,
    /// Temporary credentials issued by the identity pool or STS, by access key id.
    pub(crate) credentials: HashMap<String, IssuedCredentials>,
    /// Calls per operation name (`InitiateAuth`, `GetId`, `AssumeRoleWithWebIdentity`,
    /// `execute-api`), counted before faults are applied.
    pub(crate) calls: HashMap<String, u64>,
    /// Faults waiting to be served, per operation name.
    pub(crate) faults: FaultPlan,
    /// The key cognito-identity signs GetOpenIdToken tokens with
    /// (`iss` = `https://cognito-identity.amazonaws.com`); STS verifies them with it.
    pub(crate) cognito_identity_key: SigningKey,
    /// The role session name of credentials issued by STS, by access key id. Credentials
    /// not listed here came from an identity pool: their session is `CognitoIdentityCredentials`.
    pub(crate) session_names: HashMap<String, String>,
}

impl State {
    /// A user pool by id or name.
    pub(crate) fn find_user_pool(&self, id_or_name: &str) -> Option<&UserPool> {
        self.user_pools
            .get(id_or_name)
            .or_else(|| self.user_pools.values().find(|p| p.name == id_or_name))
    }

    /// An identity pool by id or name.
    pub(crate) fn find_identity_pool(&self, id_or_name: &str) -> Option<&IdentityPool> {
        self.identity_pools
            .get(id_or_name)
            .or_else(|| self.identity_pools.values().find(|p| p.name == id_or_name))
    }
}
