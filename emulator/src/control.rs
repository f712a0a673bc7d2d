//! The HTTP control surface under `/_emulator/`: what a test in any language needs of the
//! emulator besides AWS's own APIs. JSON in and out; never logged, counted or faulted.
//!
//! - `GET /_emulator/health`: `{"status": "ok", "services": [...]}` once the emulator serves.
//! - `POST /_emulator/reset`: everything back as the seed made it (users, pools, issued tokens
//!   and credentials, faults, the call log, the clock's offset).
//! - `GET /_emulator/codes`: every SMS and e-mail code "sent" (the outbox), oldest first, with
//!   its pool, user, medium, destination, purpose and times; `?pool=<id or name>` and
//!   `?username=<name>` (any name the user signs in with) filter.
//! - `GET /_emulator/clock`: the emulator's now; `POST /_emulator/clock` with
//!   `{"advance_secs": n}`, `{"epoch_secs": n}` or `{"time": "<RFC 3339>"}` moves it (every
//!   service reads it: tokens, credentials, codes, SigV4's window), `{"reset": true}` puts it
//!   back to the host's (or the given) clock.
//! - `POST /_emulator/faults` with `{"operation": "InitiateAuth", "fault": "Throttle" |
//!   "ServerError" | "Latency" | "LatencyAfter", "millis": n, "times": n}` (by count) or
//!   `"rate": 0.1` instead of `times` (by rate); `DELETE /_emulator/faults` clears them all.
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
use std::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

/// The path prefix of the control surface.
pub(crate) const PREFIX: &str = "/_emulator/";

/// Serves one control request.
pub(crate) fn handle(shared: &Shared, method: &Method, uri: &Uri, body: &[u8]) -> Response {
    let path = uri.path().trim_end_matches('/');
    let query = uri.query().unwrap_or("");
    let result = match (method, path) {
        (&Method::GET, "/_emulator/health") => Ok(json!({
            "status": "ok",
            "services": ["cognito-idp", "cognito-identity", "sts", "iam", "execute-api"],
        })),
        (&Method::POST, "/_emulator/reset") => shared
            .reset()
            .map(|()| json!({}))
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.message().to_owned())),
        (&Method::GET, "/_emulator/codes") => codes(shared, query),
        (&Method::GET, "/_emulator/clock") => Ok(clock_json(shared)),
        (&Method::POST, "/_emulator/clock") => set_clock(shared, body),
        (&Method::POST, "/_emulator/faults") => inject_fault(shared, body),
        (&Method::DELETE, "/_emulator/faults") => {
            shared.lock().faults.clear();
            Ok(json!({}))
        }
        (&Method::GET, "/_emulator/calls") => calls(shared, uri.query().unwrap_or("")),
        (&Method::GET, "/_emulator/refusals") => Ok(refusals(shared)),
        (&Method::POST, "/_emulator/calls/reset") => {
            shared.log().reset();
            Ok(json!({}))
        }
        (
            _,
            "/_emulator/health"
            | "/_emulator/reset"
            | "/_emulator/codes"
            | "/_emulator/clock"
            | "/_emulator/faults"
            | "/_emulator/calls"
            | "/_emulator/refusals"
            | "/_emulator/calls/reset",
        ) => Err((
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

/// A JSON request body (empty reads as `{}`).
fn body_json(body: &[u8]) -> Result<Map<String, Value>, Refused> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(bad_request("the body must be a JSON object".to_owned())),
    }
}

/// `GET /_emulator/codes?pool=&username=`.
fn codes(shared: &Shared, query: &str) -> Result<Value, Refused> {
    let (mut pool_filter, mut user_filter) = (None, None);
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match key.as_ref() {
            "pool" => pool_filter = Some(value.into_owned()),
            "username" => user_filter = Some(value.into_owned()),
            other => return Err(bad_request(format!("unknown parameter {other}"))),
        }
    }
    let st = shared.lock();
    let mut out = Vec::new();
    for pool in st.user_pools.values() {
        if pool_filter
            .as_deref()
            .is_some_and(|p| p != pool.id && p != pool.name)
        {
            continue;
        }
        let user = user_filter
            .as_deref()
            .map(|name| pool.find_user(name).map(|u| u.username.as_str()));
        for entry in &pool.outbox {
            if user.is_some_and(|u| u != Some(entry.username.as_str())) {
                continue;
            }
            let code = entry.sent.code.expose_secret();
            // A custom-message trigger's text, with the code where its placeholder was.
            let (subject, message) = match &entry.message {
                Some((subject, text)) => (subject.clone(), Some(text.replace("{####}", code))),
                None => (None, None),
            };
            out.push(json!({
                "pool_id": pool.id,
                "username": entry.username,
                "medium": entry.sent.medium.as_str(),
                "destination": entry.sent.destination,
                // The control surface is the test's own channel: the code is its point.
                "code": code,
                "purpose": entry.purpose,
                "subject": subject,
                "message": message,
                "sent_at": rfc3339(entry.sent_at),
                "expires_at": rfc3339(entry.expires_at),
            }));
        }
    }
    // Oldest first across pools.
    out.sort_by(|a, b| a["sent_at"].as_str().cmp(&b["sent_at"].as_str()));
    Ok(json!({ "codes": out }))
}

fn clock_json(shared: &Shared) -> Value {
    let now = shared.now();
    json!({
        "now": rfc3339(now),
        "epoch_ms": epoch_ms(now),
        "offset_ms": shared.adjustable_clock().offset_nanos() / 1_000_000,
    })
}

/// `POST /_emulator/clock`.
fn set_clock(shared: &Shared, body: &[u8]) -> Result<Value, Refused> {
    let req = body_json(body)?;
    let clock = shared.adjustable_clock();
    if let Some(secs) = req.get("advance_secs") {
        let secs = secs
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e12)
            .ok_or_else(|| bad_request("advance_secs: a number of seconds, 0 or more".into()))?;
        clock.advance(Duration::from_secs_f64(secs));
    } else if let Some(secs) = req.get("epoch_secs") {
        let secs = secs
            .as_u64()
            .filter(|s| *s < 1 << 40)
            .ok_or_else(|| bad_request("epoch_secs: whole seconds since 1970".into()))?;
        clock.set(UNIX_EPOCH + Duration::from_secs(secs));
    } else if let Some(time) = req.get("time") {
        let parsed = time
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .ok_or_else(|| bad_request("time: an RFC 3339 date and time".into()))?;
        clock.set(SystemTime::from(parsed.with_timezone(&chrono::Utc)));
    } else if req.get("reset") == Some(&Value::Bool(true)) {
        clock.reset();
    } else {
        return Err(bad_request(
            "give advance_secs, epoch_secs, time or reset".into(),
        ));
    }
    Ok(clock_json(shared))
}

/// `POST /_emulator/faults`.
fn inject_fault(shared: &Shared, body: &[u8]) -> Result<Value, Refused> {
    let req = body_json(body)?;
    let operation = req
        .get("operation")
        .and_then(Value::as_str)
        .filter(|o| !o.is_empty())
        .ok_or_else(|| bad_request("operation: the operation's name".into()))?;
    let millis = || {
        req.get("millis")
            .and_then(Value::as_u64)
            .map(Duration::from_millis)
            .ok_or_else(|| bad_request("millis: the latency in milliseconds".into()))
    };
    let fault = match req.get("fault").and_then(Value::as_str) {
        Some("Throttle") => Fault::Throttle,
        Some("ServerError") => Fault::ServerError,
        Some("Latency") => Fault::Latency(millis()?),
        Some("LatencyAfter") => Fault::LatencyAfter(millis()?),
        Some("LyingDate") => Fault::LyingDate(
            req.get("secs")
                .and_then(Value::as_i64)
                .ok_or_else(|| bad_request("secs: how far the Date lies, in seconds".into()))?,
        ),
        _ => {
            return Err(bad_request(
                "fault: Throttle, ServerError, Latency, LatencyAfter or LyingDate".into(),
            ));
        }
    };
    let mut st = shared.lock();
    match (req.get("times"), req.get("rate")) {
        (Some(times), None) => {
            let times = times
                .as_u64()
                .and_then(|t| u32::try_from(t).ok())
                .ok_or_else(|| bad_request("times: a whole number of calls".into()))?;
            st.faults.inject(operation, fault.clone(), times);
        }
        (None, Some(rate)) => {
            let rate = rate
                .as_f64()
                .filter(|r| (0.0..=1.0).contains(r))
                .ok_or_else(|| bad_request("rate: a number from 0 to 1".into()))?;
            st.faults.inject_rate(operation, fault.clone(), rate);
        }
        _ => return Err(bad_request("give times or rate (one of them)".into())),
    }
    Ok(json!({ "operation": operation, "fault": fault_json(&fault) }))
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
        "signed_epoch_ms": r.signed_at.map(epoch_ms),
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
        Fault::LyingDate(secs) => json!({ "kind": "LyingDate", "secs": secs }),
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
