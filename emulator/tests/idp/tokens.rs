//! After sign-in: refresh, rotation, expiry, revocation, global sign-out, and tokens from
//! another client.

use super::*;

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
        err(
            "RefreshTokenReuseException",
            "Refresh Token has been reused"
        ),
        "a retired token, without a grace period"
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
async fn a_retired_refresh_token_works_for_the_grace_period_then_is_reuse() {
    let env = Env::start().await;
    let client = "rotating-grace";
    let call = |rt: &str| {
        let req = env
            .idp
            .get_tokens_from_refresh_token()
            .client_id(env.client_id(client))
            .client_secret(env.secret(client))
            .refresh_token(rt);
        async move {
            let out = req.send().await.map_err(aws_error)?;
            let tokens = out.authentication_result().unwrap();
            Ok::<_, (String, String)>(tokens.refresh_token().unwrap().to_owned())
        }
    };
    let old = env
        .sign_in(client, ALICE, ALICE_PW)
        .await
        .refresh_token()
        .unwrap()
        .to_owned();
    let first = call(&old).await.unwrap();
    // The answer was "lost": the client retries with the old token within the 30 s grace
    // period, and gets another rotation; both new tokens work.
    env.clock.advance(Duration::from_secs(29));
    let retry = call(&old).await.unwrap();
    assert_ne!(retry, first);
    // The grace period counts from the first rotation, not from the retry.
    env.clock.advance(Duration::from_secs(1));
    assert_eq!(
        call(&old).await.unwrap_err(),
        err(
            "RefreshTokenReuseException",
            "Refresh Token has been reused"
        )
    );
    let next = call(&first).await.unwrap();
    call(&retry).await.unwrap();
    // A retired token that was also revoked says so, grace or not.
    let revoke = env
        .idp
        .revoke_token()
        .client_id(env.client_id(client))
        .client_secret(env.secret(client))
        .token(&next)
        .send()
        .await;
    revoke.unwrap();
    assert_eq!(
        call(&first).await.unwrap_err(),
        err("NotAuthorizedException", "Refresh Token has been revoked")
    );
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
