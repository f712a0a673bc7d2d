//! Server-side verification of Cognito user-pool tokens (feature `verify`): a token's RS256
//! signature against the user pool's JWKS, and its claims, as awslabs' `aws-jwt-verify` does
//! for JavaScript.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let emulator = cognito_sigv4_emulator::Emulator::builder()
//! #     .seed(cognito_sigv4_emulator::Seed::reference())
//! #     .start()
//! #     .await?;
//! # let config = emulator.config("quickstart", "web")?;
//! # let tokens = match cognito_sigv4::UserPoolClient::new(&config)?
//! #     .sign_in("jdoe", &cognito_sigv4::Password::new("Quickstart-Passw0rd!"))
//! #     .await?
//! # {
//! #     cognito_sigv4::SignInStep::Done(tokens) => tokens,
//! #     _ => unreachable!(),
//! # };
//! # let token = tokens.access.expose_secret();
//! use cognito_sigv4::jwt::TokenUse;
//! use cognito_sigv4::verify::CognitoJwtVerifier;
//!
//! let verifier = CognitoJwtVerifier::builder("eu-west-1_AbCdEf123", "eu-west-1")
//!     .token_use(TokenUse::Access)
//!     .client_ids(["3n4b5urk1ft4fl3mg5e62d9ado"])
//!     .scopes(["api/read"])
//!     .build()?;
//! # // This doctest runs on the emulator: its pool, its app client, its JWKS.
//! # let verifier = CognitoJwtVerifier::builder_for(&config)?
//! #     .token_use(TokenUse::Access)
//! #     .scopes(["api/read"])
//! #     .build()?;
//! let claims = verifier.verify(token).await?;
//! println!("caller: {:?}", claims.sub());
//! # assert!(claims.has_scope("api/read"));
//! # Ok(()) }
//! ```
//!
//! Tokens of several user pools (or an ID and an access token of one pool, each with its own
//! rules) go to one verifier made by [`CognitoJwtVerifier::multi`], which hands each token to
//! the verifier of its `iss` and `token_use`.
//!
//! # The checks, in order
//!
//! 1. **structure**: three base64url parts, JSON objects, claims of the right types, a `kid`;
//! 2. **`alg`** is `RS256`: `none`, every HMAC algorithm (`HS256` "signed" with the public key
//!    as a secret) and every other algorithm are refused before any key is used;
//! 3. **`kid`** is in the issuer's JWKS ([`JwksCache`]: fetched on first use, refetched only
//!    for an unknown `kid`, at most once per 10 s per URL);
//! 4. **signature** (RS256 with that key, by `jsonwebtoken` on aws-lc-rs);
//! 5. **`iss`** is the user pool's issuer, `https://cognito-idp.<region>.amazonaws.com/<pool id>`
//!    (or its global format, `https://issuer-cognito-idp.<region>.amazonaws.com/<pool id>`);
//! 6. **`token_use`** is the one required (`id` or `access`);
//! 7. **`aud`** (ID tokens) or **`client_id`** (access tokens) is one of the app client ids;
//! 8. **`exp`** (required) and **`nbf`** (if present), each allowing the grace period;
//! 9. **groups** / **scopes**: if required, the token has at least one of them (as
//!    `aws-jwt-verify`'s `groups` and `scope` options);
//! 10. optionally, **revocation** (access tokens only): Cognito still accepts the token.
//!
//! Each failure is a [`VerifyError`] naming the check; none holds or prints the token.
//!
//! With the feature `verify-tower`, `layer::CognitoAuthLayer` requires a verified token on
//! every request of an axum/hyper service and hands the handlers the [`VerifiedClaims`].
//!
//! # What a verified token proves, and what it does not
//!
//! A token that passes checks 1–9 was issued by the user pool for one of your app clients,
//! has not been altered, and has not expired: it proves who the user was (ID token) or what
//! the app client was granted (access token) **when it was issued**. It does **not** prove
//! that the user is still signed in, still enabled or still exists: Cognito tokens are
//! stateless, valid until `exp` (an hour by default) whatever happens meanwhile. A sign-out
//! (RevokeToken, GlobalSignOut), a disabled user or a deleted user does not invalidate
//! tokens already issued anywhere they are checked offline. That includes **API Gateway**:
//! its Cognito authorizer checks signature, issuer, expiry (and scopes for access tokens), and
//! never asks Cognito, so a revoked user's ID token passes it until it expires.
//!
//! For access tokens, [`CognitoJwtVerifierBuilder::revocation_check`] closes that gap at the
//! price of a call to Cognito (GetUser, which answers `NotAuthorizedException` for a revoked or
//! globally signed-out access token), cached briefly. **ID tokens cannot be checked this way**
//! (Cognito has no call that takes one); keep their lifetime short if that matters, or
//! require access tokens.
//!
//! # Where it differs from `aws-jwt-verify`
//!
//! One deliberate difference: a token **without `exp`** is refused here (check 8), where
//! `aws-jwt-verify` checks `exp` only when present. Cognito puts `exp` in every token it issues,
//! so a genuinely signed token without it did not come from Cognito's token endpoints, and a
//! bearer token that never expires is the one outcome a verifier must not allow. Every other
//! verdict matches `aws-jwt-verify` token for token (`tests/verify.rs` runs both on the same
//! forged and genuine tokens).
//!
//! Other tokens are not Cognito user-pool JWTs and are not for this module: an STS session
//! token (`X-Amz-Security-Token`) is opaque and only AWS can check it, and a refresh token is
//! encrypted.

mod error;
mod jwks;
#[cfg(feature = "verify-tower")]
pub mod layer;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

pub use error::VerifyError;
pub use jwks::{DEFAULT_JWKS_TIMEOUT, DEFAULT_REFETCH_INTERVAL, JwksCache, JwksCacheBuilder};

use crate::config::{CognitoConfig, Service};
use crate::error::{Error, ErrorKind, Result};
use crate::jwt::{TokenUse, UnverifiedClaims};
use crate::secret::Jwt;
use crate::time::{Clock, SharedClock, share, system_clock};
use crate::user_pool::UserPoolClient;

/// The default grace period for `exp` and `nbf` (none, as `aws-jwt-verify`).
pub const DEFAULT_GRACE: Duration = Duration::ZERO;
/// The default time a revocation check's "still valid" answer is trusted.
pub const DEFAULT_REVOCATION_CACHE: Duration = Duration::from_secs(30);
/// The most revocation answers kept (older ones are dropped first when it is reached).
const MAX_REVOCATION_ENTRIES: usize = 10_000;

/// Verifies Cognito user-pool tokens of one user pool, or of several
/// ([`multi`](Self::multi)): see the [module docs](self).
///
/// Cheap to clone (clones share everything); `Send + Sync`.
#[derive(Clone)]
pub struct CognitoJwtVerifier {
    /// One entry per user pool, none sharing an issuer; never empty.
    pools: Arc<[Arc<Inner>]>,
}

/// The rules for the tokens of one user pool.
struct Inner {
    /// The issuers accepted, each with the URL of its JWKS; the first is the main one.
    issuers: Vec<(String, String)>,
    token_use: TokenUse,
    client_ids: Vec<String>,
    groups: Vec<String>,
    scopes: Vec<String>,
    grace: Duration,
    clock: SharedClock,
    jwks: JwksCache,
    revocation: Option<Revocation>,
}

impl fmt::Debug for CognitoJwtVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.pools.iter()).finish()
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = self;
        f.debug_struct("CognitoJwtVerifier")
            .field("issuers", &i.issuers)
            .field("token_use", &i.token_use)
            .field("client_ids", &i.client_ids)
            .field("groups", &i.groups)
            .field("scopes", &i.scopes)
            .field("grace", &i.grace)
            .field("revocation_check", &i.revocation.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds a [`CognitoJwtVerifier`]; made by [`CognitoJwtVerifier::builder`].
#[must_use]
#[derive(Clone)]
pub struct CognitoJwtVerifierBuilder {
    issuer: String,
    /// The user pool's issuer in the global format, when built from a pool id.
    global_issuer: Option<String>,
    jwks_url: Option<String>,
    token_use: Option<TokenUse>,
    client_ids: Vec<String>,
    groups: Vec<String>,
    scopes: Vec<String>,
    grace: Duration,
    clock: Option<SharedClock>,
    jwks: Option<JwksCache>,
    revocation: Option<(UserPoolClient, Duration)>,
}

impl fmt::Debug for CognitoJwtVerifierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoJwtVerifierBuilder")
            .field("issuer", &self.issuer)
            .field("jwks_url", &self.jwks_url)
            .field("token_use", &self.token_use)
            .field("client_ids", &self.client_ids)
            .finish_non_exhaustive()
    }
}

impl CognitoJwtVerifier {
    /// A builder for a verifier of the tokens of `user_pool` in `region`. `user_pool` is a
    /// user pool id (`eu-west-1_AbCdEf123`, whose issuer is
    /// `https://cognito-idp.<region>.amazonaws.com/<id>`, or in the global format
    /// `https://issuer-cognito-idp.<region>.amazonaws.com/<id>`: both are accepted, as
    /// `aws-jwt-verify` accepts them, each with the JWKS under it) or, if it starts with
    /// `https://` or `http://`, the one issuer itself.
    ///
    /// [`token_use`](CognitoJwtVerifierBuilder::token_use) and
    /// [`client_ids`](CognitoJwtVerifierBuilder::client_ids) are required.
    pub fn builder(user_pool: &str, region: &str) -> CognitoJwtVerifierBuilder {
        let (issuer, global_issuer) =
            if user_pool.starts_with("https://") || user_pool.starts_with("http://") {
                (user_pool.trim_end_matches('/').to_owned(), None)
            } else {
                (
                    format!("https://cognito-idp.{region}.amazonaws.com/{user_pool}"),
                    Some(format!(
                        "https://issuer-cognito-idp.{region}.amazonaws.com/{user_pool}"
                    )),
                )
            };
        CognitoJwtVerifierBuilder {
            issuer,
            global_issuer,
            jwks_url: None,
            token_use: None,
            client_ids: Vec::new(),
            groups: Vec::new(),
            scopes: Vec::new(),
            grace: DEFAULT_GRACE,
            clock: None,
            jwks: None,
            revocation: None,
        }
    }

    /// A builder for `config`'s user pool (in its region), allowing its app client id, and
    /// fetching the JWKS from its `cognito-idp` endpoint override if it has one (the
    /// emulator serves `/<pool id>/.well-known/jwks.json`).
    ///
    /// Errors: [`ErrorKind::Config`] if `config` has no user pool id or app client id.
    pub fn builder_for(config: &CognitoConfig) -> Result<CognitoJwtVerifierBuilder> {
        let (pool, client) = config.require_user_pool()?;
        let mut builder = Self::builder(pool, config.region()).client_ids([client]);
        if let Some(endpoint) = config.endpoint_override(Service::CognitoIdp) {
            let base = endpoint.as_str().trim_end_matches('/');
            builder = builder.jwks_url(format!("{base}/{pool}/.well-known/jwks.json"));
        }
        Ok(builder)
    }

    /// One verifier for the tokens of several user pools (or several sets of rules), as
    /// `aws-jwt-verify`'s `CognitoJwtVerifier.create([...])`: a token is checked by the
    /// verifier whose issuer its `iss` names and whose token use its `token_use` names, with
    /// that verifier's rules (client ids, groups, scopes, grace, revocation check); so one
    /// pool's ID and access tokens can both be accepted, each with its own rules. A token
    /// naming none of the issuers is refused at `iss` without any key being fetched, so
    /// forged issuers cost nothing.
    ///
    /// Give the verifiers one [`JwksCache`] ([`jwks_cache`](CognitoJwtVerifierBuilder::jwks_cache))
    /// to share fetches and the refetch limit among them.
    ///
    /// Errors: [`ErrorKind::Config`] for no verifier, or two accepting the same token use of
    /// the same issuer (which one would check those tokens is ambiguous).
    pub fn multi(verifiers: impl IntoIterator<Item = CognitoJwtVerifier>) -> Result<Self> {
        let pools: Vec<Arc<Inner>> = verifiers
            .into_iter()
            .flat_map(|v| v.pools.iter().cloned().collect::<Vec<_>>())
            .collect();
        if pools.is_empty() {
            return Err(Error::config("verifiers", "at least one verifier"));
        }
        let mut seen = std::collections::HashSet::new();
        for pool in &pools {
            for (issuer, _) in &pool.issuers {
                if !seen.insert((issuer.as_str(), &pool.token_use)) {
                    return Err(Error::new(
                        ErrorKind::Config,
                        format!(
                            "two verifiers accept {:?} tokens of the issuer `{issuer}`",
                            pool.token_use
                        ),
                    ));
                }
            }
        }
        Ok(Self {
            pools: pools.into(),
        })
    }

    /// The issuer tokens must name (`iss`); for a verifier built from a user pool id, the
    /// global-format issuer is accepted too (see [`builder`](Self::builder)). For a
    /// [`multi`](Self::multi) verifier, the first pool's; see [`issuers`](Self::issuers).
    pub fn issuer(&self) -> &str {
        &self.pools[0].issuers[0].0
    }

    /// Every issuer accepted, each with the URL its keys are fetched from.
    pub fn issuers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pools.iter().flat_map(|p| {
            p.issuers
                .iter()
                .map(|(iss, url)| (iss.as_str(), url.as_str()))
        })
    }

    /// The URL the issuer's keys are fetched from (the first pool's, for a
    /// [`multi`](Self::multi) verifier).
    pub fn jwks_url(&self) -> &str {
        &self.pools[0].issuers[0].1
    }

    /// The JWKS cache this verifier uses (shared with the verifiers given the same one); the
    /// first pool's, for a [`multi`](Self::multi) verifier.
    pub fn jwks_cache(&self) -> &JwksCache {
        &self.pools[0].jwks
    }

    /// Verifies `token` (checks 1 to 9 of the [module docs](self), then the revocation check
    /// if configured) and returns its claims.
    ///
    /// May fetch the issuer's JWKS (a token with a `kid` the cache does not hold) and, with
    /// a revocation check, call Cognito.
    pub async fn verify(&self, token: &str) -> Result<VerifiedClaims, VerifyError> {
        // 1. Structure, once for whichever pool checks the token.
        let claims = UnverifiedClaims::decode(token).map_err(|_| VerifyError::Malformed)?;
        let pool = match &*self.pools {
            // One pool: a foreign `iss` is reported after the signature check, as documented.
            [only] => only,
            // The pool of that issuer for that token use, else any of that issuer (which
            // refuses the token at `token_use`).
            pools => {
                let of_issuer = || pools.iter().filter(|p| p.issuer_of(&claims).is_some());
                of_issuer()
                    .find(|p| claims.token_use() == Some(&p.token_use))
                    .or_else(|| of_issuer().next())
                    .ok_or(VerifyError::Issuer)?
            }
        };
        pool.verify_offline_checks(token, &claims).await?;
        if let Some(revocation) = &pool.revocation {
            revocation.check(token, &claims, pool.clock.now()).await?;
        }
        Ok(VerifiedClaims(claims))
    }

    /// Verifies a token held in a [`Jwt`]; see [`verify`](Self::verify).
    pub async fn verify_jwt(&self, token: &Jwt) -> Result<VerifiedClaims, VerifyError> {
        self.verify(token.expose_secret()).await
    }
}

impl Inner {
    /// The accepted issuer (with its JWKS URL) that `claims` name, if any.
    fn issuer_of(&self, claims: &UnverifiedClaims) -> Option<&(String, String)> {
        self.issuers
            .iter()
            .find(|(iss, _)| claims.iss() == Some(iss))
    }

    /// Checks 1 to 9 on a token whose claims decoded.
    async fn verify_offline_checks(
        &self,
        token: &str,
        claims: &UnverifiedClaims,
    ) -> Result<(), VerifyError> {
        let i = self;
        let (signing_input, signature) = token.rsplit_once('.').ok_or(VerifyError::Malformed)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature.trim_end_matches('='))
            .map_err(|_| VerifyError::Malformed)?;
        // 2. alg: exactly RS256.
        if claims.header().get("alg").and_then(Value::as_str) != Some("RS256") {
            return Err(VerifyError::Algorithm);
        }
        // 3. kid, in the JWKS of the issuer the token names if it is one accepted (and else
        // the main one's: the token then fails at `iss`).
        let kid = claims.key_id().ok_or(VerifyError::Malformed)?;
        let issuer = i.issuer_of(claims);
        let jwks_url = &issuer.unwrap_or(&i.issuers[0]).1;
        let key = i.jwks.key(jwks_url, kid).await?;
        // 4. Signature, with the RS256 verifier of aws-lc-rs only (never the process-wide
        // default provider, whatever other crates in the build enable).
        let verifier = (jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.verifier_factory)(
            &Algorithm::RS256,
            &key,
        )
        .map_err(|_| VerifyError::UnknownKey)?;
        verifier
            .verify(signing_input.as_bytes(), &signature)
            .map_err(|_| VerifyError::Signature)?;
        // 5. iss.
        if issuer.is_none() {
            return Err(VerifyError::Issuer);
        }
        // 6. token_use.
        if claims.token_use() != Some(&i.token_use) {
            return Err(VerifyError::TokenUse);
        }
        // 7. aud (ID) or client_id (access).
        match i.token_use {
            TokenUse::Id => {
                if !i.client_ids.iter().any(|c| claims.has_audience(c)) {
                    return Err(VerifyError::Audience);
                }
            }
            _ => {
                if !claims
                    .client_id()
                    .is_some_and(|c| i.client_ids.iter().any(|allowed| allowed == c))
                {
                    return Err(VerifyError::ClientId);
                }
            }
        }
        // 8. exp and nbf, with the grace.
        let now = i.clock.now();
        // Checked: a grace (or an `exp`) so large that the sum passes SystemTime's end means
        // "never expires by this check", not a panic.
        match claims.exp() {
            Some(exp) if exp.checked_add(i.grace).is_none_or(|end| now < end) => {}
            _ => return Err(VerifyError::Expired),
        }
        if let Some(nbf) = claims.get("nbf") {
            let nbf = nbf.as_f64().ok_or(VerifyError::Malformed)?;
            let nbf = UNIX_EPOCH
                .checked_add(Duration::try_from_secs_f64(nbf).map_err(|_| VerifyError::Malformed)?)
                .ok_or(VerifyError::Malformed)?;
            if now.checked_add(i.grace).is_some_and(|latest| latest < nbf) {
                return Err(VerifyError::NotYetValid);
            }
        }
        // 9. groups, scopes.
        if !i.groups.is_empty() && !claims.groups().iter().any(|g| i.groups.contains(g)) {
            return Err(VerifyError::Group);
        }
        if !i.scopes.is_empty() && !claims.scopes().iter().any(|s| i.scopes.contains(s)) {
            return Err(VerifyError::Scope);
        }
        Ok(())
    }
}

impl CognitoJwtVerifierBuilder {
    /// Which tokens to accept: [`TokenUse::Id`] or [`TokenUse::Access`] (required).
    pub fn token_use(mut self, token_use: TokenUse) -> Self {
        self.token_use = Some(token_use);
        self
    }

    /// The app client ids whose tokens are accepted (required, at least one): an ID token's
    /// `aud`, or an access token's `client_id`, must be one of them.
    pub fn client_ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// Requires the token's `cognito:groups` to hold at least one of `groups` (default: no
    /// requirement).
    pub fn groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.groups = groups.into_iter().map(Into::into).collect();
        self
    }

    /// Requires the token's `scope` to hold at least one of `scopes` (default: no
    /// requirement). Only access tokens carry scopes.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// How long after `exp` (and before `nbf`) a token is still accepted, for clock skew
    /// between issuer and verifier (default none).
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// The clock that `exp` and `nbf` are checked against (default: the system clock). A
    /// JWKS cache made by the verifier also runs on it.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(share(clock));
        self
    }

    /// The JWKS cache to use, shared with other verifiers (default: a cache of this
    /// verifier's own, on its clock).
    pub fn jwks_cache(mut self, cache: JwksCache) -> Self {
        self.jwks = Some(cache);
        self
    }

    /// Where to fetch the issuer's JWKS, instead of `<issuer>/.well-known/jwks.json`: for
    /// the emulator (`<endpoint>/<pool id>/.well-known/jwks.json`) or a mirror.
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Asks Cognito, after every other check passed, whether an access token is still
    /// accepted (GetUser through `client`, which must be a client of the same user pool);
    /// a "still accepted" answer is trusted for `cache_for` (see
    /// [`DEFAULT_REVOCATION_CACHE`]), a refusal until the token expires. Only for verifiers of
    /// access tokens: Cognito has no such check for ID tokens.
    pub fn revocation_check(mut self, client: UserPoolClient, cache_for: Duration) -> Self {
        self.revocation = Some((client, cache_for));
        self
    }

    /// The verifier. Makes no network call.
    ///
    /// Errors: [`ErrorKind::Config`] without a token use (or with one other than `id` or
    /// `access`), without client ids, or with a revocation check on a verifier of ID tokens.
    pub fn build(self) -> Result<CognitoJwtVerifier> {
        let token_use = match self.token_use {
            Some(t @ (TokenUse::Id | TokenUse::Access)) => t,
            _ => {
                return Err(Error::config(
                    "token_use",
                    "`TokenUse::Id` or `TokenUse::Access`",
                ));
            }
        };
        if self.client_ids.is_empty() {
            return Err(Error::config("client_ids", "at least one app client id"));
        }
        if self.revocation.is_some() && token_use == TokenUse::Id {
            return Err(Error::new(
                ErrorKind::Config,
                "a revocation check needs access tokens: Cognito cannot check ID tokens",
            ));
        }
        let clock = self.clock.unwrap_or_else(system_clock);
        let jwks = match self.jwks {
            Some(jwks) => jwks,
            None => JwksCache::builder().clock(clock.clone()).build()?,
        };
        let jwks_url = |issuer: &str| {
            self.jwks_url
                .clone()
                .unwrap_or_else(|| format!("{issuer}/.well-known/jwks.json"))
        };
        let issuers = std::iter::once(self.issuer)
            .chain(self.global_issuer)
            .map(|iss| {
                let url = jwks_url(&iss);
                (iss, url)
            })
            .collect();
        let pool = Arc::new(Inner {
            issuers,
            token_use,
            client_ids: self.client_ids,
            groups: self.groups,
            scopes: self.scopes,
            grace: self.grace,
            clock,
            jwks,
            revocation: self.revocation.map(|(client, cache_for)| Revocation {
                client,
                cache_for,
                answers: Mutex::new(HashMap::new()),
            }),
        });
        Ok(CognitoJwtVerifier {
            pools: Arc::from([pool]),
        })
    }
}

/// The claims of a token that passed verification. Derefs to [`UnverifiedClaims`] for the
/// accessors (`sub`, `groups`, `scopes`, ...); the name of that type is historical here: these
/// were verified.
#[derive(Clone, PartialEq)]
pub struct VerifiedClaims(UnverifiedClaims);

impl VerifiedClaims {
    /// The claims, as the decoding type.
    pub fn claims(&self) -> &UnverifiedClaims {
        &self.0
    }

    /// The claims, by value.
    pub fn into_inner(self) -> UnverifiedClaims {
        self.0
    }
}

impl std::ops::Deref for VerifiedClaims {
    type Target = UnverifiedClaims;

    fn deref(&self) -> &UnverifiedClaims {
        &self.0
    }
}

impl fmt::Debug for VerifiedClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VerifiedClaims").field(&self.0).finish()
    }
}

/// The revocation check: GetUser, with its answers cached by the token's SHA-256.
struct Revocation {
    client: UserPoolClient,
    cache_for: Duration,
    /// Token hash → (until when the answer holds, whether the token was accepted).
    answers: Mutex<HashMap<[u8; 32], (SystemTime, bool)>>,
}

impl Revocation {
    async fn check(
        &self,
        token: &str,
        claims: &UnverifiedClaims,
        now: SystemTime,
    ) -> Result<(), VerifyError> {
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let cached = {
            let answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
            answers
                .get(&hash)
                .filter(|(until, _)| now < *until)
                .map(|(_, ok)| *ok)
        };
        let accepted = match cached {
            Some(ok) => ok,
            None => {
                let accepted = match self.client.get_user(&Jwt::new(token)).await {
                    Ok(_) => true,
                    Err(e) if e.kind() == ErrorKind::NotAuthorized => false,
                    Err(e) => return Err(VerifyError::RevocationCheck(e)),
                };
                let until = if accepted {
                    now + self.cache_for
                } else {
                    claims.exp().unwrap_or(now)
                };
                let mut answers = self.answers.lock().unwrap_or_else(|e| e.into_inner());
                if answers.len() >= MAX_REVOCATION_ENTRIES {
                    answers.retain(|_, (until, _)| now < *until);
                    if answers.len() >= MAX_REVOCATION_ENTRIES {
                        answers.clear();
                    }
                }
                answers.insert(hash, (until, accepted));
                accepted
            }
        };
        if accepted {
            Ok(())
        } else {
            Err(VerifyError::Revoked)
        }
    }
}
