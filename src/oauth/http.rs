//! The HTTP under `oauth2`: the crate's own reqwest client (no redirects, a timeout), and the
//! translation of OAuth errors into the crate's error kinds.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::basic::BasicErrorResponseType;
use oauth2::{ErrorResponse, HttpRequest, HttpResponse, RequestTokenError, StandardErrorResponse};
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::{ClientSecret, Jwt, RefreshToken};

/// The most bytes of an answer read (token answers are a few KB).
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// How a call proves the app client: its id, and its secret by HTTP Basic or in the body.
pub(super) struct ClientAuth<'a> {
    pub(super) client_id: &'a str,
    pub(super) secret: Option<&'a ClientSecret>,
    pub(super) in_body: bool,
}

/// A transport failure, as `oauth2` wants an error type.
#[derive(Debug)]
pub(super) struct Transport(Error);

impl std::fmt::Display for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Transport {}

/// The HTTP client for a domain.
#[derive(Debug, Clone)]
pub(super) struct OAuthHttp {
    client: reqwest::Client,
}

type Answer = Pin<Box<dyn Future<Output = std::result::Result<HttpResponse, Transport>> + Send>>;

impl OAuthHttp {
    pub(super) fn new(timeout: Duration) -> Result<Self> {
        // No redirects: a token request carries the client secret and the code verifier.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| {
                Error::new(ErrorKind::Config, "cannot build the HTTP client").with_source(e)
            })?;
        Ok(Self { client })
    }

    /// What `oauth2` calls to send a request.
    pub(super) fn caller(&self) -> impl Fn(HttpRequest) -> Answer + use<> {
        let client = self.client.clone();
        move |request| {
            let client = client.clone();
            Box::pin(async move { send(&client, request).await.map_err(Transport) })
        }
    }

    /// `POST /oauth2/revoke` with `token` and the client's authentication.
    pub(super) async fn revoke(
        &self,
        url: Url,
        auth: ClientAuth<'_>,
        token: &RefreshToken,
    ) -> Result<()> {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        form.append_pair("token", token.expose_secret());
        let mut request = self.client.post(url);
        match (auth.secret, auth.in_body) {
            (Some(secret), false) => {
                request = request.basic_auth(auth.client_id, Some(secret.expose_secret()));
            }
            (secret, _) => {
                form.append_pair("client_id", auth.client_id);
                if let Some(secret) = secret {
                    form.append_pair("client_secret", secret.expose_secret());
                }
            }
        }
        let response = request
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.finish())
            .send()
            .await
            .map_err(network)?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = read_limited(response).await?;
        let code = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v.get("error")?.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
        Err(Error::from_service(
            code.clone(),
            format!("the revocation was refused: {code}"),
        ))
    }

    /// `GET /oauth2/userInfo` with a bearer access token.
    pub(super) async fn user_info(
        &self,
        url: Url,
        access: &Jwt,
    ) -> Result<serde_json::Map<String, serde_json::Value>> {
        let response = self
            .client
            .get(url)
            .bearer_auth(access.expose_secret())
            .send()
            .await
            .map_err(network)?;
        let status = response.status();
        let body = read_limited(response).await?;
        if !status.is_success() {
            let error = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned));
            return Err(match error {
                Some(code) => {
                    Error::from_service(code.clone(), format!("userInfo refused: {code}"))
                }
                None if status == reqwest::StatusCode::UNAUTHORIZED => Error::new(
                    ErrorKind::NotAuthorized,
                    "userInfo refused the access token (it needs the `openid` scope)",
                ),
                None => Error::new(ErrorKind::Service, format!("userInfo answered {status}")),
            });
        }
        serde_json::from_slice(&body).map_err(|_| {
            Error::new(
                ErrorKind::InvalidResponse,
                "userInfo answered something not a JSON object",
            )
        })
    }
}

async fn send(client: &reqwest::Client, request: HttpRequest) -> Result<HttpResponse> {
    let request = reqwest::Request::try_from(request)
        .map_err(|e| Error::new(ErrorKind::Config, "invalid OAuth request").with_source(e))?;
    let response = client.execute(request).await.map_err(network)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_limited(response).await?;
    let mut answer = http::Response::new(body);
    *answer.status_mut() = status;
    *answer.headers_mut() = headers;
    Ok(answer)
}

async fn read_limited(response: reqwest::Response) -> Result<Vec<u8>> {
    let too_large = || {
        Error::new(
            ErrorKind::InvalidResponse,
            "the OAuth answer is larger than 1 MiB",
        )
    };
    crate::http_body::read_limited(response, MAX_ANSWER_BYTES, too_large, network)
        .await
        .map(Vec::from)
}

fn network(e: reqwest::Error) -> Error {
    let kind = if e.is_timeout() || e.is_connect() || e.is_request() || e.is_body() {
        ErrorKind::Network
    } else {
        ErrorKind::InvalidResponse
    };
    Error::new(kind, "the user pool domain could not be reached").with_source(e.without_url())
}

/// The crate's error for a failed token-endpoint call (`what` names the call).
pub(super) fn token_error<T>(e: RequestTokenError<Transport, T>, what: &str) -> Error
where
    T: ErrorResponse + OAuthErrorName + 'static,
{
    match e {
        RequestTokenError::ServerResponse(answer) => {
            let code = answer.error_name();
            Error::from_service(code.clone(), format!("{what} was refused: {code}"))
        }
        RequestTokenError::Request(Transport(e)) => e,
        RequestTokenError::Parse(_, _) => Error::new(
            ErrorKind::InvalidResponse,
            format!("{what}: the answer is not an OAuth token response"),
        ),
        RequestTokenError::Other(message) => {
            Error::new(ErrorKind::InvalidResponse, format!("{what}: {message}"))
        }
    }
}

/// The OAuth error name of an error answer (`invalid_grant`, ...).
pub(super) trait OAuthErrorName {
    /// The name.
    fn error_name(&self) -> String;
}

impl OAuthErrorName for StandardErrorResponse<BasicErrorResponseType> {
    fn error_name(&self) -> String {
        self.error().as_ref().to_owned()
    }
}
