//! Wire shapes shared by the emulated services: AWS JSON 1.1 answers, awsQuery (STS) XML
//! answers, and the one error type every service answers with, [`WireError`], rendered in its
//! service's protocol with AWS's status, body and headers.

use crate::calls::{RefusalNote, RefusalReason};
use crate::sigv4::Rejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::collections::HashMap;

const JSON_11: &str = "application/x-amz-json-1.1";

fn request_id() -> HeaderValue {
    // A request id is always a valid header value: it is a UUID.
    HeaderValue::from_str(&crate::crypto::random_uuid()).unwrap_or(HeaderValue::from_static("0"))
}

/// One emulated service as the wire sees it: its protocol, how it refuses a request that fails
/// validation, and its throttling and internal errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// cognito-idp, AWS JSON 1.1.
    CognitoIdp,
    /// cognito-identity, AWS JSON 1.1.
    CognitoIdentity,
    /// STS, awsQuery.
    Sts,
    /// IAM, awsQuery (the control plane of roles and their policies).
    Iam,
    /// API Gateway (execute-api), plain JSON.
    ApiGateway,
    /// API Gateway's control plane (`apigateway`, rest-json).
    ApiGatewayControl,
}

impl Service {
    /// The service's name, as AWS signs for it and as the call log records it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Service::CognitoIdp => "cognito-idp",
            Service::CognitoIdentity => "cognito-identity",
            Service::Sts => "sts",
            Service::Iam => "iam",
            Service::ApiGateway => "execute-api",
            Service::ApiGatewayControl => "apigateway",
        }
    }

    /// The service's answer to a throttled call.
    pub(crate) fn throttled(self) -> WireError {
        match self {
            Service::CognitoIdp | Service::CognitoIdentity => {
                WireError::json("TooManyRequestsException", "Rate exceeded")
            }
            Service::Sts => WireError::query("Throttling", "Rate exceeded"),
            Service::Iam => WireError::iam("Throttling", "Rate exceeded"),
            // The error types API Gateway's 429 and 5xx answers are sent with are not quoted
            // anywhere public: the emulator's choice follows its other error types' pattern.
            Service::ApiGateway | Service::ApiGatewayControl => {
                WireError::api_gateway(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests")
                    .with_code("TooManyRequestsException")
            }
        }
    }

    /// The service's answer when it fails internally (HTTP 500).
    pub(crate) fn internal_error(self) -> WireError {
        match self {
            Service::CognitoIdp | Service::CognitoIdentity => {
                WireError::json("InternalErrorException", "Internal error")
                    .with_status(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Service::Sts => WireError::query("InternalFailure", "Internal failure")
                .with_status(StatusCode::INTERNAL_SERVER_ERROR),
            Service::Iam => WireError::iam("ServiceFailure", "Internal failure")
                .with_status(StatusCode::INTERNAL_SERVER_ERROR),
            Service::ApiGateway | Service::ApiGatewayControl => {
                WireError::api_gateway(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
                    .with_code("InternalServerErrorException")
            }
        }
    }

    /// A required member `name` of `members`, or AWS's validation error when it is absent.
    /// cognito-idp takes an empty string as given (its lookups then answer for it); the other
    /// services read it as absent.
    pub(crate) fn required<'a>(
        self,
        members: &'a impl Members,
        name: &str,
    ) -> Result<&'a str, WireError> {
        match members.member(name) {
            Some(v) if !v.is_empty() || self == Service::CognitoIdp => Ok(v),
            _ => {
                let mut field = name.to_owned();
                if let Some(first) = field.get_mut(0..1) {
                    first.make_ascii_lowercase();
                }
                Err(self.validation_error(format!(
                    "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
                )))
            }
        }
    }

    /// The service's error for a request that fails validation.
    fn validation_error(self, message: String) -> WireError {
        match self {
            Service::CognitoIdp => WireError::invalid_parameter(message),
            Service::CognitoIdentity => WireError::json("ValidationException", message),
            Service::Sts => WireError::query("ValidationError", message),
            Service::Iam => WireError::iam("ValidationError", message),
            Service::ApiGateway => WireError::api_gateway(StatusCode::BAD_REQUEST, message),
            Service::ApiGatewayControl => WireError::api_gateway(StatusCode::BAD_REQUEST, message)
                .with_code("BadRequestException"),
        }
    }
}

/// A request's members by name: a JSON 1.1 body or awsQuery parameters.
pub(crate) trait Members {
    /// The member `name`, when it is a string.
    fn member(&self, name: &str) -> Option<&str>;
}

impl Members for Value {
    fn member(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }
}

impl Members for HashMap<String, String> {
    fn member(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
}

/// How an error is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    /// `{"__type", "message"}` with `x-amzn-errortype` and a request id.
    Json11,
    /// An awsQuery `<ErrorResponse>` document (STS's namespace).
    AwsQuery,
    /// An awsQuery error in IAM's namespace.
    IamQuery,
    /// API Gateway's `{"message"}`.
    ApiGateway,
}

/// An error answer of an emulated service: status, AWS error name and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WireError {
    protocol: Protocol,
    status: StatusCode,
    code: &'static str,
    message: String,
    /// Why, for the call log; `None`: derived there from the service and the code.
    reason: Option<RefusalReason>,
}

impl WireError {
    /// A JSON 1.1 error (cognito-idp, cognito-identity), status 400.
    pub(crate) fn json(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            protocol: Protocol::Json11,
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            reason: None,
        }
    }

    /// An awsQuery (STS) error, status 400.
    pub(crate) fn query(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            protocol: Protocol::AwsQuery,
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            reason: None,
        }
    }

    /// An awsQuery (IAM) error, status 400.
    pub(crate) fn iam(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            protocol: Protocol::IamQuery,
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
            reason: None,
        }
    }

    /// An API Gateway-style error (`{"message": ...}`), which has no error name.
    pub(crate) fn api_gateway(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            protocol: Protocol::ApiGateway,
            status,
            code: "",
            message: message.into(),
            reason: None,
        }
    }

    /// The same error with an error name (for API Gateway, sent as `x-amzn-ErrorType`).
    pub(crate) fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// The same error with its reason typed for the call log.
    pub(crate) fn with_reason(mut self, reason: RefusalReason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// The same error with another HTTP status.
    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// AWS's JSON-protocol answer to a control-plane call that is not signed by a known key pair.
    /// The codes are those of AWS's JSON services' common errors; their statuses are the
    /// emulator's reading of the common-errors table (CHOICES.md).
    pub(crate) fn json_auth(r: &Rejection) -> WireError {
        let (code, status) = match r {
            Rejection::MissingAuthenticationToken => {
                ("MissingAuthenticationTokenException", StatusCode::FORBIDDEN)
            }
            Rejection::IncompleteSignature(_) => {
                ("IncompleteSignatureException", StatusCode::BAD_REQUEST)
            }
            Rejection::UnknownAccessKey | Rejection::InvalidSecurityToken => {
                ("UnrecognizedClientException", StatusCode::BAD_REQUEST)
            }
            Rejection::ExpiredToken => ("ExpiredTokenException", StatusCode::BAD_REQUEST),
            _ => ("InvalidSignatureException", StatusCode::BAD_REQUEST),
        };
        WireError::json(code, r.message())
            .with_status(status)
            .with_reason(RefusalReason::from_rejection(r))
    }

    /// JSON 1.1 `NotAuthorizedException`.
    pub(crate) fn not_authorized(message: impl Into<String>) -> Self {
        Self::json("NotAuthorizedException", message)
    }

    /// JSON 1.1 `InvalidParameterException`.
    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::json("InvalidParameterException", message)
    }

    /// The AWS error name (for API Gateway errors, the `x-amzn-ErrorType`; may be empty).
    pub(crate) fn code(&self) -> &'static str {
        self.code
    }

    /// The message.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for WireError {
    fn into_response(self) -> Response {
        let mut response = match self.protocol {
            Protocol::Json11 => json_error(self.status, self.code, &self.message),
            Protocol::AwsQuery => query_error(STS_NS, self.status, self.code, &self.message),
            Protocol::IamQuery => query_error(IAM_NS, self.status, self.code, &self.message),
            Protocol::ApiGateway => api_gateway_error(self.status, self.code, &self.message),
        };
        response.extensions_mut().insert(RefusalNote {
            reason: self.reason,
            code: self.code.to_owned(),
            message: self.message,
        });
        response
    }
}

/// A successful JSON 1.1 answer.
pub(crate) fn json_ok(body: Value) -> Response {
    let mut resp = (StatusCode::OK, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_11));
    h.insert("x-amzn-requestid", request_id());
    resp
}

/// A JSON 1.1 error with AWS's shape: `{"__type": ..., "message": ...}`.
fn json_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = serde_json::json!({ "__type": error_type, "message": message });
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_11));
    h.insert("x-amzn-requestid", request_id());
    if let Ok(v) = HeaderValue::from_str(error_type) {
        h.insert("x-amzn-errortype", v);
    }
    resp
}

/// Checks a JSON 1.1 request's top-level members against the operation's shapes, as AWS's
/// deserializer does before any validation: every member is a string, except the `structures`
/// (objects), the `string_maps` (objects of strings) and the `lists` (arrays, of whatever:
/// their items are read by the operation); `null` reads as absent. A member of
/// another type is a `SerializationException` (400), as on AWS, instead of reading as a
/// missing member.
pub(crate) fn check_member_types(
    members: &Map<String, Value>,
    structures: &[&str],
    string_maps: &[&str],
    lists: &[&str],
) -> Result<(), WireError> {
    for (name, value) in members {
        let name = name.as_str();
        let wrong = if lists.contains(&name) {
            (!value.is_array() && !value.is_null()).then_some((value, "List"))
        } else if string_maps.contains(&name) {
            match value {
                Value::Null => None,
                Value::Object(m) => m
                    .values()
                    .find(|v| !v.is_string() && !v.is_null())
                    .map(|v| (v, "String")),
                v => Some((v, "Map")),
            }
        } else if structures.contains(&name) {
            (!value.is_object() && !value.is_null()).then_some((value, "Structure"))
        } else {
            (!value.is_string() && !value.is_null()).then_some((value, "String"))
        };
        if let Some((v, expected)) = wrong {
            return Err(WireError::json(
                "SerializationException",
                format!("{} can not be converted to a {expected}", json_kind(v)),
            ));
        }
    }
    Ok(())
}

/// The deserializer's name for a JSON value's type (as in AWS's `NUMBER_VALUE can not be
/// converted to a String`).
fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "VALUE_NULL",
        Value::Bool(true) => "VALUE_TRUE",
        Value::Bool(false) => "VALUE_FALSE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        Value::Array(_) => "START_ARRAY",
        Value::Object(_) => "START_OBJECT",
    }
}

/// Escapes text for XML element content.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// STS's XML namespace.
const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// IAM's XML namespace.
const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// An awsQuery XML error in namespace `ns`.
fn query_error(ns: &str, status: StatusCode, code: &str, message: &str) -> Response {
    let kind = if status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    let body = format!(
        "<ErrorResponse xmlns=\"{ns}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        xml_escape(code),
        xml_escape(message),
        crate::crypto::random_uuid()
    );
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    resp
}

/// An awsQuery (STS) XML success: `result_xml` is the inner `<...Result>` element's content.
pub(crate) fn query_ok(action: &str, result_xml: &str) -> Response {
    query_ok_in(STS_NS, action, result_xml)
}

/// An awsQuery (IAM) XML success.
pub(crate) fn iam_ok(action: &str, result_xml: &str) -> Response {
    query_ok_in(IAM_NS, action, result_xml)
}

fn query_ok_in(ns: &str, action: &str, result_xml: &str) -> Response {
    let body = format!(
        "<{action}Response xmlns=\"{ns}\"><{action}Result>{result_xml}</{action}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
        crate::crypto::random_uuid()
    );
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    resp
}

/// An API Gateway-style JSON error (`{"message": ...}`).
fn api_gateway_error(status: StatusCode, error_type: &str, message: &str) -> Response {
    let body = serde_json::json!({ "message": message });
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if !error_type.is_empty()
        && let Ok(v) = HeaderValue::from_str(error_type)
    {
        h.insert("x-amzn-errortype", v);
    }
    resp
}
