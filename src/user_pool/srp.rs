//! SRP-6a as Amazon Cognito speaks it (`USER_SRP_AUTH`, challenge `PASSWORD_VERIFIER`): pure
//! maths, no I/O.
//!
//! The group is the 3072-bit MODP prime of RFC 3526 with g = 2, the hash SHA-256, and numbers
//! are hashed in the form AWS's clients use ("padHex"): the minimal two's-complement big-endian
//! bytes, that is, the magnitude with a leading `0x00` when its top bit is set (Java's
//! `BigInteger.toByteArray()`).
//!
//! ```text
//! k = H(pad(N) ‖ pad(g))               u = H(pad(A) ‖ pad(B))          (abort if u = 0, B ≡ 0)
//! x = H(pad(salt) ‖ H(poolName ‖ userIdForSrp ‖ ":" ‖ password))
//! S = (B − k·g^x)^(a + u·x) mod N      K = HKDF-SHA256(ikm = pad(S), salt = pad(u),
//!                                                      info = "Caldera Derived Key", 16 bytes)
//! PASSWORD_CLAIM_SIGNATURE = Base64(HMAC-SHA256(K, poolName ‖ userIdForSrp ‖ SECRET_BLOCK ‖ timestamp))
//! ```
//!
//! # The salt is a number, not a byte string
//!
//! `SALT` is read as a (possibly negative) hexadecimal integer and hashed as `pad(salt)`, so a
//! salt string with leading zero digits hashes like the same number without them. pycognito
//! and warrant hash the string's bytes as given instead; the two readings differ only when the
//! string starts with a `00` byte followed by a byte below `0x80` (or with several zero bytes).
//! We follow the service. How we know what the service does:
//!
//! * Every AWS-authored client reads SALT as a number and hashes its minimal two's-complement
//!   bytes: aws-sdk-android (`aws-android-sdk-cognitoidentityprovider/src/main/java/com/
//!   amazonaws/mobileconnectors/cognitoidentityprovider/CognitoUser.java`: `new BigInteger(SALT,
//!   16)`, then `messageDigest.update(salt.toByteArray())`), amazon-cognito-identity-js
//!   (`src/CognitoUser.js`: `new BigInteger(challengeParameters.SALT, 16)`, hashed through
//!   `AuthenticationHelper.padHex`), Amplify JS v6 (`packages/auth/src/providers/cognito/utils/
//!   signInHelpers.ts`, the same) and the .NET `Amazon.Extensions.CognitoAuthentication`
//!   (`Util/AuthenticationHelper.cs`: `FromUnsignedLittleEndianHex(saltString)`, then
//!   `salt.ToBigEndianByteArray()`). Those are the clients the service is built and tested
//!   against; a service that hashed the salt string differently would fail them.
//! * The service itself formats SALT as a Java `BigInteger`: in 2019–2020 it sent salts such as
//!   `-16e462a84f2df159eee0c14642974ee7` (github.com/NabuCasa/pycognito/issues/14,
//!   github.com/qwigo/warrant/issues/165, github.com/jonsaw/amazon-cognito-identity-dart/pull/71),
//!   which crashed the clients that hash the string (pycognito, warrant, the Dart port) while
//!   the Java and JS clients kept working; Amplify then taught `padHex` negative numbers to match
//!   Java's `toByteArray()` (github.com/aws-amplify/amplify-js/pull/7618). A number printed by
//!   `BigInteger.toString(16)` never has leading zeros, so for the salts the service sends both
//!   readings agree, and where they could differ the service's own arithmetic is the number's.
//!
//! A negative salt is therefore accepted and hashed as its two's complement, like the Java and
//! JS clients do. `tests/data/srp_vectors.json` holds both answers for the disputed salts.
//!
//! # Constant time, and speed
//!
//! Exponentiations with a secret exponent (`g^a`, `g^x`, the exponent `a + u·x`) run in
//! constant time over a fixed, public exponent width, in the group arithmetic of `srp/group.rs`:
//! Montgomery arithmetic specialised to N, fixed-base combs for g (built once per process), and
//! one windowed exponentiation for S, the only one whose base is not fixed. Encoding results as
//! minimal bytes (which the protocol requires) reveals only the number of leading zero bytes.

use std::fmt;
use std::sync::LazyLock;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use crypto_bigint::ctutils::CtEq;
use crypto_bigint::{Limb, U256, U3072, U4096, Uint, Word};
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Password;

mod group;
use group::{FIXED_BASE, GROUP, Mont, N_HEX};

/// Limbs of a number modulo N.
const L: usize = U3072::LIMBS;
/// Limbs of the exponent `a + u·x`, which can exceed N.
const WL: usize = U4096::LIMBS;
/// Bytes of N.
const N_BYTES: usize = U3072::BYTES;
/// Random bytes in a generated private `a`: 128 (1024 bits), as amazon-cognito-identity-js and
/// aws-sdk-android draw; far beyond brute force, and half the exponentiation cost of more.
const PRIVATE_A_BYTES: usize = 128;
/// The HKDF info string of Cognito's key derivation.
const DERIVED_KEY_INFO: &[u8] = b"Caldera Derived Key";

/// k = H(pad(N) ‖ pad(g)) in Montgomery form, computed once.
static K: LazyLock<Mont> = LazyLock::new(|| {
    let n = U3072::from_be_hex(N_HEX);
    let k = U3072::from_be_slice(&left_pad::<N_BYTES>(&H(&[&pad_uint(&n), &[2u8]])));
    GROUP.to_mont(&limbs(&k))
});

/// g^e mod N in Montgomery form for an `e` below 2^`bits`, in constant time for a given
/// (public) `bits`: a fixed-base comb up to 1024 bits (every generated `a`, every x), the
/// general exponentiation above (only for a longer `a` given to `from_private_hex`).
fn g_pow(e: &[u64], bits: u32) -> Mont {
    let group = &*GROUP;
    if bits <= 256 {
        FIXED_BASE.bits256.pow(group, e)
    } else if bits <= 1024 {
        FIXED_BASE.bits1024.pow(group, e)
    } else {
        let mut two = [0u64; group::LIMBS];
        two[0] = 2;
        group.pow(&group.to_mont(&two), e, bits)
    }
}

/// The client's ephemeral key pair: the private `a` (a secret: never printed, zeroized on drop)
/// and the public `A = g^a mod N`, sent as `SRP_A`.
///
/// Use one per sign-in attempt.
pub struct SrpClientEphemeral {
    /// `a` as little-endian 64-bit limbs, on the heap so that moving the ephemeral moves a
    /// pointer and leaves no copy of `a` behind; cleared on drop.
    a: Box<group::Limbs>,
    /// Public upper bound on the bit length of `a`: the width of the constant-time exponent.
    a_bits: u32,
    big_a: U3072,
}

impl SrpClientEphemeral {
    /// A fresh ephemeral from the operating system's random generator (128 random bytes for
    /// `a`, as AWS's clients draw), retrying in the (astronomically unlikely) case `A mod N = 0`.
    ///
    /// # Panics
    ///
    /// If the operating system cannot give random bytes (`getrandom` fails), as `rand`'s
    /// `OsRng` does: there is no safe way to sign in without them.
    pub fn generate() -> Self {
        loop {
            let mut a = Box::new([0u64; group::LIMBS]);
            let mut bytes = [0u8; PRIVATE_A_BYTES];
            os_random(&mut bytes);
            // Little-endian limbs straight from the random bytes (any byte order is as random).
            for (limb, chunk) in a.iter_mut().zip(bytes.chunks_exact(8)) {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                *limb = u64::from_le_bytes(word);
                word.zeroize();
            }
            bytes.zeroize();
            if let Some(eph) = Self::from_private(a, (PRIVATE_A_BYTES * 8) as u32) {
                return eph;
            }
        }
    }

    /// Not part of the API (only with the `test-internals` feature): the ephemeral for a given
    /// private `a` in hex (at most 3072 bits), for the interoperability vectors and benches.
    /// A known `a` turns a captured exchange into an offline password-guessing oracle, so no
    /// released code path takes one.
    ///
    /// Errors with [`ErrorKind::InvalidParameter`] if `a_hex` is not hex, is below 2 (0 and 1
    /// make `A` and `S` trivial), is longer than 3072 bits, or gives `A mod N = 0`.
    #[cfg(any(test, feature = "test-internals"))]
    #[doc(hidden)]
    pub fn from_private_hex(a_hex: &str) -> Result<Self> {
        let invalid =
            |why: &str| Error::new(ErrorKind::InvalidParameter, format!("SRP private a {why}"));
        let mut bytes = parse_hex_magnitude(a_hex).ok_or_else(|| invalid("is not a hex number"))?;
        if bytes.is_empty() || bytes == [1] {
            bytes.zeroize();
            return Err(invalid("is below 2"));
        }
        let a = uint_from_be::<L>(&bytes).ok_or_else(|| invalid("is longer than 3072 bits"));
        let bits = (bytes.len() * 8) as u32;
        bytes.zeroize();
        let mut a = a?;
        let limbs = Box::new(limbs(&a));
        a.as_mut_words().zeroize();
        Self::from_private(limbs, bits).ok_or_else(|| invalid("gives A = 0 mod N"))
    }

    /// The ephemeral for `a` (limbs, cleared on drop whatever the outcome), `None` if `a` or
    /// `A mod N` is 0.
    fn from_private(a: Box<group::Limbs>, a_bits: u32) -> Option<Self> {
        let mut big_a_mont = g_pow(&a[..], a_bits);
        let mut a_limbs = GROUP.retrieve(&big_a_mont);
        big_a_mont.zeroize();
        let big_a = uint(&a_limbs);
        a_limbs.zeroize();
        let eph = Self { a, a_bits, big_a };
        // Only whether a is 0 is revealed, and then a is thrown away.
        let a_is_zero = eph.a[..].ct_eq(&[0u64; group::LIMBS][..]).to_bool();
        if bool::from(eph.big_a.is_zero()) || a_is_zero {
            return None;
        }
        Some(eph)
    }

    /// `SRP_A` as Cognito expects it: A in lowercase hex, without leading zeros or padding.
    pub fn public_a_hex(&self) -> String {
        minimal_hex(&self.big_a)
    }
}

impl Drop for SrpClientEphemeral {
    fn drop(&mut self) {
        self.a.zeroize();
    }
}

/// Fills `out` from the operating system's random generator (`getrandom`), never from a
/// user-space generator: a thread-local generator is not reseeded after `fork`, so a parent
/// and its child would draw the same private values.
///
/// # Panics
///
/// If the operating system cannot give random bytes.
pub(crate) fn os_random(out: &mut [u8]) {
    if let Err(e) = getrandom::fill(out) {
        panic!("the operating system's random generator failed: {e}");
    }
}

impl fmt::Debug for SrpClientEphemeral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a_hex = self.public_a_hex();
        f.debug_struct("SrpClientEphemeral")
            .field("a", &"***")
            .field(
                "public_a",
                &format_args!("{}…", &a_hex[..a_hex.len().min(16)]),
            )
            .finish()
    }
}

/// The parameters of Cognito's `PASSWORD_VERIFIER` challenge that the signature depends on,
/// as received (`ChallengeParameters`), plus the user pool id.
#[derive(Debug, Clone, Copy)]
pub struct PasswordVerifierChallenge<'a> {
    /// The user pool id, `<region>_<id>`; the part after `_` enters the hashes.
    pub user_pool_id: &'a str,
    /// `USER_ID_FOR_SRP`: Cognito's username for the user, which may differ from what was typed.
    pub user_id_for_srp: &'a str,
    /// `SALT`: a hex number.
    pub salt_hex: &'a str,
    /// `SRP_B`: the server's public ephemeral, a hex number.
    pub srp_b_hex: &'a str,
    /// `SECRET_BLOCK`: base64, echoed back as `PASSWORD_CLAIM_SECRET_BLOCK`.
    pub secret_block_b64: &'a str,
}

/// Computes `PASSWORD_CLAIM_SIGNATURE` (base64) for the challenge, the password and the
/// `timestamp` that will be sent as `TIMESTAMP` (see [`cognito_timestamp`]).
///
/// Errors: [`ErrorKind::InvalidResponse`] if `SRP_B` or `SALT` is not hex, `SECRET_BLOCK` is not
/// base64, `SRP_B` is longer than 3072 bits or ≡ 0 mod N, or u = H(A‖B) is 0 (each a sign of a
/// broken or hostile server); [`ErrorKind::Config`] if the user pool id has no `_`.
pub fn password_claim_signature(
    eph: &SrpClientEphemeral,
    ch: &PasswordVerifierChallenge<'_>,
    password: &Password,
    timestamp: &str,
) -> Result<String> {
    claim_signature(eph, pool_name(ch.user_pool_id)?, ch, password, timestamp)
}

/// A remembered device's `PASSWORD_CLAIM_SIGNATURE` (DEVICE_PASSWORD_VERIFIER): the same proof
/// with the device group key hashed where a user's proof hashes the pool name (`ch`'s
/// `user_id_for_srp` is the device key; its `user_pool_id` is not used), as
/// amazon-cognito-identity-js's `getDeviceResponse` computes it.
pub(crate) fn device_claim_signature(
    eph: &SrpClientEphemeral,
    group_key: &str,
    ch: &PasswordVerifierChallenge<'_>,
    password: &Password,
    timestamp: &str,
) -> Result<String> {
    claim_signature(eph, group_key, ch, password, timestamp)
}

/// The proof over `pool_name` (a pool's name, or a device group key).
fn claim_signature(
    eph: &SrpClientEphemeral,
    pool_name: &str,
    ch: &PasswordVerifierChallenge<'_>,
    password: &Password,
    timestamp: &str,
) -> Result<String> {
    let b_mag =
        parse_hex_magnitude(ch.srp_b_hex).ok_or_else(|| bad("SRP_B is not a hex number"))?;
    let b = uint_from_be::<L>(&b_mag).ok_or_else(|| bad("SRP_B is longer than 3072 bits"))?;
    let group = &*GROUP;
    // B mod N in Montgomery form: `to_mont` reduces any value below 2^3072.
    let b = group.to_mont(&limbs(&b));
    if b.is_zero_vartime() {
        return Err(bad("SRP_B is 0 modulo N"));
    }
    let salt = parse_salt(ch.salt_hex)?;
    let secret_block = STANDARD
        .decode(ch.secret_block_b64)
        .map_err(|_| bad("SECRET_BLOCK is not base64"))?;

    // u is hashed from B as received (not reduced), as the AWS clients do.
    let u = H(&[&pad_uint(&eph.big_a), &pad_bytes(&b_mag)]);
    if u.iter().all(|&byte| byte == 0) {
        return Err(bad("u = H(A, B) is 0"));
    }
    let mut x = compute_x(pool_name, ch.user_id_for_srp, password, &salt);

    // S = (B − k·g^x)^(a + u·x) mod N
    // x, a and every value derived from them are secrets: each copy is named so it can be
    // zeroized below (the `Mont` values clear themselves on drop).
    let mut x_int = U256::from_be_slice(&x);
    let mut x_limbs: [u64; 4] = limbs(&x_int);
    let mut x_wide = x_int.resize::<WL>();
    let u_int = U256::from_be_slice(&u);
    let gx = g_pow(&x_limbs, 256);
    let kgx = group.mul(&K, &gx);
    let base = group.sub(&b, &kgx);
    // a + u·x without reduction (a < 2^3072, u·x < 2^512: no overflow in 4096 bits).
    let mut ux = x_wide.wrapping_mul(&u_int.resize::<WL>());
    let mut exp_limbs: [u64; WL * Word::BITS as usize / 64] = limbs(&ux);
    let mut carry = 0u64;
    for (i, limb) in exp_limbs.iter_mut().enumerate() {
        let a_i = eph.a.get(i).copied().unwrap_or(0);
        let (sum, c1) = limb.overflowing_add(a_i);
        let (sum, c2) = sum.overflowing_add(carry);
        *limb = sum;
        carry = u64::from(c1 | c2);
    }
    let exp_bits = eph.a_bits.max(512) + 1;
    let s_mont = group.pow(&base, &exp_limbs, exp_bits);
    let mut s_limbs = group.retrieve(&s_mont);
    let mut s = uint(&s_limbs);
    let mut key = derive_key(&s, &u);

    let signature = sign(
        &key,
        pool_name,
        ch.user_id_for_srp,
        &secret_block,
        timestamp,
    );
    x.zeroize();
    x_int.as_mut_words().zeroize();
    x_limbs.zeroize();
    x_wide.as_mut_words().zeroize();
    ux.as_mut_words().zeroize();
    exp_limbs.zeroize();
    s_limbs.zeroize();
    s.as_mut_words().zeroize();
    key.zeroize();
    Ok(signature)
}

/// Cognito's `TIMESTAMP` for a time: `Mon Jan 5 09:04:03 UTC 2026` (English names, day of month
/// not zero-padded, UTC). The service rejects other spellings, such as a padded day, with
/// `NotAuthorizedException`.
pub fn cognito_timestamp(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%a %b %-d %H:%M:%S UTC %Y")
        .to_string()
}

/// Not part of the API (only with the `test-internals` feature, for the benches, the fuzz
/// targets and the constant-time checks): the group arithmetic on raw little-endian 64-bit
/// limbs. It may change or go at any time.
#[cfg(feature = "test-internals")]
#[doc(hidden)]
pub mod internals {
    use super::*;

    /// 64-bit limbs of a number below 2^3072, little-endian.
    pub type Limbs = group::Limbs;

    /// N as limbs.
    pub fn modulus() -> Limbs {
        group::n_limbs()
    }

    /// x·2^3072 mod N, for any x below 2^3072.
    pub fn to_mont(x: &Limbs) -> Limbs {
        GROUP.to_mont(x).into_limbs()
    }

    /// x·2^−3072 mod N, for a Montgomery form x below N.
    pub fn retrieve(x: &Limbs) -> Limbs {
        GROUP.retrieve(&group::Mont::from_limbs(*x))
    }

    /// The Montgomery product a·b·2^−3072 mod N of two values below N.
    pub fn mul(a: &Limbs, b: &Limbs) -> Limbs {
        GROUP
            .mul(&group::Mont::from_limbs(*a), &group::Mont::from_limbs(*b))
            .into_limbs()
    }

    /// (a + b) mod N for two values below N.
    pub fn add(a: &Limbs, b: &Limbs) -> Limbs {
        GROUP
            .add(&group::Mont::from_limbs(*a), &group::Mont::from_limbs(*b))
            .into_limbs()
    }

    /// (a − b) mod N for two values below N.
    pub fn sub(a: &Limbs, b: &Limbs) -> Limbs {
        GROUP
            .sub(&group::Mont::from_limbs(*a), &group::Mont::from_limbs(*b))
            .into_limbs()
    }

    /// base^exp in Montgomery form (base in Montgomery form, below N) over the low `bits`
    /// bits of `exp`: the windowed exponentiation S is computed with.
    pub fn pow(base: &Limbs, exp: &[u64], bits: u32) -> Limbs {
        GROUP
            .pow(&group::Mont::from_limbs(*base), exp, bits)
            .into_limbs()
    }

    /// g^exp in Montgomery form for an `exp` below 2^`bits`: the fixed-base combs up to 1024
    /// bits (`a`, x), the windowed exponentiation above.
    pub fn g_pow(exp: &[u64], bits: u32) -> Limbs {
        super::g_pow(exp, bits).into_limbs()
    }

    /// The constant-time exponentiation that [`password_claim_signature`] runs for S, for the
    /// reference row of `benches/benches/srp.rs`. Returns base^exp mod N (big-endian) for a
    /// big-endian `base` and the low `exp_bits` bits of a big-endian `exp`.
    pub fn modpow_ct_for_bench(base: &[u8; 384], exp: &[u8; 512], exp_bits: u32) -> Vec<u8> {
        let group = &*GROUP;
        let base = group.to_mont(&limbs(&U3072::from_be_slice(base)));
        let exp: [u64; WL * Word::BITS as usize / 64] = limbs(&U4096::from_be_slice(exp));
        uint(&group.retrieve(&group.pow(&base, &exp, exp_bits)))
            .to_be_bytes()
            .as_ref()
            .to_vec()
    }
}

// ---------------------------------------------------------------------------------------------

fn bad(message: &str) -> Error {
    Error::new(ErrorKind::InvalidResponse, message)
}

/// The part of the pool id after the first `_` (`us-east-1_AbC123` → `AbC123`).
fn pool_name(user_pool_id: &str) -> Result<&str> {
    match user_pool_id.split_once('_') {
        Some((_, name)) if !name.is_empty() => Ok(name),
        _ => Err(Error::config("user_pool_id", "<region>_<id>")),
    }
}

/// SHA-256 over the concatenation of `parts`.
#[allow(non_snake_case)]
fn H(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// x = H(pad(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password)).
fn compute_x(pool_name: &str, user_id: &str, password: &Password, salt: &[u8]) -> [u8; 32] {
    let mut inner = H(&[
        pool_name.as_bytes(),
        user_id.as_bytes(),
        b":",
        password.expose_secret().as_bytes(),
    ]);
    let x = H(&[salt, &inner]);
    inner.zeroize();
    x
}

/// K = HKDF-SHA256(ikm = pad(S), salt = pad(u), info = "Caldera Derived Key"), 16 bytes.
fn derive_key(s: &U3072, u: &[u8; 32]) -> [u8; 16] {
    let mut s_bytes = s.to_be_bytes();
    let mut ikm = pad_bytes(s_bytes.as_ref());
    s_bytes.as_mut().zeroize();
    let mut key = [0u8; 16];
    // 16 bytes is far below HKDF-SHA256's 8160-byte limit, so expand cannot fail.
    let _ = Hkdf::<Sha256>::new(Some(&pad_bytes(u)), &ikm).expand(DERIVED_KEY_INFO, &mut key);
    ikm.zeroize();
    key
}

/// Base64(HMAC-SHA256(K, poolName ‖ userId ‖ secretBlock ‖ timestamp)).
fn sign(key: &[u8; 16], pool_name: &str, user_id: &str, block: &[u8], timestamp: &str) -> String {
    super::secret_hash::hmac_sha256_base64(
        key,
        &[
            pool_name.as_bytes(),
            user_id.as_bytes(),
            block,
            timestamp.as_bytes(),
        ],
    )
}

/// The magnitude of a non-negative hex number as minimal big-endian bytes (empty for zero).
/// Leading zero digits are dropped. `None` if the string is empty or has a non-hex character.
fn parse_hex_magnitude(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let digits = s.trim_start_matches('0');
    if digits.len() % 2 == 1 {
        hex::decode(format!("0{digits}")).ok()
    } else {
        hex::decode(digits).ok()
    }
}

/// The salt as hashed: pad() of the number, a negative one in two's complement.
fn parse_salt(s: &str) -> Result<Vec<u8>> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mag = parse_hex_magnitude(digits).ok_or_else(|| bad("SALT is not a hex number"))?;
    if !negative || mag.is_empty() {
        return Ok(pad_bytes(&mag));
    }
    // −m in minimal two's complement: invert and add one, then make sure the sign bit is set.
    let mut out: Vec<u8> = mag.iter().map(|b| !b).collect();
    for byte in out.iter_mut().rev() {
        let (sum, carry) = byte.overflowing_add(1);
        *byte = sum;
        if !carry {
            break;
        }
    }
    if out[0] < 0x80 {
        out.insert(0, 0xff);
    }
    Ok(out)
}

/// padHex on minimal magnitude bytes: `00` for zero, a leading `00` when the top bit is set.
fn pad_bytes(minimal: &[u8]) -> Vec<u8> {
    let start = minimal
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(minimal.len());
    let digits = &minimal[start..];
    match digits.first() {
        None => vec![0],
        Some(&top) if top >= 0x80 => {
            let mut v = Vec::with_capacity(digits.len() + 1);
            v.push(0);
            v.extend_from_slice(digits);
            v
        }
        Some(_) => digits.to_vec(),
    }
}

fn pad_uint<const LIMBS: usize>(x: &Uint<LIMBS>) -> Vec<u8> {
    let bytes = x.to_be_bytes();
    pad_bytes(bytes.as_ref())
}

/// Lowercase hex without leading zeros ("0" for zero), as `BigInteger.toString(16)`.
fn minimal_hex(x: &U3072) -> String {
    let hex = hex::encode(x.to_be_bytes().as_ref());
    let trimmed = hex.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A big-endian byte string as a `Uint`, `None` if it does not fit.
fn uint_from_be<const LIMBS: usize>(bytes: &[u8]) -> Option<Uint<LIMBS>> {
    let size = Uint::<LIMBS>::BYTES;
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let digits = &bytes[start..];
    if digits.len() > size {
        return None;
    }
    let mut buf = vec![0u8; size];
    buf[size - digits.len()..].copy_from_slice(digits);
    let x = Uint::<LIMBS>::from_be_slice(&buf);
    buf.zeroize();
    Some(x)
}

/// A `Uint`'s value as 64-bit little-endian limbs, whatever the platform's word size (`N` must
/// hold `W` words).
#[allow(
    clippy::useless_conversion,
    reason = "a word is a u64 here, a u32 on 32-bit targets"
)]
fn limbs<const W: usize, const N: usize>(x: &Uint<W>) -> [u64; N] {
    let per = (64 / Limb::BITS) as usize;
    let mut out = [0u64; N];
    for (i, &word) in x.as_words().iter().enumerate() {
        out[i / per] |= u64::from(word) << ((i % per) as u32 * Limb::BITS);
    }
    out
}

/// The inverse of [`limbs`] for a number modulo N.
fn uint(x: &[u64; group::LIMBS]) -> U3072 {
    let per = (64 / Limb::BITS) as usize;
    let mut words = [0 as Word; L];
    for (i, word) in words.iter_mut().enumerate() {
        *word = (x[i / per] >> ((i % per) as u32 * Limb::BITS)) as Word;
    }
    U3072::from_words(words)
}

/// A hash left-padded to a fixed width (for turning a constant into a `Uint`).
fn left_pad<const W: usize>(bytes: &[u8]) -> [u8; W] {
    let mut out = [0u8; W];
    let n = bytes.len().min(W);
    out[W - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    out
}

/// What a device registers with ConfirmDevice (`DeviceSecretVerifierConfig`): a random salt
/// and the verifier g^x mod N, x = H(salt ‖ H(groupKey ‖ deviceKey ‖ ":" ‖ password)), both as
/// padded big-endian bytes (amazon-cognito-identity-js `generateHashDevice`). Returns
/// `(salt, verifier)`. The same maths as a user's, with the device group key in place of the
/// pool name and the device key in place of the username.
pub(crate) fn device_verifier(
    group_key: &str,
    device_key: &str,
    password: &Password,
) -> (Vec<u8>, Vec<u8>) {
    let mut raw = [0u8; 16];
    os_random(&mut raw);
    let salt = pad_bytes(&raw);
    let mut x = compute_x(group_key, device_key, password, &salt);
    let mut x_int = U256::from_be_slice(&x);
    // x is secret (it proves the device): the constant-time exponentiation, as for `g^x`.
    let mut x_limbs: [u64; 4] = limbs(&x_int);
    let mut verifier_limbs = GROUP.retrieve(&g_pow(&x_limbs, 256));
    let verifier = uint(&verifier_limbs);
    verifier_limbs.zeroize();
    x_limbs.zeroize();
    x.zeroize();
    x_int.as_mut_words().zeroize();
    (salt, pad_uint(&verifier))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const POOL: &str = "eu-west-1_AbCdEf123";

    fn challenge<'a>(salt: &'a str, b: &'a str, block: &'a str) -> PasswordVerifierChallenge<'a> {
        PasswordVerifierChallenge {
            user_pool_id: POOL,
            user_id_for_srp: "d3b07384-d9a0-4e8f-9c1b-1a2b3c4d5e6f",
            salt_hex: salt,
            srp_b_hex: b,
            secret_block_b64: block,
        }
    }

    fn sig(eph: &SrpClientEphemeral, ch: &PasswordVerifierChallenge<'_>) -> Result<String> {
        password_claim_signature(
            eph,
            ch,
            &Password::new("hunter2"),
            "Mon Jan 5 09:04:03 UTC 2026",
        )
    }

    #[test]
    fn timestamp_does_not_pad_the_day_and_uses_utc_english_names() {
        // 2026-01-05 09:04:03 UTC
        let t = UNIX_EPOCH + Duration::from_secs(1_767_603_843);
        assert_eq!(cognito_timestamp(t), "Mon Jan 5 09:04:03 UTC 2026");
        // 2024-02-29 23:59:59 UTC, and midnight keeps two-digit hours.
        let t = UNIX_EPOCH + Duration::from_secs(1_709_251_199);
        assert_eq!(cognito_timestamp(t), "Thu Feb 29 23:59:59 UTC 2024");
        let t = UNIX_EPOCH + Duration::from_secs(1_767_225_600);
        assert_eq!(cognito_timestamp(t), "Thu Jan 1 00:00:00 UTC 2026");
    }

    #[test]
    fn k_is_the_value_every_cognito_client_uses() {
        // k = H(00 ‖ N ‖ 02), as printed by amazon-cognito-identity-js's AuthenticationHelper.
        let k = uint(&GROUP.retrieve(&K));
        assert_eq!(
            minimal_hex(&k),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
    }

    #[test]
    fn bad_hex_and_base64_are_typed_errors() {
        let eph = SrpClientEphemeral::from_private_hex("abcdef0123456789").unwrap();
        let ok_b = "1234abcd";
        for ch in [
            challenge("zz", ok_b, "AAEC"),
            challenge("", ok_b, "AAEC"),
            challenge("12 34", ok_b, "AAEC"),
            challenge("-", ok_b, "AAEC"),
            challenge("1234", "not-hex", "AAEC"),
            challenge("1234", "", "AAEC"),
            challenge("1234", "-1234", "AAEC"),
            challenge("1234", ok_b, "%%%not base64"),
            challenge("1234", &"f".repeat(769), "AAEC"),
        ] {
            let err = sig(&eph, &ch).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidResponse, "{ch:?}: {err}");
        }
        let mut ch = challenge("1234", ok_b, "AAEC");
        ch.user_pool_id = "no-underscore";
        assert_eq!(sig(&eph, &ch).unwrap_err().kind(), ErrorKind::Config);
        // 1 (and 0) would make S depend on the password alone: a captured exchange becomes an
        // offline guessing oracle.
        for a in ["", "xyz", "0", "000", "1", "0001", &"1".repeat(769)] {
            let err = SrpClientEphemeral::from_private_hex(a).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidParameter, "{a:?}");
        }
    }

    #[test]
    fn b_congruent_to_zero_mod_n_is_rejected() {
        let eph = SrpClientEphemeral::from_private_hex("abcdef0123456789").unwrap();
        let n_lower = N_HEX.to_lowercase();
        for b in ["0", "0000", N_HEX, n_lower.as_str()] {
            let err = sig(&eph, &challenge("1234", b, "AAEC")).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidResponse, "B = {b}");
            assert!(err.message().contains("SRP_B"), "{err}");
        }
    }

    #[test]
    fn debug_never_shows_the_private_value() {
        let a_hex = "5ec2e7ba5ec2e7ba5ec2e7ba5ec2e7ba";
        let eph = SrpClientEphemeral::from_private_hex(a_hex).unwrap();
        let shown = format!("{eph:?} {eph:#?}");
        assert!(!shown.to_lowercase().contains("5ec2e7ba"), "{shown}");
        assert!(shown.contains("***"));
    }

    #[test]
    fn generated_ephemerals_differ_and_sign_deterministically() {
        let e1 = SrpClientEphemeral::generate();
        let e2 = SrpClientEphemeral::generate();
        assert_ne!(e1.public_a_hex(), e2.public_a_hex());
        assert!(e1.public_a_hex().len() > 700 && !e1.public_a_hex().starts_with('0'));
        let ch = challenge("a1b2c3", "1234abcd", "AAEC");
        assert_eq!(sig(&e1, &ch).unwrap(), sig(&e1, &ch).unwrap());
        assert_ne!(sig(&e1, &ch).unwrap(), sig(&e2, &ch).unwrap());
    }

    #[cfg(feature = "test-internals")]
    #[test]
    fn the_benches_exponentiation_is_the_groups() {
        use super::internals::modpow_ct_for_bench;
        let (mut base, mut exp) = ([0u8; 384], [0u8; 512]);
        base[383] = 3;
        exp[511] = 0b101;
        let out = modpow_ct_for_bench(&base, &exp, 3);
        assert_eq!(out[..383], [0u8; 383]);
        assert_eq!(out[383], 243);
        // Bits above `exp_bits` are ignored: 3^(0b101 mod 4) = 3.
        assert_eq!(modpow_ct_for_bench(&base, &exp, 2)[383], 3);
    }

    #[test]
    fn salt_is_read_as_a_number() {
        assert_eq!(parse_salt("00ab").unwrap(), vec![0x00, 0xab]);
        assert_eq!(parse_salt("0012").unwrap(), vec![0x12]);
        assert_eq!(parse_salt("abc").unwrap(), vec![0x0a, 0xbc]);
        assert_eq!(parse_salt("0").unwrap(), vec![0x00]);
        // Java's BigInteger.toByteArray() of negative numbers.
        assert_eq!(parse_salt("-80").unwrap(), vec![0x80]);
        assert_eq!(parse_salt("-81").unwrap(), vec![0xff, 0x7f]);
        assert_eq!(parse_salt("-100").unwrap(), vec![0xff, 0x00]);
        assert_eq!(parse_salt("-ff").unwrap(), vec![0xff, 0x01]);
        assert_eq!(parse_salt("-7f").unwrap(), vec![0x81]);
    }
}
