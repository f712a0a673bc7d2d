//! The server side of Cognito's SRP-6a (`USER_SRP_AUTH`).
//!
//! Written from the protocol description, independently of the client in
//! `cognito_sigv4::user_pool::srp`: the two agreeing is the evidence that both are right. The
//! group is the 3072-bit MODP prime of RFC 3526 with g = 2; hashes are SHA-256; numbers are
//! hashed in the "padded" big-endian form AWS's clients use (minimal bytes, plus a leading zero
//! byte when the top bit is set).
//!
//! Server: v = g^x, B = k·v + g^b, u = H(A ‖ B), S = (A·v^u)^b, K = HKDF(S, u), and the
//! client's claim is HMAC(K, poolName ‖ userIdForSrp ‖ secretBlock ‖ timestamp).

use crate::crypto::{ct_eq, hmac_sha256};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{Datelike as _, NaiveDate};
use crypto_bigint::modular::{FixedMontyForm, FixedMontyParams};
use crypto_bigint::{Odd, U256, U3072};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const LIMBS: usize = U3072::LIMBS;
type Monty = FixedMontyForm<LIMBS>;

/// Bytes in a 3072-bit number.
const N_BYTES: usize = 384;

/// RFC 3526, section 4: the 3072-bit MODP group's prime.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// How far a claim's `TIMESTAMP` may be from the emulator's clock.
pub(crate) const TIMESTAMP_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// The group's constants, computed once (Montgomery parameters are too slow to build per call).
struct Group {
    n: Odd<U3072>,
    params: FixedMontyParams<LIMBS>,
    g: Monty,
    /// k = H(pad(N) ‖ pad(g)).
    k: Monty,
}

static GROUP: LazyLock<Group> = LazyLock::new(|| {
    let n = Odd::<U3072>::from_be_hex(N_HEX);
    let params = FixedMontyParams::new_vartime(n);
    let g = Monty::new(&U3072::from_u8(2), &params);
    let k_hash = sha256(&[&pad(n.as_ref().to_be_bytes().as_slice()), &[2u8]]);
    let k = Monty::new(&U256::from_be_slice(&k_hash).resize::<LIMBS>(), &params);
    Group { n, params, g, k }
});

fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// A big-endian number without its leading zero bytes (at least one byte).
fn minimal(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(bytes.len().saturating_sub(1));
    if bytes.is_empty() {
        &[0]
    } else {
        &bytes[start..]
    }
}

/// AWS's padHex rule on bytes: minimal big-endian, with a leading 0x00 when the top bit is set
/// (so that the hex reads as a positive number).
fn pad(bytes: &[u8]) -> Vec<u8> {
    let m = minimal(bytes);
    let mut out = Vec::with_capacity(m.len() + 1);
    if m[0] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(m);
    out
}

fn to_bytes(n: &U3072) -> Vec<u8> {
    n.to_be_bytes().as_slice().to_vec()
}

/// A big-endian number of at most 3072 bits.
fn from_bytes(bytes: &[u8]) -> Option<U3072> {
    let m = minimal(bytes);
    if m.len() > N_BYTES {
        return None;
    }
    let mut buf = [0u8; N_BYTES];
    buf[N_BYTES - m.len()..].copy_from_slice(m);
    Some(U3072::from_be_slice(&buf))
}

/// The hex AWS sends for a number (`SALT`, `SRP_B`): lower case, even length, no leading zero
/// bytes. Sending the salt as a number (as the service does) keeps clients that read it as a
/// number (amazon-cognito-identity-js) and clients that hash the string's bytes (pycognito, the
/// Rust crates) in agreement.
pub(crate) fn number_hex(bytes: &[u8]) -> String {
    hex::encode(minimal(bytes))
}

/// Parses a hex number as clients send it (`SRP_A`): either case, odd length allowed.
pub(crate) fn parse_hex_number(text: &str) -> Option<Vec<u8>> {
    if text.is_empty() {
        return None;
    }
    let padded = if text.len() % 2 == 1 {
        format!("0{text}")
    } else {
        text.to_owned()
    };
    hex::decode(padded).ok()
}

/// x = H(pad(salt) ‖ H(poolName ‖ username ‖ ":" ‖ password)), as a 256-bit exponent.
fn private_x(pool_name: &str, username: &str, password: &str, salt: &[u8]) -> U256 {
    let inner = sha256(&[
        pool_name.as_bytes(),
        username.as_bytes(),
        b":",
        password.as_bytes(),
    ]);
    U256::from_be_slice(&sha256(&[&pad(salt), &inner]))
}

/// The SRP verifier v = g^x mod N for a user (384 bytes, big-endian). The salt is hashed as a
/// number, the way [`number_hex`] sends it.
pub(crate) fn verifier(pool_name: &str, username: &str, password: &str, salt: &[u8]) -> Vec<u8> {
    crate::lockwatch::costly();
    let group = &*GROUP;
    let x = private_x(pool_name, username, password, salt);
    to_bytes(&group.g.pow(&x).retrieve())
}

/// Whether `password` is the one `verifier` was made from (USER_PASSWORD_AUTH).
pub(crate) fn password_matches(
    pool_name: &str,
    username: &str,
    password: &str,
    salt: &[u8],
    verifier_bytes: &[u8],
) -> bool {
    ct_eq(
        &verifier(pool_name, username, password, salt),
        verifier_bytes,
    )
}

/// The server's ephemeral pair for one exchange.
pub(crate) struct ServerEphemeral {
    /// The secret b (64 random bytes, big-endian).
    pub(crate) b: Vec<u8>,
    /// B = (k·v + g^b) mod N, 384 bytes big-endian.
    pub(crate) b_pub: Vec<u8>,
}

impl std::fmt::Debug for ServerEphemeral {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerEphemeral")
            .field("b", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// A precomputed session key (or `None` for unusable inputs), by its inputs' digest.
type ReadyKey = ([u8; 32], Option<[u8; 16]>);

thread_local! {
    /// A secret b and g^b computed by [`precompute_ephemeral`] before the state was locked,
    /// for the next [`server_ephemeral`] on this thread.
    static READY_EPHEMERAL: std::cell::RefCell<Option<([u8; 64], Monty)>> =
        const { std::cell::RefCell::new(None) };
    /// Session keys computed by [`precompute_key`] before the state was locked, by the digest
    /// of their inputs.
    static READY_KEYS: std::cell::RefCell<Vec<ReadyKey>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// A fresh secret b and g^b mod N: the costly half of B.
fn fresh_half() -> ([u8; 64], Monty) {
    crate::lockwatch::costly();
    let b_secret: [u8; 64] = rand::random();
    let b = crypto_bigint::U512::from_be_slice(&b_secret);
    (b_secret, GROUP.g.pow(&b))
}

/// Computes the costly half of the next [`server_ephemeral`] on this thread (g^b, a 3072-bit
/// exponentiation): called before a service takes the state's lock, so that the lock is not
/// held across it. An unused one is dropped by [`clear_precomputed`].
pub(crate) fn precompute_ephemeral() {
    let half = fresh_half();
    READY_EPHEMERAL.with(|r| *r.borrow_mut() = Some(half));
}

/// Computes, before the state is locked, the session key of an exchange whose proof is about
/// to be checked ([`verify_claim`] then finds it instead of computing it under the lock).
pub(crate) fn precompute_key(verifier: &[u8], a_pub: &[u8], b: &[u8], b_pub: &[u8]) {
    let digest = key_inputs_digest(verifier, a_pub, b, b_pub);
    let key = session_key_of(verifier, a_pub, b, b_pub);
    READY_KEYS.with(|r| r.borrow_mut().push((digest, key)));
}

/// What [`precompute_ephemeral`] and [`precompute_key`] left on this thread, carried across an
/// `.await` to the thread a later pass of the same call runs on.
pub(crate) struct Precomputed {
    ephemeral: Option<([u8; 64], Monty)>,
    keys: Vec<ReadyKey>,
}

impl std::fmt::Debug for Precomputed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Precomputed").finish_non_exhaustive()
    }
}

/// Moves this thread's precomputed values out (see [`Precomputed`]).
pub(crate) fn take_precomputed() -> Precomputed {
    Precomputed {
        ephemeral: READY_EPHEMERAL.with(|r| r.borrow_mut().take()),
        keys: READY_KEYS.with(|r| std::mem::take(&mut *r.borrow_mut())),
    }
}

/// Puts values [`take_precomputed`] moved out back on this thread.
pub(crate) fn restore_precomputed(carried: Precomputed) {
    READY_EPHEMERAL.with(|r| *r.borrow_mut() = carried.ephemeral);
    READY_KEYS.with(|r| *r.borrow_mut() = carried.keys);
}

/// Forgets what was precomputed and not used on this thread.
pub(crate) fn clear_precomputed() {
    READY_EPHEMERAL.with(|r| r.borrow_mut().take());
    READY_KEYS.with(|r| r.borrow_mut().clear());
}

fn key_inputs_digest(verifier: &[u8], a_pub: &[u8], b: &[u8], b_pub: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [verifier, a_pub, b, b_pub] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize().into()
}

/// Picks b and computes B for a user's verifier (with the half [`precompute_ephemeral`] made,
/// if any). `None` if the verifier is not a number below 2^3072 (a broken state, not client
/// input).
pub(crate) fn server_ephemeral(verifier_bytes: &[u8]) -> Option<ServerEphemeral> {
    let group = &*GROUP;
    let v = Monty::new(
        &from_bytes(verifier_bytes)?.rem(group.n.as_nz_ref()),
        &group.params,
    );
    // B mod N = 0 would make clients abort; with a random 512-bit b it does not happen, but
    // a bounded retry costs nothing.
    for attempt in 0..8 {
        // The precomputed half is kept for a later pass of the same call (see `session_key`);
        // a retry needs another b.
        let ready = (attempt == 0)
            .then(|| READY_EPHEMERAL.with(|r| *r.borrow()))
            .flatten();
        let (b_secret, g_b) = ready.unwrap_or_else(fresh_half);
        let b_pub = group.k.mul(&v).add(&g_b).retrieve();
        if !b_pub.is_zero_vartime() {
            return Some(ServerEphemeral {
                b: b_secret.to_vec(),
                b_pub: to_bytes(&b_pub),
            });
        }
    }
    None
}

/// Whether the client's public value is acceptable: a number of at most 3072 bits with
/// A mod N ≠ 0 (A ≡ 0 would force S = 0 whatever the password).
pub(crate) fn public_a_is_valid(a_pub: &[u8]) -> bool {
    match from_bytes(a_pub) {
        Some(a) => !a.rem(GROUP.n.as_nz_ref()).is_zero_vartime(),
        None => false,
    }
}

/// Everything the server checks a PASSWORD_VERIFIER answer against.
pub(crate) struct Claim<'a> {
    pub(crate) pool_name: &'a str,
    pub(crate) user_id_for_srp: &'a str,
    pub(crate) verifier: &'a [u8],
    pub(crate) a_pub: &'a [u8],
    pub(crate) b: &'a [u8],
    pub(crate) b_pub: &'a [u8],
    pub(crate) secret_block: &'a [u8],
    pub(crate) timestamp: &'a str,
    /// Base64, as the client sent it.
    pub(crate) signature: &'a str,
}

impl std::fmt::Debug for Claim<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claim")
            .field("pool_name", &self.pool_name)
            .field("user_id_for_srp", &self.user_id_for_srp)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

/// K = HKDF-SHA256(ikm = pad(S), salt = pad(u), info = "Caldera Derived Key"), 16 bytes.
fn derive_key(s: &U3072, u: &[u8; 32]) -> [u8; 16] {
    let hk = Hkdf::<Sha256>::new(Some(&pad(u)), &pad(&to_bytes(s)));
    let mut okm = [0u8; 16];
    // 16 bytes is far below HKDF-SHA256's limit of 255 × 32.
    let _ = hk.expand(b"Caldera Derived Key", &mut okm);
    okm
}

/// The claim's HMAC, keyed with K.
fn claim_mac(
    key: &[u8],
    pool_name: &str,
    user_id_for_srp: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> Hmac<Sha256> {
    let mut mac = hmac_sha256(key);
    mac.update(pool_name.as_bytes());
    mac.update(user_id_for_srp.as_bytes());
    mac.update(secret_block);
    mac.update(timestamp.as_bytes());
    mac
}

/// The exchange's session key K, `None` when its values are unusable.
fn session_key_of(verifier: &[u8], a_pub: &[u8], b: &[u8], b_pub: &[u8]) -> Option<[u8; 16]> {
    crate::lockwatch::costly();
    let group = &*GROUP;
    let a = from_bytes(a_pub)?.rem(group.n.as_nz_ref());
    if a.is_zero_vartime() {
        return None;
    }
    let v = from_bytes(verifier)?;
    let u = sha256(&[&pad(a_pub), &pad(b_pub)]);
    if u.iter().all(|&b| b == 0) || b.len() != 64 {
        return None;
    }
    let b = crypto_bigint::U512::from_be_slice(b);
    let a_m = Monty::new(&a, &group.params);
    let v_m = Monty::new(&v.rem(group.n.as_nz_ref()), &group.params);
    let s = a_m
        .mul(&v_m.pow(&U256::from_be_slice(&u)))
        .pow(&b)
        .retrieve();
    Some(derive_key(&s, &u))
}

/// The session key, as [`precompute_key`] left it for these inputs or computed now.
fn session_key(verifier: &[u8], a_pub: &[u8], b: &[u8], b_pub: &[u8]) -> Option<[u8; 16]> {
    let digest = key_inputs_digest(verifier, a_pub, b, b_pub);
    // Looked up, not taken: an operation that calls a trigger runs again after it (a second
    // pass under the lock, `lambda::replay`), and must find the key again.
    let ready = READY_KEYS.with(|r| {
        let r = r.borrow();
        r.iter().find(|(d, _)| *d == digest).map(|(_, key)| *key)
    });
    ready.unwrap_or_else(|| session_key_of(verifier, a_pub, b, b_pub))
}

/// Verifies a PASSWORD_VERIFIER answer's signature (not its timestamp: see
/// [`timestamp_is_acceptable`]). The comparison is constant time.
pub(crate) fn verify_claim(claim: &Claim<'_>) -> bool {
    let Some(key) = session_key(claim.verifier, claim.a_pub, claim.b, claim.b_pub) else {
        return false;
    };
    let Ok(signature) = B64.decode(claim.signature.trim()) else {
        return false;
    };
    claim_mac(
        &key,
        claim.pool_name,
        claim.user_id_for_srp,
        claim.secret_block,
        claim.timestamp,
    )
    .verify_slice(&signature)
    .is_ok()
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn two_digits(s: &str) -> Option<u32> {
    (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parses Cognito's claim timestamp, `Mon Jan 5 09:04:03 UTC 2026`, strictly: English names, the
/// weekday matching the date, the day not zero-padded, time fields two digits, UTC.
pub(crate) fn parse_timestamp(text: &str) -> Option<SystemTime> {
    let parts: Vec<&str> = text.split(' ').collect();
    let [weekday, month, day, time, zone, year] = parts.as_slice() else {
        return None;
    };
    // As AWS reads it (measured by MiniStack's authors): names in any case, a one- or
    // two-digit day, and the zone `UTC` or `GMT`, case-sensitively.
    if !matches!(*zone, "UTC" | "GMT") {
        return None;
    }
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as u32 + 1;
    if day.is_empty() || day.len() > 2 || !day.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let day: u32 = day.parse().ok()?;
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let hms: Vec<&str> = time.split(':').collect();
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    if !WEEKDAYS[date.weekday().num_days_from_monday() as usize].eq_ignore_ascii_case(weekday) {
        return None;
    }
    let secs = date
        .and_hms_opt(two_digits(h)?, two_digits(m)?, two_digits(s)?)?
        .and_utc()
        .timestamp();
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

/// Whether a claim's timestamp has the shape `Www Mmm d hh:mm:ss UTC yyyy` (English names, a day
/// of one or two digits, a four-digit year), whatever its values: a timestamp of that shape
/// that is still wrong (a zero-padded day, a wrong weekday, out of the window) is a wrong proof,
/// anything else a malformed parameter.
pub(crate) fn timestamp_is_well_formed(text: &str) -> bool {
    let digits =
        |s: &str, lens: &[usize]| lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = text.split(' ').collect();
    let [weekday, month, day, time, zone, year] = parts.as_slice() else {
        return false;
    };
    let hms: Vec<&str> = time.split(':').collect();
    let named = |names: &[&str], s: &str| names.iter().any(|n| n.eq_ignore_ascii_case(s));
    named(&WEEKDAYS, weekday)
        && named(&MONTHS, month)
        && digits(day, &[1, 2])
        && hms.len() == 3
        && hms.iter().all(|p| digits(p, &[2]))
        && matches!(*zone, "UTC" | "GMT")
        && digits(year, &[4])
}

/// Whether a claim's timestamp is well formed and within [`TIMESTAMP_TOLERANCE`] of `now`.
pub(crate) fn timestamp_is_acceptable(text: &str, now: SystemTime) -> bool {
    let Some(t) = parse_timestamp(text) else {
        return false;
    };
    let diff = t
        .duration_since(now)
        .or_else(|_| now.duration_since(t))
        .unwrap_or(Duration::MAX);
    diff <= TIMESTAMP_TOLERANCE
}

/// Formats `t` the way Cognito's clients do (for tests and documentation).
#[cfg(test)]
pub(crate) fn format_timestamp(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let dt =
        chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap_or(0), 0).unwrap_or_default();
    dt.format("%a %b %-d %H:%M:%S UTC %Y").to_string()
}

#[cfg(test)]
pub(crate) mod test_client {
    //! A minimal SRP client, written for these tests only: S = (B − k·g^x)^(a + u·x), computed
    //! as base^a · (base^u)^x so no exponent arithmetic is needed.
    use super::*;

    /// A = g^a mod N for a big-endian `a`.
    pub(crate) fn public_a(a: &[u8]) -> Vec<u8> {
        let group = &*GROUP;
        let a = from_bytes(a).unwrap_or_default();
        to_bytes(&group.g.pow(&a).retrieve())
    }

    /// The PASSWORD_CLAIM_SIGNATURE a client computes.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn signature(
        pool_name: &str,
        user_id_for_srp: &str,
        password: &str,
        a: &[u8],
        salt: &[u8],
        b_pub: &[u8],
        secret_block: &[u8],
        timestamp: &str,
    ) -> String {
        let group = &*GROUP;
        let a_secret = from_bytes(a).unwrap_or_default();
        let a_pub = public_a(a);
        let b_num = from_bytes(b_pub).unwrap_or_default();
        let u_hash = sha256(&[&pad(&a_pub), &pad(b_pub)]);
        let u = U256::from_be_slice(&u_hash);
        let x = private_x(pool_name, user_id_for_srp, password, salt);
        let b_m = Monty::new(&b_num.rem(group.n.as_nz_ref()), &group.params);
        let base = b_m.sub(&group.k.mul(&group.g.pow(&x)));
        let s = base.pow(&a_secret).mul(&base.pow(&u).pow(&x)).retrieve();
        let key = derive_key(&s, &u_hash);
        B64.encode(
            claim_mac(&key, pool_name, user_id_for_srp, secret_block, timestamp)
                .finalize()
                .into_bytes(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::test_client::{public_a, signature};
    use super::*;
    use serde_json::Value;

    fn exchange(password_typed: &str, tamper_block: bool, timestamp: &str) -> bool {
        let pool = "Abc123XyZ";
        let user = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
        let salt: [u8; 16] = rand::random();
        let v = verifier(pool, user, "Correct-Horse-1", &salt);
        let eph = server_ephemeral(&v).unwrap();
        let a: [u8; 128] = rand::random();
        let a_pub = public_a(&a);
        let block: [u8; 48] = rand::random();
        // The client sees the salt and B as the hex the server sends.
        let salt_seen = parse_hex_number(&number_hex(&salt)).unwrap();
        let b_seen = parse_hex_number(&number_hex(&eph.b_pub)).unwrap();
        let sig = signature(
            pool,
            user,
            password_typed,
            &a,
            &salt_seen,
            &b_seen,
            &block,
            timestamp,
        );
        let mut block_back = block.to_vec();
        if tamper_block {
            block_back[0] ^= 1;
        }
        verify_claim(&Claim {
            pool_name: pool,
            user_id_for_srp: user,
            verifier: &v,
            a_pub: &a_pub,
            b: &eph.b,
            b_pub: &eph.b_pub,
            secret_block: &block_back,
            timestamp,
            signature: &sig,
        })
    }

    #[test]
    fn a_full_exchange_verifies_only_with_the_right_password_and_block() {
        let ts = "Mon Jan 5 09:04:03 UTC 2026";
        assert!(exchange("Correct-Horse-1", false, ts));
        assert!(!exchange("Correct-Horse-2", false, ts));
        assert!(!exchange("Correct-Horse-1", true, ts));
    }

    #[test]
    fn salts_with_leading_zero_bytes_still_verify() {
        let pool = "P00l";
        let user = "bob";
        let salt = [0u8, 0x12, 0x34, 0x56];
        let v = verifier(pool, user, "pw", &salt);
        let eph = server_ephemeral(&v).unwrap();
        let a = [7u8; 64];
        let ts = "Tue Jan 6 00:00:00 UTC 2026";
        // A client hashing the SALT string's bytes sees "123456", which is the number.
        assert_eq!(number_hex(&salt), "123456");
        let sig = signature(
            pool,
            user,
            "pw",
            &a,
            &hex::decode("123456").unwrap(),
            &eph.b_pub,
            b"blk",
            ts,
        );
        let a_pub = public_a(&a);
        let claim = Claim {
            pool_name: pool,
            user_id_for_srp: user,
            verifier: &v,
            a_pub: &a_pub,
            b: &eph.b,
            b_pub: &eph.b_pub,
            secret_block: b"blk",
            timestamp: ts,
            signature: &sig,
        };
        assert!(verify_claim(&claim));
    }

    #[test]
    fn rejects_a_public_value_that_is_a_multiple_of_n() {
        let n = to_bytes(GROUP.n.as_ref());
        assert!(!public_a_is_valid(&n));
        assert!(!public_a_is_valid(&[0u8; 10]));
        assert!(!public_a_is_valid(&[1u8; 400]));
        assert!(public_a_is_valid(&public_a(&[3u8; 32])));
        let v = verifier("p", "u", "pw", b"salt");
        let eph = server_ephemeral(&v).unwrap();
        let claim = Claim {
            pool_name: "p",
            user_id_for_srp: "u",
            verifier: &v,
            a_pub: &n,
            b: &eph.b,
            b_pub: &eph.b_pub,
            secret_block: b"",
            timestamp: "",
            signature: "AAAA",
        };
        assert!(!verify_claim(&claim));
    }

    #[test]
    fn password_check_recomputes_the_verifier() {
        let v = verifier("pool", "alice", "s3cret!", b"\x01\x02");
        assert_eq!(v.len(), 384);
        assert!(password_matches(
            "pool",
            "alice",
            "s3cret!",
            b"\x01\x02",
            &v
        ));
        assert!(!password_matches(
            "pool",
            "alice",
            "s3cret?",
            b"\x01\x02",
            &v
        ));
        assert!(!password_matches(
            "pool",
            "alice2",
            "s3cret!",
            b"\x01\x02",
            &v
        ));
    }

    /// The test client agrees with amazon-cognito-identity-js and pycognito on the shared
    /// vectors, so the exchange test above exercises the server against Cognito's real maths.
    #[test]
    fn test_client_matches_the_reference_vectors() {
        let text = include_str!("../../tests/data/srp_vectors.json");
        let doc: Value = serde_json::from_str(text).unwrap();
        let mut checked = 0;
        for v in doc["srp"].as_array().unwrap() {
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            if v["implementations_agree"] != Value::Bool(true) || s("salt_hex").starts_with('-') {
                continue;
            }
            let pool = s("user_pool_id");
            let pool_name = pool.split('_').nth(1).unwrap();
            let a = parse_hex_number(&s("a_hex")).unwrap();
            let srp_a = parse_hex_number(&s("srp_a")).unwrap();
            assert_eq!(minimal(&public_a(&a)), minimal(&srp_a), "{}", s("name"));
            let sig = signature(
                pool_name,
                &s("user_id_for_srp"),
                &s("password"),
                &a,
                &parse_hex_number(&s("salt_hex")).unwrap(),
                &parse_hex_number(&s("srp_b_hex")).unwrap(),
                &B64.decode(s("secret_block_b64")).unwrap(),
                &s("timestamp"),
            );
            assert_eq!(sig, s("signature"), "{}", s("name"));
            checked += 1;
        }
        assert!(checked >= 25, "only {checked} vectors checked");
    }

    #[test]
    fn timestamps_are_read_as_aws_reads_them() {
        let t = parse_timestamp("Mon Jan 5 09:04:03 UTC 2026").unwrap();
        assert_eq!(
            t.duration_since(UNIX_EPOCH).unwrap().as_secs(),
            1_767_603_843
        );
        assert_eq!(format_timestamp(t), "Mon Jan 5 09:04:03 UTC 2026");
        // As AWS reads them (measured by MiniStack's authors): names in any case, a
        // zero-padded day, GMT; the zone is the one part read case-sensitively.
        for same in [
            "Mon Jan 05 09:04:03 UTC 2026",
            "mon JAN 5 09:04:03 UTC 2026",
            "Mon Jan 5 09:04:03 GMT 2026",
        ] {
            assert_eq!(parse_timestamp(same), Some(t), "{same}");
            assert!(timestamp_is_well_formed(same), "{same}");
        }
        assert!(!timestamp_is_well_formed("Mon Jan 5 09:04:03 utc 2026"));
        assert!(
            parse_timestamp("Tue Jan 5 09:04:03 UTC 2026").is_none(),
            "wrong weekday"
        );
        assert!(parse_timestamp("Mon Jan 5 9:04:03 UTC 2026").is_none());
        assert!(parse_timestamp("Mon Jan  5 09:04:03 UTC 2026").is_none());
        assert!(parse_timestamp("Thu Feb 29 12:00:00 UTC 2024").is_some());
        assert!(timestamp_is_acceptable(
            "Mon Jan 5 09:04:03 UTC 2026",
            t + Duration::from_secs(299)
        ));
        assert!(!timestamp_is_acceptable(
            "Mon Jan 5 09:04:03 UTC 2026",
            t + Duration::from_secs(301)
        ));
        assert!(!timestamp_is_acceptable(
            "Mon Jan 5 09:04:03 UTC 2026",
            t - Duration::from_secs(301)
        ));
    }
}
