//! A profile's signed-in identity for one invocation: tokens and credentials from the cache
//! while they are fresh, else from the session saved by `login` (resumed once, refreshing as
//! it needs), with the cache updated for the next invocation.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use cognito_sigv4::credentials::{DEFAULT_REFRESH_MARGIN, TokenKind};
use cognito_sigv4::secret::Jwt;
use cognito_sigv4::store::FileStore;
use cognito_sigv4::{Clock, CognitoConfig, Session, SystemClock};

use cognito_sigv4::oauth::{ManagedLogin, ManagedLoginBuilder};
use cognito_sigv4::user_pool::Tokens;

use crate::cache::{CacheFile, Cached, CachedCredentials, CachedTokens};
use crate::failure::{Failure, OrFail, Outcome};
use crate::profile::{Home, Resolved, Settings};
use crate::timing::{Timings, stopwatch};

/// One profile's identity.
#[derive(Debug)]
pub struct ProfileIdentity {
    /// The profile's name.
    pub profile: String,
    /// Its configuration.
    pub config: CognitoConfig,
    home: Home,
    cache: CacheFile,
    session: Option<Session>,
    /// The profile's settings: those of `login --browser` (a domain) make its sessions refresh
    /// and sign out at the managed login's endpoints. Read only when a session is resumed, so
    /// that a command served from the cache builds no HTTP client.
    settings: Settings,
}

impl ProfileIdentity {
    /// The identity of `resolved`'s profile (nothing is read from the network yet).
    pub fn new(home: &Home, resolved: Resolved) -> Outcome<Self> {
        let config = resolved.settings.to_config(&resolved.profile)?;
        Ok(Self {
            cache: CacheFile::new(home.cache_file(&resolved.profile)),
            profile: resolved.profile,
            config,
            home: home.clone(),
            session: None,
            settings: resolved.settings,
        })
    }

    /// The session file's store.
    pub fn store(&self) -> FileStore {
        FileStore::new(self.home.session_file(&self.profile))
    }

    /// The cache file.
    pub fn cache(&self) -> &CacheFile {
        &self.cache
    }

    /// The clock every expiry decision reads.
    pub fn now(&self) -> SystemTime {
        SystemClock.now()
    }

    /// The session saved by `login`, resumed on first use.
    pub async fn session(&mut self) -> Outcome<&Session> {
        if self.session.is_none() {
            if !self.home.session_file(&self.profile).exists() {
                return Err(Failure::config(format!(
                    "not signed in with profile `{0}`: run `cognito-sigv4 login --profile {0}`",
                    self.profile
                )));
            }
            let mut builder = Session::builder(self.config.clone()).store(self.store());
            if let Some(login) = managed_login(&self.settings, self)? {
                builder = builder.managed_login(login);
            }
            let session = builder.resume().await.or_fail(&self.profile)?;
            self.session = Some(session);
        }
        Ok(self.session.as_ref().expect("just set"))
    }

    /// A user-pool token of `kind`, valid for at least the refresh margin.
    pub async fn token(&mut self, kind: TokenKind, timings: &mut Timings) -> Outcome<Jwt> {
        let mut cached = self.cache.load(&self.config);
        if let Some(tokens) = cached
            .tokens
            .as_ref()
            .filter(|t| t.fresh(self.now(), DEFAULT_REFRESH_MARGIN))
        {
            timings.add("tokens (cache)", Duration::ZERO);
            return Ok(tokens.get(kind));
        }
        let started = stopwatch();
        let profile = self.profile.clone();
        let tokens = self.session().await?.tokens().await.or_fail(&profile)?;
        timings.add("tokens (refresh)", started.elapsed());
        cached.tokens = Some(CachedTokens::of(&tokens));
        self.save(&cached);
        Ok(match kind {
            TokenKind::Id => tokens.id,
            TokenKind::Access => tokens.access,
        })
    }

    /// Temporary AWS credentials and their identity id, valid for at least the refresh margin.
    pub async fn credentials(
        &mut self,
        timings: &mut Timings,
    ) -> Outcome<(Credentials, Option<String>)> {
        self.config.require_identity_pool().or_fail(&self.profile)?;
        let mut cached = self.cache.load(&self.config);
        if let Some(c) = cached
            .credentials
            .as_ref()
            .filter(|c| c.fresh(self.now(), DEFAULT_REFRESH_MARGIN))
        {
            timings.add("credentials (cache)", Duration::ZERO);
            return Ok((c.to_credentials(), c.identity_id.clone()));
        }
        let profile = self.profile.clone();
        let started = stopwatch();
        let tokens = self.session().await?.tokens().await.or_fail(&profile)?;
        timings.add("tokens (refresh)", started.elapsed());
        let started = stopwatch();
        let session = self.session().await?;
        let credentials = session.credentials().await.or_fail(&profile)?;
        let identity_id = session.identity_id().await.ok();
        timings.add("exchange (identity pool)", started.elapsed());
        cached.tokens = Some(CachedTokens::of(&tokens));
        cached.credentials = Some(CachedCredentials::from_credentials(
            &credentials,
            identity_id.clone(),
        ));
        self.save(&cached);
        Ok((credentials, identity_id))
    }

    /// Caches `tokens` (just obtained by a sign-in).
    pub fn cache_tokens(&self, tokens: &Tokens) {
        let mut cached = self.cache.load(&self.config);
        cached.tokens = Some(CachedTokens::of(tokens));
        self.save(&cached);
    }

    /// Saves the cache; a cache that cannot be written only costs a refresh next time.
    fn save(&self, cached: &Cached) {
        if self
            .home
            .prepare()
            .and_then(|()| self.cache.save(cached))
            .is_err()
        {
            eprintln!(
                "cognito-sigv4: warning: cannot write the cache {}; the next call refreshes again",
                self.cache.path().display()
            );
        }
    }
}

/// The redirect URI when neither the flags nor the profile give one.
pub const DEFAULT_REDIRECT: &str = "http://localhost:8765/callback";

/// The managed login of a profile's settings, if it has a domain (sessions started in the
/// browser refresh and sign out through it).
pub fn managed_login(
    settings: &Settings,
    identity: &ProfileIdentity,
) -> Outcome<Option<ManagedLogin>> {
    managed_login_builder(settings, identity)
        .map(|b| b.build().or_fail(&identity.profile))
        .transpose()
}

/// The managed login's builder for a profile with a domain (`login --browser` adds scopes).
pub fn managed_login_builder(
    settings: &Settings,
    identity: &ProfileIdentity,
) -> Option<ManagedLoginBuilder> {
    let domain = settings.oauth_domain.as_ref()?;
    let client_id = identity.config.client_id().unwrap_or_default();
    let mut builder = ManagedLogin::builder(domain, client_id)
        .redirect_uri(settings.redirect_uri.as_deref().unwrap_or(DEFAULT_REDIRECT));
    if let Some(secret) = identity.config.client_secret() {
        builder = builder.client_secret(secret.clone());
    }
    Some(builder)
}
