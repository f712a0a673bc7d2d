//! `decode`: what a token says (unverified), with its times readable. An STS session token is
//! opaque: only AWS can read it, and the command says so instead of guessing.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, SecondsFormat, Utc};
use cognito_sigv4::jwt::UnverifiedClaims;
use cognito_sigv4::{Clock, SystemClock};
use serde_json::{Map, Value, json};

use crate::args::DecodeArgs;
use crate::failure::{Failure, Outcome};
use crate::prompt::read_line;

/// The claims that hold times, in seconds since 1970.
const TIME_CLAIMS: [&str; 4] = ["exp", "iat", "auth_time", "nbf"];

/// Runs `decode`.
pub fn run(args: DecodeArgs) -> Outcome {
    let token = if args.token == "-" {
        read_line()?
    } else {
        args.token
    };
    let token = token.trim();
    let claims = UnverifiedClaims::decode(token).map_err(|_| {
        if looks_like_sts_session_token(token) {
            Failure::usage(
                "this is an STS session token (X-Amz-Security-Token): it is opaque, encrypted \
                 by AWS; only AWS can read it. Its expiry is the credentials' `Expiration`",
            )
        } else {
            Failure::usage("not a JWT (three base64url parts of JSON): nothing to decode")
        }
    })?;
    println!("{}", describe(&claims, SystemClock.now()));
    Ok(())
}

/// STS session tokens are long base64 (not base64url) strings without dots.
fn looks_like_sts_session_token(token: &str) -> bool {
    token.len() > 100
        && !token.contains('.')
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// The header, the claims, and each time claim as a date with how far it is from `now`.
pub fn describe(claims: &UnverifiedClaims, now: SystemTime) -> String {
    let mut times = Map::new();
    for name in TIME_CLAIMS {
        if let Some(secs) = claims.get(name).and_then(Value::as_u64) {
            times.insert(name.to_owned(), json!(readable(secs, now)));
        }
    }
    let doc = json!({
        "verified": false,
        "header": claims.header(),
        "claims": claims.claims(),
        "times": times,
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// `2026-11-29T12:00:00Z (in 59m 10s)` or `(... ago)`.
pub fn readable(secs: u64, now: SystemTime) -> String {
    let at = UNIX_EPOCH + std::time::Duration::from_secs(secs);
    let date = DateTime::<Utc>::from(at).to_rfc3339_opts(SecondsFormat::Secs, true);
    let relative = match at.duration_since(now) {
        Ok(d) => format!("in {}", span(d.as_secs())),
        Err(e) => format!("{} ago", span(e.duration().as_secs())),
    };
    format!("{date} ({relative})")
}

fn span(secs: u64) -> String {
    match secs {
        s if s >= 86_400 => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
        s if s >= 3600 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        s if s >= 60 => format!("{}m {}s", s / 60, s % 60),
        s => format!("{s}s"),
    }
}
