//! A user pool's two signing keys: Cognito signs ID tokens with one key and access tokens with
//! another, and publishes both in the pool's JWKS, so a verifier that takes the JWKS's first
//! key instead of the one named by the token's `kid` fails on AWS — and here.

use serde_json::{Value, json};

use super::{JwtRejection, SigningKey};

/// The ID-token key and the access-token key of a user pool.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct PoolKeys {
    id: SigningKey,
    access: SigningKey,
}

/// What a state directory holds: both keys, or (written before pools had two) one key that
/// then signs both kinds of token.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum StoredPoolKeys {
    Two { id: SigningKey, access: SigningKey },
    One(SigningKey),
}

impl<'de> serde::Deserialize<'de> for PoolKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match StoredPoolKeys::deserialize(d)? {
            StoredPoolKeys::Two { id, access } => Self { id, access },
            StoredPoolKeys::One(key) => Self {
                id: key.clone(),
                access: key,
            },
        })
    }
}

impl PoolKeys {
    /// Two fresh keys.
    #[cfg(test)]
    pub(crate) fn generate() -> Self {
        Self {
            id: SigningKey::generate(),
            access: SigningKey::generate(),
        }
    }

    /// The pool's keys, each pinned by a PEM or generated. `Err` names the one that is not an
    /// RSA private key in PKCS#8 PEM (never its content).
    pub(crate) fn pinned(id: Option<&str>, access: Option<&str>) -> Result<Self, &'static str> {
        let key = |pem: Option<&str>, name: &'static str| match pem {
            Some(pem) => SigningKey::from_pem(pem).ok_or(name),
            None => Ok(SigningKey::generate()),
        };
        Ok(Self {
            id: key(id, "id_token_signing_key")?,
            access: key(access, "access_token_signing_key")?,
        })
    }

    /// Replaces both keys (new `kid`s); the replaced ones stay published and verifying until
    /// the next rotation. Returns the new ID-token key's `kid`.
    pub(crate) fn rotate(&mut self) -> &str {
        self.id.rotate();
        self.access.rotate();
        self.id.kid()
    }

    /// The ID-token key's `kid`.
    #[cfg(test)]
    pub(crate) fn id_kid(&self) -> &str {
        self.id.kid()
    }

    /// The access-token key's `kid`.
    #[cfg(test)]
    pub(crate) fn access_kid(&self) -> &str {
        self.access.kid()
    }

    /// A signed JWT carrying `claims`, with the access-token key when `token_use` is `access`
    /// and the ID-token key otherwise (ID tokens, and the odd tokens tests mint).
    pub(crate) fn mint(&self, claims: &Value) -> String {
        if claims.get("token_use").and_then(Value::as_str) == Some("access") {
            self.access.mint(claims)
        } else {
            self.id.mint(claims)
        }
    }

    /// An ID token carrying `claims` and the `at_hash` of `access_token` (see
    /// [`SigningKey::mint_with_at_hash`]).
    pub(crate) fn mint_id_with_at_hash(
        &self,
        claims: serde_json::Map<String, Value>,
        access_token: &str,
    ) -> String {
        self.id.mint_with_at_hash(claims, access_token)
    }

    /// Verifies `token` with whichever of the pool's keys its `kid` names.
    pub(crate) fn verify(&self, token: &str) -> Result<Value, JwtRejection> {
        match self.access.verify(token) {
            Err(JwtRejection::WrongKey) => self.id.verify(token),
            other => other,
        }
    }

    /// The pool's JWKS document: the access-token key, the ID-token key, then retired keys.
    /// (AWS's order is not published; with the ID-token key second, an ID-token verifier that
    /// takes `keys[0]` fails here as it would on AWS when the order differs.)
    pub(crate) fn jwks(&self) -> Value {
        // A state written with one key signs both: publish it once.
        let one = self.access.kid() == self.id.kid();
        let current = std::iter::once(self.access.jwk()).chain((!one).then(|| self.id.jwk()));
        let retired = self.access.retired_jwks();
        let retired = retired.chain(self.id.retired_jwks().filter(|_| !one));
        json!({ "keys": current.chain(retired).collect::<Vec<_>>() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_and_access_tokens_are_signed_by_two_published_keys() {
        let keys = PoolKeys::generate();
        let id = keys.mint(&json!({ "token_use": "id" }));
        let access = keys.mint(&json!({ "token_use": "access" }));
        let kid = |t: &str| super::super::split(t).unwrap().0["kid"].clone();
        assert_eq!(kid(&id), keys.id_kid());
        assert_eq!(kid(&access), keys.access_kid());
        assert_ne!(keys.id_kid(), keys.access_kid());
        assert!(keys.verify(&id).is_ok() && keys.verify(&access).is_ok());
        let published: Vec<Value> = keys.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].clone())
            .collect();
        assert_eq!(published, [json!(keys.access_kid()), json!(keys.id_kid())]);
    }

    #[test]
    fn rotated_keys_stay_published_and_a_one_key_state_still_loads() {
        let mut keys = PoolKeys::generate();
        let old = keys.mint(&json!({ "token_use": "access" }));
        let (old_id, old_access) = (keys.id_kid().to_owned(), keys.access_kid().to_owned());
        let new_id = keys.rotate().to_owned();
        assert_ne!(new_id, old_id);
        assert!(keys.verify(&old).is_ok(), "retired keys verify");
        let kids: Vec<String> = keys.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(kids[..2], [keys.access_kid().to_owned(), new_id]);
        assert_eq!(kids.len(), 4);
        assert!(kids.contains(&old_id) && kids.contains(&old_access));

        let one = SigningKey::generate();
        let stored = serde_json::to_value(&one).unwrap();
        let loaded: PoolKeys = serde_json::from_value(stored).unwrap();
        assert_eq!(loaded.id_kid(), one.kid());
        assert_eq!(loaded.jwks()["keys"].as_array().unwrap().len(), 1);
        let back: PoolKeys = serde_json::from_value(serde_json::to_value(&keys).unwrap()).unwrap();
        assert_eq!(back.jwks(), keys.jwks());
    }
}
