//! One entry for every request: which service it is for (by `Host`, path, `X-Amz-Target` or
//! awsQuery `Action`), the call count and any injected fault, then the service's handler; and
//! for every answer, the `Date` header from the emulator's clock.

use crate::apigw::{self, EXECUTE_API_PATH_PREFIX};
use crate::fault::Fault;
use crate::state::Shared;
use crate::time::http_date;
use crate::wire::{Service, WireError};
use crate::{apigw_ws, identity, idp, sts};
use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

/// The operation name API Gateway requests are counted and faulted under.
const EXECUTE_API: &str = "execute-api";

/// What a request is for.
enum Route {
    /// An operation of a service: cognito-idp, cognito-identity and STS by their operation
    /// name, API Gateway as a whole.
    Call {
        service: Service,
        operation: String,
    },
    /// The JWKS document of a user pool or OIDC issuer, by its issuer path.
    Jwks(String),
    /// A user pool domain's OAuth 2.0 endpoint: the pool id and the endpoint.
    OAuth(String, &'static str),
    NotFound,
}

fn route(method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Route {
    let call = |service, operation: &str| Route::Call {
        service,
        operation: operation.to_owned(),
    };
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if host.contains(".execute-api.") || uri.path().starts_with(EXECUTE_API_PATH_PREFIX) {
        return call(Service::ApiGateway, EXECUTE_API);
    }
    if let Some(target) = headers.get("x-amz-target").and_then(|h| h.to_str().ok()) {
        let services = [
            ("AWSCognitoIdentityProviderService.", Service::CognitoIdp),
            ("AWSCognitoIdentityService.", Service::CognitoIdentity),
            ("AWSSecurityTokenServiceV20110615.", Service::Sts),
        ];
        return services
            .into_iter()
            .find_map(|(prefix, service)| Some(call(service, target.strip_prefix(prefix)?)))
            .unwrap_or(Route::NotFound);
    }
    if method == Method::GET && uri.path().ends_with("/.well-known/jwks.json") {
        return Route::Jwks(
            uri.path()
                .trim_end_matches("/.well-known/jwks.json")
                .trim_start_matches('/')
                .to_owned(),
        );
    }
    if let Some((pool, endpoint)) = idp::oauth::parse_path(uri.path()) {
        return Route::OAuth(pool, endpoint);
    }
    if method == Method::POST {
        let action = url::form_urlencoded::parse(body)
            .find(|(k, _)| k == "Action")
            .map(|(_, v)| v.into_owned());
        if let Some(action) = action {
            return call(Service::Sts, &action);
        }
    }
    Route::NotFound
}

/// The most a request body may hold: API Gateway accepts payloads up to 10 MB (REST API
/// quotas, "Payload size").
const MAX_BODY: usize = 10 * 1024 * 1024;

/// The axum handler behind every path.
pub(crate) async fn dispatch(
    AxumState(shared): AxumState<Shared>,
    request: axum::extract::Request,
) -> Response {
    let mut response = if apigw_ws::is_upgrade(request.headers()) {
        match admit(&shared, Service::ApiGateway, "$connect").await {
            Some(fault) => fault.into_response(),
            None => apigw_ws::handle(&shared, request).await,
        }
    } else {
        let (parts, body) = request.into_parts();
        match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(body) => answer(&shared, &parts.method, &parts.uri, &parts.headers, &body).await,
            Err(_) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        }
    };
    // Every AWS answer carries `Date`, and clients learn their clock skew from it: it must be
    // the emulated services' time, not the host's (hyper adds the host's only when absent).
    if let Ok(date) = HeaderValue::from_str(&http_date(shared.now())) {
        response.headers_mut().insert(header::DATE, date);
    }
    response
}

/// The answer to one request, without `Date`.
async fn answer(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    match route(method, uri, headers, body) {
        Route::Call { service, operation } => {
            if let Some(fault) = admit(shared, service, &operation).await {
                return fault.into_response();
            }
            match service {
                Service::CognitoIdp => idp::handle(shared, &operation, body),
                Service::CognitoIdentity => identity::handle(shared, &operation, body),
                Service::Sts => sts::handle(shared, &operation, method, uri, headers, body),
                Service::ApiGateway => apigw::handle(shared, method, uri, headers, body),
            }
        }
        Route::Jwks(issuer_path) => jwks(shared, &issuer_path),
        Route::OAuth(pool_id, endpoint) => {
            // Counted and faulted as `oauth2/token`, `login`, ... of cognito-idp.
            if let Some(fault) = admit(shared, Service::CognitoIdp, endpoint).await {
                return fault.into_response();
            }
            let request = idp::oauth::OAuthRequest {
                pool_id: &pool_id,
                endpoint,
                method,
                query: uri.query(),
                headers,
                body,
            };
            idp::oauth::handle(shared, &request)
        }
        Route::NotFound => WireError::json("UnknownOperationException", "Unknown operation")
            .with_status(StatusCode::NOT_FOUND)
            .into_response(),
    }
}

/// Counts the call, forgets expired records when that is due, and serves the fault planned
/// for the call, if any: `Some(error)` to answer with it. Latency is awaited here, outside the
/// state's lock.
async fn admit(shared: &Shared, service: Service, operation: &str) -> Option<WireError> {
    let now = shared.now();
    let fault = {
        let mut st = shared.lock();
        st.forget_expired_if_due(now);
        *st.calls.entry(operation.to_owned()).or_default() += 1;
        st.faults.next(operation)?
    };
    match fault {
        Fault::Throttle => Some(service.throttled()),
        Fault::ServerError => Some(service.internal_error()),
        Fault::Latency(d) => {
            tokio::time::sleep(d).await;
            None
        }
    }
}

/// `GET /<poolId>/.well-known/jwks.json` (user pools) and
/// `GET /<issuer host and path>/.well-known/jwks.json` (OIDC issuers).
fn jwks(shared: &Shared, issuer_path: &str) -> Response {
    let mut st = shared.lock();
    *st.calls.entry("jwks.json".to_owned()).or_default() += 1;
    if let Some(pool) = st.user_pools.get(issuer_path) {
        return (StatusCode::OK, axum::Json(pool.key.jwks())).into_response();
    }
    if let Some(iss) = st
        .oidc_issuers
        .values()
        .find(|i| i.issuer.trim_start_matches("https://") == issuer_path)
    {
        return (StatusCode::OK, axum::Json(iss.key.jwks())).into_response();
    }
    WireError::api_gateway(StatusCode::NOT_FOUND, "Not found").into_response()
}
