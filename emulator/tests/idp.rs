//! The emulator's cognito-idp, driven by the official `aws-sdk-cognitoidentityprovider` client:
//! every operation succeeds as on AWS, and each failure answers with AWS's error name and
//! message.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use aws_sdk_cognitoidentityprovider as idp;
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, SoftwareTokenMfaSettingsType,
    VerifySoftwareTokenResponseType,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use cognito_sigv4::ManualClock;
use cognito_sigv4::secret::{ClientSecret, Password};
use cognito_sigv4::user_pool::secret_hash::secret_hash;
use cognito_sigv4::user_pool::srp::{
    PasswordVerifierChallenge, SrpClientEphemeral, cognito_timestamp, password_claim_signature,
};
use cognito_sigv4_emulator::{
    AppClientSeed, Emulator, GroupSeed, RunningEmulator, Seed, UserPoolSeed, UserSeed, totp_code,
};
use serde_json::Value;

/// 2026-01-05 09:04:03 UTC, a Monday.
const START: u64 = 1_767_603_843;
const ALICE: &str = "alice";
const ALICE_EMAIL: &str = "alice@example.com";
const ALICE_PW: &str = "Alice-Passw0rd!";
const CAROL_PW: &str = "Carol-Temp0rary!";
const DAVE_PW: &str = "Dave-Passw0rd!";
const DAVE_TOTP: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const GINA_PW: &str = "Gina-Passw0rd!";
const ROLE_ADMIN: &str = "arn:aws:iam::123456789012:role/Admin";
const ROLE_READER: &str = "arn:aws:iam::123456789012:role/Reader";
const INCORRECT: &str = "Incorrect username or password.";

fn user(name: &str, password: &str) -> UserSeed {
    UserSeed {
        username: name.into(),
        password: password.into(),
        ..Default::default()
    }
}

fn client(name: &str) -> AppClientSeed {
    AppClientSeed {
        name: name.into(),
        ..Default::default()
    }
}

fn seed() -> Seed {
    let mut alice = user(ALICE, ALICE_PW);
    alice.attributes.insert("email".into(), ALICE_EMAIL.into());
    alice
        .attributes
        .insert("email_verified".into(), "true".into());
    alice.groups = vec!["readers".into(), "admins".into()];
    let mut carol = user("carol", CAROL_PW);
    carol.status = Some("FORCE_CHANGE_PASSWORD".into());
    carol
        .attributes
        .insert("email".into(), "carol@example.com".into());
    let mut dave = user("dave", DAVE_PW);
    dave.totp_secret = Some(DAVE_TOTP.into());
    let mut erin = user("erin", "Erin-Passw0rd!");
    erin.status = Some("UNCONFIRMED".into());
    let mut frank = user("frank", "Frank-Passw0rd!");
    frank.disabled = true;
    let mut heidi = user("heidi", "Heidi-Passw0rd!");
    heidi.status = Some("RESET_REQUIRED".into());

    let main = UserPoolSeed {
        id: Some("us-east-1_Main0Pool".into()),
        name: "main".into(),
        username_attributes: vec!["email".into()],
        clients: vec![
            AppClientSeed {
                access_token_scopes: vec!["api/read".into()],
                ..client("public")
            },
            AppClientSeed {
                generate_secret: true,
                ..client("secret")
            },
            AppClientSeed {
                generate_secret: true,
                refresh_token_rotation: true,
                ..client("rotating")
            },
            AppClientSeed {
                explicit_auth_flows: vec![
                    "ALLOW_USER_SRP_AUTH".into(),
                    "ALLOW_REFRESH_TOKEN_AUTH".into(),
                ],
                ..client("srp-only")
            },
        ],
        groups: vec![
            GroupSeed {
                name: "admins".into(),
                role_arn: Some(ROLE_ADMIN.into()),
                precedence: Some(1),
            },
            GroupSeed {
                name: "readers".into(),
                role_arn: Some(ROLE_READER.into()),
                precedence: Some(10),
            },
        ],
        users: vec![alice, carol, dave, erin, frank, heidi],
        ..Default::default()
    };
    let strict = UserPoolSeed {
        name: "strict".into(),
        mfa_configuration: Some("ON".into()),
        prevent_user_existence_errors: true,
        clients: vec![client("app")],
        users: vec![user("gina", GINA_PW)],
        ..Default::default()
    };
    Seed {
        user_pools: vec![main, strict],
        ..Default::default()
    }
}

struct Env {
    emu: RunningEmulator,
    clock: ManualClock,
    idp: idp::Client,
}

impl Env {
    async fn start() -> Env {
        let clock = ManualClock::at_epoch_secs(START);
        let emu = Emulator::builder()
            .seed(seed())
            .clock(clock.clone())
            .start()
            .await
            .unwrap();
        let config = idp::Config::builder()
            .behavior_version(idp::config::BehaviorVersion::latest())
            .region(idp::config::Region::new("us-east-1"))
            .endpoint_url(emu.endpoint().as_str())
            .build();
        Env {
            idp: idp::Client::from_conf(config),
            emu,
            clock,
        }
    }

    fn now(&self) -> SystemTime {
        cognito_sigv4::Clock::now(&self.clock)
    }

    fn client_id(&self, name: &str) -> String {
        let pool = if name == "app" { "strict" } else { "main" };
        self.emu.client_id(pool, name).unwrap()
    }

    fn hash(&self, client: &str, username: &str) -> String {
        let secret: ClientSecret = self.emu.client_secret("main", client).unwrap();
        secret_hash(&secret, username, &self.client_id(client))
    }

    fn secret(&self, client: &str) -> String {
        self.emu
            .client_secret("main", client)
            .unwrap()
            .expose_secret()
            .to_owned()
    }

    /// USER_PASSWORD_AUTH through the SDK, with SECRET_HASH over the typed name when the client
    /// has a secret.
    async fn password_auth(
        &self,
        client: &str,
        username: &str,
        password: &str,
    ) -> Result<idp::operation::initiate_auth::InitiateAuthOutput, (String, String)> {
        let mut req = self
            .idp
            .initiate_auth()
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .client_id(self.client_id(client))
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password);
        if self.emu.client_secret("main", client).is_some() {
            req = req.auth_parameters("SECRET_HASH", self.hash(client, username));
        }
        req.send().await.map_err(aws_error)
    }

    async fn sign_in(
        &self,
        client: &str,
        username: &str,
        password: &str,
    ) -> AuthenticationResultType {
        let out = self
            .password_auth(client, username, password)
            .await
            .unwrap();
        out.authentication_result()
            .cloned()
            .unwrap_or_else(|| panic!("no tokens: {out:?}"))
    }

    /// USER_SRP_AUTH through the SDK: InitiateAuth, then the crate's SRP client answers the
    /// PASSWORD_VERIFIER challenge. `tweak` may change the answer before it is sent.
    async fn srp_sign_in(
        &self,
        client: &str,
        typed: &str,
        password: &str,
        tweak: impl FnOnce(&mut HashMap<String, String>),
    ) -> Result<
        idp::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput,
        (String, String),
    > {
        let eph = SrpClientEphemeral::generate();
        let mut req = self
            .idp
            .initiate_auth()
            .auth_flow(AuthFlowType::UserSrpAuth)
            .client_id(self.client_id(client))
            .auth_parameters("USERNAME", typed)
            .auth_parameters("SRP_A", eph.public_a_hex());
        let has_secret = self.emu.client_secret("main", client).is_some();
        if has_secret {
            req = req.auth_parameters("SECRET_HASH", self.hash(client, typed));
        }
        let out = req.send().await.map_err(aws_error)?;
        assert_eq!(
            out.challenge_name(),
            Some(&ChallengeNameType::PasswordVerifier)
        );
        assert_eq!(out.session(), None, "PASSWORD_VERIFIER carries no Session");
        let p = out.challenge_parameters().unwrap();
        let user_id = p["USER_ID_FOR_SRP"].clone();
        assert_eq!(p["USERNAME"], user_id);
        let timestamp = cognito_timestamp(self.now());
        let pool_id = self.emu.user_pool_id("main").unwrap();
        let challenge = PasswordVerifierChallenge {
            user_pool_id: &pool_id,
            user_id_for_srp: &user_id,
            salt_hex: &p["SALT"],
            srp_b_hex: &p["SRP_B"],
            secret_block_b64: &p["SECRET_BLOCK"],
        };
        let signature =
            password_claim_signature(&eph, &challenge, &Password::new(password), &timestamp)
                .unwrap();
        let mut answers = HashMap::from([
            ("USERNAME".to_owned(), user_id.clone()),
            (
                "PASSWORD_CLAIM_SECRET_BLOCK".to_owned(),
                p["SECRET_BLOCK"].clone(),
            ),
            ("PASSWORD_CLAIM_SIGNATURE".to_owned(), signature),
            ("TIMESTAMP".to_owned(), timestamp),
        ]);
        if has_secret {
            answers.insert("SECRET_HASH".into(), self.hash(client, &user_id));
        }
        tweak(&mut answers);
        self.idp
            .respond_to_auth_challenge()
            .client_id(self.client_id(client))
            .challenge_name(ChallengeNameType::PasswordVerifier)
            .set_challenge_responses(Some(answers))
            .send()
            .await
            .map_err(aws_error)
    }

    async fn refresh(
        &self,
        client: &str,
        refresh_token: &str,
        hash_user: &str,
    ) -> Result<AuthenticationResultType, (String, String)> {
        let mut req = self
            .idp
            .initiate_auth()
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .client_id(self.client_id(client))
            .auth_parameters("REFRESH_TOKEN", refresh_token);
        if self.emu.client_secret("main", client).is_some() {
            req = req.auth_parameters("SECRET_HASH", self.hash(client, hash_user));
        }
        let out = req.send().await.map_err(aws_error)?;
        Ok(out.authentication_result().cloned().unwrap())
    }

    async fn get_user(
        &self,
        access_token: &str,
    ) -> Result<idp::operation::get_user::GetUserOutput, (String, String)> {
        self.idp
            .get_user()
            .access_token(access_token)
            .send()
            .await
            .map_err(aws_error)
    }
}

/// AWS's error name and message.
fn aws_error<E: ProvideErrorMetadata>(err: E) -> (String, String) {
    (
        err.code().unwrap_or("<no code>").to_owned(),
        err.message().unwrap_or("<no message>").to_owned(),
    )
}

fn err(code: &str, message: &str) -> (String, String) {
    (code.to_owned(), message.to_owned())
}

fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64URL.decode(payload).unwrap()).unwrap()
}

fn access(tokens: &AuthenticationResultType) -> &str {
    tokens.access_token().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Sign-in and tokens

#[tokio::test]
async fn password_sign_in_issues_rs256_tokens_with_cognitos_claims() {
    let env = Env::start().await;
    let pool_id = env.emu.user_pool_id("main").unwrap();
    let client_id = env.client_id("public");
    let tokens = env.sign_in("public", ALICE_EMAIL, ALICE_PW).await;
    assert_eq!(tokens.expires_in(), 3600);
    assert_eq!(tokens.token_type(), Some("Bearer"));
    assert!(tokens.refresh_token().is_some());

    let iss = format!("https://cognito-idp.us-east-1.amazonaws.com/{pool_id}");
    let id = claims(tokens.id_token().unwrap());
    let ac = claims(access(&tokens));
    let now = START;
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["aud"], client_id.as_str());
    assert_eq!(id["iss"], iss.as_str());
    assert_eq!(id["cognito:username"], ALICE);
    assert_eq!(id["email"], ALICE_EMAIL);
    assert_eq!(id["email_verified"], true);
    assert_eq!(
        id["cognito:groups"],
        serde_json::json!(["readers", "admins"])
    );
    assert_eq!(
        id["cognito:roles"],
        serde_json::json!([ROLE_READER, ROLE_ADMIN])
    );
    assert_eq!(
        id["cognito:preferred_role"], ROLE_ADMIN,
        "lowest precedence wins"
    );
    assert_eq!(
        (
            id["iat"].as_u64(),
            id["auth_time"].as_u64(),
            id["exp"].as_u64()
        ),
        (Some(now), Some(now), Some(now + 3600))
    );
    assert_eq!(ac["token_use"], "access");
    assert_eq!(ac["client_id"], client_id.as_str());
    assert_eq!(ac["iss"], iss.as_str());
    assert_eq!(ac["username"], ALICE);
    assert_eq!(ac["scope"], "aws.cognito.signin.user.admin api/read");
    assert_eq!(ac["sub"], id["sub"]);
    assert_eq!(ac["origin_jti"], id["origin_jti"]);
    assert_eq!(ac["event_id"], id["event_id"]);
    assert_ne!(ac["jti"], id["jti"]);
    assert!(
        ac.get("aud").is_none(),
        "access tokens carry client_id, not aud"
    );

    // The JWKS the pool publishes verifies both tokens (RS256), and a changed payload fails.
    let jwks: Value = reqwest::get(format!(
        "{}{pool_id}/.well-known/jwks.json",
        env.emu.endpoint()
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let verify = |jwt: &str| {
        let header: Value =
            serde_json::from_slice(&B64URL.decode(jwt.split('.').next().unwrap()).unwrap())
                .unwrap();
        let key = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == header["kid"])
            .unwrap();
        assert_eq!(
            (header["alg"].as_str(), key["alg"].as_str()),
            (Some("RS256"), Some("RS256"))
        );
        let (signed, sig) = jwt.rsplit_once('.').unwrap();
        let n = B64URL.decode(key["n"].as_str().unwrap()).unwrap();
        let e = B64URL.decode(key["e"].as_str().unwrap()).unwrap();
        aws_lc_rs::signature::RsaPublicKeyComponents { n: &n, e: &e }
            .verify(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                signed.as_bytes(),
                &B64URL.decode(sig).unwrap(),
            )
            .is_ok()
    };
    assert!(verify(tokens.id_token().unwrap()));
    assert!(verify(access(&tokens)));
    let mut parts: Vec<String> = access(&tokens).split('.').map(str::to_owned).collect();
    parts[1] = B64URL.encode(serde_json::json!({"username": "mallory"}).to_string());
    assert!(!verify(&parts.join(".")));
    assert_eq!(
        env.get_user(&parts.join(".")).await.unwrap_err(),
        err("NotAuthorizedException", "Invalid Access Token")
    );

    // An ID token is not an access token.
    assert_eq!(
        env.get_user(tokens.id_token().unwrap()).await.unwrap_err(),
        err("NotAuthorizedException", "Invalid Access Token")
    );

    let me = env.get_user(access(&tokens)).await.unwrap();
    assert_eq!(me.username(), ALICE);
    let attrs: HashMap<&str, &str> = me
        .user_attributes()
        .iter()
        .map(|a| (a.name(), a.value().unwrap_or("")))
        .collect();
    assert_eq!(attrs.get("email"), Some(&ALICE_EMAIL));
    assert_eq!(attrs.get("sub").copied(), id["sub"].as_str());
    env.emu.shutdown().await;
}

#[tokio::test]
async fn srp_sign_in_through_the_sdk_with_an_alias_and_a_client_secret() {
    let env = Env::start().await;
    for client in ["public", "secret"] {
        let out = env
            .srp_sign_in(client, ALICE_EMAIL, ALICE_PW, |_| {})
            .await
            .unwrap_or_else(|e| panic!("{client}: {e:?}"));
        let tokens = out.authentication_result().unwrap();
        assert_eq!(
            claims(tokens.id_token().unwrap())["cognito:username"],
            ALICE
        );
        assert!(tokens.refresh_token().is_some());
    }
    env.emu.shutdown().await;
}

#[tokio::test]
async fn a_wrong_srp_proof_is_incorrect_username_or_password() {
    let env = Env::start().await;
    let incorrect = err("NotAuthorizedException", INCORRECT);
    // A wrong password gives a wrong signature.
    assert_eq!(
        env.srp_sign_in("secret", ALICE, "Not-Her-Passw0rd!", |_| {})
            .await
            .unwrap_err(),
        incorrect
    );
    // A signature changed in transit.
    let flip = |a: &mut HashMap<String, String>| {
        let sig = a.get_mut("PASSWORD_CLAIM_SIGNATURE").unwrap();
        let first = if sig.starts_with('A') { "B" } else { "A" };
        sig.replace_range(0..1, first);
    };
    assert_eq!(
        env.srp_sign_in("public", ALICE, ALICE_PW, flip)
            .await
            .unwrap_err(),
        incorrect
    );
    // A SECRET_BLOCK that is not the one the server sent.
    let block = |a: &mut HashMap<String, String>| {
        a.insert("PASSWORD_CLAIM_SECRET_BLOCK".into(), "AAAA".into());
    };
    assert_eq!(
        env.srp_sign_in("public", ALICE, ALICE_PW, block)
            .await
            .unwrap_err(),
        incorrect
    );
    // A zero-padded day or a wrong weekday (the signature covers what is sent, so only the
    // format is wrong).
    let padded = |a: &mut HashMap<String, String>| {
        a.insert("TIMESTAMP".into(), "Mon Jan 05 09:04:03 UTC 2026".into());
    };
    assert_eq!(
        env.srp_sign_in("public", ALICE, ALICE_PW, padded)
            .await
            .unwrap_err(),
        incorrect
    );
    let weekday = |a: &mut HashMap<String, String>| {
        a.insert("TIMESTAMP".into(), "Tue Jan 5 09:04:03 UTC 2026".into());
    };
    assert_eq!(
        env.srp_sign_in("public", ALICE, ALICE_PW, weekday)
            .await
            .unwrap_err(),
        incorrect
    );
    // A timestamp far from the server's clock.
    let old = |a: &mut HashMap<String, String>| {
        a.insert("TIMESTAMP".into(), "Mon Jan 5 08:04:03 UTC 2026".into());
    };
    assert_eq!(
        env.srp_sign_in("public", ALICE, ALICE_PW, old)
            .await
            .unwrap_err(),
        incorrect
    );
    // And the right answer still works afterwards.
    env.srp_sign_in("public", ALICE, ALICE_PW, |_| {})
        .await
        .unwrap();
    env.emu.shutdown().await;
}

#[tokio::test]
async fn wrong_passwords_unknown_users_and_account_states() {
    let env = Env::start().await;
    let wrong = env
        .password_auth("public", ALICE, "Wrong-Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(wrong, err("NotAuthorizedException", INCORRECT));
    let nobody = env
        .password_auth("public", "nobody", "Whatever-1!")
        .await
        .unwrap_err();
    assert_eq!(nobody, err("UserNotFoundException", "User does not exist."));
    let erin = env
        .password_auth("public", "erin", "Erin-Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(erin.0, "UserNotConfirmedException");
    let heidi = env
        .password_auth("public", "heidi", "Heidi-Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(heidi.0, "PasswordResetRequiredException");
    let frank = env
        .password_auth("public", "frank", "Frank-Passw0rd!")
        .await
        .unwrap_err();
    assert_eq!(frank, err("NotAuthorizedException", "User is disabled."));

    // A pool with PreventUserExistenceErrors does not say whether the user exists.
    let out = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserSrpAuth)
        .client_id(env.client_id("app"))
        .auth_parameters("USERNAME", "nobody")
        .auth_parameters("SRP_A", SrpClientEphemeral::generate().public_a_hex())
        .send()
        .await
        .map_err(aws_error);
    assert_eq!(out.unwrap_err(), err("NotAuthorizedException", INCORRECT));
    env.emu.shutdown().await;
}

#[tokio::test]
async fn disabled_flows_unknown_clients_and_secret_hashes() {
    let env = Env::start().await;
    let off = env
        .password_auth("srp-only", ALICE, ALICE_PW)
        .await
        .unwrap_err();
    assert_eq!(
        off,
        err(
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client"
        )
    );
    let unknown = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id("nosuchclient0000000000000")
        .auth_parameters("USERNAME", ALICE)
        .auth_parameters("PASSWORD", ALICE_PW)
        .send()
        .await
        .map_err(aws_error)
        .unwrap_err();
    assert_eq!(unknown.0, "ResourceNotFoundException");

    let id = env.client_id("secret");
    let without = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(&id)
        .auth_parameters("USERNAME", ALICE)
        .auth_parameters("PASSWORD", ALICE_PW)
        .send()
        .await
        .map_err(aws_error)
        .unwrap_err();
    assert_eq!(
        without,
        err(
            "NotAuthorizedException",
            &format!("Client {id} is configured with secret but SECRET_HASH was not received")
        )
    );
    let bad = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(&id)
        .auth_parameters("USERNAME", ALICE)
        .auth_parameters("PASSWORD", ALICE_PW)
        .auth_parameters("SECRET_HASH", env.hash("secret", "someone-else"))
        .send()
        .await
        .map_err(aws_error)
        .unwrap_err();
    assert_eq!(
        bad,
        err(
            "NotAuthorizedException",
            &format!("Unable to verify secret hash for client {id}")
        )
    );
    // RespondToAuthChallenge checks it too.
    let drop_hash = |a: &mut HashMap<String, String>| {
        a.remove("SECRET_HASH");
    };
    let missing = env
        .srp_sign_in("secret", ALICE, ALICE_PW, drop_hash)
        .await
        .unwrap_err();
    assert_eq!(
        missing.1,
        format!("Client {id} is configured with secret but SECRET_HASH was not received")
    );
    env.emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Refresh, rotation, revocation, sign-out

#[tokio::test]
async fn refresh_token_auth_uses_cognitos_username_for_the_secret_hash() {
    let env = Env::start().await;
    let first = env.sign_in("secret", ALICE_EMAIL, ALICE_PW).await;
    let rt = first.refresh_token().unwrap();
    env.clock.advance(Duration::from_secs(1800));
    // Hashing the alias typed at sign-in fails at refresh, as on AWS.
    let id = env.client_id("secret");
    assert_eq!(
        env.refresh("secret", rt, ALICE_EMAIL).await.unwrap_err(),
        err(
            "NotAuthorizedException",
            &format!("Unable to verify secret hash for client {id}")
        )
    );
    let again = env.refresh("secret", rt, ALICE).await.unwrap();
    assert!(
        again.refresh_token().is_none(),
        "REFRESH_TOKEN_AUTH returns no refresh token"
    );
    let (a, b) = (claims(access(&first)), claims(access(&again)));
    assert_eq!(a["origin_jti"], b["origin_jti"], "same sign-in family");
    assert_eq!(
        b["auth_time"].as_u64(),
        Some(START),
        "auth_time stays the sign-in time"
    );
    assert_eq!(b["iat"].as_u64(), Some(START + 1800));
    env.emu.shutdown().await;
}

#[tokio::test]
async fn get_tokens_from_refresh_token_rotates_for_rotating_clients() {
    let env = Env::start().await;
    let first = env.sign_in("rotating", ALICE, ALICE_PW).await;
    let old = first.refresh_token().unwrap().to_owned();
    let call = |rt: String, secret: Option<String>| {
        let req = env
            .idp
            .get_tokens_from_refresh_token()
            .client_id(env.client_id("rotating"))
            .refresh_token(rt);
        async move {
            req.set_client_secret(secret)
                .send()
                .await
                .map_err(aws_error)
        }
    };
    let out = call(old.clone(), Some(env.secret("rotating")))
        .await
        .unwrap();
    let new = out
        .authentication_result()
        .unwrap()
        .refresh_token()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    assert_eq!(
        call(old, Some(env.secret("rotating"))).await.unwrap_err(),
        err("NotAuthorizedException", "Refresh Token has been revoked")
    );
    assert!(
        call(new.clone(), Some(env.secret("rotating")))
            .await
            .is_ok()
    );
    // A rotating client refreshes only through GetTokensFromRefreshToken.
    let via_initiate = env.refresh("rotating", &new, ALICE).await.unwrap_err();
    assert_eq!(via_initiate.0, "InvalidParameterException");
    let id = env.client_id("rotating");
    assert_eq!(
        call(new.clone(), None).await.unwrap_err().0,
        "NotAuthorizedException",
        "{id} needs its secret"
    );
    assert_eq!(
        call(new, Some("wrong".into())).await.unwrap_err().0,
        "NotAuthorizedException"
    );

    // A client without rotation keeps the refresh token.
    let tokens = env.sign_in("public", ALICE, ALICE_PW).await;
    let out = env
        .idp
        .get_tokens_from_refresh_token()
        .client_id(env.client_id("public"))
        .refresh_token(tokens.refresh_token().unwrap())
        .send()
        .await
        .unwrap();
    let result = out.authentication_result().unwrap();
    assert!(result.refresh_token().is_none());
    assert!(result.access_token().is_some() && result.id_token().is_some());
    env.emu.shutdown().await;
}

#[tokio::test]
async fn an_expired_refresh_token_is_rejected() {
    let env = Env::start().await;
    let tokens = env.sign_in("public", ALICE, ALICE_PW).await;
    let rt = tokens.refresh_token().unwrap();
    env.clock.advance(Duration::from_secs(30 * 24 * 3600 - 1));
    env.refresh("public", rt, ALICE).await.unwrap();
    env.clock.advance(Duration::from_secs(1));
    assert_eq!(
        env.refresh("public", rt, ALICE).await.unwrap_err(),
        err("NotAuthorizedException", "Refresh Token has expired")
    );
    // An access token past its exp is refused by Cognito's own APIs too.
    assert_eq!(
        env.get_user(access(&tokens)).await.unwrap_err(),
        err("NotAuthorizedException", "Access Token has expired")
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn revoke_token_stops_refresh_and_the_familys_access_tokens() {
    let env = Env::start().await;
    let revoked = env.sign_in("secret", ALICE, ALICE_PW).await;
    let other = env.sign_in("secret", ALICE, ALICE_PW).await;
    env.idp
        .revoke_token()
        .client_id(env.client_id("secret"))
        .client_secret(env.secret("secret"))
        .token(revoked.refresh_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        env.refresh("secret", revoked.refresh_token().unwrap(), ALICE)
            .await
            .unwrap_err(),
        err("NotAuthorizedException", "Refresh Token has been revoked")
    );
    assert_eq!(
        env.get_user(access(&revoked)).await.unwrap_err(),
        err("NotAuthorizedException", "Access Token has been revoked")
    );
    // Another sign-in of the same user is not affected.
    env.get_user(access(&other)).await.unwrap();
    env.refresh("secret", other.refresh_token().unwrap(), ALICE)
        .await
        .unwrap();
    env.emu.shutdown().await;
}

#[tokio::test]
async fn global_sign_out_revokes_every_refresh_and_access_token() {
    let env = Env::start().await;
    let here = env.sign_in("public", ALICE, ALICE_PW).await;
    let elsewhere = env.sign_in("secret", ALICE, ALICE_PW).await;
    env.idp
        .global_sign_out()
        .access_token(access(&here))
        .send()
        .await
        .unwrap();
    for (client, tokens) in [("public", &here), ("secret", &elsewhere)] {
        assert_eq!(
            env.refresh(client, tokens.refresh_token().unwrap(), ALICE)
                .await
                .unwrap_err(),
            err("NotAuthorizedException", "Refresh Token has been revoked")
        );
        assert_eq!(
            env.get_user(access(tokens)).await.unwrap_err(),
            err("NotAuthorizedException", "Access Token has been revoked")
        );
    }
    // Signing in again works, even within the same second.
    let fresh = env.sign_in("public", ALICE, ALICE_PW).await;
    env.get_user(access(&fresh)).await.unwrap();
    env.emu.shutdown().await;
}

#[tokio::test]
async fn tokens_from_another_client_are_rejected() {
    let env = Env::start().await;
    let tokens = env.sign_in("public", ALICE, ALICE_PW).await;
    let rt = tokens.refresh_token().unwrap();
    assert_eq!(
        env.refresh("srp-only", rt, ALICE).await.unwrap_err(),
        err("NotAuthorizedException", "Invalid Refresh Token")
    );
    let via_other = env
        .idp
        .get_tokens_from_refresh_token()
        .client_id(env.client_id("secret"))
        .client_secret(env.secret("secret"))
        .refresh_token(rt)
        .send()
        .await
        .map_err(aws_error)
        .unwrap_err();
    assert_eq!(
        via_other,
        err("NotAuthorizedException", "Invalid Refresh Token")
    );
    let revoke = env
        .idp
        .revoke_token()
        .client_id(env.client_id("srp-only"))
        .token(rt)
        .send()
        .await
        .map_err(aws_error)
        .unwrap_err();
    assert_eq!(revoke.0, "UnauthorizedException");
    // Still valid with its own client.
    env.refresh("public", rt, ALICE).await.unwrap();
    assert_eq!(
        env.refresh("public", "garbage", ALICE).await.unwrap_err(),
        err("NotAuthorizedException", "Invalid Refresh Token")
    );
    env.emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Challenges

#[tokio::test]
async fn new_password_required_then_the_new_password_signs_in() {
    let env = Env::start().await;
    let out = env
        .password_auth("public", "carol", CAROL_PW)
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let p = out.challenge_parameters().unwrap();
    assert_eq!(p["requiredAttributes"], "[]");
    assert_eq!(p["USER_ID_FOR_SRP"], "carol");
    let attrs: Value = serde_json::from_str(&p["userAttributes"]).unwrap();
    assert_eq!(attrs["email"], "carol@example.com");
    let session = out.session().unwrap().to_owned();
    let respond = |password: &str| {
        env.idp
            .respond_to_auth_challenge()
            .client_id(env.client_id("public"))
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(&session)
            .challenge_responses("USERNAME", "carol")
            .challenge_responses("NEW_PASSWORD", password)
            .challenge_responses("userAttributes.name", "Carol")
            .send()
    };
    let weak = respond("short").await.map_err(aws_error).unwrap_err();
    assert_eq!(weak.0, "InvalidPasswordException");
    let done = respond("Carol-N3w-Passw0rd!").await.unwrap();
    let id = claims(done.authentication_result().unwrap().id_token().unwrap());
    assert_eq!(id["name"], "Carol");
    env.sign_in("public", "carol", "Carol-N3w-Passw0rd!").await;
    assert_eq!(
        env.password_auth("public", "carol", CAROL_PW)
            .await
            .unwrap_err(),
        err("NotAuthorizedException", INCORRECT)
    );
    // The used session is gone.
    assert_eq!(
        respond("Carol-Th1rd-Passw0rd!")
            .await
            .map_err(aws_error)
            .unwrap_err()
            .0,
        "NotAuthorizedException"
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn an_expired_challenge_session_is_refused() {
    let env = Env::start().await;
    let out = env
        .password_auth("public", "carol", CAROL_PW)
        .await
        .unwrap();
    env.clock.advance(Duration::from_secs(181));
    let late = env
        .idp
        .respond_to_auth_challenge()
        .client_id(env.client_id("public"))
        .challenge_name(ChallengeNameType::NewPasswordRequired)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", "carol")
        .challenge_responses("NEW_PASSWORD", "Carol-N3w-Passw0rd!")
        .send()
        .await
        .map_err(aws_error)
        .unwrap_err();
    assert_eq!(
        late,
        err(
            "NotAuthorizedException",
            "Invalid session for the user, session is expired."
        )
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn software_token_mfa_rejects_a_wrong_code_then_accepts_the_right_one() {
    let env = Env::start().await;
    let out = env.password_auth("public", "dave", DAVE_PW).await.unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    let session = out.session().unwrap().to_owned();
    let respond = |code: String| {
        env.idp
            .respond_to_auth_challenge()
            .client_id(env.client_id("public"))
            .challenge_name(ChallengeNameType::SoftwareTokenMfa)
            .session(&session)
            .challenge_responses("USERNAME", "dave")
            .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", code)
            .send()
    };
    let right = totp_code(DAVE_TOTP, env.now()).unwrap();
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    assert_eq!(
        respond(wrong).await.map_err(aws_error).unwrap_err().0,
        "CodeMismatchException"
    );
    // A code from two steps ago is too old.
    let stale = totp_code(DAVE_TOTP, env.now() - Duration::from_secs(60)).unwrap();
    if stale != right {
        assert_eq!(
            respond(stale).await.map_err(aws_error).unwrap_err().0,
            "CodeMismatchException"
        );
    }
    let done = respond(right).await.unwrap();
    assert_eq!(
        claims(access(done.authentication_result().unwrap()))["username"],
        "dave"
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn mfa_setup_with_associate_and_verify_by_session() {
    let env = Env::start().await;
    let app = env.client_id("app");
    let out = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(&app)
        .auth_parameters("USERNAME", "gina")
        .auth_parameters("PASSWORD", GINA_PW)
        .send()
        .await
        .unwrap();
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::MfaSetup));
    let assoc = env
        .idp
        .associate_software_token()
        .session(out.session().unwrap())
        .send()
        .await
        .unwrap();
    let secret = assoc.secret_code().unwrap().to_owned();
    assert_eq!(secret.len(), 32);
    let session = assoc.session().unwrap();
    let bad = env
        .idp
        .verify_software_token()
        .session(session)
        .user_code("000000")
        .send()
        .await
        .map_err(aws_error);
    if totp_code(&secret, env.now()).unwrap() != "000000" {
        assert_eq!(bad.unwrap_err().0, "EnableSoftwareTokenMFAException");
    }
    let verified = env
        .idp
        .verify_software_token()
        .session(session)
        .user_code(totp_code(&secret, env.now()).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        verified.status(),
        Some(&VerifySoftwareTokenResponseType::Success)
    );
    let done = env
        .idp
        .respond_to_auth_challenge()
        .client_id(&app)
        .challenge_name(ChallengeNameType::MfaSetup)
        .session(verified.session().unwrap())
        .challenge_responses("USERNAME", "gina")
        .send()
        .await
        .unwrap();
    assert!(
        done.authentication_result()
            .unwrap()
            .access_token()
            .is_some()
    );
    // From now on, sign-in asks for the code.
    let next = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(&app)
        .auth_parameters("USERNAME", "gina")
        .auth_parameters("PASSWORD", GINA_PW)
        .send()
        .await
        .unwrap();
    assert_eq!(
        next.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn a_signed_in_user_adds_totp_with_associate_verify_and_mfa_preference() {
    let env = Env::start().await;
    let tokens = env.sign_in("public", ALICE, ALICE_PW).await;
    let at = access(&tokens);
    let secret = env
        .idp
        .associate_software_token()
        .access_token(at)
        .send()
        .await
        .unwrap()
        .secret_code()
        .unwrap()
        .to_owned();
    let code = totp_code(&secret, env.now()).unwrap();
    let verified = env
        .idp
        .verify_software_token()
        .access_token(at)
        .user_code(code)
        .send()
        .await
        .unwrap();
    assert_eq!(
        verified.status(),
        Some(&VerifySoftwareTokenResponseType::Success)
    );
    // Verified but not yet preferred: sign-in still gives tokens directly.
    assert!(
        env.password_auth("public", ALICE, ALICE_PW)
            .await
            .unwrap()
            .authentication_result()
            .is_some()
    );
    env.idp
        .set_user_mfa_preference()
        .access_token(at)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let me = env.get_user(at).await.unwrap();
    assert_eq!(me.preferred_mfa_setting(), Some("SOFTWARE_TOKEN_MFA"));
    let out = env.password_auth("public", ALICE, ALICE_PW).await.unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    env.emu.shutdown().await;
}

#[tokio::test]
async fn the_emulators_debug_output_holds_no_secrets() {
    let env = Env::start().await;
    let tokens = env.sign_in("secret", ALICE, ALICE_PW).await;
    let challenge = env.password_auth("public", "dave", DAVE_PW).await.unwrap();
    env.srp_sign_in("public", ALICE, ALICE_PW, |_| {})
        .await
        .unwrap();
    let shown = format!("{:?}", env.emu);
    assert!(shown.contains(ALICE), "Debug still names users: {shown}");
    for secret in [
        ALICE_PW,
        DAVE_TOTP,
        &env.secret("secret"),
        tokens.refresh_token().unwrap(),
        access(&tokens),
        challenge.session().unwrap(),
    ] {
        assert!(!shown.contains(secret), "a secret reached Debug");
    }
    env.emu.shutdown().await;
}
