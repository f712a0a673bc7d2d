//! One request: building it, signing it or adding its token, sending it, and the one retry
//! after a clock-skew or expired-credentials answer.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use percent_encoding::utf8_percent_encode;
use tracing::Instrument;

use std::time::SystemTime;

use aws_credential_types::Credentials;

use super::retry::{Action, Refusal, Retry};
use super::{ApiClient, ApiResponse, AuthMode, StreamingResponse};
use crate::error::{Error, ErrorKind, Result};
use crate::signing::QUERY_ENCODE;
use crate::time::shift;

/// Credentials with less than this left are not signed with while new ones may be had: they
/// could expire on the way (or within the clock's error), and the caller is better served by
/// the refresh's own error than by a refusal at the server. aws-sdk's identity cache uses the
/// same 10 s buffer.
const SEND_MIN_VALIDITY: std::time::Duration = std::time::Duration::from_secs(10);

/// One request being built; send it with [`send`](RequestBuilder::send).
#[must_use]
pub struct RequestBuilder {
    pub(super) client: ApiClient,
    pub(super) method: Method,
    pub(super) path: String,
    pub(super) query: Vec<(String, String)>,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
    pub(super) error: Option<Error>,
}

impl fmt::Debug for RequestBuilder {
    // Headers may hold a caller's token: show names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query_len", &self.query.len())
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl RequestBuilder {
    /// Appends a query parameter (encoded here: pass it decoded).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets a header (replacing one of the same name). An invalid name or value makes
    /// [`send`](Self::send) fail with [`ErrorKind::Config`].
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let name_ref = name.as_ref();
        match (
            HeaderName::from_bytes(name_ref.as_bytes()),
            HeaderValue::from_str(value.as_ref()),
        ) {
            (Ok(n), Ok(v)) => {
                self.headers.insert(n, v);
            }
            _ => {
                // Only the name: the value may be a secret.
                self.error.get_or_insert_with(|| {
                    Error::config("header", &format!("a valid `{name_ref}` header"))
                });
            }
        }
        self
    }

    /// Sets a JSON body and `Content-Type: application/json`.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.body = Bytes::from(body);
                self.headers.insert(
                    http::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
            }
            Err(e) => {
                self.error.get_or_insert_with(|| {
                    Error::new(ErrorKind::Config, "the JSON body cannot be serialized")
                        .with_source(e)
                });
            }
        }
        self
    }

    /// Sets the body. It is buffered: its SHA-256 is part of the signature.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// The URI without the `url` crate's parse, for the common request whose path and query
    /// `url` would leave as they are (no character it encodes, no dot segment it resolves):
    /// `None` sends the others through [`url`](Self::url). Measured: the throughput harness's
    /// signed GET spent about 1.3% of its time in `url`'s parser.
    fn plain_uri(&self) -> Option<http::Uri> {
        let inner = &self.client.inner;
        let (path, raw_query) = match self.path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (self.path.as_str(), None),
        };
        let path_ok = path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b))
            && !path
                .split('/')
                .any(|seg| seg == "." || seg == ".." || seg.contains("%2"));
        let query_ok = raw_query.is_none_or(|q| {
            q.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&()*+,;=:@/?%".contains(&b))
        });
        if !path_ok || !query_ok {
            return None;
        }
        let mut out = String::with_capacity(inner.base.as_str().len() + self.path.len() + 16);
        out.push_str(&inner.base[..url::Position::BeforePath]);
        let origin = out.len();
        out.push_str(&inner.base_path);
        if !(path.starts_with('/') || path.is_empty()) {
            out.push('/');
        }
        out.push_str(path);
        if out.len() == origin {
            // An empty path is `/`, as `url` makes it.
            out.push('/');
        }
        let mut first = true;
        let mut sep = |out: &mut String| {
            out.push(if first { '?' } else { '&' });
            first = false;
        };
        if let Some(q) = raw_query.filter(|q| !q.is_empty()) {
            sep(&mut out);
            out.push_str(q);
        }
        for (k, v) in &self.query {
            sep(&mut out);
            out.extend(utf8_percent_encode(k, QUERY_ENCODE));
            out.push('=');
            out.extend(utf8_percent_encode(v, QUERY_ENCODE));
        }
        http::Uri::try_from(out).ok()
    }

    fn url(&self) -> Result<url::Url> {
        let inner = &self.client.inner;
        let (path, raw_query) = match self.path.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (self.path.as_str(), None),
        };
        let mut url = inner.base.clone();
        let sep = if path.starts_with('/') || path.is_empty() {
            ""
        } else {
            "/"
        };
        url.set_path(&format!("{}{sep}{path}", inner.base_path));
        let mut query = String::new();
        if let Some(q) = raw_query.filter(|q| !q.is_empty()) {
            query.push_str(q);
        }
        for (k, v) in &self.query {
            if !query.is_empty() {
                query.push('&');
            }
            query.extend(utf8_percent_encode(k, QUERY_ENCODE));
            query.push('=');
            query.extend(utf8_percent_encode(v, QUERY_ENCODE));
        }
        if !query.is_empty() {
            url.set_query(Some(&query));
        }
        Ok(url)
    }

    /// Sends the request (signing it, or adding the token, as its route says), retrying once
    /// after a clock-skew or expired-credentials answer. Any HTTP status is a response; its
    /// body is read whole, up to [`max_response_bytes`](super::ApiClientBuilder::max_response_bytes)
    /// (a larger one is an [`ErrorKind::InvalidResponse`] error).
    pub async fn send(self) -> Result<ApiResponse> {
        let client = self.client.clone();
        self.send_with(async move |received| match received {
            Received::Read(response) => Ok(response),
            Received::Unread(response) => client.read_body(response).await,
        })
        .await
    }

    /// Like [`send`](Self::send) (the same signing, retry and expired-credentials handling),
    /// but returns once the status and headers are in, with the body still to be read as a
    /// stream: for answers larger than
    /// [`max_response_bytes`](super::ApiClientBuilder::max_response_bytes), or to process
    /// them as they arrive. A refusal the client inspects for its retry (a 403, or a 401 on a
    /// user-pool route) has been read already and is streamed from memory.
    pub async fn send_streaming(self) -> Result<StreamingResponse> {
        self.send_with(async |received| {
            Ok(match received {
                Received::Read(response) => StreamingResponse::read(response),
                Received::Unread(response) => StreamingResponse::live(response),
            })
        })
        .await
    }

    /// Sends, then hands the final answer to `finish`, all in the request's span.
    async fn send_with<T>(self, finish: impl AsyncFnOnce(Received) -> Result<T>) -> Result<T> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let auth = self.client.auth_for(&self.method, &self.path);
        let span = tracing::debug_span!(
            "api_request",
            method = %self.method,
            path = %self.path,
            auth = auth.name(),
            status = tracing::field::Empty,
            retry = tracing::field::Empty,
        );
        async move { finish(self.send_inner(auth).await?).await }
            .instrument(span)
            .await
    }

    async fn send_inner(self, auth: AuthMode) -> Result<Received> {
        let uri = match self.plain_uri() {
            Some(uri) => uri,
            None => self.url()?.as_str().parse().map_err(|_| {
                Error::new(ErrorKind::Config, "the request URL is not a valid HTTP URI")
            })?,
        };
        let outgoing = Outgoing {
            method: self.method,
            uri,
            headers: self.headers,
            body: self.body,
        };
        let client = self.client;
        client.exchange(outgoing, auth, &mut Direct(&client)).await
    }
}

/// A request as it leaves the caller, before authentication.
pub(super) struct Outgoing {
    pub(super) method: Method,
    pub(super) uri: http::Uri,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
}

/// How one attempt reaches the server: the client's own HTTP client, or the rest of a
/// middleware stack.
pub(super) trait Transport: Send {
    /// Sends one authenticated attempt; the body is left unread.
    fn send(
        &mut self,
        req: http::Request<Bytes>,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<reqwest::Response>> + Send + '_>>;
}

/// The client's own HTTP client.
struct Direct<'a>(&'a ApiClient);

impl Transport for Direct<'_> {
    fn send(
        &mut self,
        req: http::Request<Bytes>,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<reqwest::Response>> + Send + '_>> {
        Box::pin(self.0.execute(req))
    }
}

impl ApiClient {
    /// Sends `outgoing` authenticated by `auth` through `transport`, retrying after a
    /// clock-skew or an expired-credentials refusal: the one loop behind `send`,
    /// `send_streaming` and the reqwest middleware. What each answer leads to is decided by
    /// [`Retry::after`], a pure function of the answer and what was tried.
    pub(super) async fn exchange(
        &self,
        outgoing: Outgoing,
        auth: AuthMode,
        transport: &mut dyn Transport,
    ) -> Result<Received> {
        let Outgoing {
            method,
            uri,
            headers,
            body,
        } = outgoing;
        // What this request knew of the skew when it started: an offset it tries on its own
        // is kept only if nothing was learned since (see `ClockSkew::confirm`).
        let seen = self.inner.skew.version();
        let mut retry = Retry::default();
        let mut credentials = match auth {
            AuthMode::Iam => Some(self.credentials().await?),
            _ => None,
        };
        // The user-pool token the last attempt carried, to report if it is refused as expired.
        let mut sent_token = None;
        loop {
            let mut req = http::Request::builder()
                .method(method.clone())
                .uri(uri.clone())
                .body(body.clone())
                .map_err(|e| Error::new(ErrorKind::Config, "invalid request").with_source(e))?;
            *req.headers_mut() = headers.clone();
            match &auth {
                AuthMode::Iam => {
                    let creds = self
                        .usable_credentials(&mut credentials, &mut retry)
                        .await?;
                    // A trial offset dates the signature only: this request's own hypothesis.
                    let time = shift(self.inner.clock.now(), retry.offset(&self.inner.skew));
                    self.inner.signer.sign(&mut req, &creds, time)?;
                }
                AuthMode::UserPoolToken { header, token } => {
                    let jwt = self.add_token(&mut req, header, *token).await?;
                    sent_token = Some(jwt);
                }
                AuthMode::None => {}
            }
            let response = transport.send(req).await?;
            let status = response.status();
            tracing::Span::current().record("status", status.as_u16());
            // Only a 403 (IAM) or a 401 (user-pool token) can ask for a retry: any other
            // answer is final and its body is left to the caller, unread.
            let inspect = match auth {
                AuthMode::Iam => status == StatusCode::FORBIDDEN,
                AuthMode::UserPoolToken { .. } => status == StatusCode::UNAUTHORIZED,
                AuthMode::None => false,
            };
            if !inspect {
                retry.settle(&self.inner.skew, seen, status);
                return Ok(Received::Unread(response));
            }
            let response = self.read_body(response).await?;
            let refusal = match auth {
                AuthMode::Iam => Refusal::of(&response),
                AuthMode::UserPoolToken { .. } => Refusal::of_token_route(&response),
                AuthMode::None => Refusal::None,
            };
            let device_now = self.inner.clock.now();
            match retry.after(&refusal, device_now, self.inner.skew.offset_secs()) {
                Action::Done => {
                    retry.settle(&self.inner.skew, seen, status);
                    return Ok(Received::Read(response));
                }
                Action::FreshCredentials => {
                    tracing::Span::current().record("retry", "expired_credentials");
                    tracing::debug!("credentials expired at the server: asking for new ones");
                    let refused = credentials.clone();
                    let fresh = match &refused {
                        Some(refused) => self.fresh_credentials(refused).await?,
                        None => self.credentials().await?,
                    };
                    // The same credentials again would only be refused again: keep the answer.
                    if refused.as_ref() == Some(&fresh) {
                        return Ok(Received::Read(response));
                    }
                    credentials = Some(fresh);
                }
                Action::FreshToken => {
                    tracing::Span::current().record("retry", "expired_token");
                    tracing::debug!("the token was refused as expired: asking for a new one");
                    if let (AuthMode::UserPoolToken { token, .. }, Some(sent)) =
                        (&auth, &sent_token)
                        && let Some(source) = self.inner.tokens.get(*token)
                    {
                        source.refused(sent);
                    }
                }
                Action::ServerTime(offset) => {
                    tracing::Span::current().record("retry", "clock_skew");
                    tracing::debug!(
                        offset_secs = offset,
                        "clock skew: re-signing with the server's time"
                    );
                }
            }
        }
    }

    /// The credentials to sign this attempt with: those in hand, unless they have expired by
    /// the time learned, or by the server's time this request is trying, when a provider that
    /// can be told they are stale gets one chance to fetch new ones (in the server's time,
    /// credentials the device thinks valid may be expired: asking now spares a refusal). A
    /// request signed with credentials expired by the time learned can only be refused
    /// (`ExpiredTokenException`): it is not sent; one expired only by the trial's time is (the
    /// server judges the trial).
    async fn usable_credentials(
        &self,
        credentials: &mut Option<Credentials>,
        retry: &mut Retry,
    ) -> Result<Credentials> {
        let mut creds = credentials
            .clone()
            .ok_or_else(|| Error::new(ErrorKind::Credentials, "no credentials for an IAM route"))?;
        let learned = self.signing_time();
        let tried = shift(self.inner.clock.now(), retry.offset(&self.inner.skew));
        let expired_by = |c: &Credentials, t| c.expiry().is_some_and(|expiry| expiry <= t);
        let nearly = |t: SystemTime| t + SEND_MIN_VALIDITY;
        if (expired_by(&creds, nearly(learned)) || expired_by(&creds, nearly(tried)))
            && !retry.credentials
            && self.inner.refreshable.is_some()
        {
            retry.credentials = true;
            creds = self.fresh_credentials(&creds).await?;
            *credentials = Some(creds.clone());
        }
        if expired_by(&creds, learned) {
            return Err(Error::new(
                ErrorKind::Credentials,
                "the credentials provider returned expired credentials",
            ));
        }
        Ok(creds)
    }

    /// Puts the route's user-pool token in `header`; returns the token sent.
    async fn add_token(
        &self,
        req: &mut http::Request<Bytes>,
        header: &HeaderName,
        kind: crate::credentials::TokenKind,
    ) -> Result<crate::secret::Jwt> {
        let source =
            self.inner.tokens.get(kind).ok_or_else(|| {
                Error::config("token_source", "a token source for user-pool routes")
            })?;
        let jwt = source.token().await?;
        let mut value = HeaderValue::from_str(jwt.expose_secret()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidToken,
                "the token is not a valid header value",
            )
        })?;
        value.set_sensitive(true);
        let headers = req.headers_mut();
        headers.insert(header.clone(), value);
        // Never leave SigV4 traces next to a token.
        headers.remove("x-amz-date");
        headers.remove("x-amz-security-token");
        Ok(jwt)
    }
}

/// The final answer of the retry loop: read when it had to be inspected, else untouched.
pub(super) enum Received {
    Read(ApiResponse),
    Unread(reqwest::Response),
}

impl ApiClient {
    /// Sends one attempt; the body is left unread.
    async fn execute(&self, req: http::Request<Bytes>) -> Result<reqwest::Response> {
        let req = reqwest::Request::try_from(req).map_err(|e| {
            Error::new(ErrorKind::Config, "invalid request").with_source(e.without_url())
        })?;
        self.inner.http.execute(req).await.map_err(network_error)
    }

    /// Reads a body whole, refusing one over the configured limit before buffering it.
    async fn read_body(&self, resp: reqwest::Response) -> Result<ApiResponse> {
        let status = resp.status();
        let headers = resp.headers().clone();
        let limit = self.inner.max_response_bytes;
        let too_large = || {
            Error::new(
                ErrorKind::InvalidResponse,
                format!("the response body is larger than {limit} bytes"),
            )
        };
        let body = crate::http_body::read_limited(resp, limit, too_large, network_error).await?;
        Ok(ApiResponse {
            status,
            headers,
            body,
        })
    }
}

pub(super) fn network_error(e: reqwest::Error) -> Error {
    let what = if e.is_timeout() {
        "the request timed out"
    } else if e.is_connect() {
        "cannot connect to the API"
    } else {
        "the request failed"
    };
    // Without the URL: its query is the caller's data.
    Error::new(ErrorKind::Network, what).with_source(e.without_url())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_base_path_and_encode_query_values() {
        let c = ApiClient::builder("https://abc.execute-api.us-east-1.amazonaws.com/prod/")
            .default_auth(AuthMode::None)
            .build()
            .unwrap();
        let url = c
            .request(Method::GET, "/a b/%2F?x=1")
            .query("q", "a b+c/d")
            .url()
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://abc.execute-api.us-east-1.amazonaws.com/prod/a%20b/%2F?x=1&q=a%20b%2Bc%2Fd"
        );
    }

    /// The shortcut gives the very URI `url` gives, whenever it applies.
    #[test]
    fn the_plain_uri_is_the_url_crates_when_it_applies() {
        let mut applied = 0;
        for base in [
            "https://abc.execute-api.us-east-1.amazonaws.com/prod/",
            "https://abc.execute-api.us-east-1.amazonaws.com",
            "http://127.0.0.1:4566/_aws/execute-api/abc/prod",
        ] {
            let c = ApiClient::builder(base)
                .default_auth(AuthMode::None)
                .region("us-east-1")
                .build()
                .unwrap();
            for path in [
                "",
                "/",
                "cip",
                "/cip",
                "/a/b/c",
                "/a b",
                "/a/./b",
                "/a/../b",
                "/%2e/x",
                "/a%2Fb",
                "/é",
                "/a?x=1",
                "/a?x=1&y=",
                "/a?x=a b",
                "/a?",
                "/a?x='",
                "/a#f",
                "/a\\b",
                "/{proxy}",
                "/a;b=c,d@e:f",
                "//double",
                "/a?x=%41&y=?z",
            ] {
                for query in [None, Some(("q", "a b+c/d")), Some(("k k", ""))] {
                    let mut req = c.request(Method::GET, path);
                    if let Some((k, v)) = query {
                        req = req.query(k, v);
                    }
                    let Some(plain) = req.plain_uri() else {
                        continue;
                    };
                    applied += 1;
                    let through_url: http::Uri = req.url().unwrap().as_str().parse().unwrap();
                    assert_eq!(plain, through_url, "{base} {path} {query:?}");
                }
            }
        }
        assert!(
            applied > 50,
            "the shortcut applies to common requests ({applied})"
        );
    }
}
