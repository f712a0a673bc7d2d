//! The fuzz bodies for the emulator's parsers of untrusted input: a seed file, and a request
//! that claims a SigV4 signature.
//!
//! One body per target, shared by the libFuzzer target (`fuzz_targets/<name>.rs`) and by the
//! stable replay test `emulator/tests/fuzz_replay.rs` (which takes this file as a module by
//! `#[path]`, so it needs no dependency on this package), so that the committed corpus replays
//! exactly what was fuzzed. A body returns normally on every input; a panic is the bug libFuzzer
//! looks for.

use std::time::{Duration, UNIX_EPOCH};

use cognito_sigv4_emulator::Seed;
use cognito_sigv4_emulator::sigv4::{SignedRequest, verify};
use http::{HeaderMap, HeaderName, HeaderValue};

/// `seed_parse`: any text as a TOML seed and as a JSON seed.
pub fn seed_parse(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = Seed::from_toml_str(&text).map(|seed| format!("{seed:?}"));
    let _ = Seed::from_json_str(&text).map(|seed| format!("{seed:?}"));
}

/// The key the verifier knows (AWS's documented example key, so that AWS's example requests in
/// the corpus verify and the fuzzer mutates around a signature that matches).
const KEY_ID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The verifier's clock: 2015-08-30T12:36:00Z, the time of AWS's examples.
const NOW_SECS: u64 = 1_440_938_160;

/// `sigv4_verify`: the emulator's SigV4 verifier on any request. Input: `<method> 0xFF <path>
/// 0xFF <query> 0xFF <headers> 0xFF <body>`, headers as `name:value` lines (lines that do not
/// make a valid header are skipped; values may hold any byte but 0xFF, `\r` and `\n`). A missing
/// query field is no query. Region `us-east-1`, service `service`.
pub fn sigv4_verify(data: &[u8]) {
    let mut fields = data.splitn(5, |&b| b == 0xFF);
    let method = String::from_utf8_lossy(fields.next().unwrap_or_default());
    let path = String::from_utf8_lossy(fields.next().unwrap_or_default());
    let query = fields.next().map(String::from_utf8_lossy);
    let mut headers = HeaderMap::new();
    for line in fields.next().unwrap_or_default().split(|&b| b == b'\n') {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii_start());
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            headers.append(name, value);
        }
    }
    let request = SignedRequest {
        method: &method,
        path: &path,
        query: query.as_deref(),
        headers: &headers,
        body: fields.next().unwrap_or_default(),
    };
    let secret_for = |id: &str| (id == KEY_ID).then(|| SECRET.to_owned());
    let now = UNIX_EPOCH + Duration::from_secs(NOW_SECS);
    let _ = verify(&request, &secret_for, "us-east-1", "service", now).map_err(|e| e.message());
}
