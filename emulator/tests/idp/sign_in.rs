//! Sign-in (password and SRP) and the tokens it issues; wrong passwords, users, flows,
//! clients and secret hashes.

use super::*;

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
    assert_eq!(
        erin,
        err("UserNotConfirmedException", "User is not confirmed.")
    );
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

    env.emu.shutdown().await;
}

#[tokio::test]
async fn an_unconfirmed_user_is_not_confirmed_whatever_the_password() {
    let env = Env::start().await;
    let not_confirmed = err("UserNotConfirmedException", "User is not confirmed.");
    // AWS answers before checking the password (amazon-cognito-identity-js#288, aws-sdk-js#4608).
    let wrong = env.password_auth("public", "erin", "Wrong-Passw0rd!").await;
    assert_eq!(wrong.unwrap_err(), not_confirmed);
    // USER_SRP_AUTH: at InitiateAuth, before any proof.
    let srp = srp_initiate(&env, "public", "erin").await;
    assert_eq!(srp.unwrap_err(), not_confirmed);
    env.emu.shutdown().await;
}

/// InitiateAuth USER_SRP_AUTH without answering.
async fn srp_initiate(
    env: &Env,
    client: &str,
    typed: &str,
) -> Result<idp::operation::initiate_auth::InitiateAuthOutput, (String, String)> {
    env.idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserSrpAuth)
        .client_id(env.client_id(client))
        .auth_parameters("USERNAME", typed)
        .auth_parameters("SRP_A", SrpClientEphemeral::generate().public_a_hex())
        .send()
        .await
        .map_err(aws_error)
}

/// The PASSWORD_VERIFIER challenge's parameters.
async fn srp_challenge(env: &Env, client: &str, typed: &str) -> HashMap<String, String> {
    let out = srp_initiate(env, client, typed).await.unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    out.challenge_parameters().unwrap().clone()
}

#[tokio::test]
async fn prevent_user_existence_errors_is_per_client_and_simulates_srp_for_unknown_users() {
    let env = Env::start().await;
    let incorrect = err("NotAuthorizedException", INCORRECT);
    // `public` (LEGACY) says the user does not exist; `guarded` (ENABLED), in the same pool,
    // does not.
    let legacy = env.password_auth("public", "nobody", "Whatever-1!").await;
    assert_eq!(
        legacy.unwrap_err(),
        err("UserNotFoundException", "User does not exist.")
    );
    let guarded = env.password_auth("guarded", "nobody", "Whatever-1!").await;
    assert_eq!(guarded.unwrap_err(), incorrect);

    // USER_SRP_AUTH: a simulated PASSWORD_VERIFIER challenge, the same salt and a UUID user id
    // for the same name each time (AWS: "Managing user existence error responses")...
    let first = srp_challenge(&env, "guarded", "nobody").await;
    let again = srp_challenge(&env, "guarded", "nobody").await;
    assert_eq!(first["SALT"], again["SALT"]);
    assert_eq!(first["USER_ID_FOR_SRP"], again["USER_ID_FOR_SRP"]);
    assert_ne!(first["SRP_B"], again["SRP_B"]);
    let id = &first["USER_ID_FOR_SRP"];
    assert_eq!(
        id.split('-').map(str::len).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12],
        "{id}"
    );
    let other = srp_challenge(&env, "guarded", "somebody").await;
    assert_ne!(other["SALT"], first["SALT"]);
    // ...that fails at RespondToAuthChallenge, whatever the password.
    let answer = env
        .srp_sign_in("guarded", "nobody", "Whatever-1!", |_| {})
        .await;
    assert_eq!(answer.unwrap_err(), incorrect);
    // On a LEGACY client the same name is refused at once.
    let legacy = srp_initiate(&env, "public", "nobody").await;
    assert_eq!(
        legacy.unwrap_err(),
        err("UserNotFoundException", "User does not exist.")
    );

    // A required password reset is masked the same way, with the right password too.
    let heidi = env
        .password_auth("guarded", "heidi", "Heidi-Passw0rd!")
        .await;
    assert_eq!(heidi.unwrap_err(), incorrect);
    let heidi = env
        .srp_sign_in("guarded", "heidi", "Heidi-Passw0rd!", |_| {})
        .await;
    assert_eq!(heidi.unwrap_err(), incorrect);
    // Known users sign in as usual.
    env.srp_sign_in("guarded", ALICE, ALICE_PW, |_| {})
        .await
        .unwrap();

    // The pool-level flag of older seeds still turns it on for every client of `strict`.
    let strict = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .client_id(env.client_id("app"))
        .auth_parameters("USERNAME", "nobody")
        .auth_parameters("PASSWORD", "Whatever-1!")
        .send()
        .await
        .map_err(aws_error);
    assert_eq!(strict.unwrap_err(), incorrect);
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

#[tokio::test]
async fn no_or_legacy_only_explicit_auth_flows_keep_srp_and_refresh() {
    let env = Env::start().await;
    for client in ["no-flows", "legacy-flows"] {
        let tokens = env
            .srp_sign_in(client, ALICE, ALICE_PW, |_| {})
            .await
            .unwrap();
        let refresh = tokens
            .authentication_result()
            .and_then(|t| t.refresh_token())
            .unwrap()
            .to_owned();
        env.refresh(client, &refresh, ALICE).await.unwrap();
    }
    // USER_PASSWORD_AUTH only where it is listed (as the legacy value here).
    let off = env.password_auth("no-flows", ALICE, ALICE_PW).await;
    assert_eq!(
        off.unwrap_err(),
        err(
            "InvalidParameterException",
            "USER_PASSWORD_AUTH flow not enabled for this client"
        )
    );
    env.sign_in("legacy-flows", ALICE, ALICE_PW).await;
    env.emu.shutdown().await;
}

#[tokio::test]
async fn a_malformed_srp_a_or_timestamp_is_an_invalid_parameter() {
    let env = Env::start().await;
    let bad_a = err(
        "InvalidParameterException",
        "SRP_A is not a valid SRP public value.",
    );
    for a in ["zz-not-hex", "0"] {
        let out = env
            .idp
            .initiate_auth()
            .auth_flow(AuthFlowType::UserSrpAuth)
            .client_id(env.client_id("public"))
            .auth_parameters("USERNAME", ALICE)
            .auth_parameters("SRP_A", a)
            .send()
            .await
            .map_err(aws_error);
        assert_eq!(out.unwrap_err(), bad_a, "{a}");
    }
    // The same for a name the pool does not know, behind PreventUserExistenceErrors.
    let out = env
        .idp
        .initiate_auth()
        .auth_flow(AuthFlowType::UserSrpAuth)
        .client_id(env.client_id("guarded"))
        .auth_parameters("USERNAME", "nobody")
        .auth_parameters("SRP_A", "0")
        .send()
        .await
        .map_err(aws_error);
    assert_eq!(out.unwrap_err(), bad_a);

    // A TIMESTAMP not of Cognito's shape; one of the right shape but wrong stays a wrong proof
    // (a_wrong_srp_proof_is_incorrect_username_or_password).
    let malformed = env
        .srp_sign_in("public", ALICE, ALICE_PW, |a| {
            a.insert("TIMESTAMP".into(), "2026-01-05T09:04:03Z".into());
        })
        .await;
    assert_eq!(
        malformed.unwrap_err(),
        err(
            "InvalidParameterException",
            "TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english."
        )
    );
    env.emu.shutdown().await;
}
