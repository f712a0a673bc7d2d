//! [`CognitoMiddleware`] (feature `reqwest-middleware`): an [`ApiClient`]'s authentication as a
//! `reqwest-middleware` layer, for apps that already have a `reqwest` stack.

use std::pin::Pin;

use bytes::Bytes;
use http::Extensions;
use reqwest_middleware::{Middleware, Next};

use super::request::{Outgoing, Received, Transport};
use super::{ApiClient, ApiResponse};
use crate::error::{Error, ErrorKind, Result};

/// Authenticates the requests of a `reqwest-middleware` stack as an [`ApiClient`] would its
/// own: the client's routes choose SigV4 (with its credentials provider, e.g. a
/// [`Session`](crate::Session)), a user-pool token or nothing; a clock-skew refusal is retried
/// once with the server's time (the offset is learned), and an expired-credentials refusal
/// once with really new credentials.
///
/// Only requests under the client's base URL (same scheme, host, port and path prefix) are
/// touched; any other passes through as it is, so that credentials never reach another host.
/// Bodies must be buffered (SigV4 signs their hash): a streaming body is an error.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let emulator = cognito_sigv4_emulator::Emulator::builder()
/// #     .seed(cognito_sigv4_emulator::Seed::reference())
/// #     .start()
/// #     .await?;
/// # let session = match cognito_sigv4::Session::builder(emulator.config("quickstart", "web")?)
/// #     .sign_in("jdoe", &cognito_sigv4::Password::new("Quickstart-Passw0rd!"))
/// #     .await?
/// # {
/// #     cognito_sigv4::SignInOutcome::Done(session) => session,
/// #     _ => unreachable!(),
/// # };
/// use cognito_sigv4::client::{ApiClient, CognitoMiddleware};
///
/// let stage = "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod";
/// # let stage = "http://abc123defg.execute-api.us-east-1.amazonaws.com/prod"; // no TLS locally
/// let auth = ApiClient::builder(stage).session(&session).build()?;
/// let http = reqwest::Client::builder()
/// #   .resolve("abc123defg.execute-api.us-east-1.amazonaws.com", emulator.addr())
///     .build()?;
/// let client = reqwest_middleware::ClientBuilder::new(http)
///     .with(CognitoMiddleware::new(auth))
///     .build();
/// let answer = client.get(format!("{stage}/cip")).send().await?;
/// assert_eq!(answer.status(), 200);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CognitoMiddleware {
    api: ApiClient,
}

impl CognitoMiddleware {
    /// A middleware authenticating as `api` does (its routes, credentials, tokens, clock and
    /// learned skew). `api`'s own HTTP settings (timeouts, `connect_to`) are not used: the
    /// stack's client sends.
    pub fn new(api: ApiClient) -> Self {
        Self { api }
    }

    /// The request's path relative to the client's base URL, if it is under it.
    fn relative_path(&self, url: &url::Url) -> Option<String> {
        let base = &self.api.inner.base;
        let same_origin = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default();
        let rest = url.path().strip_prefix(&self.api.inner.base_path)?;
        (same_origin && (rest.is_empty() || rest.starts_with('/'))).then(|| rest.to_owned())
    }
}

/// The rest of the stack, as the retry loop's transport.
struct Stack<'a> {
    next: Next<'a>,
    extensions: &'a mut Extensions,
    timeout: Option<std::time::Duration>,
}

impl Transport for Stack<'_> {
    fn send(
        &mut self,
        req: http::Request<Bytes>,
    ) -> Pin<Box<dyn Future<Output = Result<reqwest::Response>> + Send + '_>> {
        Box::pin(async move {
            let mut req = reqwest::Request::try_from(req).map_err(|e| {
                Error::new(ErrorKind::Config, "invalid request").with_source(e.without_url())
            })?;
            *req.timeout_mut() = self.timeout;
            self.next
                .clone()
                .run(req, self.extensions)
                .await
                .map_err(|e| {
                    let failed = Error::new(ErrorKind::Network, "the request failed");
                    // Without the URL, as every other HTTP error of the crate.
                    match e {
                        reqwest_middleware::Error::Reqwest(e) => {
                            failed.with_source(e.without_url())
                        }
                        other => failed.with_source(other),
                    }
                })
        })
    }
}

#[async_trait::async_trait]
impl Middleware for CognitoMiddleware {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let Some(path) = self.relative_path(req.url()) else {
            return next.run(req, extensions).await;
        };
        let auth = self.api.auth_for(req.method(), &path);
        let body = match req.body() {
            None => Bytes::new(),
            Some(body) => match body.as_bytes() {
                Some(bytes) => Bytes::copy_from_slice(bytes),
                None => {
                    return Err(reqwest_middleware::Error::middleware(Error::new(
                        ErrorKind::Signing,
                        "a streaming body cannot be signed: buffer it first",
                    )));
                }
            },
        };
        let uri: http::Uri = req.url().as_str().parse().map_err(|_| {
            reqwest_middleware::Error::middleware(Error::new(
                ErrorKind::Config,
                "the request URL is not a valid HTTP URI",
            ))
        })?;
        let outgoing = Outgoing {
            method: req.method().clone(),
            uri,
            headers: req.headers().clone(),
            body,
        };
        let mut stack = Stack {
            next,
            extensions,
            timeout: req.timeout().copied(),
        };
        let received = self
            .api
            .exchange(outgoing, auth, &mut stack)
            .await
            .map_err(reqwest_middleware::Error::middleware)?;
        Ok(match received {
            Received::Unread(response) => response,
            Received::Read(ApiResponse {
                status,
                headers,
                body,
            }) => {
                let mut answer = http::Response::new(body);
                *answer.status_mut() = status;
                *answer.headers_mut() = headers;
                reqwest::Response::from(answer)
            }
        })
    }
}
