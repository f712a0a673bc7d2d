//! The tokens the emulator's issuers write: a user pool's ID and access tokens with Cognito's
//! claims, its opaque refresh tokens, and the issuer of cognito-identity's OpenID tokens.
//! cognito-idp issues them at sign-in; the running emulator's test helpers mint the same shapes.

use crate::crypto::random_uuid;
use crate::state::{AppClient, State, User, UserPool};
use crate::time::epoch_secs;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::{Map, Value, json};
use std::time::SystemTime;

/// The issuer of the tokens cognito-identity's GetOpenIdToken returns.
pub(crate) const COGNITO_IDENTITY_ISSUER: &str = "https://cognito-identity.amazonaws.com";

/// The provider name of GetOpenIdToken's tokens, as trust policies name it in `Federated`
/// and STS answers it in `Provider`.
pub(crate) const COGNITO_IDENTITY_PROVIDER: &str = "cognito-identity.amazonaws.com";

/// The scope of every access token from a user-pool sign-in.
const SIGNIN_SCOPE: &str = "aws.cognito.signin.user.admin";

/// Who gets tokens, through which app client, and when: what a sign-in (or a refresh that
/// continues it) writes its ID and access tokens from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grant<'a> {
    pub(crate) pool: &'a UserPool,
    pub(crate) region: &'a str,
    pub(crate) client: &'a AppClient,
    pub(crate) user: &'a User,
    pub(crate) now: SystemTime,
    /// When the user signed in (the tokens' `auth_time`).
    pub(crate) auth_time: SystemTime,
    /// Shared by every token issued from the same sign-in.
    pub(crate) origin_jti: &'a str,
    /// Shared by the ID and access token of one issue.
    pub(crate) event_id: &'a str,
    /// The tracked device the sign-in ran on: Cognito names it in the access token.
    pub(crate) device_key: Option<&'a str>,
}

impl Grant<'_> {
    /// The ID token's claims, as Cognito writes them.
    pub(crate) fn id_token_claims(&self) -> Map<String, Value> {
        let Grant {
            pool, client, user, ..
        } = *self;
        let iat = epoch_secs(self.now);
        let (roles, preferred) = group_roles(pool, &user.groups);
        let mut id = Map::new();
        id.insert("sub".into(), json!(user.sub));
        if !user.groups.is_empty() {
            id.insert("cognito:groups".into(), json!(user.groups));
        }
        for (k, v) in &user.attributes {
            if k == "sub" {
                continue;
            }
            let value = if k.ends_with("_verified") && (v == "true" || v == "false") {
                json!(v == "true")
            } else {
                json!(v)
            };
            id.insert(k.clone(), value);
        }
        id.insert("iss".into(), json!(pool.issuer(self.region)));
        id.insert("cognito:username".into(), json!(user.username));
        if let Some(p) = &preferred {
            id.insert("cognito:preferred_role".into(), json!(p));
        }
        id.insert("origin_jti".into(), json!(self.origin_jti));
        if !roles.is_empty() {
            id.insert("cognito:roles".into(), json!(roles));
        }
        id.insert("aud".into(), json!(client.id));
        id.insert("event_id".into(), json!(self.event_id));
        id.insert("token_use".into(), json!("id"));
        id.insert("auth_time".into(), json!(epoch_secs(self.auth_time)));
        id.insert(
            "exp".into(),
            json!(iat + client.id_token_validity.as_secs()),
        );
        id.insert("iat".into(), json!(iat));
        id.insert("jti".into(), json!(random_uuid()));
        id
    }

    /// The access token's claims, as Cognito writes them: the sign-in scope only (a
    /// pre-token-generation trigger, V2 and later, may add others).
    pub(crate) fn access_token_claims(&self) -> Map<String, Value> {
        let Grant {
            pool, client, user, ..
        } = *self;
        let iat = epoch_secs(self.now);
        let scope = [SIGNIN_SCOPE];
        let mut access = Map::new();
        access.insert("sub".into(), json!(user.sub));
        if !user.groups.is_empty() {
            access.insert("cognito:groups".into(), json!(user.groups));
        }
        access.insert("iss".into(), json!(pool.issuer(self.region)));
        access.insert("client_id".into(), json!(client.id));
        access.insert("origin_jti".into(), json!(self.origin_jti));
        access.insert("event_id".into(), json!(self.event_id));
        access.insert("token_use".into(), json!("access"));
        access.insert("scope".into(), json!(scope.join(" ")));
        access.insert("auth_time".into(), json!(epoch_secs(self.auth_time)));
        access.insert(
            "exp".into(),
            json!(iat + client.access_token_validity.as_secs()),
        );
        access.insert("iat".into(), json!(iat));
        access.insert("jti".into(), json!(random_uuid()));
        access.insert("username".into(), json!(user.username));
        if let Some(device_key) = self.device_key {
            access.insert("device_key".into(), json!(device_key));
        }
        access
    }
}

/// A new opaque refresh token. Cognito's are JWE compact serialisations; this has the same
/// five-part shape so that clients treat it as opaque, as they must.
pub(crate) fn new_refresh_token() -> String {
    let header = B64URL.encode(r#"{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}"#);
    let part = |n: usize| B64URL.encode((0..n).map(|_| rand::random::<u8>()).collect::<Vec<u8>>());
    format!(
        "{header}.{}.{}.{}.{}",
        part(256),
        part(12),
        part(600),
        part(16)
    )
}

/// `cognito:roles` and `cognito:preferred_role` for a user's groups: the preferred role is the
/// role of the group with the lowest precedence, unless groups tied at that precedence name
/// different roles (then there is none, as on AWS). Groups without precedence come last.
fn group_roles(pool: &UserPool, groups: &[String]) -> (Vec<String>, Option<String>) {
    let mut roles: Vec<String> = Vec::new();
    let mut best: Option<(i64, Vec<String>)> = None;
    for g in groups.iter().filter_map(|name| pool.groups.get(name)) {
        let Some(role) = &g.role_arn else { continue };
        if !roles.contains(role) {
            roles.push(role.clone());
        }
        let rank = g.precedence.unwrap_or(i64::MAX);
        match &mut best {
            Some((r, arns)) if *r == rank => {
                if !arns.contains(role) {
                    arns.push(role.clone());
                }
            }
            Some((r, _)) if *r < rank => {}
            _ => best = Some((rank, vec![role.clone()])),
        }
    }
    let preferred = best.and_then(|(_, arns)| {
        if arns.len() == 1 {
            arns.into_iter().next()
        } else {
            None
        }
    });
    (roles, preferred)
}

/// The claims of an ID token the user pool `pool` (name or id) would issue to `username`
/// through app client `client` (name or id) at `now`, as a fresh sign-in; `None` if the pool,
/// client or user is unknown.
pub(crate) fn user_pool_id_token_claims(
    st: &State,
    pool: &str,
    client: &str,
    username: &str,
    now: SystemTime,
) -> Option<Value> {
    let pool = st.find_user_pool(pool)?;
    let client = pool
        .clients
        .values()
        .find(|c| c.id == client || c.name == client)?;
    let user = pool.find_user(username)?;
    let grant = Grant {
        pool,
        region: &st.region,
        client,
        user,
        now,
        auth_time: now,
        origin_jti: &random_uuid(),
        event_id: &random_uuid(),
        device_key: None,
    };
    Some(Value::Object(grant.id_token_claims()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{GroupSeed, Seed, UserPoolSeed};

    #[test]
    fn preferred_role_is_the_lowest_precedence_unless_tied() {
        let mut pool_seed = UserPoolSeed {
            name: "p".into(),
            ..Default::default()
        };
        let group = |name: &str, role: &str, precedence: Option<i64>| GroupSeed {
            name: name.into(),
            role_arn: Some(role.into()),
            precedence,
        };
        pool_seed.groups = vec![
            group("a", "arn:aws:iam::1:role/A", Some(5)),
            group("b", "arn:aws:iam::1:role/B", Some(1)),
            group("c", "arn:aws:iam::1:role/C", Some(1)),
            group("d", "arn:aws:iam::1:role/D", None),
        ];
        let seed = Seed {
            user_pools: vec![pool_seed],
            ..Default::default()
        };
        let st = State::from_seed(&seed).unwrap();
        let pool = st.user_pools.values().next().unwrap();
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (roles, preferred) = group_roles(pool, &names(&["a", "b", "d"]));
        assert_eq!(roles.len(), 3);
        assert_eq!(preferred.as_deref(), Some("arn:aws:iam::1:role/B"));
        assert_eq!(
            group_roles(pool, &names(&["a", "b", "c"])).1,
            None,
            "a tie names no role"
        );
        assert_eq!(
            group_roles(pool, &names(&["d"])).1.as_deref(),
            Some("arn:aws:iam::1:role/D")
        );
        assert_eq!(group_roles(pool, &[]), (vec![], None));
    }
}
