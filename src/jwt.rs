//! Reading a JWT's claims WITHOUT verifying it: nothing here checks a signature, an issuer or
//! an audience.
//!
//! A client that has just received its own tokens from Cognito over TLS may read them to learn
//! when they expire, which groups and roles the user has, or what the username is. That is all
//! this module is for. Never use [`UnverifiedClaims`] to decide whether to trust a token that
//! came from someone else: a server must verify the signature against the user pool's JWKS.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use base64::Engine as _;
//! use base64::engine::general_purpose::URL_SAFE_NO_PAD;
//! use cognito_sigv4::jwt::{TokenUse, UnverifiedClaims};
//!
//! let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k1"}"#);
//! let payload = URL_SAFE_NO_PAD.encode(
//!     r#"{"sub":"aaaa-bbbb","token_use":"access","username":"alice","exp":1700000000}"#,
//! );
//! let token = format!("{header}.{payload}.c2lnbmF0dXJl");
//!
//! let claims = UnverifiedClaims::decode(&token)?;
//! assert_eq!(claims.token_use(), Some(&TokenUse::Access));
//! assert_eq!(claims.cognito_username(), Some("alice"));
//! assert_eq!(claims.expires_at()?, UNIX_EPOCH + Duration::from_secs(1_700_000_000));
//! # Ok::<(), cognito_sigv4::Error>(())
//! ```

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Jwt;

/// base64url, with or without `=` padding (JWTs have none, but some tools add it).
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What a Cognito token is for: its `token_use` claim.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokenUse {
    /// An ID token (`"id"`): who the user is; what an identity pool and API Gateway's
    /// Cognito authorizer (without scopes) accept.
    Id,
    /// An access token (`"access"`): what the user may do (scopes, groups).
    Access,
    /// Any other value.
    Other(String),
}

impl TokenUse {
    /// The claim's value: `id`, `access`, or the other value.
    pub fn as_str(&self) -> &str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
            TokenUse::Other(other) => other,
        }
    }

    fn parse(value: &str) -> Self {
        match value {
            "id" => TokenUse::Id,
            "access" => TokenUse::Access,
            other => TokenUse::Other(other.to_owned()),
        }
    }
}

/// The claims of a JWT, decoded but NOT verified: see the [module docs](self).
///
/// Decoding checks that the token has three base64url parts, that header and payload are JSON
/// objects, and that every claim this type has an accessor for has the right JSON type; so the
/// accessors themselves cannot fail. `Debug` shows a short summary, never the token.
#[derive(Clone, PartialEq)]
pub struct UnverifiedClaims {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    aud: Vec<String>,
    token_use: Option<TokenUse>,
    exp: Option<SystemTime>,
    iat: Option<SystemTime>,
    auth_time: Option<SystemTime>,
    groups: Vec<String>,
    roles: Vec<String>,
    scopes: Vec<String>,
}

/// Claims that must be JSON strings when present.
const STRING_CLAIMS: [&str; 11] = [
    "sub",
    "iss",
    "client_id",
    "token_use",
    "username",
    "cognito:username",
    "cognito:preferred_role",
    "scope",
    "email",
    "jti",
    "origin_jti",
];

impl UnverifiedClaims {
    /// Decodes `token`'s header and claims WITHOUT verifying its signature.
    ///
    /// Fails with [`ErrorKind::InvalidToken`] if the token is not three dot-separated base64url
    /// parts, if header or payload is not a JSON object, or if a known claim has the wrong type.
    /// The error never contains the token.
    pub fn decode(token: &str) -> Result<Self> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            let count = token.split('.').count();
            return Err(invalid(format!(
                "not a JWT: expected 3 dot-separated parts, found {count}"
            )));
        };
        let header = decode_object(header, "header")?;
        let claims = decode_object(payload, "payload")?;

        for name in STRING_CLAIMS {
            if claims.get(name).is_some_and(|value| !value.is_string()) {
                return Err(wrong_type(name, "a string"));
            }
        }
        let aud = match claims.get("aud") {
            None => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(_)) => string_array(&claims, "aud")?,
            Some(_) => return Err(wrong_type("aud", "a string or an array of strings")),
        };
        let token_use = claims
            .get("token_use")
            .and_then(Value::as_str)
            .map(TokenUse::parse);
        let scopes = claims
            .get("scope")
            .and_then(Value::as_str)
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        Ok(Self {
            aud,
            token_use,
            exp: numeric_date(&claims, "exp")?,
            iat: numeric_date(&claims, "iat")?,
            auth_time: numeric_date(&claims, "auth_time")?,
            groups: string_array(&claims, "cognito:groups")?,
            roles: string_array(&claims, "cognito:roles")?,
            scopes,
            header,
            claims,
        })
    }

    /// Decodes a token held in a [`Jwt`], WITHOUT verifying it; see [`decode`](Self::decode).
    pub fn from_jwt(token: &Jwt) -> Result<Self> {
        Self::decode(token.expose_secret())
    }

    /// The JOSE header (`alg`, `kid`, `typ`, ...).
    pub fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    /// The header's `kid`: which of the issuer's keys signed the token.
    pub fn key_id(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }

    /// Every claim, as JSON.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// Any claim by name, as JSON.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.claims.get(name)
    }

    fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// `sub`: the user's stable, unique id in the user pool (a UUID for Cognito).
    pub fn sub(&self) -> Option<&str> {
        self.str_claim("sub")
    }

    /// `iss`: who issued the token, such as `https://cognito-idp.<region>.amazonaws.com/<poolId>`.
    pub fn iss(&self) -> Option<&str> {
        self.str_claim("iss")
    }

    /// `aud`: the audiences. A string claim gives one; OIDC allows an array. Cognito ID tokens
    /// carry the app client id here; access tokens have no `aud` (see
    /// [`client_id`](Self::client_id)).
    pub fn aud(&self) -> &[String] {
        &self.aud
    }

    /// Whether `audience` is among the [`aud`](Self::aud) values.
    pub fn has_audience(&self, audience: &str) -> bool {
        self.aud.iter().any(|a| a == audience)
    }

    /// `client_id`: the app client an access token was issued to.
    pub fn client_id(&self) -> Option<&str> {
        self.str_claim("client_id")
    }

    /// `token_use`: whether this is an ID or an access token.
    pub fn token_use(&self) -> Option<&TokenUse> {
        self.token_use.as_ref()
    }

    /// `exp`: when the token expires.
    pub fn exp(&self) -> Option<SystemTime> {
        self.exp
    }

    /// `exp`, or an [`ErrorKind::InvalidToken`] error if the token has none.
    pub fn expires_at(&self) -> Result<SystemTime> {
        self.exp
            .ok_or_else(|| invalid("the token has no `exp` claim".to_owned()))
    }

    /// Whether the token has expired at `now`, or will within `margin` of it (so that a caller
    /// refreshes early rather than send a token that expires in flight). A token without `exp`
    /// counts as expired: nothing says it is still good.
    pub fn is_expired_at(&self, now: SystemTime, margin: Duration) -> bool {
        match self.exp {
            Some(exp) => match now.checked_add(margin) {
                Some(deadline) => deadline >= exp,
                None => true,
            },
            None => true,
        }
    }

    /// `iat`: when the token was issued.
    pub fn iat(&self) -> Option<SystemTime> {
        self.iat
    }

    /// `auth_time`: when the user last authenticated (refreshes keep it).
    pub fn auth_time(&self) -> Option<SystemTime> {
        self.auth_time
    }

    /// `username`: the Cognito username, as access tokens carry it.
    pub fn username(&self) -> Option<&str> {
        self.str_claim("username")
    }

    /// `cognito:username`: the Cognito username, as ID tokens carry it.
    pub fn cognito_username_claim(&self) -> Option<&str> {
        self.str_claim("cognito:username")
    }

    /// The Cognito username from either kind of token: `cognito:username` (ID token), else
    /// `username` (access token). This is the name `SECRET_HASH` must be computed with, which
    /// may differ from the alias (e-mail, phone) the person typed.
    pub fn cognito_username(&self) -> Option<&str> {
        self.cognito_username_claim().or_else(|| self.username())
    }

    /// `cognito:groups`: the user's groups, in the order the token lists them (empty if none).
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// `cognito:preferred_role`: the IAM role ARN of the user's highest-precedence group with a
    /// role.
    pub fn preferred_role(&self) -> Option<&str> {
        self.str_claim("cognito:preferred_role")
    }

    /// `cognito:roles`: the IAM role ARNs of the user's groups (empty if none).
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// `scope`, split on spaces (access tokens; empty if none).
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Whether `scope` is among the [`scopes`](Self::scopes).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// `email`.
    pub fn email(&self) -> Option<&str> {
        self.str_claim("email")
    }

    /// `jti`: the token's unique id.
    pub fn jti(&self) -> Option<&str> {
        self.str_claim("jti")
    }

    /// `origin_jti`: the id of the sign-in that started the chain of tokens (kept across
    /// refreshes; what revocation keys on).
    pub fn origin_jti(&self) -> Option<&str> {
        self.str_claim("origin_jti")
    }
}

impl fmt::Debug for UnverifiedClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exp = self
            .exp
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        f.debug_struct("UnverifiedClaims")
            .field("token_use", &self.token_use.as_ref().map(TokenUse::as_str))
            .field("iss", &self.iss())
            .field("sub", &self.sub())
            .field("exp", &exp)
            .field("claims", &self.claims.len())
            .finish()
    }
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidToken, message)
}

fn wrong_type(claim: &str, expected: &str) -> Error {
    invalid(format!(
        "claim `{claim}` has the wrong type: expected {expected}"
    ))
}

/// Decodes one base64url part into a JSON object. Errors say which part failed, not what it held
/// (base64's own errors quote the offending byte, so they are not passed on).
fn decode_object(part: &str, which: &str) -> Result<Map<String, Value>> {
    let bytes = BASE64URL
        .decode(part)
        .map_err(|_| invalid(format!("the {which} is not base64url")))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid(format!("the {which} is not a JSON object"))),
        Err(_) => Err(invalid(format!("the {which} is not valid JSON"))),
    }
}

/// An optional array-of-strings claim; absent gives an empty list.
fn string_array(claims: &Map<String, Value>, name: &str) -> Result<Vec<String>> {
    match claims.get(name) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| wrong_type(name, "an array of strings")),
        Some(_) => Err(wrong_type(name, "an array of strings")),
    }
}

/// An optional NumericDate claim: seconds since the epoch, integer or fractional, not negative.
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<SystemTime>> {
    let Some(value) = claims.get(name) else {
        return Ok(None);
    };
    let expected = "a number of seconds since 1970 (not negative)";
    let Value::Number(number) = value else {
        return Err(wrong_type(name, expected));
    };
    let since_epoch = match number.as_u64() {
        Some(secs) => Duration::from_secs(secs),
        None => number
            .as_f64()
            .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
            .ok_or_else(|| wrong_type(name, expected))?,
    };
    UNIX_EPOCH
        .checked_add(since_epoch)
        .map(Some)
        .ok_or_else(|| wrong_type(name, expected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};

    const MARKER: &str = "MARKERsecretTOKENpart";

    fn token_with(payload: &str) -> String {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"key-1"}"#);
        let payload = URL_SAFE_NO_PAD.encode(payload);
        format!("{header}.{payload}.{MARKER}")
    }

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    const ID_TOKEN: &str = r#"{
        "sub": "11111111-2222-3333-4444-555555555555",
        "cognito:groups": ["admins", "readers"],
        "email_verified": true,
        "cognito:preferred_role": "arn:aws:iam::123456789012:role/Admins",
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz",
        "cognito:username": "alice",
        "origin_jti": "origin-1",
        "cognito:roles": ["arn:aws:iam::123456789012:role/Admins",
                          "arn:aws:iam::123456789012:role/Readers"],
        "aud": "5k3lbv1q2ghr4jh8i6t0ebd3m7",
        "event_id": "e-1",
        "token_use": "id",
        "auth_time": 1700000000,
        "exp": 1700003600,
        "iat": 1700000000,
        "jti": "jti-1",
        "email": "alice@example.com"
    }"#;

    const ACCESS_TOKEN: &str = r#"{
        "sub": "11111111-2222-3333-4444-555555555555",
        "cognito:groups": ["admins"],
        "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz",
        "client_id": "5k3lbv1q2ghr4jh8i6t0ebd3m7",
        "origin_jti": "origin-1",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin  openid orders/read",
        "auth_time": 1700000000,
        "exp": 1700003600.5,
        "iat": 1700000000.25,
        "jti": "jti-2",
        "username": "alice"
    }"#;

    #[test]
    fn id_token_claims() {
        let c = UnverifiedClaims::decode(&token_with(ID_TOKEN)).unwrap();
        assert_eq!(c.token_use(), Some(&TokenUse::Id));
        assert_eq!(c.sub(), Some("11111111-2222-3333-4444-555555555555"));
        assert_eq!(
            c.iss(),
            Some("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123xyz")
        );
        assert_eq!(c.aud(), ["5k3lbv1q2ghr4jh8i6t0ebd3m7"]);
        assert!(c.has_audience("5k3lbv1q2ghr4jh8i6t0ebd3m7"));
        assert_eq!(c.client_id(), None);
        assert_eq!(c.cognito_username_claim(), Some("alice"));
        assert_eq!(c.username(), None);
        assert_eq!(c.cognito_username(), Some("alice"));
        assert_eq!(c.groups(), ["admins", "readers"]);
        assert_eq!(
            c.preferred_role(),
            Some("arn:aws:iam::123456789012:role/Admins")
        );
        assert_eq!(c.roles().len(), 2);
        assert_eq!(c.email(), Some("alice@example.com"));
        assert_eq!(c.jti(), Some("jti-1"));
        assert_eq!(c.origin_jti(), Some("origin-1"));
        assert_eq!(c.exp(), Some(at(1_700_003_600)));
        assert_eq!(c.expires_at().unwrap(), at(1_700_003_600));
        assert_eq!(c.iat(), Some(at(1_700_000_000)));
        assert_eq!(c.auth_time(), Some(at(1_700_000_000)));
        assert!(c.scopes().is_empty());
        assert_eq!(c.get("email_verified"), Some(&Value::Bool(true)));
        assert_eq!(c.get("nope"), None);
        assert_eq!(c.key_id(), Some("key-1"));
    }

    #[test]
    fn access_token_claims_with_fractional_times() {
        let c = UnverifiedClaims::decode(&token_with(ACCESS_TOKEN)).unwrap();
        assert_eq!(c.token_use(), Some(&TokenUse::Access));
        assert_eq!(c.client_id(), Some("5k3lbv1q2ghr4jh8i6t0ebd3m7"));
        assert!(c.aud().is_empty());
        assert_eq!(c.username(), Some("alice"));
        assert_eq!(c.cognito_username(), Some("alice"));
        assert_eq!(
            c.scopes(),
            ["aws.cognito.signin.user.admin", "openid", "orders/read"]
        );
        assert!(c.has_scope("orders/read") && !c.has_scope("orders"));
        assert_eq!(
            c.exp(),
            Some(at(1_700_003_600) + Duration::from_millis(500))
        );
        assert_eq!(
            c.iat(),
            Some(at(1_700_000_000) + Duration::from_millis(250))
        );
        assert_eq!(c.groups(), ["admins"]);
        assert!(c.roles().is_empty());
    }

    #[test]
    fn oidc_audience_array_and_other_token_use() {
        let c = UnverifiedClaims::decode(&token_with(
            r#"{"aud":["a","b"],"token_use":"refresh","exp":1}"#,
        ))
        .unwrap();
        assert_eq!(c.aud(), ["a", "b"]);
        assert!(c.has_audience("b") && !c.has_audience("c"));
        assert_eq!(c.token_use(), Some(&TokenUse::Other("refresh".into())));
        assert_eq!(c.token_use().map(TokenUse::as_str), Some("refresh"));
    }

    #[test]
    fn padding_is_tolerated() {
        let header = URL_SAFE.encode(r#"{"alg":"none"}"#);
        let payload = URL_SAFE.encode(r#"{"sub":"x","exp":10}"#);
        assert!(header.ends_with('=') || payload.ends_with('='));
        let c = UnverifiedClaims::decode(&format!("{header}.{payload}.")).unwrap();
        assert_eq!(c.sub(), Some("x"));
    }

    #[test]
    fn expiry_with_margin() {
        let c = UnverifiedClaims::decode(&token_with(r#"{"exp":1000}"#)).unwrap();
        let margin = Duration::from_secs(60);
        assert!(!c.is_expired_at(at(939), margin));
        assert!(c.is_expired_at(at(940), margin));
        assert!(!c.is_expired_at(at(999), Duration::ZERO));
        assert!(c.is_expired_at(at(1000), Duration::ZERO));
        let no_exp = UnverifiedClaims::decode(&token_with(r#"{"sub":"x"}"#)).unwrap();
        assert!(no_exp.is_expired_at(at(0), Duration::ZERO));
        let err = no_exp.expires_at().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidToken);
        assert!(err.message().contains("exp"));
    }

    fn decode_err(token: &str) -> Error {
        let err = UnverifiedClaims::decode(token).expect_err("must not decode");
        assert_eq!(err.kind(), ErrorKind::InvalidToken, "{err}");
        err
    }

    #[test]
    fn malformed_tokens_are_typed_errors() {
        let good_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256"}"#);
        let good_payload = URL_SAFE_NO_PAD.encode(r#"{"exp":1}"#);
        assert!(
            decode_err("")
                .message()
                .contains("3 dot-separated parts, found 1")
        );
        assert!(decode_err("a.b").message().contains("found 2"));
        assert!(decode_err("a.b.c.d").message().contains("found 4"));
        assert!(
            decode_err(&format!("{good_header}.!!!.sig"))
                .message()
                .contains("payload is not base64url")
        );
        assert!(
            decode_err(&format!("$.{good_payload}.sig"))
                .message()
                .contains("header is not base64url")
        );
        let not_json = URL_SAFE_NO_PAD.encode("not json");
        assert!(
            decode_err(&format!("{good_header}.{not_json}.sig"))
                .message()
                .contains("not valid JSON")
        );
        let array = URL_SAFE_NO_PAD.encode("[1,2]");
        assert!(
            decode_err(&format!("{good_header}.{array}.sig"))
                .message()
                .contains("not a JSON object")
        );
        assert!(
            decode_err(&format!("{array}.{good_payload}.sig"))
                .message()
                .contains("header is not a JSON object")
        );
        // Bytes that are not UTF-8, an empty part, and base64 (not base64url) characters.
        let not_utf8 = URL_SAFE_NO_PAD.encode([0x7b, 0xff, 0xfe, 0x7d]);
        assert!(
            decode_err(&format!("{good_header}.{not_utf8}.sig"))
                .message()
                .contains("payload is not valid JSON")
        );
        assert!(
            decode_err(&format!("{good_header}..sig"))
                .message()
                .contains("payload is not valid JSON")
        );
        assert!(
            decode_err(&format!("{good_header}.ab+/.sig"))
                .message()
                .contains("payload is not base64url")
        );
        // Each known claim of the wrong type names the claim.
        for (payload, claim) in [
            (r#"{"exp":"1700000000"}"#, "exp"),
            (r#"{"exp":-5}"#, "exp"),
            (r#"{"iat":true}"#, "iat"),
            (r#"{"auth_time":1e300}"#, "auth_time"),
            // Fits a u64 but not a SystemTime: an error, not an overflow panic.
            (r#"{"exp":18446744073709551615}"#, "exp"),
            (r#"{"sub":5}"#, "sub"),
            (r#"{"aud":7}"#, "aud"),
            (r#"{"aud":["a",7]}"#, "aud"),
            (r#"{"token_use":null}"#, "token_use"),
            (r#"{"cognito:groups":"admins"}"#, "cognito:groups"),
            (r#"{"cognito:roles":[1]}"#, "cognito:roles"),
            (r#"{"scope":["a"]}"#, "scope"),
            (r#"{"origin_jti":{}}"#, "origin_jti"),
        ] {
            let err = decode_err(&token_with(payload));
            assert!(
                err.message().contains(&format!("`{claim}`")),
                "{payload}: {err}"
            );
        }
    }

    #[test]
    fn token_never_shows_in_debug_or_errors() {
        let good = token_with(ID_TOKEN);
        let c = UnverifiedClaims::decode(&good).unwrap();
        let debug = format!("{c:?} {c:#?}");
        assert!(!debug.contains(MARKER) && !debug.contains(&good), "{debug}");
        assert!(debug.contains("token_use: Some(\"id\")"), "{debug}");

        let secret_payload = URL_SAFE_NO_PAD.encode(format!("{MARKER} not json"));
        let bad_tokens = [
            MARKER.to_owned(),
            format!("{MARKER}.{MARKER}"),
            format!("{MARKER}!.x.y"),
            format!("e30.{secret_payload}.{MARKER}"),
            token_with(&format!(r#"{{"sub":["{MARKER}"]}}"#)),
            token_with(&format!(r#"{{"exp":"{MARKER}"}}"#)),
        ];
        for bad in bad_tokens {
            let err = UnverifiedClaims::decode(&bad).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(!text.contains(MARKER), "{text}");
        }
    }

    #[test]
    fn from_jwt_reads_the_wrapped_token() {
        let jwt = Jwt::new(token_with(r#"{"sub":"s","exp":5}"#));
        assert_eq!(UnverifiedClaims::from_jwt(&jwt).unwrap().sub(), Some("s"));
    }
}
