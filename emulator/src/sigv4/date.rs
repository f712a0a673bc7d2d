//! SigV4's `X-Amz-Date` and the time window a signature is valid in.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How far a header-signed request's time may be from the verifier's clock.
pub(crate) const WINDOW: Duration = Duration::from_secs(5 * 60);
const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// `amz` (`20260105T091500Z`) moved by `secs`; the input unchanged if it does not parse.
pub(crate) fn shift_amz_date(amz: &str, secs: i64) -> String {
    match parse_amz_date(amz) {
        Some(t) => {
            let shifted = if secs >= 0 {
                t.checked_add(Duration::from_secs(secs.unsigned_abs()))
            } else {
                t.checked_sub(Duration::from_secs(secs.unsigned_abs()))
            };
            shifted
                .map(format_amz_date)
                .unwrap_or_else(|| amz.to_owned())
        }
        None => amz.to_owned(),
    }
}

/// Formats a time as SigV4's `X-Amz-Date` (`20260105T091500Z`).
pub fn format_amz_date(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format(AMZ_DATE_FORMAT)
        .to_string()
}

/// Parses SigV4's `X-Amz-Date` (`20260105T091500Z`).
pub fn parse_amz_date(s: &str) -> Option<SystemTime> {
    if s.len() != 16 {
        return None;
    }
    let naive = chrono::NaiveDateTime::parse_from_str(s, AMZ_DATE_FORMAT).ok()?;
    let secs = naive.and_utc().timestamp();
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
    }
}
