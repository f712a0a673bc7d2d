//! `SECRET_HASH`: the proof of an app client's secret that Cognito wants on every call from a
//! client that has one.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::Mac;

use crate::secret::ClientSecret;

/// `SECRET_HASH` = Base64(HMAC-SHA256(key = client secret, message = username ‖ client id)).
///
/// `username` must be Cognito's own username for the user: `USER_ID_FOR_SRP` from the
/// PASSWORD_VERIFIER challenge, or the `username` claim of the access token. It is not
/// necessarily what the person typed: with an e-mail or phone alias, or a pool that signs in by
/// e-mail, Cognito's username is a different string (often a UUID), and a hash computed over the
/// alias fails with `NotAuthorizedException: Unable to verify secret hash for client` (typically
/// at refresh, where Cognito checks it against the token's user). InitiateAuth is the one call
/// where the alias typed is the right input, because Cognito has not yet said who the user is.
///
/// The result is not a secret on the wire (it travels in the request), but it is derived from
/// one, so callers should not log it either.
pub fn secret_hash(client_secret: &ClientSecret, username: &str, client_id: &str) -> String {
    hmac_sha256_base64(
        client_secret.expose_secret().as_bytes(),
        &[username.as_bytes(), client_id.as_bytes()],
    )
}

/// Base64(HMAC-SHA256(key, the concatenation of `parts`)): `SECRET_HASH` and SRP's
/// `PASSWORD_CLAIM_SIGNATURE` are both this.
pub(crate) fn hmac_sha256_base64(key: &[u8], parts: &[&[u8]]) -> String {
    let mut mac = crate::signing::hmac_sha256(key);
    for part in parts {
        mac.update(part);
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_known_vector() {
        // Computed with Python: base64(hmac.new(b"secret", b"alice" + b"client", sha256)).
        let h = secret_hash(&ClientSecret::new("secret"), "alice", "client");
        assert_eq!(h, "RTsve+FQ659UKyESgvLg9GYmZEL+QjzQsW/OjL77/b0=");
    }

    #[test]
    fn depends_on_the_username_not_only_the_client() {
        let s = ClientSecret::new("s3cr3t");
        assert_ne!(
            secret_hash(&s, "user@example.com", "c1"),
            secret_hash(&s, "0b5e8f7a-1111-4222-8333-444455556666", "c1")
        );
    }
}
