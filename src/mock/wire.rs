//! Wire shapes shared by the emulated services: AWS JSON 1.1 answers and errors, and the
//! awsQuery (STS) XML error.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

const JSON_11: &str = "application/x-amz-json-1.1";

fn request_id() -> HeaderValue {
    // A request id is always a valid header value: it is a UUID.
    HeaderValue::from_str(&super::state::random_uuid()).unwrap_or(HeaderValue::from_static("0"))
}

/// A successful JSON 1.1 answer.
pub(crate) fn json_ok(body: Value) -> Response {
    let mut resp = (StatusCode::OK, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_11));
    h.insert("x-amzn-requestid", request_id());
    resp
}

/// A JSON 1.1 error with AWS's shape: `{"__type": ..., "message": ...}`, status 400 unless told
/// otherwise.
pub(crate) fn json_error(status: StatusCode, error_type: &str, message: &str) -> Response {
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

/// A 400 JSON 1.1 error.
pub(crate) fn client_error(error_type: &str, message: &str) -> Response {
    json_error(StatusCode::BAD_REQUEST, error_type, message)
}

/// Checks a JSON 1.1 request's top-level members against the operation's shapes, as AWS's
/// deserializer does before any validation: every member is a string, except the `structures`
/// (objects) and the `string_maps` (objects of strings); `null` reads as absent. A member of
/// another type answers `SerializationException` (400), as on AWS, instead of reading as a
/// missing member: `Some(response)` to answer with.
pub(crate) fn check_member_types(
    members: &Map<String, Value>,
    structures: &[&str],
    string_maps: &[&str],
) -> Option<Response> {
    for (name, value) in members {
        let name = name.as_str();
        let wrong = if string_maps.contains(&name) {
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
            return Some(client_error(
                "SerializationException",
                &format!("{} can not be converted to a {expected}", json_kind(v)),
            ));
        }
    }
    None
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

/// An awsQuery (STS) XML error.
pub(crate) fn query_error(status: StatusCode, code: &str, message: &str) -> Response {
    let kind = if status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        xml_escape(code),
        xml_escape(message),
        super::state::random_uuid()
    );
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    resp
}

/// An awsQuery (STS) XML success: `body` is the inner `<...Result>` element.
pub(crate) fn query_ok(action: &str, result_xml: &str) -> Response {
    let body = format!(
        "<{action}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><{action}Result>{result_xml}</{action}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
        super::state::random_uuid()
    );
    let mut resp = (StatusCode::OK, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    resp
}

/// An API Gateway-style JSON error (`{"message": ...}`).
pub(crate) fn apigw_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "message": message });
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}
