//! Sign-in to a pool whose usernames Cognito generates (UsernameAttributes: people type an
//! e-mail address, Cognito's username is a UUID): the crate's SRP does its maths over
//! `USER_ID_FOR_SRP` from the challenge, not the address typed, and everything after
//! InitiateAuth (the challenge answer's SECRET_HASH, refresh) uses the generated username.

mod support;

use cognito_sigv4::jwt::UnverifiedClaims;
use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::{AuthFlow, Tokens};
use cognito_sigv4_emulator::{AppClientSeed, Seed, UserPoolSeed, UserSeed};
use support::{TestEmulator, done};

const POOL: &str = "by-email";
const EMAIL: &str = "uma@example.com";
const PASSWORD: &str = "MARKER-uma-Passw0rd!";

fn seed() -> Seed {
    let client = |name: &str, generate_secret: bool| AppClientSeed {
        name: name.into(),
        generate_secret,
        ..Default::default()
    };
    Seed {
        user_pools: vec![UserPoolSeed {
            name: POOL.into(),
            username_attributes: vec!["email".into()],
            clients: vec![client("public", false), client("secret", true)],
            users: vec![UserSeed {
                username: EMAIL.into(),
                password: PASSWORD.into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// The generated username the tokens carry (the ID token's `sub`, as AWS generates it), after
/// checking that `Tokens::username`, `cognito:username` and the access token agree on it.
fn generated_username(tokens: &Tokens) -> String {
    let id = UnverifiedClaims::from_jwt(&tokens.id).unwrap();
    let access = UnverifiedClaims::from_jwt(&tokens.access).unwrap();
    let sub = id.sub().expect("sub").to_owned();
    assert_ne!(sub, EMAIL);
    assert_eq!(sub.len(), 36, "a UUID: {sub}");
    assert_eq!(tokens.username, sub);
    assert_eq!(id.cognito_username(), Some(sub.as_str()));
    assert_eq!(access.username(), Some(sub.as_str()));
    assert_eq!(id.email(), Some(EMAIL));
    sub
}

#[tokio::test]
async fn signing_in_with_the_email_by_srp_and_by_password_yields_the_generated_username() {
    let env = TestEmulator::with_seed(seed()).await;
    let mut seen = Vec::new();
    for client_name in ["public", "secret"] {
        let client = env.user_pool_client(POOL, client_name);
        for flow in [AuthFlow::Srp, AuthFlow::Password] {
            let tokens = done(
                client
                    .sign_in_with_flow(EMAIL, &Password::new(PASSWORD), flow)
                    .await
                    .unwrap_or_else(|e| panic!("{client_name} {flow:?}: {e}")),
            );
            seen.push(generated_username(&tokens));
            // Refresh sends SECRET_HASH over the generated username, which the secret
            // client's refresh requires.
            let fresh = client
                .refresh(&tokens)
                .await
                .unwrap_or_else(|e| panic!("{client_name} {flow:?} refresh: {e}"));
            assert_eq!(generated_username(&fresh), tokens.username);
        }
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "one user, one generated username: {seen:?}");
    env.shutdown().await;
}
