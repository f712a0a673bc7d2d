//! The HTTP control surface under `/_emulator/`: what a test in any language needs of the
//! emulator besides AWS's own APIs. JSON in and out; never logged, counted or faulted.
//!
//! - `GET /_emulator/calls`: the call log, oldest first, filtered by the query parameters
//!   `operation`, `service`, `since` (records after this sequence number), `refused`
//!   (`true`: refused calls only), `reason` (a [`RefusalReason`] name), `user_agent` (text
//!   either user-agent header contains) and `limit`; with `last_seq`, `retained`, `dropped`
//!   and `capacity`.
//! - `GET /_emulator/refusals`: the counters, which never truncate: `total`, `by_reason`,
//!   `by_operation` (then by reason), and `calls` (per operation name as faults are keyed).
//! - `POST /_emulator/calls/reset`: empties the log and zeroes the counters.

use crate::calls::{CallFilter, CallRecord, RefusalReason};
use crate::fault::Fault;
use crate::state::Shared;
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

/// The path prefix of the control surface.
pub(crate) const PREFIX: &str = "/_emulator/";

/// Serves one control request.
pub(crate) fn handle(shared: &Shared, method: &Method, uri: &Uri, _body: &[u8]) -> Response {
    let path = uri.path().trim_end_matches('/');
    let result = match (method, path) {
        (&Method::GET, "/_emulator/calls") => calls(shared, uri.query().unwrap_or("")),
        (&Method::GET, "/_emulator/refusals") => Ok(refusals(shared)),
        (&Method::POST, "/_emulator/calls/reset") => {
            shared.log().reset();
            Ok(json!({}))
        }
        (_, "/_emulator/calls" | "/_emulator/refusals" | "/_emulator/calls/reset") => Err((
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not served at {path}"),
        )),
        _ => Err((
            StatusCode::NOT_FOUND,
            format!("the control surface has no {path}"),
        )),
    };
    match result {
        Ok(body) => reply(StatusCode::OK, &body),
        Err((status, message)) => reply(status, &json!({ "message": message })),
    }
}

fn reply(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

type Refused = (StatusCode, String);

fn bad_request(message: String) -> Refused {
    (StatusCode::BAD_REQUEST, message)
}

/// `GET /_emulator/calls?...`.
fn calls(shared: &Shared, query: &str) -> Result<Value, Refused> {
    let mut filter = CallFilter::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let number = |what: &str| {
            value
                .parse::<u64>()
                .map_err(|_| bad_request(format!("{what}: not a whole number: {value}")))
        };
        match key.as_ref() {
            "operation" => filter = filter.operation(value.as_ref()),
            "service" => filter = filter.service(value.as_ref()),
            "since" => filter = filter.since_seq(number("since")?),
            "limit" => {
                filter = filter.limit(usize::try_from(number("limit")?).unwrap_or(usize::MAX))
            }
            "refused" => match value.as_ref() {
                "true" => filter = filter.refused_only(),
                "false" => {}
                other => return Err(bad_request(format!("refused: true or false, not {other}"))),
            },
            "reason" => {
                let reason = RefusalReason::from_name(&value)
                    .ok_or_else(|| bad_request(format!("reason: no refusal reason {value}")))?;
                filter = filter.reason(reason);
            }
            "user_agent" => filter = filter.user_agent_contains(value.as_ref()),
            other => return Err(bad_request(format!("unknown parameter {other}"))),
        }
    }
    let log = shared.log();
    let records: Vec<Value> = log.query(&filter).iter().map(record_json).collect();
    let stats = log.stats();
    Ok(json!({
        "calls": records,
        "last_seq": stats.last_seq,
        "retained": stats.retained,
        "dropped": stats.dropped,
        "capacity": stats.capacity,
    }))
}

/// `GET /_emulator/refusals`.
fn refusals(shared: &Shared) -> Value {
    let log = shared.log();
    let counts = log.refusals();
    let by_reason: Map<String, Value> = counts
        .by_reason
        .iter()
        .map(|(r, n)| (r.name().to_owned(), json!(n)))
        .collect();
    let by_operation: Map<String, Value> = counts
        .by_operation
        .iter()
        .map(|(op, m)| {
            let m: Map<String, Value> = m
                .iter()
                .map(|(r, n)| (r.name().to_owned(), json!(n)))
                .collect();
            (op.clone(), Value::Object(m))
        })
        .collect();
    json!({
        "total": counts.total,
        "by_reason": by_reason,
        "by_operation": by_operation,
        "calls": log.call_counts(),
    })
}

/// A record as JSON: `time` in RFC 3339 (milliseconds, UTC) and `epoch_ms`.
fn record_json(r: &CallRecord) -> Value {
    json!({
        "seq": r.seq,
        "time": rfc3339(r.time),
        "epoch_ms": epoch_ms(r.time),
        "service": r.service,
        "operation": &*r.operation,
        "detail": r.detail.as_deref(),
        "status": r.status,
        "refusal": r.refusal.as_ref().map(|f| json!({
            "reason": f.reason.name(),
            "code": &*f.code,
            "message": &*f.message,
        })),
        "fault": r.fault.as_ref().map(fault_json),
        "user_agent": r.user_agent.as_deref(),
        "amz_user_agent": r.amz_user_agent.as_deref(),
    })
}

/// A fault as JSON: `{"kind": "LatencyAfter", "millis": 300}`.
pub(crate) fn fault_json(fault: &Fault) -> Value {
    match fault {
        Fault::Throttle => json!({ "kind": "Throttle" }),
        Fault::ServerError => json!({ "kind": "ServerError" }),
        Fault::Latency(d) => json!({ "kind": "Latency", "millis": d.as_millis() as u64 }),
        Fault::LatencyAfter(d) => {
            json!({ "kind": "LatencyAfter", "millis": d.as_millis() as u64 })
        }
    }
}

fn epoch_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn rfc3339(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
