//! One entry for every request: which service it is for (by `Host`, path, `X-Amz-Target` or
//! awsQuery `Action`), the call count and any injected fault, then the service's handler; for
//! every answer, the `Date` header from the emulator's clock and a record in the call log.
//! Paths under `/_emulator/` go to the control surface instead.

use crate::apigw::{self, EXECUTE_API_PATH_PREFIX};
use crate::calls::{NewCall, OperationNote, RefusalNote, RefusalReason};
use crate::fault::Fault;
use crate::state::Shared;
use crate::time::http_date;
use crate::wire::{Service, WireError};
use crate::{apigw_ws, iam, identity, idp, sts};
use crate::{control, cors};
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
    Call { service: Service, operation: String },
    /// The JWKS document of a user pool or OIDC issuer, by its issuer path.
    Jwks(String),
    /// A user pool domain's OAuth 2.0 endpoint: the pool id and the endpoint.
    OAuth(String, &'static str),
    /// No service serves it: what it asked for (its `X-Amz-Target`, or its method and path,
    /// never its query).
    NotFound(String),
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
    if let Some(op) = apigw::control::operation(method, uri) {
        return call(Service::ApiGatewayControl, op);
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
            .unwrap_or_else(|| Route::NotFound(target.to_owned()));
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
        let (mut action, mut version) = (None, None);
        for (k, v) in url::form_urlencoded::parse(body) {
            match k.as_ref() {
                "Action" => action = Some(v.into_owned()),
                "Version" => version = Some(v.into_owned()),
                _ => {}
            }
        }
        if let Some(action) = action {
            // awsQuery: IAM's version is 2010-05-08, STS's 2011-06-15; a request without one
            // goes by the service its signature is scoped to.
            let scoped_to_iam = headers
                .get(header::AUTHORIZATION)
                .and_then(|h| h.to_str().ok())
                .is_some_and(|a| a.contains("/iam/aws4_request"));
            let service = match version.as_deref() {
                Some("2010-05-08") => Service::Iam,
                None if scoped_to_iam => Service::Iam,
                _ => Service::Sts,
            };
            return call(service, &action);
        }
    }
    Route::NotFound(format!("{method} {}", uri.path()))
}

/// The most a request body may hold: API Gateway accepts payloads up to 10 MB (REST API
/// quotas, "Payload size").
const MAX_BODY: usize = 10 * 1024 * 1024;

/// What the call log records of a call besides its answer.
struct Call {
    service: &'static str,
    operation: String,
    detail: Option<String>,
    fault: Option<Fault>,
}

impl Call {
    fn new(service: &'static str, operation: impl Into<String>) -> Self {
        Self {
            service,
            operation: operation.into(),
            detail: None,
            fault: None,
        }
    }
}

/// The axum handler behind every path.
pub(crate) async fn dispatch(
    AxumState(shared): AxumState<Shared>,
    request: axum::extract::Request,
) -> Response {
    if cors::is_preflight(request.method(), request.headers()) {
        // Browser plumbing, not a call of any service: answered, never logged or faulted.
        return cors::preflight(request.headers());
    }
    let mut response = serve(shared, request).await;
    cors::add_headers(response.headers_mut());
    response
}

/// Serves a request that is not a CORS preflight; a service's call as of the time it arrived.
async fn serve(shared: Shared, request: axum::extract::Request) -> Response {
    if request.uri().path().starts_with(control::PREFIX) {
        // The control surface is the test's, not the app's: never logged, counted or faulted,
        // and it moves the clock itself.
        let (parts, body) = request.into_parts();
        return match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(body) => control::handle(&shared, &parts.method, &parts.uri, &body),
            Err(_) => StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
    }
    let arrived = shared.now();
    crate::state::at_arrival(arrived, serve_arrived(shared, request)).await
}

async fn serve_arrived(shared: Shared, request: axum::extract::Request) -> Response {
    let time = shared.now();
    let (user_agent, amz_user_agent) = {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        (header("user-agent"), header("x-amz-user-agent"))
    };
    let signed_at = signed_at(&request);
    let (mut response, call) = if apigw_ws::is_upgrade(request.headers()) {
        let mut call = Call::new(Service::ApiGateway.name(), "$connect");
        let response = match admit(&shared, Service::ApiGateway, "$connect", &mut call).await {
            Some(fault) => fault.into_response(),
            None => apigw_ws::handle(&shared, request).await,
        };
        (response, call)
    } else {
        let (parts, body) = request.into_parts();
        match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(body) => answer(&shared, &parts.method, &parts.uri, &parts.headers, &body).await,
            Err(_) => (
                StatusCode::PAYLOAD_TOO_LARGE.into_response(),
                Call::new("unknown", "(body too large)"),
            ),
        }
    };
    record(
        &shared,
        Arrival {
            time,
            signed_at,
            user_agent: user_agent.as_deref(),
            amz_user_agent: amz_user_agent.as_deref(),
        },
        &call,
        &response,
    );
    shared.touch();
    if let Some(Fault::LatencyAfter(delay)) = call.fault {
        // The operation has acted and its call is logged: only the answer waits, so a caller
        // that gives up meanwhile loses it.
        tokio::time::sleep(delay).await;
    }
    // Every AWS answer carries `Date`, and clients learn their clock skew from it: it must be
    // the emulated services' time, not the host's (hyper adds the host's only when absent) —
    // unless a fault makes it lie.
    let date = match call.fault {
        Some(Fault::LyingDate(secs)) => {
            let by = std::time::Duration::from_secs(secs.unsigned_abs());
            let now = shared.now();
            if secs >= 0 {
                now.checked_add(by)
            } else {
                now.checked_sub(by)
            }
            .unwrap_or(now)
        }
        _ => shared.now(),
    };
    if let Ok(date) = HeaderValue::from_str(&http_date(date)) {
        response.headers_mut().insert(header::DATE, date);
    }
    response
}

/// When a request arrived, and what it said of itself.
struct Arrival<'a> {
    time: std::time::SystemTime,
    signed_at: Option<std::time::SystemTime>,
    user_agent: Option<&'a str>,
    amz_user_agent: Option<&'a str>,
}

/// The time a SigV4 request says it was signed: its `X-Amz-Date` header, or the query's for a
/// presigned URL.
fn signed_at(request: &axum::extract::Request) -> Option<std::time::SystemTime> {
    let header = request
        .headers()
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok());
    let query = || {
        request.uri().query().and_then(|q| {
            q.split('&')
                .find_map(|pair| pair.strip_prefix("X-Amz-Date="))
        })
    };
    crate::sigv4::parse_amz_date(header.or_else(query)?)
}

/// Writes the call to the log, with its refusal (typed by the handler, or by the service's
/// error code, or `Other` for an untyped answer of 400 or more).
fn record(shared: &Shared, arrival: Arrival<'_>, call: &Call, response: &Response) {
    let note = response.extensions().get::<OperationNote>();
    let operation = note.map_or(call.operation.as_str(), |n| n.operation.as_str());
    let detail = note
        .and_then(|n| n.detail.as_deref())
        .or(call.detail.as_deref());
    let status = response.status();
    let error_type = || {
        response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let refusal = match response.extensions().get::<RefusalNote>() {
        Some(n) => Some((
            n.reason
                .unwrap_or_else(|| RefusalReason::by_code(call.service, &n.code)),
            n.code.as_str(),
            n.message.as_str(),
        )),
        None if status.as_u16() >= 400 => Some((RefusalReason::Other, error_type(), "")),
        None => None,
    };
    // `--log` (or RUST_LOG): one line per request, with names, the status and AWS's error code
    // only; bodies, headers and messages can hold secrets.
    tracing::info!(
        target: "cognito_sigv4_emulator::requests",
        service = call.service,
        operation,
        detail,
        status = status.as_u16(),
        error = refusal.map(|(_, code, _)| code),
    );
    shared.log().record(NewCall {
        time: arrival.time,
        signed_at: arrival.signed_at,
        service: call.service,
        operation,
        detail,
        status: status.as_u16(),
        refusal,
        fault: call.fault.clone(),
        user_agent: arrival.user_agent,
        amz_user_agent: arrival.amz_user_agent,
    });
}

/// The answer to one request, without `Date`, and what the log records of it.
async fn answer(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> (Response, Call) {
    match route(method, uri, headers, body) {
        Route::Call { service, operation } => {
            let mut call = Call::new(service.name(), operation.as_str());
            if service == Service::CognitoIdp
                && matches!(operation.as_str(), "InitiateAuth" | "AdminInitiateAuth")
            {
                call.detail = auth_flow(body);
            }
            if let Some(fault) = admit(shared, service, &operation, &mut call).await {
                return (fault.into_response(), call);
            }
            let response = match service {
                Service::CognitoIdp => {
                    idp::handle(shared, &operation, method, uri, headers, body).await
                }
                Service::CognitoIdentity => {
                    identity::handle(shared, &operation, method, uri, headers, body)
                }
                Service::Sts => sts::handle(shared, &operation, method, uri, headers, body),
                Service::Iam => iam::handle(shared, &operation, method, uri, headers, body),
                Service::ApiGateway => apigw::handle(shared, method, uri, headers, body).await,
                Service::ApiGatewayControl => {
                    apigw::control::handle(shared, &operation, method, uri, headers, body)
                }
            };
            (response, call)
        }
        Route::Jwks(issuer_path) => {
            shared.log().count("jwks.json");
            let call = Call::new(Service::CognitoIdp.name(), "jwks.json");
            (jwks(shared, &issuer_path), call)
        }
        Route::OAuth(pool_id, endpoint) => {
            // Counted and faulted as `oauth2/token`, `login`, ... of cognito-idp.
            let mut call = Call::new(Service::CognitoIdp.name(), endpoint);
            if let Some(fault) = admit(shared, Service::CognitoIdp, endpoint, &mut call).await {
                return (fault.into_response(), call);
            }
            let request = idp::oauth::OAuthRequest {
                pool_id: &pool_id,
                endpoint,
                method,
                query: uri.query(),
                headers,
                body,
            };
            (idp::oauth::handle(shared, &request), call)
        }
        Route::NotFound(what) => (
            WireError::json("UnknownOperationException", "Unknown operation")
                .with_status(StatusCode::NOT_FOUND)
                .into_response(),
            Call::new("unknown", what),
        ),
    }
}

/// InitiateAuth's `AuthFlow`, when it has the form of one (upper-case letters and `_`): the
/// log's detail. Anything else is recorded as `(invalid)`, never echoed.
fn auth_flow(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let flow = value.get("AuthFlow")?.as_str()?;
    let well_formed = !flow.is_empty()
        && flow.len() <= 64
        && flow.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
    Some(if well_formed { flow } else { "(invalid)" }.to_owned())
}

/// Counts the call, forgets expired records when that is due, and serves the fault planned
/// for the call, if any (noted in `call`): `Some(error)` to answer with it. `Latency` is awaited
/// here, outside the state's lock; `LatencyAfter` by [`dispatch`], after the answer is made.
async fn admit(
    shared: &Shared,
    service: Service,
    operation: &str,
    call: &mut Call,
) -> Option<WireError> {
    let now = shared.now();
    shared.log().count(operation);
    let fault = {
        let mut st = shared.lock();
        st.forget_expired_if_due(now);
        st.faults.next(operation)?
    };
    call.fault = Some(fault.clone());
    match fault {
        Fault::Throttle => Some(
            service
                .throttled()
                .with_reason(RefusalReason::InjectedThrottle),
        ),
        Fault::ServerError => Some(
            service
                .internal_error()
                .with_reason(RefusalReason::InjectedServerError),
        ),
        Fault::Latency(d) => {
            tokio::time::sleep(d).await;
            None
        }
        Fault::LatencyAfter(_) => None,
        Fault::LyingDate(_) => Some(
            match service {
                Service::ApiGateway => {
                    WireError::api_gateway(StatusCode::FORBIDDEN, lying_signature_expired(now))
                        .with_code("InvalidSignatureException")
                }
                other => other.internal_error(),
            }
            .with_reason(RefusalReason::InjectedLyingDate),
        ),
    }
}

/// API Gateway's `Signature expired` text for a request refused by [`Fault::LyingDate`]: the
/// request's own date is not known here, so the text names the server's time on both sides.
fn lying_signature_expired(now: std::time::SystemTime) -> String {
    let stamp = chrono::DateTime::<chrono::Utc>::from(now)
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    format!("Signature expired: {stamp} is now earlier than {stamp} ({stamp} - 5 min.)")
}

/// `GET /<poolId>/.well-known/jwks.json` (user pools) and
/// `GET /<issuer host and path>/.well-known/jwks.json` (OIDC issuers).
fn jwks(shared: &Shared, issuer_path: &str) -> Response {
    let st = shared.lock();
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
