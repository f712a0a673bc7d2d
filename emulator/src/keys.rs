//! RS256 signing keys for the emulator's token issuers (user pools, cognito-identity and
//! Google-like OIDC issuers): JWT minting, signature verification, the JWKS document, and
//! reading a token's claims.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::{Value, json};
use std::sync::Arc;

mod pool;

pub(crate) use pool::PoolKeys;

/// One RSA-2048 key pair with its key id (`kid`), and the public halves of the keys it
/// replaced ([`rotate`](SigningKey::rotate)), still published and still verifying.
#[derive(Clone)]
pub(crate) struct SigningKey {
    kid: String,
    /// Shared so that a deferred signature ([`defer_signing`]) runs after the state's lock is
    /// released.
    pair: Arc<KeyPair>,
    n: Vec<u8>,
    e: Vec<u8>,
    /// Replaced keys, newest first: `(kid, n, e)`.
    retired: Vec<(String, Vec<u8>, Vec<u8>)>,
}

/// A key as a state directory keeps it: the `kid`, the private key as PKCS#8 (base64url), and
/// the retired public keys.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredKey {
    kid: String,
    pkcs8: String,
    /// `(kid, n, e)`, `n` and `e` base64url.
    retired: Vec<(String, String, String)>,
}

impl serde::Serialize for SigningKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use aws_lc_rs::encoding::AsDer as _;
        let der: aws_lc_rs::encoding::Pkcs8V1Der<'static> = self
            .pair
            .as_der()
            .map_err(|_| serde::ser::Error::custom("the RSA key cannot be exported"))?;
        StoredKey {
            kid: self.kid.clone(),
            pkcs8: B64URL.encode(der.as_ref()),
            retired: self
                .retired
                .iter()
                .map(|(kid, n, e)| (kid.clone(), B64URL.encode(n), B64URL.encode(e)))
                .collect(),
        }
        .serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for SigningKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let stored = StoredKey::deserialize(d)?;
        let bytes = |b: &str| B64URL.decode(b).map_err(D::Error::custom);
        let pair = KeyPair::from_pkcs8(&bytes(&stored.pkcs8)?)
            .map_err(|_| D::Error::custom("not an RSA private key in PKCS#8"))?;
        let public = pair.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        let retired = stored
            .retired
            .iter()
            .map(|(kid, n, e)| Ok((kid.clone(), bytes(n)?, bytes(e)?)))
            .collect::<Result<_, D::Error>>()?;
        Ok(Self {
            kid: stored.kid,
            pair: Arc::new(pair),
            n,
            e,
            retired,
        })
    }
}

/// `<header>.<claims>`, base64url.
fn signing_input(header: &str, claims: &Value) -> String {
    let claims = B64URL.encode(claims.to_string());
    let mut input = String::with_capacity(header.len() + 1 + claims.len() + 400);
    input.push_str(header);
    input.push('.');
    input.push_str(&claims);
    input
}

/// OIDC Core 3.3.2.11's `at_hash`: the left half of the access token's SHA-256, base64url
/// (Cognito's token endpoint puts it in its ID tokens).
fn at_hash(access_token: &str) -> String {
    use sha2::Digest as _;
    B64URL.encode(&sha2::Sha256::digest(access_token.as_bytes())[..16])
}

/// Inside [`defer_signing`], queues the JWT `unsigned` makes and answers its placeholder;
/// outside, `None`.
fn defer(unsigned: impl FnOnce() -> Unsigned) -> Option<String> {
    DEFERRED.with(|d| {
        let mut d = d.borrow_mut();
        let list = d.as_mut()?;
        list.push(unsigned());
        Some(format!("{PLACEHOLDER}{}", list.len() - 1))
    })
}

/// The signing input signed and appended: `<input>.<signature>`.
fn sign(pair: &KeyPair, mut input: String) -> String {
    crate::lockwatch::costly();
    let mut sig = vec![0u8; pair.public_modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .expect("RSA signing with a valid key");
    input.push('.');
    input.push_str(&B64URL.encode(&sig));
    input
}

/// What a deferred JWT is replaced from: a string no signed JWT can start with (JWTs are
/// base64url).
const PLACEHOLDER: &str = "\u{1}deferred-jwt:";

/// A JWT minted and waiting for its signature.
enum Unsigned {
    /// The key and the signing input.
    Ready(Arc<KeyPair>, String),
    /// An ID token whose `at_hash` is the hash of the deferred token at this index (signed
    /// first, being earlier): the key, the encoded header, the claims.
    AtHash(Arc<KeyPair>, String, serde_json::Map<String, Value>, usize),
}

/// JWTs minted and waiting for their signatures, in minting order.
type Pending = Vec<Unsigned>;

thread_local! {
    /// While [`defer_signing`] runs on this thread: the JWTs minted, waiting for their
    /// signatures.
    static DEFERRED: std::cell::RefCell<Option<Pending>> = const { std::cell::RefCell::new(None) };
}

/// JWTs minted by [`defer_signing`]'s closure, to be signed after it returned.
#[derive(Default)]
pub(crate) struct Deferred(Pending);

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Deferred").field(&self.0.len()).finish()
    }
}

/// Runs `f` (a service's handler, holding the state's lock) with JWT signatures deferred: every
/// [`SigningKey::mint`] in it answers a placeholder, so the RSA signing runs after the lock is
/// released, in [`Deferred::sign_into`]. The handler must not keep a minted token in the state
/// (none does: tokens are answered, never stored).
pub(crate) fn defer_signing<T>(f: impl FnOnce() -> T) -> (T, Deferred) {
    DEFERRED.with(|d| *d.borrow_mut() = Some(Vec::new()));
    let out = f();
    let pending = DEFERRED.with(|d| d.borrow_mut().take()).unwrap_or_default();
    (out, Deferred(pending))
}

impl Deferred {
    /// Signs the deferred JWTs and puts them where their placeholders are in `answer`.
    pub(crate) fn sign_into(self, answer: &mut Value) {
        if self.0.is_empty() {
            return;
        }
        let mut signed: Vec<Option<String>> = Vec::with_capacity(self.0.len());
        for unsigned in self.0 {
            let token = match unsigned {
                Unsigned::Ready(pair, input) => sign(&pair, input),
                Unsigned::AtHash(pair, header, mut claims, access) => {
                    let access = signed.get(access).and_then(Option::as_deref);
                    claims.insert("at_hash".into(), json!(at_hash(access.unwrap_or_default())));
                    sign(&pair, signing_input(&header, &Value::Object(claims)))
                }
            };
            signed.push(Some(token));
        }
        replace_placeholders(answer, &mut signed);
    }
}

fn replace_placeholders(v: &mut Value, signed: &mut [Option<String>]) {
    match v {
        Value::String(s) => {
            if let Some(i) = s
                .strip_prefix(PLACEHOLDER)
                .and_then(|i| i.parse::<usize>().ok())
                && let Some(token) = signed.get_mut(i).and_then(Option::take)
            {
                *s = token;
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|i| replace_placeholders(i, signed)),
        Value::Object(m) => m.values_mut().for_each(|i| replace_placeholders(i, signed)),
        _ => {}
    }
}

/// How many replaced keys stay published after a rotation.
const RETIRED_KEYS_KEPT: usize = 1;

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Why a JWT was rejected by [`SigningKey::verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JwtRejection {
    /// Not three base64url parts of JSON.
    Malformed,
    /// Not RS256, or a `kid` this key does not have.
    WrongKey,
    /// The signature does not verify.
    BadSignature,
}

impl SigningKey {
    /// A fresh key with a random `kid`.
    pub(crate) fn generate() -> Self {
        // Key generation only fails on allocation failure inside AWS-LC.
        let pair = KeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        let public = pair.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        let kid = B64URL.encode(rand::random::<[u8; 18]>());
        Self {
            kid,
            pair: Arc::new(pair),
            n,
            e,
            retired: Vec::new(),
        }
    }

    /// The key in PKCS#8 PEM `pem`, its `kid` derived from its public half (so the same key
    /// always has the same `kid`). `None` when it is not an RSA private key in that form.
    pub(crate) fn from_pem(pem: &str) -> Option<Self> {
        use base64::engine::general_purpose::STANDARD;
        let body: String = pem
            .lines()
            .map(str::trim)
            .skip_while(|l| *l != "-----BEGIN PRIVATE KEY-----")
            .skip(1)
            .take_while(|l| *l != "-----END PRIVATE KEY-----")
            .collect();
        let der = STANDARD.decode(body).ok()?;
        let pair = KeyPair::from_pkcs8(&der).ok()?;
        let public = pair.public_key();
        let n = public.modulus().big_endian_without_leading_zero().to_vec();
        let e = public.exponent().big_endian_without_leading_zero().to_vec();
        use sha2::Digest as _;
        let kid = B64URL.encode(&sha2::Sha256::digest(&n)[..18]);
        Some(Self {
            kid,
            pair: Arc::new(pair),
            n,
            e,
            retired: Vec::new(),
        })
    }

    /// Replaces the key pair with a fresh one (a new `kid`) that signs from now on; the
    /// replaced key stays in the JWKS and keeps verifying until the next rotation, as Cognito
    /// publishes a retired key for a while.
    pub(crate) fn rotate(&mut self) {
        let fresh = Self::generate();
        let old = std::mem::replace(self, fresh);
        self.retired = std::iter::once((old.kid, old.n, old.e))
            .chain(old.retired)
            .take(RETIRED_KEYS_KEPT)
            .collect();
    }

    /// This key's `kid`.
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// A signed RS256 JWT carrying `claims`. Inside [`defer_signing`], a placeholder that
    /// [`Deferred::sign_into`] replaces by the signed token once the state's lock is released.
    pub(crate) fn mint(&self, claims: &Value) -> String {
        let input = signing_input(&self.header(), claims);
        let pair = self.pair.clone();
        defer(|| Unsigned::Ready(pair, input.clone())).unwrap_or_else(|| sign(&self.pair, input))
    }

    /// Like [`mint`](Self::mint), with an `at_hash` claim for `access_token` (a token minted
    /// before, perhaps deferred: then the hash is taken once it is signed).
    pub(crate) fn mint_with_at_hash(
        &self,
        claims: serde_json::Map<String, Value>,
        access_token: &str,
    ) -> String {
        let access = access_token
            .strip_prefix(PLACEHOLDER)
            .and_then(|i| i.parse::<usize>().ok());
        if let Some(access) = access {
            let (pair, header) = (self.pair.clone(), self.header());
            let claims = claims.clone();
            if let Some(placeholder) = defer(|| Unsigned::AtHash(pair, header, claims, access)) {
                return placeholder;
            }
        }
        let mut claims = claims;
        claims.insert("at_hash".into(), json!(at_hash(access_token)));
        self.mint(&Value::Object(claims))
    }

    /// The encoded JOSE header of this key's tokens.
    fn header(&self) -> String {
        B64URL.encode(json!({ "kid": self.kid, "alg": "RS256", "typ": "JWT" }).to_string())
    }

    /// Verifies `token`'s RS256 signature against this key and returns its claims. Claims such
    /// as `exp`, `iss` and `aud` are the caller's to check.
    pub(crate) fn verify(&self, token: &str) -> Result<Value, JwtRejection> {
        let (header, claims, signing_input, sig) = split(token)?;
        let kid = header.get("kid").and_then(Value::as_str);
        let public = std::iter::once((self.kid.as_str(), &self.n, &self.e))
            .chain(self.retired.iter().map(|(k, n, e)| (k.as_str(), n, e)))
            .find(|(k, _, _)| Some(*k) == kid);
        let Some((_, n, e)) =
            public.filter(|_| header.get("alg").and_then(Value::as_str) == Some("RS256"))
        else {
            return Err(JwtRejection::WrongKey);
        };
        PublicKeyComponents {
            n: n.as_slice(),
            e: e.as_slice(),
        }
        .verify(&RSA_PKCS1_2048_8192_SHA256, signing_input.as_bytes(), &sig)
        .map_err(|_| JwtRejection::BadSignature)?;
        Ok(claims)
    }

    /// This key as one JWK (RFC 7517), as Cognito publishes it.
    pub(crate) fn jwk(&self) -> Value {
        jwk(&self.kid, &self.n, &self.e)
    }

    /// The JWKS document (`{"keys": [...]}`): this key, then the retired ones.
    pub(crate) fn jwks(&self) -> Value {
        let keys = std::iter::once(self.jwk()).chain(self.retired_jwks());
        json!({ "keys": keys.collect::<Vec<_>>() })
    }

    /// The keys a rotation replaced, newest first, as JWKs.
    pub(crate) fn retired_jwks(&self) -> impl Iterator<Item = Value> + '_ {
        self.retired.iter().map(|(kid, n, e)| jwk(kid, n, e))
    }
}

fn jwk(kid: &str, n: &[u8], e: &[u8]) -> Value {
    json!({
        "alg": "RS256",
        "e": B64URL.encode(e),
        "kid": kid,
        "kty": "RSA",
        "n": B64URL.encode(n),
        "use": "sig",
    })
}

/// The decoded header and claims of a JWT, its signing input and its raw signature.
pub(crate) fn split(token: &str) -> Result<(Value, Value, &str, Vec<u8>), JwtRejection> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtRejection::Malformed);
    };
    let decode_json = |part: &str| -> Result<Value, JwtRejection> {
        let bytes = B64URL
            .decode(part.trim_end_matches('='))
            .map_err(|_| JwtRejection::Malformed)?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|_| JwtRejection::Malformed)?;
        if v.is_object() {
            Ok(v)
        } else {
            Err(JwtRejection::Malformed)
        }
    };
    let header = decode_json(h)?;
    let claims = decode_json(c)?;
    let sig = B64URL.decode(s).map_err(|_| JwtRejection::Malformed)?;
    Ok((header, claims, &token[..h.len() + 1 + c.len()], sig))
}

/// A string claim.
pub(crate) fn claim_str<'a>(claims: &'a Value, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

/// A time claim (`exp`, `iat`) as whole seconds: AWS accepts integer or fractional numbers.
pub(crate) fn claim_secs(claims: &Value, name: &str) -> Option<u64> {
    let v = claims.get(name)?;
    v.as_u64()
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
}

/// The `aud` claim's audiences: one string or an array of them.
pub(crate) fn audiences(claims: &Value) -> Vec<&str> {
    match claims.get("aud") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_verify_and_tampering_is_caught() {
        let key = SigningKey::generate();
        let token = key.mint(&json!({ "sub": "abc", "exp": 10 }));
        assert_eq!(key.verify(&token).unwrap()["sub"], "abc");

        let other = SigningKey::generate();
        assert_eq!(other.verify(&token), Err(JwtRejection::WrongKey));

        let mut parts: Vec<&str> = token.split('.').collect();
        let forged = B64URL.encode(json!({ "sub": "evil", "exp": 10 }).to_string());
        parts[1] = &forged;
        assert_eq!(
            key.verify(&parts.join(".")),
            Err(JwtRejection::BadSignature)
        );
        assert_eq!(key.verify("a.b"), Err(JwtRejection::Malformed));
        assert_eq!(key.jwks()["keys"][0]["kid"], key.jwk()["kid"]);
        assert_eq!(key.jwk()["kty"], "RSA");
    }

    #[test]
    fn a_rotated_key_stays_published_and_verifying_until_the_next_rotation() {
        let mut key = SigningKey::generate();
        let first_kid = key.kid().to_owned();
        let old_token = key.mint(&json!({ "sub": "abc" }));
        key.rotate();
        assert_ne!(key.kid(), first_kid);
        let jwks = key.jwks();
        let kids: Vec<&str> = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids, [key.kid(), first_kid.as_str()]);
        assert!(key.verify(&old_token).is_ok());
        assert!(key.verify(&key.mint(&json!({ "sub": "abc" }))).is_ok());
        key.rotate();
        assert_eq!(key.jwks()["keys"].as_array().unwrap().len(), 2);
        assert_eq!(key.verify(&old_token), Err(JwtRejection::WrongKey));
    }
}
