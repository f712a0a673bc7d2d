//! Managed login and machine-to-machine access (feature `oauth`) against the emulator's user
//! pool domain: the code flow with PKCE end to end into a refreshing session and a signed 200,
//! each protocol refusal, client credentials at a scoped Cognito-authorized route, userInfo,
//! revocation, and the loopback redirect.

mod support;

use std::time::Duration;

use cognito_sigv4::client::{ApiClient, AuthMode};
use cognito_sigv4::credentials::TokenKind;
use cognito_sigv4::oauth::{LoopbackRedirect, ManagedLogin};
use cognito_sigv4::secret::{ClientSecret, Password};
use cognito_sigv4::{ErrorKind, Session};
use http::Method;
use support::{PASSWORD, POOL, TestEmulator, done};
use url::Url;

const CALLBACK: &str = "http://localhost:8765/callback";

/// The reference pool's emulated domain, `<endpoint>/<pool id>`.
fn domain(env: &TestEmulator) -> String {
    let pool = env.emulator.user_pool_id(POOL).unwrap();
    format!("{}{pool}", env.endpoint())
}

/// The managed login of the `web` client (code flow, public client).
fn web_login(env: &TestEmulator) -> ManagedLogin {
    ManagedLogin::builder(domain(env), "quickstartwebclient0000001")
        .redirect_uri(CALLBACK)
        .scopes(["openid", "email", "api/read"])
        .clock(env.clock.clone())
        .build()
        .unwrap()
}

/// A browser, as far as the sign-in goes: no redirects followed.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A form POST, as a browser sends one.
fn post_form<K: AsRef<str>, V: AsRef<str>>(
    url: String,
    pairs: &[(K, V)],
) -> reqwest::RequestBuilder {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
        .finish();
    browser()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
}

/// Opens `authorize` and submits the sign-in form as `user`; the redirect's `Location`.
async fn sign_in_page(env: &TestEmulator, authorize: &Url, user: &str, password: &str) -> Url {
    let page = browser().get(authorize.clone()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"username\"") && html.contains("id=\"signin\""));
    // The form carries the request's parameters; post them back with the credentials.
    let mut form: Vec<(String, String)> = authorize
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    form.push(("username".into(), user.into()));
    form.push(("password".into(), password.into()));
    let login = format!("{}/login", domain(env));
    let answer = post_form(login, &form).send().await.unwrap();
    assert_eq!(answer.status(), 302, "{}", answer.text().await.unwrap());
    let location = answer.headers()["location"].to_str().unwrap();
    Url::parse(location).unwrap()
}

/// `url` with the query parameter `key` set to `value` (the others kept, in order).
fn with_param(url: &Url, key: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == key {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut out = url.clone();
    out.query_pairs_mut().clear().extend_pairs(pairs);
    out
}

/// A raw token-endpoint call; the status and the `error`.
async fn token_call(env: &TestEmulator, form: &[(&str, &str)]) -> (u16, String) {
    let answer = post_form(format!("{}/oauth2/token", domain(env)), form)
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    let body: serde_json::Value = answer.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn code_with_pkce_becomes_a_session_refreshed_at_the_token_endpoint() {
    let env = TestEmulator::start().await;
    let login = web_login(&env);
    let request = login.authorization_request();
    let url = request.url();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    let has = |k: &str, v: &str| pairs.iter().any(|(a, b)| a == k && b == v);
    assert!(
        has("response_type", "code") && has("code_challenge_method", "S256"),
        "{url}"
    );
    assert!(
        has("redirect_uri", CALLBACK) && has("scope", "openid email api/read"),
        "{url}"
    );

    let redirected = sign_in_page(&env, url, "jdoe@example.com", PASSWORD).await;
    assert!(redirected.as_str().starts_with(CALLBACK), "{redirected}");
    let tokens = login
        .exchange(&request, &redirected)
        .await
        .expect("exchange");
    assert_eq!(tokens.username, "jdoe");
    assert!(tokens.refresh.is_some());
    let access = cognito_sigv4::jwt::UnverifiedClaims::from_jwt(&tokens.access).unwrap();
    assert_eq!(access.scopes(), ["openid", "email", "api/read"]);
    // userInfo takes the OAuth access token (openid)...
    let info = login.user_info(&tokens.access).await.expect("userInfo");
    assert_eq!(info["email"], "jdoe@example.com");
    // ... and refuses one from InitiateAuth, which has no openid scope.
    let signed_in = done(
        env.user_pool_client(POOL, "web")
            .sign_in("jdoe", &Password::new(PASSWORD))
            .await
            .unwrap(),
    );
    let e = login.user_info(&signed_in.access).await.unwrap_err();
    assert_eq!(e.service_code(), Some("invalid_token"), "{e:?}");

    // The tokens become a session that refreshes through the token endpoint, exchanges the
    // ID token at the identity pool, and signs an IAM route.
    let session = Session::builder(env.config())
        .clock(env.clock.clone())
        .managed_login(login.clone())
        .from_tokens(tokens)
        .await
        .unwrap();
    let host = env.emulator.api_host("reference").unwrap();
    let api = ApiClient::builder(format!("http://{host}/prod"))
        .connect_to(env.addr())
        .clock(env.clock.clone())
        .session(&session)
        .build()
        .unwrap();
    let before = env.calls("oauth2/token");
    env.clock.advance(Duration::from_secs(3600));
    let answer = api.request(Method::GET, "/cip").send().await.unwrap();
    assert_eq!(answer.status(), 200, "{}", answer.text());
    assert_eq!(
        env.calls("oauth2/token"),
        before + 1,
        "one refresh at the token endpoint"
    );
    assert_eq!(
        env.calls("InitiateAuth"),
        1,
        "only the InitiateAuth sign-in above"
    );

    // Sign-out revokes at /oauth2/revoke: the refresh token is then refused.
    let refresh = session.tokens().await.unwrap().refresh.unwrap();
    session.sign_out().await.expect("revoked");
    assert_eq!(env.calls("oauth2/revoke"), 1);
    let e = login.refresh(&refresh).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotAuthorized);
    assert_eq!(e.service_code(), Some("invalid_grant"));
    assert!(e.ends_session());
    env.shutdown().await;
}

#[tokio::test]
async fn each_bad_code_exchange_and_redirect_is_refused() {
    let env = TestEmulator::start().await;
    let login = web_login(&env);
    let client_id = "quickstartwebclient0000001";

    // A forged redirect (another state) is ignored before any call.
    let request = login.authorization_request();
    let redirected = sign_in_page(&env, request.url(), "jdoe", PASSWORD).await;
    let other = login.authorization_request();
    let e = login.exchange(&other, &redirected).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotAuthorized);
    assert!(e.to_string().contains("state"), "{e}");
    let code = redirected
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();

    // A wrong PKCE verifier spends the code; the code cannot be used again.
    let wrong = [
        ("grant_type", "authorization_code"),
        ("client_id", client_id),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        (
            "code_verifier",
            "not-the-verifier-not-the-verifier-not-the-verifier",
        ),
    ];
    assert_eq!(
        token_call(&env, &wrong).await,
        (400, "invalid_grant".into())
    );
    let e = login.exchange(&request, &redirected).await.unwrap_err();
    assert_eq!(
        e.service_code(),
        Some("invalid_grant"),
        "a spent code: {e:?}"
    );

    // Another redirect URI than the code's.
    let request = login.authorization_request();
    let redirected = sign_in_page(&env, request.url(), "jdoe", PASSWORD).await;
    let code = redirected
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let moved = [
        ("grant_type", "authorization_code"),
        ("client_id", client_id),
        ("code", code.as_str()),
        ("redirect_uri", "http://localhost:8765/elsewhere"),
    ];
    assert_eq!(
        token_call(&env, &moved).await,
        (400, "invalid_grant".into())
    );

    // The authorize request itself: an unregistered redirect URI gets an error page (no
    // redirect to it), an unknown scope is sent back as `invalid_scope` with the state.
    let bad = with_param(request.url(), "redirect_uri", "http://evil.example/cb");
    let page = browser().get(bad).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("redirect_mismatch"));
    let scoped = with_param(request.url(), "scope", "openid api/write");
    let answer = browser().get(scoped).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let location = Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    assert!(
        location
            .query_pairs()
            .any(|(k, v)| k == "error" && v == "invalid_scope")
    );
    let e = login.exchange(&request, &location).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.service_code()),
        (ErrorKind::InvalidParameter, Some("invalid_scope")),
        "{e:?}"
    );

    // A wrong password shows the page again, without a code.
    let mut form: Vec<(String, String)> = request
        .url()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    form.push(("username".into(), "jdoe".into()));
    form.push(("password".into(), "wrong".into()));
    let page = post_form(format!("{}/login", domain(&env)), &form)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Incorrect username or password.")
    );

    // Unknown grant types and clients.
    let unknown = [("grant_type", "password"), ("client_id", client_id)];
    assert_eq!(
        token_call(&env, &unknown).await,
        (400, "unsupported_grant_type".into())
    );
    let nobody = [
        ("grant_type", "client_credentials"),
        ("client_id", "nobody"),
    ];
    assert_eq!(
        token_call(&env, &nobody).await,
        (400, "invalid_client".into())
    );
    env.shutdown().await;
}

#[tokio::test]
async fn client_credentials_reach_a_scoped_route_only_with_the_scope() {
    let env = TestEmulator::start().await;
    let server = env.config_of(POOL, "server");
    let secret: ClientSecret = server.client_secret().unwrap().clone();
    let m2m = |in_body: bool| {
        ManagedLogin::builder(domain(&env), server.client_id().unwrap())
            .client_secret(secret.clone())
            .secret_in_body(in_body)
            .clock(env.clock.clone())
            .build()
            .unwrap()
    };
    let host = env.emulator.api_host("reference").unwrap();
    let api = |source| {
        ApiClient::builder(format!("http://{host}/prod"))
            .connect_to(env.addr())
            .clock(env.clock.clone())
            .token_source(TokenKind::Access, source)
            .default_auth(AuthMode::access_token())
            .build()
            .unwrap()
    };
    // Basic authentication, the scope the route requires: 200; the token is reused.
    let read = m2m(false).client_credentials(["api/read"]);
    let token = read.token().await.unwrap();
    assert_eq!(token.scopes, ["api/read"]);
    let scoped = api(read.clone());
    for _ in 0..3 {
        let answer = scoped
            .request(Method::GET, "/cup/scoped")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{}", answer.text());
    }
    assert_eq!(
        env.calls("oauth2/token"),
        1,
        "one grant while the token is valid"
    );
    // Renewed before it expires: a new grant, not a refresh token.
    env.clock.advance(Duration::from_secs(3600 - 60));
    scoped
        .request(Method::GET, "/cup/scoped")
        .send()
        .await
        .unwrap();
    assert_eq!(env.calls("oauth2/token"), 2);

    // The secret in the body, another scope: the route refuses it.
    let write = api(m2m(true).client_credentials(["api/write"]));
    let answer = write
        .request(Method::GET, "/cup/scoped")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);

    // A scope the client may not have, and a client without a secret.
    let e = m2m(false)
        .client_credentials(["openid"])
        .token()
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.service_code()),
        (ErrorKind::InvalidParameter, Some("invalid_scope"))
    );
    let public = ManagedLogin::builder(domain(&env), "quickstartwebclient0000001")
        .build()
        .unwrap();
    let e = public
        .client_credentials(["api/read"])
        .token()
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.service_code()),
        (ErrorKind::Config, Some("unauthorized_client"))
    );
    env.shutdown().await;
}

#[tokio::test]
async fn the_loopback_listener_takes_the_redirect_and_logout_goes_back() {
    let env = TestEmulator::start().await;
    let request = web_login(&env).authorization_request();
    let listener = LoopbackRedirect::bind(0).await.unwrap();
    let port = listener.port();
    let waiting = tokio::spawn(listener.wait(&request, Duration::from_secs(30)));
    // What a browser does: a favicon request first (ignored), then the redirect.
    let base = format!("http://127.0.0.1:{port}");
    let favicon = browser()
        .get(format!("{base}/favicon.ico"))
        .send()
        .await
        .unwrap();
    assert_eq!(favicon.status(), 404);
    let page = browser()
        .get(format!(
            "{base}/callback?code=abc&state={}",
            request.state()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("You can close this window")
    );
    let url = waiting.await.unwrap().unwrap();
    assert_eq!(url.path(), "/callback");
    assert!(url.query_pairs().any(|(k, v)| k == "code" && v == "abc"));

    // Nothing arrives: a typed timeout.
    let listener = LoopbackRedirect::bind(0).await.unwrap();
    let e = listener
        .wait(&request, Duration::from_millis(50))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network);

    // /logout goes back to a registered sign-out URL only.
    let login = web_login(&env);
    let out = login
        .logout_url("http://localhost:8765/signed-out")
        .unwrap();
    let answer = browser().get(out).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    assert_eq!(
        answer.headers()["location"],
        "http://localhost:8765/signed-out"
    );
    let answer = browser()
        .get(login.logout_url("http://evil.example/").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400);
    env.shutdown().await;
}
