//! The JWKS cache: the public keys of each issuer, by JWKS URL and `kid`.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};

use crate::error::{Error, ErrorKind, Result};
use crate::time::{Clock, SharedClock, share, system_clock};

use super::VerifyError;

/// The default timeout of one JWKS fetch.
pub const DEFAULT_JWKS_TIMEOUT: Duration = Duration::from_secs(5);
/// The default minimum time between two fetches of one JWKS URL (aws-jwt-verify's penalty
/// box): a storm of tokens with unknown `kid`s makes at most one fetch per interval.
pub const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// The largest JWKS document read (Cognito's holds two keys, about 1 KiB).
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// The public keys of token issuers, by JWKS URL and `kid`; cheap to clone and shared (clones
/// share one cache), so one cache can serve many verifiers and threads.
///
/// A URL's JWKS is fetched (HTTP GET, with a timeout) the first time a token names a `kid`
/// that the cache does not hold for that URL, and again only for another unknown `kid`, and
/// then at most once per [refetch interval](JwksCacheBuilder::refetch_interval) (10 s by
/// default, measured on the cache's clock; a failed fetch counts, and its error is the answer
/// until the interval has passed). Fetches of one URL are single-flight: callers
/// that meet an unknown `kid` while a fetch is in flight wait for it, and then, if their `kid`
/// is still unknown, are refused without another fetch. A fetched JWKS replaces the URL's
/// keys (a key the issuer stopped publishing stops verifying).
///
/// [`preload`](Self::preload) fills a URL's keys from a JWKS document, for offline use or to
/// avoid the first fetch.
#[derive(Clone)]
pub struct JwksCache {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    clock: SharedClock,
    refetch_interval: Duration,
    urls: Mutex<HashMap<String, Arc<UrlEntry>>>,
    fetches: AtomicU64,
}

#[derive(Default)]
struct UrlEntry {
    keys: RwLock<HashMap<String, DecodingKey>>,
    /// Held by the one fetch in flight; holds the last fetch attempt: its time, and its error
    /// if it failed.
    flight: tokio::sync::Mutex<Option<(SystemTime, Option<Error>)>>,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let urls: Vec<String> = self
            .inner
            .urls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        f.debug_struct("JwksCache")
            .field("urls", &urls)
            .field("refetch_interval", &self.inner.refetch_interval)
            .field("fetches", &self.fetches())
            .finish_non_exhaustive()
    }
}

/// Builds a [`JwksCache`]; made by [`JwksCache::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct JwksCacheBuilder {
    clock: Option<SharedClock>,
    timeout: Duration,
    refetch_interval: Duration,
    http: Option<reqwest::Client>,
}

impl JwksCacheBuilder {
    /// The clock that times the refetch interval (default: the system clock).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(share(clock));
        self
    }

    /// How long one fetch may take in all (default [`DEFAULT_JWKS_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The minimum time between two fetches of one URL (default
    /// [`DEFAULT_REFETCH_INTERVAL`]).
    pub fn refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// The HTTP client to fetch with, instead of one built with the timeout (the timeout is
    /// then the client's).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The cache.
    ///
    /// Errors: [`ErrorKind::Config`] if the HTTP client cannot be built.
    pub fn build(self) -> Result<JwksCache> {
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.timeout)
                .timeout(self.timeout)
                .build()
                .map_err(|e| {
                    Error::new(ErrorKind::Config, "cannot build the HTTP client")
                        .with_source(e.without_url())
                })?,
        };
        Ok(JwksCache {
            inner: Arc::new(Inner {
                http,
                clock: self.clock.unwrap_or_else(system_clock),
                refetch_interval: self.refetch_interval,
                urls: Mutex::new(HashMap::new()),
                fetches: AtomicU64::new(0),
            }),
        })
    }
}

impl JwksCache {
    /// A cache with the defaults (system clock, 5 s timeout, 10 s refetch interval).
    ///
    /// Errors: [`ErrorKind::Config`] if the HTTP client cannot be built.
    pub fn new() -> Result<Self> {
        Self::builder().build()
    }

    /// A builder for a cache.
    pub fn builder() -> JwksCacheBuilder {
        JwksCacheBuilder {
            clock: None,
            timeout: DEFAULT_JWKS_TIMEOUT,
            refetch_interval: DEFAULT_REFETCH_INTERVAL,
            http: None,
        }
    }

    /// Sets `url`'s keys from the JWKS document `jwks` (`{"keys": [...]}`), replacing any,
    /// without fetching; keys that are not RSA signature keys are skipped.
    ///
    /// Errors: [`ErrorKind::InvalidResponse`] if `jwks` is not a JWKS document.
    pub fn preload(&self, url: &str, jwks: &str) -> Result<()> {
        let keys = parse_jwks(jwks.as_bytes())?;
        *self
            .entry(url)
            .keys
            .write()
            .unwrap_or_else(|e| e.into_inner()) = keys;
        Ok(())
    }

    /// How many fetches this cache has started, over all URLs (for tests and metrics).
    pub fn fetches(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    /// The `kid`s held for `url`, sorted.
    pub fn key_ids(&self, url: &str) -> Vec<String> {
        let entry = self.entry(url);
        let keys = entry.keys.read().unwrap_or_else(|e| e.into_inner());
        let mut kids: Vec<String> = keys.keys().cloned().collect();
        kids.sort();
        kids
    }

    fn entry(&self, url: &str) -> Arc<UrlEntry> {
        self.inner
            .urls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(url.to_owned())
            .or_default()
            .clone()
    }

    /// The key `kid` of `url`'s JWKS, fetching the JWKS when `kid` is unknown and the refetch
    /// interval allows.
    pub(super) async fn key(&self, url: &str, kid: &str) -> Result<DecodingKey, VerifyError> {
        let entry = self.entry(url);
        if let Some(key) = lookup(&entry, kid) {
            return Ok(key);
        }
        let mut last_fetch = entry.flight.lock().await;
        // A fetch that ran while this caller waited may have brought the key.
        if let Some(key) = lookup(&entry, kid) {
            return Ok(key);
        }
        let now = self.inner.clock.now();
        if let Some((last, failure)) = &*last_fetch
            && now < *last + self.inner.refetch_interval
            && now >= *last
        {
            // Too soon to fetch again. If the last fetch failed, this is no verdict on the
            // token; otherwise the issuer does not publish its `kid`.
            return Err(match failure {
                Some(e) => VerifyError::Jwks(e.clone()),
                None => VerifyError::UnknownKey,
            });
        }
        self.inner.fetches.fetch_add(1, Ordering::Relaxed);
        let fetched = self.fetch(url).await;
        *last_fetch = Some((now, fetched.as_ref().err().cloned()));
        let keys = fetched.map_err(VerifyError::Jwks)?;
        let key = keys.get(kid).cloned();
        *entry.keys.write().unwrap_or_else(|e| e.into_inner()) = keys;
        drop(last_fetch);
        key.ok_or(VerifyError::UnknownKey)
    }

    async fn fetch(&self, url: &str) -> Result<HashMap<String, DecodingKey>> {
        let network = |e: reqwest::Error| {
            Error::new(ErrorKind::Network, "cannot fetch the JWKS").with_source(e.without_url())
        };
        let response = self
            .inner
            .http
            .get(url)
            .header(http::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(network)?;
        let status = response.status();
        if !status.is_success() {
            let kind = if status.is_server_error() || status.as_u16() == 429 {
                ErrorKind::ServiceUnavailable
            } else {
                ErrorKind::InvalidResponse
            };
            return Err(Error::new(
                kind,
                format!("the JWKS URL answered HTTP {}", status.as_u16()),
            ));
        }
        let too_large = || Error::new(ErrorKind::InvalidResponse, "the JWKS document is too large");
        let body =
            crate::http_body::read_limited(response, MAX_JWKS_BYTES, too_large, network).await?;
        tracing::debug!(keys_bytes = body.len(), "fetched a JWKS");
        parse_jwks(&body)
    }
}

fn lookup(entry: &UrlEntry, kid: &str) -> Option<DecodingKey> {
    entry
        .keys
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(kid)
        .cloned()
}

/// The RSA signature keys of a JWKS document, by `kid`.
fn parse_jwks(body: &[u8]) -> Result<HashMap<String, DecodingKey>> {
    let set: JwkSet = serde_json::from_slice(body).map_err(|_| {
        Error::new(
            ErrorKind::InvalidResponse,
            "the JWKS is not a JSON Web Key Set",
        )
    })?;
    Ok(set
        .keys
        .iter()
        .filter_map(|jwk| Some((jwk.common.key_id.clone()?, rsa_signature_key(jwk)?)))
        .collect())
}

/// `jwk` as an RS256 verification key, unless it is another kind of key or meant for another
/// use or algorithm.
fn rsa_signature_key(jwk: &Jwk) -> Option<DecodingKey> {
    let AlgorithmParameters::RSA(_) = &jwk.algorithm else {
        return None;
    };
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
        || jwk
            .common
            .key_algorithm
            .is_some_and(|a| a != KeyAlgorithm::RS256)
    {
        return None;
    }
    DecodingKey::from_jwk(jwk).ok()
}
