//! `COGNITO_USER_POOLS` and `NONE` methods, secrets in `Debug`, tokens after a global sign-out,
//! and injected faults, on the fixture of [`super`].

use super::*;

#[tokio::test]
async fn user_pool_method_accepts_an_id_token_from_its_pool() {
    let f = Fixture::start().await;
    let id = f.token("main", "id", json!({}));
    let a = f.with_header("/cup", "Authorization", &id).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["auth"], "COGNITO_USER_POOLS");
    assert_eq!(a.body["caller"]["cognito:username"], "jdoe");
    assert_eq!(a.body["caller"]["token_use"], "id");
    assert_eq!(
        a.body["caller"]["sub"],
        "5f2c1f3e-0000-4000-8000-00000000jdoe"
    );

    // The ID token the pool itself would issue on sign-in.
    let real = f
        .emu
        .mint_user_pool_id_token("main", "web", "jdoe")
        .unwrap();
    let a = f
        .with_header("/cup", "Authorization", real.expose_secret())
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["caller"]["cognito:username"], "jdoe");

    // AWS's own authorizer test accepts `Bearer <token>` as well as the raw token.
    let bearer = format!("Bearer {id}");
    assert_eq!(
        f.with_header("/cup", "Authorization", &bearer).await.status,
        200
    );

    // A method configured with another header reads that one.
    assert_eq!(f.with_header("/custom", "X-Token", &id).await.status, 200);
    f.with_header("/custom", "Authorization", &id)
        .await
        .assert_unauthorized();
    f.emu.shutdown().await;
}

#[tokio::test]
async fn user_pool_method_refuses_missing_foreign_forged_and_expired_tokens_with_aws_texts() {
    let f = Fixture::start().await;
    // Missing.
    let a = Answer::read(f.http.get(f.url("/cup")).send().await.unwrap()).await;
    a.assert_unauthorized();
    // Signed by another pool (even claiming this pool's issuer).
    let main_iss = format!(
        "https://cognito-idp.us-east-1.amazonaws.com/{}",
        f.emu.user_pool_id("main").unwrap()
    );
    f.with_header("/cup", "Authorization", &f.token("other", "id", json!({})))
        .await
        .assert_unauthorized();
    f.with_header(
        "/cup",
        "Authorization",
        &f.token("other", "id", json!({ "iss": main_iss })),
    )
    .await
    .assert_unauthorized();
    // Signed by this pool's key but naming another issuer.
    let other_iss = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool";
    f.with_header(
        "/cup",
        "Authorization",
        &f.token("main", "id", json!({ "iss": other_iss })),
    )
    .await
    .assert_unauthorized();
    // Tampered payload.
    let id = f.token("main", "id", json!({}));
    let parts: Vec<&str> = id.split('.').collect();
    let forged = format!("{}.{}x.{}", parts[0], parts[1], parts[2]);
    f.with_header("/cup", "Authorization", &forged)
        .await
        .assert_unauthorized();
    f.with_header("/cup", "Authorization", "not-a-jwt")
        .await
        .assert_unauthorized();
    // Expired: valid until `exp`, not after.
    assert_eq!(
        f.with_header("/cup", "Authorization", &id).await.status,
        200
    );
    f.clock.advance(HOUR);
    f.with_header("/cup", "Authorization", &id)
        .await
        .assert_token_expired();
    // Expired and forged: a token that does not verify is `Unauthorized`, expired or not.
    f.with_header("/cup", "Authorization", &forged)
        .await
        .assert_unauthorized();
    f.emu.shutdown().await;
}

#[tokio::test]
async fn scopes_decide_between_id_and_access_tokens() {
    let f = Fixture::start().await;
    let id = f.token("main", "id", json!({}));
    let access = f.token("main", "access", json!({ "scope": "openid api/read" }));
    let access_without = f.token("main", "access", json!({ "scope": "openid profile" }));

    // No scopes configured: the ID token only.
    assert_eq!(
        f.with_header("/cup", "Authorization", &id).await.status,
        200
    );
    f.with_header("/cup", "Authorization", &access)
        .await
        .assert_unauthorized();

    // Scopes configured: an access token carrying one of them only.
    let a = f.with_header("/scoped", "Authorization", &access).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["caller"]["token_use"], "access");
    assert_eq!(a.body["caller"]["scopes"], json!(["openid", "api/read"]));
    assert_eq!(a.body["caller"]["cognito:username"], "jdoe");
    f.with_header("/scoped", "Authorization", &access_without)
        .await
        .assert_unauthorized();
    f.with_header("/scoped", "Authorization", &id)
        .await
        .assert_unauthorized();
    f.emu.shutdown().await;
}

#[tokio::test]
async fn none_methods_need_no_auth_and_sigv4_is_not_a_user_pool_token() {
    let f = Fixture::start().await;
    let a = f.with_header("/public?x=1", "X-Anything", "1").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["auth"], "NONE");
    assert_eq!(a.body["query"], "x=1");

    // A SigV4 Authorization header is no ID token.
    let creds = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);
    let mut req = http::Request::builder()
        .method("GET")
        .uri(f.url("/cup"))
        .body(Bytes::new())
        .unwrap();
    Signer::execute_api("us-east-1")
        .sign(&mut req, &creds, f.now())
        .unwrap();
    f.send(req).await.assert_unauthorized();

    // And a token is no SigV4: a bare one gets the IncompleteSignature text listing what is
    // missing (aws/chalice#828), `Bearer <token>` the key=value one; both show only a hash.
    let id = f.token("main", "id", json!({}));
    let a = f.with_header("/cip", "Authorization", &id).await;
    assert_eq!(a.status, 403);
    assert_eq!(
        a.error_type.as_deref(),
        Some("IncompleteSignatureException")
    );
    assert!(
        a.message().starts_with(
            "Authorization header requires 'Credential' parameter. Authorization header requires \
             'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. \
             Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. \
             Authorization="
        ),
        "{}",
        a.body
    );
    assert!(!a.body.to_string().contains(&id));
    let a = f
        .with_header("/cip", "Authorization", &format!("Bearer {id}"))
        .await;
    assert_eq!(a.status, 403);
    assert!(
        a.message()
            .starts_with("Invalid key=value pair (missing equal-sign) in Authorization header")
    );
    assert!(!a.body.to_string().contains(&id));
    f.emu.shutdown().await;
}

#[tokio::test]
async fn issued_secrets_never_reach_debug_output() {
    let f = Fixture::start().await;
    let creds = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);
    let debug = format!("{:?}", f.emu);
    assert!(
        !debug.contains(creds.secret_access_key()),
        "secret key in Debug output"
    );
    assert!(
        !debug.contains(creds.session_token().unwrap()),
        "session token in Debug output"
    );
    f.emu.shutdown().await;
}

#[tokio::test]
async fn signed_in_id_token_stays_valid_at_the_authorizer_after_global_sign_out() {
    use aws_sdk_cognitoidentityprovider as idp;
    let f = Fixture::start().await;
    let client = idp::Client::from_conf(
        idp::Config::builder()
            .behavior_version(idp::config::BehaviorVersion::latest())
            .region(idp::config::Region::new("us-east-1"))
            .endpoint_url(f.emu.endpoint().as_str())
            .build(),
    );
    let out = client
        .initiate_auth()
        .auth_flow(idp::types::AuthFlowType::UserPasswordAuth)
        .client_id(f.emu.client_id("main", "web").unwrap())
        .auth_parameters("USERNAME", "jdoe")
        .auth_parameters("PASSWORD", "Passw0rd!-long-enough")
        .send()
        .await
        .unwrap();
    let tokens = out.authentication_result().unwrap();
    let id = tokens.id_token().unwrap();
    let access = tokens.access_token().unwrap();

    let a = f.with_header("/cup", "Authorization", id).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["caller"]["cognito:username"], "jdoe");
    // No scopes on /cup: the access token is not accepted there.
    f.with_header("/cup", "Authorization", access)
        .await
        .assert_unauthorized();

    assert!(client.get_user().access_token(access).send().await.is_ok());
    client
        .global_sign_out()
        .access_token(access)
        .send()
        .await
        .unwrap();
    // Cognito's own APIs now refuse the access token...
    let err = client
        .get_user()
        .access_token(access)
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert!(err.is_not_authorized_exception(), "{err:?}");
    // ...but API Gateway checks tokens statelessly: the ID token works until `exp`.
    assert_eq!(f.with_header("/cup", "Authorization", id).await.status, 200);
    f.clock.advance(HOUR);
    f.with_header("/cup", "Authorization", id)
        .await
        .assert_token_expired();
    f.emu.shutdown().await;
}

#[tokio::test]
async fn injected_faults_carry_an_error_type() {
    let f = Fixture::start().await;
    for (fault, status, error_type, message) in [
        (
            Fault::Throttle,
            429,
            "TooManyRequestsException",
            "Too Many Requests",
        ),
        (
            Fault::ServerError,
            500,
            "InternalServerErrorException",
            "Internal server error",
        ),
    ] {
        f.emu.inject_fault("execute-api", fault, 1);
        let a = Answer::read(f.http.get(f.url("/cip")).send().await.unwrap()).await;
        assert_eq!((a.status, a.message()), (status, message));
        assert_eq!(a.error_type.as_deref(), Some(error_type));
    }
    f.emu.shutdown().await;
}
