//! Passkeys: StartWebAuthnRegistration, CompleteWebAuthnRegistration,
//! ListWebAuthnCredentials, DeleteWebAuthnCredential, and the `WEB_AUTHN` sign-in challenge
//! (its `CREDENTIAL_REQUEST_OPTIONS` and the check of the authenticator's assertion).
//!
//! What is verified, as a WebAuthn relying party does (W3C WebAuthn level 2, §7.1 and §7.2):
//! the `clientDataJSON` type, challenge and origin; the authenticator data's RP id hash, its
//! user-present flag (and user-verified when the pool requires it), the attested credential
//! (ES256 / P-256 COSE keys only); the assertion's ES256 signature over authenticator data ‖
//! SHA-256(clientDataJSON) with the registered key, the credential belonging to the user, the
//! `userHandle` when given, and a signature counter that must grow when the authenticator
//! keeps one. Not verified (emulator's choice, CHOICES.md): attestation statements (any `fmt`
//! is accepted, its `attStmt` ignored, as for `attestation: "none"`), token binding, and
//! extensions.

use super::request::{Outcome, authorize_access, internal, pool_mut, required};
use super::session::SESSION_LIFETIME;
use crate::state::{Passkey, PendingRegistration, State, UserPool};
use crate::time::epoch_secs;
use crate::wire::WireError;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::SystemTime;

/// How long a passkey ceremony may take, in the options' `timeout` (milliseconds): the
/// challenge session's own lifetime.
const TIMEOUT_MS: u128 = SESSION_LIFETIME.as_millis();

/// Authenticator-data flags (WebAuthn §6.1).
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const ATTESTED_CREDENTIAL: u8 = 0x40;

/// COSE: key type EC2, algorithm ES256, curve P-256 (RFC 9053).
const COSE_EC2: i128 = 2;
const COSE_ES256: i128 = -7;
const COSE_P256: i128 = 1;

/// Base64url, with or without padding, as browsers and libraries send it.
fn b64url(text: &str) -> Option<Vec<u8>> {
    B64URL.decode(text.trim_end_matches('=')).ok()
}

fn malformed(what: &str) -> WireError {
    WireError::invalid_parameter(format!("Invalid WebAuthn credential: {what}"))
}

/// The pool and user of an access token, refused when passkeys are not a first factor.
fn passkey_user(st: &State, now: SystemTime, req: &Value) -> Result<(String, String), WireError> {
    let token = required(req, "AccessToken")?;
    let (pool_id, username) = authorize_access(st, now, token)?;
    let pool = st.user_pools.get(&pool_id).ok_or_else(internal)?;
    if !pool.passwordless.allows("WEB_AUTHN") {
        return Err(WireError::json(
            "WebAuthnNotEnabledException",
            "Passkey sign-in is not enabled for this user pool.",
        ));
    }
    let sub = pool.users.get(&username).ok_or_else(internal)?.sub.clone();
    Ok((pool_id, sub))
}

/// StartWebAuthnRegistration: `CredentialCreationOptions` with a fresh challenge.
pub(super) fn start_registration(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let (pool_id, sub) = passkey_user(st, now, req)?;
    let pool = pool_mut(st, &pool_id)?;
    let user = pool
        .users
        .values()
        .find(|u| u.sub == sub)
        .ok_or_else(internal)?;
    let display = user
        .attributes
        .get("email")
        .cloned()
        .unwrap_or_else(|| user.username.clone());
    let name = user.username.clone();
    let challenge = B64URL.encode(rand::random::<[u8; 32]>());
    let rp_id = pool.passwordless.relying_party_id.clone();
    let exclude: Vec<Value> = pool
        .passwordless
        .passkeys
        .get(&sub)
        .into_iter()
        .flatten()
        .map(|p| json!({ "type": "public-key", "id": B64URL.encode(&p.credential_id) }))
        .collect();
    pool.passwordless.registrations.insert(
        sub.clone(),
        PendingRegistration {
            challenge: challenge.clone(),
            expires_at: now + SESSION_LIFETIME,
        },
    );
    let verification = if pool.passwordless.user_verification_required {
        "required"
    } else {
        "preferred"
    };
    Ok(json!({
        "CredentialCreationOptions": {
            "challenge": challenge,
            "rp": { "id": rp_id, "name": rp_id },
            "user": { "id": B64URL.encode(sub.as_bytes()), "name": name, "displayName": display },
            "pubKeyCredParams": [{ "type": "public-key", "alg": COSE_ES256 }],
            "timeout": TIMEOUT_MS,
            "excludeCredentials": exclude,
            "authenticatorSelection": {
                "residentKey": "required",
                "requireResidentKey": true,
                "userVerification": verification,
            },
            "attestation": "none",
        }
    }))
}

/// The parts of a `PublicKeyCredential` JSON both ceremonies read.
struct ClientResponse {
    raw_id: Vec<u8>,
    client_data: Vec<u8>,
    response: Value,
}

/// `id`/`rawId`, `type` and `response.clientDataJSON`, checked against the ceremony (`type`),
/// the challenge and the relying party's origins.
fn client_response(
    credential: &Value,
    ceremony: &str,
    challenge: &str,
    rp_id: &str,
    wrong_origin: fn(String) -> WireError,
) -> Result<ClientResponse, WireError> {
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let raw_id = text(credential, "rawId")
        .or_else(|| text(credential, "id"))
        .and_then(|t| b64url(&t))
        .ok_or_else(|| malformed("no rawId"))?;
    if text(credential, "type").as_deref() != Some("public-key") {
        return Err(malformed("type is not public-key"));
    }
    let response = credential
        .get("response")
        .filter(|r| r.is_object())
        .cloned()
        .ok_or_else(|| malformed("no response"))?;
    let client_data = text(&response, "clientDataJSON")
        .and_then(|t| b64url(&t))
        .ok_or_else(|| malformed("no clientDataJSON"))?;
    let data: Value =
        serde_json::from_slice(&client_data).map_err(|_| malformed("clientDataJSON"))?;
    if text(&data, "type").as_deref() != Some(ceremony) {
        return Err(malformed(&format!("clientDataJSON type is not {ceremony}")));
    }
    // Compared as sent: both sides encode the same bytes without padding.
    if text(&data, "challenge").as_deref() != Some(challenge) {
        return Err(WireError::json(
            "WebAuthnChallengeNotFoundException",
            "The credential does not answer the current challenge.",
        ));
    }
    let origin = text(&data, "origin").unwrap_or_default();
    if !origin_allowed(&origin, rp_id) {
        return Err(wrong_origin(origin));
    }
    Ok(ClientResponse {
        raw_id,
        client_data,
        response,
    })
}

/// Emulator's choice: `https://<rp id>` or a subdomain of it, any port; for `localhost`,
/// `http://localhost` too (browsers treat it as secure).
fn origin_allowed(origin: &str, rp_id: &str) -> bool {
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    let host = url.host_str().unwrap_or_default();
    let same_site = host == rp_id || host.ends_with(&format!(".{rp_id}"));
    same_site && (url.scheme() == "https" || (url.scheme() == "http" && rp_id == "localhost"))
}

/// The authenticator data's fixed part: RP id hash, flags, counter.
fn check_authenticator_data(
    auth_data: &[u8],
    rp_id: &str,
    uv_required: bool,
) -> Result<u32, WireError> {
    if auth_data.len() < 37 {
        return Err(malformed("authenticator data too short"));
    }
    if auth_data[..32] != Sha256::digest(rp_id.as_bytes())[..] {
        return Err(WireError::json(
            "WebAuthnRelyingPartyMismatchException",
            format!("The credential is not for relying party {rp_id}."),
        ));
    }
    let flags = auth_data[32];
    if flags & USER_PRESENT == 0 || (uv_required && flags & USER_VERIFIED == 0) {
        return Err(malformed("the authenticator did not verify the user"));
    }
    Ok(u32::from_be_bytes([
        auth_data[33],
        auth_data[34],
        auth_data[35],
        auth_data[36],
    ]))
}

/// CompleteWebAuthnRegistration: checks the registration response and keeps the passkey.
pub(super) fn complete_registration(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let (pool_id, sub) = passkey_user(st, now, req)?;
    let credential = req
        .get("Credential")
        .filter(|c| c.is_object())
        .ok_or_else(|| WireError::invalid_parameter("Missing required parameter Credential"))?;
    let pool = pool_mut(st, &pool_id)?;
    let not_found = || {
        WireError::json(
            "WebAuthnChallengeNotFoundException",
            "No passkey registration is waiting for this user, or it expired.",
        )
    };
    let pending = pool
        .passwordless
        .registrations
        .get(&sub)
        .filter(|p| now < p.expires_at)
        .cloned()
        .ok_or_else(not_found)?;
    let rp_id = pool.passwordless.relying_party_id.clone();
    let client = client_response(
        credential,
        "webauthn.create",
        &pending.challenge,
        &rp_id,
        |origin| {
            WireError::json(
                "WebAuthnOriginNotAllowedException",
                format!("Origin {origin} is not allowed for this user pool's passkeys."),
            )
        },
    )?;
    let attestation = client
        .response
        .get("attestationObject")
        .and_then(Value::as_str)
        .and_then(b64url)
        .ok_or_else(|| malformed("no attestationObject"))?;
    let auth_data = attested_auth_data(&attestation)?;
    let uv = pool.passwordless.user_verification_required;
    let sign_count = check_authenticator_data(&auth_data, &rp_id, uv)?;
    let (credential_id, public_key) = attested_credential(&auth_data)?;
    if credential_id != client.raw_id {
        return Err(malformed("rawId differs from the attested credential id"));
    }
    let exists = pool
        .passwordless
        .passkeys
        .values()
        .flatten()
        .any(|p| p.credential_id == credential_id);
    if exists {
        return Err(malformed("this credential is already registered"));
    }
    let transports = client
        .response
        .get("transports")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let attachment = credential
        .get("authenticatorAttachment")
        .and_then(Value::as_str)
        .map(str::to_owned);
    pool.passwordless.registrations.remove(&sub);
    pool.passwordless
        .passkeys
        .entry(sub)
        .or_default()
        .push(Passkey {
            credential_id,
            public_key,
            sign_count,
            attachment,
            transports,
            created_at: now,
        });
    Ok(json!({}))
}

/// The `authData` of a CBOR attestation object (`{fmt, attStmt, authData}`).
fn attested_auth_data(attestation: &[u8]) -> Result<Vec<u8>, WireError> {
    let value: ciborium::Value =
        ciborium::from_reader(attestation).map_err(|_| malformed("attestationObject"))?;
    value
        .as_map()
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.as_text() == Some("authData"))
                .and_then(|(_, v)| v.as_bytes().cloned())
        })
        .ok_or_else(|| malformed("attestationObject without authData"))
}

/// The attested credential of registration authenticator data: its id and its ES256 public
/// key as an uncompressed point.
fn attested_credential(auth_data: &[u8]) -> Result<(Vec<u8>, Vec<u8>), WireError> {
    if auth_data[32] & ATTESTED_CREDENTIAL == 0 || auth_data.len() < 55 {
        return Err(malformed("no attested credential data"));
    }
    // rpIdHash 32, flags 1, counter 4, AAGUID 16, then the id's length.
    let id_len = usize::from(u16::from_be_bytes([auth_data[53], auth_data[54]]));
    let id = auth_data
        .get(55..55 + id_len)
        .ok_or_else(|| malformed("credential id"))?
        .to_vec();
    let key: ciborium::Value = ciborium::from_reader(&auth_data[55 + id_len..])
        .map_err(|_| malformed("credential public key"))?;
    let unsupported = || {
        WireError::json(
            "WebAuthnCredentialNotSupportedException",
            "Only ES256 (P-256) passkeys are supported.",
        )
    };
    let map = key.as_map().ok_or_else(unsupported)?;
    let get = |label: i128| {
        map.iter()
            .find(|(k, _)| k.as_integer().map(i128::from) == Some(label))
            .map(|(_, v)| v)
    };
    let int = |label| get(label).and_then(|v| v.as_integer()).map(i128::from);
    let coord = |label| {
        get(label)
            .and_then(|v| v.as_bytes())
            .filter(|b| b.len() == 32)
    };
    if int(1) != Some(COSE_EC2) || int(3) != Some(COSE_ES256) || int(-1) != Some(COSE_P256) {
        return Err(unsupported());
    }
    let (Some(x), Some(y)) = (coord(-2), coord(-3)) else {
        return Err(unsupported());
    };
    let mut point = vec![4u8];
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    Ok((id, point))
}

/// ListWebAuthnCredentials: the user's passkeys.
pub(super) fn list_credentials(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let (pool_id, sub) = passkey_user(st, now, req)?;
    let pool = st.user_pools.get(&pool_id).ok_or_else(internal)?;
    let rp_id = &pool.passwordless.relying_party_id;
    let credentials: Vec<Value> = pool
        .passwordless
        .passkeys
        .get(&sub)
        .into_iter()
        .flatten()
        .map(|p| {
            // Emulator's choice: AWS names a passkey after its authenticator's model (from
            // the AAGUID); the emulator has no model list.
            let mut c = json!({
                "CredentialId": B64URL.encode(&p.credential_id),
                "FriendlyCredentialName": "Passkey",
                "RelyingPartyId": rp_id,
                "AuthenticatorTransports": p.transports,
                "CreatedAt": epoch_secs(p.created_at),
            });
            if let Some(a) = &p.attachment {
                c["AuthenticatorAttachment"] = json!(a);
            }
            c
        })
        .collect();
    Ok(json!({ "Credentials": credentials }))
}

/// DeleteWebAuthnCredential: removes one of the user's passkeys.
pub(super) fn delete_credential(st: &mut State, now: SystemTime, req: &Value) -> Outcome {
    let (pool_id, sub) = passkey_user(st, now, req)?;
    let id = required(req, "CredentialId")?;
    let id = b64url(id).unwrap_or_default();
    let pool = pool_mut(st, &pool_id)?;
    let keys = pool.passwordless.passkeys.entry(sub).or_default();
    let before = keys.len();
    keys.retain(|p| p.credential_id != id);
    if keys.len() == before {
        return Err(WireError::json(
            "ResourceNotFoundException",
            "The passkey does not exist.",
        ));
    }
    Ok(json!({}))
}

/// The `CREDENTIAL_REQUEST_OPTIONS` of a WEB_AUTHN challenge for `sub`, and its challenge
/// (base64url), to be kept with the challenge session.
pub(super) fn request_options(pool: &UserPool, sub: &str) -> (String, String) {
    let challenge = B64URL.encode(rand::random::<[u8; 32]>());
    let allow: Vec<Value> = pool
        .passwordless
        .passkeys
        .get(sub)
        .into_iter()
        .flatten()
        .map(|p| {
            json!({
                "type": "public-key",
                "id": B64URL.encode(&p.credential_id),
                "transports": p.transports,
            })
        })
        .collect();
    let verification = if pool.passwordless.user_verification_required {
        "required"
    } else {
        "preferred"
    };
    let options = json!({
        "challenge": challenge,
        "timeout": TIMEOUT_MS,
        "rpId": pool.passwordless.relying_party_id,
        "allowCredentials": allow,
        "userVerification": verification,
    });
    (options.to_string(), challenge)
}

/// Checks a WEB_AUTHN answer (`CREDENTIAL`, an `AuthenticationResponseJSON`) for the user
/// `sub` against `challenge`; on success the passkey's counter moves on. Any failure is the
/// caller's `NotAuthorizedException`.
pub(super) fn verify_assertion(
    pool: &mut UserPool,
    sub: &str,
    challenge: &str,
    credential: &str,
) -> Result<(), WireError> {
    let credential: Value =
        serde_json::from_str(credential).map_err(|_| malformed("CREDENTIAL is not JSON"))?;
    let rp_id = pool.passwordless.relying_party_id.clone();
    let uv = pool.passwordless.user_verification_required;
    let client = client_response(&credential, "webauthn.get", challenge, &rp_id, |origin| {
        malformed(&format!("origin {origin} is not allowed"))
    })?;
    let field = |key: &str| {
        client
            .response
            .get(key)
            .and_then(Value::as_str)
            .and_then(b64url)
    };
    let auth_data = field("authenticatorData").ok_or_else(|| malformed("authenticatorData"))?;
    let signature = field("signature").ok_or_else(|| malformed("signature"))?;
    // The user handle, when given, is the `user.id` of the registration: the user's sub.
    if client
        .response
        .get("userHandle")
        .is_some_and(|h| !h.is_null())
        && field("userHandle").as_deref() != Some(sub.as_bytes())
    {
        return Err(malformed("userHandle is not the user's"));
    }
    let count = check_authenticator_data(&auth_data, &rp_id, uv)?;
    let passkey = pool
        .passwordless
        .passkeys
        .get_mut(sub)
        .and_then(|keys| keys.iter_mut().find(|p| p.credential_id == client.raw_id))
        .ok_or_else(|| malformed("not a passkey of the user"))?;
    let mut signed = auth_data.clone();
    signed.extend_from_slice(&Sha256::digest(&client.client_data));
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &passkey.public_key)
        .verify(&signed, &signature)
        .map_err(|_| malformed("the signature does not verify"))?;
    // WebAuthn §7.2 step 21: a counter that does not grow signals a cloned authenticator.
    if (count != 0 || passkey.sign_count != 0) && count <= passkey.sign_count {
        return Err(malformed("the signature counter did not grow"));
    }
    passkey.sign_count = count;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_the_relying_partys_secure_ones() {
        assert!(origin_allowed("https://example.com", "example.com"));
        assert!(origin_allowed(
            "https://app.example.com:8443",
            "example.com"
        ));
        assert!(origin_allowed("http://localhost:3000", "localhost"));
        assert!(!origin_allowed("http://example.com", "example.com"));
        assert!(!origin_allowed("https://evil-example.com", "example.com"));
        assert!(!origin_allowed("not a url", "example.com"));
    }

    #[test]
    fn authenticator_data_is_checked_before_anything_is_trusted() {
        let mut data = Sha256::digest(b"localhost").to_vec();
        data.extend_from_slice(&[USER_PRESENT, 0, 0, 0, 7]);
        assert_eq!(
            check_authenticator_data(&data, "localhost", false).ok(),
            Some(7)
        );
        let code = |d: &[u8], uv| {
            check_authenticator_data(d, "localhost", uv)
                .err()
                .map(|e| e.code())
        };
        assert_eq!(code(&data, true), Some("InvalidParameterException"));
        assert_eq!(code(&data[..36], false), Some("InvalidParameterException"));
        assert_eq!(
            check_authenticator_data(&data, "example.com", false)
                .err()
                .map(|e| e.code()),
            Some("WebAuthnRelyingPartyMismatchException")
        );
        // Registration data without the attested-credential flag has no key to read.
        assert!(attested_credential(&data).is_err());
    }

    /// Registration authenticator data for credential `id` with COSE key `key`.
    fn registration_data(id: &[u8], key: &ciborium::Value) -> Vec<u8> {
        let mut data = Sha256::digest(b"localhost").to_vec();
        data.extend_from_slice(&[USER_PRESENT | ATTESTED_CREDENTIAL, 0, 0, 0, 0]);
        data.extend_from_slice(&[0; 16]);
        data.extend_from_slice(&u16::try_from(id.len()).unwrap().to_be_bytes());
        data.extend_from_slice(id);
        ciborium::into_writer(key, &mut data).unwrap();
        data
    }

    #[test]
    fn only_es256_p256_cose_keys_are_taken() {
        use ciborium::Value as C;
        let ec2 = |kty: i64, alg: i64, crv: i64, x_len: usize| {
            C::Map(vec![
                (1.into(), kty.into()),
                (3.into(), alg.into()),
                ((-1).into(), crv.into()),
                ((-2).into(), C::Bytes(vec![1; x_len])),
                ((-3).into(), C::Bytes(vec![2; 32])),
            ])
        };
        let (id, point) = attested_credential(&registration_data(b"cred", &ec2(2, -7, 1, 32)))
            .expect("an ES256 key");
        assert_eq!(id, b"cred");
        assert_eq!((point.len(), point[0], point[1], point[64]), (65, 4, 1, 2));
        let rsa = C::Map(vec![(1.into(), 3.into()), (3.into(), (-257).into())]);
        for key in [
            rsa,
            ec2(2, -7, 2, 32),
            ec2(2, -35, 1, 32),
            ec2(2, -7, 1, 31),
        ] {
            let err = attested_credential(&registration_data(b"cred", &key)).unwrap_err();
            assert_eq!(err.code(), "WebAuthnCredentialNotSupportedException");
        }
        // A credential id longer than the data is malformed, not a panic.
        let mut data = registration_data(b"cred", &ec2(2, -7, 1, 32));
        data[53] = 0xff;
        assert_eq!(
            attested_credential(&data).err().map(|e| e.code()),
            Some("InvalidParameterException")
        );
    }
}
