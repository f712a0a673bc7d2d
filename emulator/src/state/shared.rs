//! The state itself and the handle every handler shares.

use super::api::Api;
use super::iam::{IssuedCredentials, Role};
use super::identity_pool::{IdentityPool, OidcIssuer, TestLogin};
use super::user_pool::UserPool;
use super::{EXPIRED_MEMORY, FORGET_INTERVAL};
use crate::calls::CallLog;
use crate::clock::EmulatorClock;
use crate::error::Error;
use crate::fault::FaultPlan;
use crate::keys::SigningKey;
use crate::lambda::Functions;
use crate::seed::Seed;
use cognito_sigv4::{Clock as _, SharedClock};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// The state shared by the server's handlers and the running emulator's handle.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    inner: Arc<Mutex<State>>,
    /// The given clock shifted by the control surface's offset; `clock` is the same, shared.
    adjustable: Arc<EmulatorClock>,
    clock: SharedClock,
    /// The call log has its own lock: recording a call never waits for a service's work.
    log: Arc<Mutex<CallLog>>,
    /// What `/_emulator/reset` goes back to, and the fault seed it starts faults from.
    seed: Arc<Seed>,
    fault_seed: Option<u64>,
    /// Bumped by every request that may have changed the state, so a state directory knows
    /// when to write.
    generation: Arc<std::sync::atomic::AtomicU64>,
    lock_stats: Arc<LockCounters>,
    /// The users' functions: triggers, authorizers and integrations call them.
    functions: Arc<Functions>,
}

impl Shared {
    /// The shared state of an emulator started from `seed` (which the state was built from).
    pub(crate) fn new(
        state: State,
        clock: SharedClock,
        log: CallLog,
        seed: Seed,
        fault_seed: Option<u64>,
    ) -> Self {
        let adjustable = Arc::new(EmulatorClock::new(clock));
        Self {
            inner: Arc::new(Mutex::new(state)),
            clock: adjustable.clone(),
            adjustable,
            log: Arc::new(Mutex::new(log)),
            seed: Arc::new(seed),
            fault_seed,
            generation: Arc::default(),
            lock_stats: Arc::default(),
            functions: Arc::default(),
        }
    }

    /// The same shared state, calling `functions`.
    pub(crate) fn with_functions(mut self, functions: Functions) -> Self {
        self.functions = Arc::new(functions);
        self
    }

    /// The users' functions (Lambda).
    pub(crate) fn functions(&self) -> &Functions {
        &self.functions
    }

    /// Notes that the state may have changed.
    pub(crate) fn touch(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// How many times the state may have changed.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Builds the state from `seed` with faults drawn from `fault_seed`.
    pub(crate) fn state_from(seed: &Seed, fault_seed: Option<u64>) -> Result<State, Error> {
        let mut state = State::from_seed(seed)?;
        if let Some(s) = fault_seed {
            state.faults = FaultPlan::with_seed(s);
        }
        Ok(state)
    }

    /// Puts everything back as the seed made it: users, pools, issued tokens and credentials,
    /// faults; the call log is emptied and the clock's offset removed.
    pub(crate) fn reset(&self) -> Result<(), Error> {
        let fresh = Self::state_from(&self.seed, self.fault_seed)?;
        *self.lock() = fresh;
        self.touch();
        self.log().reset();
        self.adjustable.reset();
        Ok(())
    }

    /// The clock the control surface moves.
    pub(crate) fn adjustable_clock(&self) -> &EmulatorClock {
        &self.adjustable
    }

    /// Locks the call log (poisoning ignored, as for the state).
    pub(crate) fn log(&self) -> MutexGuard<'_, CallLog> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the state. A handler that panicked cannot leave it half-written in a way that
    /// matters to an emulator, so poisoning is ignored. What runs under it is watched
    /// ([`LockStats`]).
    pub(crate) fn lock(&self) -> StateGuard<'_> {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        crate::lockwatch::enter();
        StateGuard {
            guard,
            stats: &self.lock_stats,
        }
    }

    /// How the state's lock has been held so far.
    pub(crate) fn lock_stats(&self) -> LockStats {
        self.lock_stats.read()
    }

    /// The emulator's clock (the services' "now"): within a request, the time it arrived at
    /// (see [`at_arrival`]).
    pub(crate) fn now(&self) -> SystemTime {
        ARRIVAL
            .try_with(|arrived| *arrived)
            .unwrap_or_else(|_| self.clock.now())
    }

    /// The emulator's clock.
    pub(crate) fn clock(&self) -> &SharedClock {
        &self.clock
    }
}

tokio::task_local! {
    /// The time the request being served arrived at.
    static ARRIVAL: SystemTime;
}

/// Serves `request` as of `arrived`: every check and every time it stamps reads the clock as
/// it was when the request arrived, as AWS, whose processing takes milliseconds, judges it.
/// A clock moved while the request is served (a test's accelerated clock) cannot expire what
/// was valid when it came in.
pub(crate) async fn at_arrival<F: std::future::Future>(
    arrived: SystemTime,
    request: F,
) -> F::Output {
    ARRIVAL.scope(arrived, request).await
}

/// The state, locked: held for the lifetime of the guard, which records how long.
pub(crate) struct StateGuard<'a> {
    guard: MutexGuard<'a, State>,
    stats: &'a LockCounters,
}

impl std::ops::Deref for StateGuard<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.guard
    }
}

impl std::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.guard
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        crate::lockwatch::exit();
        self.stats.acquisitions.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Debug, Default)]
pub(crate) struct LockCounters {
    acquisitions: AtomicU64,
}

impl LockCounters {
    fn read(&self) -> LockStats {
        LockStats {
            acquisitions: self.acquisitions.load(Ordering::Relaxed),
            costly_under_lock: crate::lockwatch::costly_under_lock(),
        }
    }
}

/// How the emulator's state lock has been held since it started
/// ([`RunningEmulator::lock_stats`](crate::RunningEmulator::lock_stats)): the services do
/// their costly work (SRP arithmetic, RSA signatures) outside it, so that calls of different
/// users run in parallel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockStats {
    /// How many times it was taken.
    pub acquisitions: u64,
    /// How many SRP exponentiations and RSA signatures ran while a thread held it, in this
    /// process (all emulators in it together). The data plane's sign-in, refresh and identity
    /// calls run none; the OAuth token endpoint and password changes (a new verifier) still do.
    pub costly_under_lock: u64,
}

/// Everything the emulated services know.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
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
    /// Seeded login tokens of Facebook, Login with Amazon and SAML, by
    /// [`test_login_key`](super::identity_pool::test_login_key).
    #[serde(skip)]
    pub(crate) test_logins: HashMap<(String, String), TestLogin>,
    /// Identity pool ids in the seed's order, for "the first identity pool that..." questions.
    pub(crate) identity_pool_order: Vec<String>,
    /// By role ARN.
    pub(crate) roles: BTreeMap<String, Role>,
    /// By API id.
    pub(crate) apis: BTreeMap<String, Api>,
    /// Temporary credentials issued by the identity pool or STS, by access key id.
    pub(crate) credentials: HashMap<String, IssuedCredentials>,
    /// Faults waiting to be served, per operation name. Not persisted.
    #[serde(skip)]
    pub(crate) faults: FaultPlan,
    /// The key cognito-identity signs GetOpenIdToken tokens with
    /// (`iss` = `https://cognito-identity.amazonaws.com`); STS verifies them with it.
    pub(crate) cognito_identity_key: SigningKey,
    /// The role session name of credentials issued by STS, by access key id. Credentials
    /// not listed here came from an identity pool: their session is `CognitoIdentityCredentials`.
    pub(crate) session_names: HashMap<String, String>,
    /// The key pairs that may sign control-plane and admin calls: access key id → secret.
    pub(crate) admin_keys: HashMap<String, String>,
    /// When expired records were last forgotten ([`State::forget_expired_if_due`]).
    #[serde(skip)]
    pub(crate) forgotten_at: Option<SystemTime>,
    /// Lambda authorizers' decisions by API, authorizer and identity, until their TTL ends.
    /// Not persisted.
    #[serde(skip)]
    pub(crate) authorizer_cache: HashMap<String, (SystemTime, serde_json::Value)>,
}

/// How much the emulator holds of what it issued, for tests that check a long run stays
/// bounded ([`RunningEmulator::issued_state`](crate::RunningEmulator::issued_state)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuedState {
    /// Temporary credentials (identity pools and STS), expired ones included for an hour.
    pub credentials: usize,
    /// Refresh-token records, retired, revoked and expired ones included (for an hour after
    /// they expire).
    pub refresh_tokens: usize,
    /// Challenge sessions (new password, MFA, MFA setup), expired ones included for an hour.
    pub challenge_sessions: usize,
    /// SRP exchanges between InitiateAuth and the PASSWORD_VERIFIER answer.
    pub srp_exchanges: usize,
    /// Revoked sign-ins remembered until their access tokens expire.
    pub revoked_sign_ins: usize,
    /// SMS and e-mail codes in the outbox.
    pub sent_codes: usize,
}

impl State {
    /// [`forget_expired`](Self::forget_expired), when it has not run for
    /// [`FORGET_INTERVAL`] (or the clock went back).
    pub(crate) fn forget_expired_if_due(&mut self, now: SystemTime) {
        let due = self
            .forgotten_at
            .is_none_or(|last| now < last || now >= last + FORGET_INTERVAL);
        if due {
            self.forget_expired(now);
            self.forgotten_at = Some(now);
        }
    }

    /// Forgets issued records that can no longer matter: credentials [`EXPIRED_MEMORY`] after
    /// they expire (a request signed with them then reads as an unknown key, not an expired
    /// one), and each user pool's sessions, SRP exchanges, refresh tokens, revoked sign-ins and
    /// sent codes (see `UserPool::forget_expired`).
    pub(crate) fn forget_expired(&mut self, now: SystemTime) {
        self.credentials
            .retain(|_, c| c.expires_at + EXPIRED_MEMORY > now);
        self.authorizer_cache.retain(|_, (until, _)| *until > now);
        let credentials = &self.credentials;
        self.session_names
            .retain(|key_id, _| credentials.contains_key(key_id));
        for pool in self.user_pools.values_mut() {
            pool.forget_expired(now);
        }
    }

    /// How much of what it issued the state holds.
    pub(crate) fn issued_state(&self) -> IssuedState {
        let pools = || self.user_pools.values();
        IssuedState {
            credentials: self.credentials.len(),
            refresh_tokens: pools().map(|p| p.refresh_tokens.len()).sum(),
            challenge_sessions: pools().map(|p| p.sessions.len()).sum(),
            srp_exchanges: pools().map(|p| p.srp_pending.len()).sum(),
            revoked_sign_ins: pools().map(|p| p.revoked_origin_jtis.len()).sum(),
            sent_codes: pools().map(|p| p.outbox.len()).sum(),
        }
    }

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
