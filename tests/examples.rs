//! Runs every example against an emulator of its own and checks what it shows; the
//! quickstart's table is also checked against the README, so that neither can drift.
//!
//! Each example is compiled in here as a module: its `main` (and its path to AWS) is the
//! example's own and unused here.

#[allow(dead_code)]
#[path = "../examples/quickstart.rs"]
mod quickstart;

#[allow(dead_code)]
#[path = "../examples/cup.rs"]
mod cup;

#[allow(dead_code)]
#[path = "../examples/cip.rs"]
mod cip;

#[allow(dead_code)]
#[path = "../examples/google.rs"]
mod google;

#[allow(dead_code)]
#[path = "../examples/guest.rs"]
mod guest;

#[cfg(feature = "aws-sdk")]
#[allow(dead_code)]
#[path = "../examples/aws_sdk.rs"]
mod aws_sdk;

#[cfg(feature = "oauth")]
#[allow(dead_code)]
#[path = "../examples/m2m.rs"]
mod m2m;

#[cfg(feature = "oauth")]
#[allow(dead_code)]
#[path = "../examples/browser_login.rs"]
mod browser_login;

#[allow(dead_code)]
#[path = "../examples/websocket.rs"]
mod websocket;

#[allow(dead_code)]
#[path = "../examples/passwordless.rs"]
mod passwordless;

#[allow(dead_code)]
#[path = "../examples/devices.rs"]
mod devices;

#[allow(dead_code)]
#[path = "../examples/custom_auth.rs"]
mod custom_auth;

const README: &str = include_str!("../README.md");

#[tokio::test]
async fn quickstart_shows_who_may_call_what_and_a_refreshing_session() {
    let outcome = quickstart::run().await.expect("the quickstart runs");
    let table: Vec<(&str, [u16; 3])> = outcome
        .table
        .iter()
        .map(|row| (row.identity.as_str(), row.statuses))
        .collect();
    assert_eq!(
        table,
        [
            ("google (accounts.google.com)", [200, 403, 401]),
            ("jdoe (group cip-users)", [403, 200, 200]),
            ("alice (group cup-users)", [403, 403, 200]),
        ],
        "identity × /google /cip /cup"
    );

    let demo = &outcome.demo;
    assert_eq!(demo.failures, 0, "{demo}");
    assert!(demo.token_refreshes >= 1, "{demo}");
    assert!(demo.credential_exchanges >= 1, "{demo}");
    assert!(
        demo.steps.iter().all(|s| s.cip == 200 && s.cup == 200),
        "{demo}"
    );
}

#[tokio::test]
async fn the_readme_shows_the_quickstarts_table_as_it_prints_it() {
    let outcome = quickstart::run().await.expect("the quickstart runs");
    let printed = outcome.to_string();
    let lines = std::iter::once(quickstart::Row::header())
        .chain(outcome.table.iter().map(ToString::to_string));
    for line in lines {
        assert!(printed.contains(&line), "the quickstart prints {line:?}");
        assert!(
            README.lines().any(|l| l == line),
            "README.md does not show the quickstart's line {line:?}; update its table:\n{printed}"
        );
    }
}

#[tokio::test]
async fn cup_sends_the_token_each_route_wants() {
    let target = cup::Target::emulated().await.expect("emulator");
    let outcome = cup::run(target).await.expect("the example runs");
    assert_eq!(outcome.username, "alice");
    let calls: Vec<(&str, &str, u16)> = outcome
        .calls
        .iter()
        .map(|c| (c.with, c.path.as_str(), c.status))
        .collect();
    assert_eq!(
        calls,
        [
            ("ID token", "/cup", 200),
            ("access token", "/cup/scoped", 200),
            ("no token", "/cup/scoped", 401),
            ("ID token", "/cup/scoped", 401),
        ],
        "{outcome}"
    );
    assert!(outcome.calls[0].detail.contains("id token"), "{outcome}");
    assert!(
        outcome.calls[1].detail.contains("access token"),
        "{outcome}"
    );
}

/// `(path, status)` of each `(path, status, body)`.
fn statuses(responses: &[(String, u16, String)]) -> Vec<(&str, u16)> {
    responses
        .iter()
        .map(|(path, status, _)| (path.as_str(), *status))
        .collect()
}

#[tokio::test]
async fn cip_reaches_cip_but_not_google() {
    let target = cip::Target::emulated().await.expect("emulator");
    let outcome = cip::run(target).await.expect("the example runs");
    assert_eq!(outcome.username, "jdoe");
    assert!(outcome.identity_id.starts_with("us-east-1:"), "{outcome}");
    assert!(outcome.credentials_expire_at.is_some(), "{outcome}");
    assert_eq!(
        statuses(&outcome.responses),
        [("/cip", 200), ("/google", 403)],
        "{outcome}"
    );
}

#[tokio::test]
async fn passwordless_signs_in_with_an_emailed_code_and_calls_an_iam_route() {
    let target = passwordless::Target::emulated().await.expect("emulator");
    let outcome = passwordless::run(target).await.expect("the example runs");
    assert_eq!(outcome.username, "jdoe");
    assert_eq!(outcome.destination.as_deref(), Some("j***@e***"));
    assert_eq!(outcome.response, ("/cip".to_owned(), 200), "{outcome}");
}

#[tokio::test]
async fn custom_auth_signs_in_with_a_code_after_a_wrong_one_and_calls_an_iam_route() {
    let target = custom_auth::Target::emulated().await.expect("emulator");
    let outcome = custom_auth::run(target).await.expect("the example runs");
    assert_eq!(outcome.username, "jdoe");
    assert_eq!(
        outcome.answers, 2,
        "a wrong code, then the right one: {outcome}"
    );
    assert!(
        outcome.shown.contains(&(
            "hint".to_owned(),
            "the 6-digit code we e-mailed you".to_owned()
        )),
        "{outcome}"
    );
    assert!(
        outcome.shown.iter().all(|(name, _)| name != "code"),
        "the code stays private: {outcome}"
    );
    assert_eq!(outcome.response, ("/cip".to_owned(), 200), "{outcome}");
}

#[tokio::test]
async fn google_reaches_google_but_not_cip() {
    let target = google::Target::emulated().await.expect("emulator");
    let outcome = google::run(target).await.expect("the example runs");
    assert!(outcome.identity_id.starts_with("us-east-1:"), "{outcome}");
    assert!(outcome.credentials_expire_at.is_some(), "{outcome}");
    assert_eq!(
        statuses(&outcome.responses),
        [("/google", 200), ("/cip", 403)],
        "{outcome}"
    );
}

#[tokio::test]
async fn guest_keeps_its_identity_id_when_it_signs_in_with_google() {
    let target = guest::Target::emulated().await.expect("emulator");
    let outcome = guest::run(target).await.expect("the example runs");
    let guest::Outcome {
        guest,
        signed_in,
        next_person,
        ..
    } = &outcome;
    assert!(guest.identity_id.starts_with("us-east-1:"), "{outcome}");
    assert_eq!(guest.status, 403, "the guest role may not call /google");
    assert_eq!(signed_in.identity_id, guest.identity_id, "{outcome}");
    assert_eq!(signed_in.status, 200, "the authenticated role may");
    assert!(
        outcome
            .to_string()
            .contains("same identity id as the guest: true")
    );
    assert_ne!(next_person.identity_id, guest.identity_id, "{outcome}");
    assert_eq!(next_person.status, 403, "{outcome}");
}

#[cfg(feature = "aws-sdk")]
#[tokio::test]
async fn aws_sdk_runs_an_sts_client_as_the_signed_in_user() {
    let target = aws_sdk::Target::emulated().await.expect("emulator");
    let outcome = aws_sdk::run(target).await.expect("the example runs");
    assert_eq!(outcome.username, "jdoe");
    assert_eq!(outcome.account, "123456789012", "{outcome}");
    assert!(
        outcome
            .arn
            .starts_with("arn:aws:sts::123456789012:assumed-role/CipRole/"),
        "{outcome}"
    );
}

#[cfg(feature = "oauth")]
#[tokio::test]
async fn m2m_reaches_the_scoped_route_with_its_scope_only() {
    let target = m2m::Target::emulated().await.expect("emulator");
    let statuses = m2m::run(&target).await.expect("the example runs");
    assert_eq!(statuses, [("api/read", 200), ("api/write", 401)]);
}

/// The person at the browser: opens the authorize URL, signs in on the form, and follows the
/// redirect back to the example's loopback listener.
#[cfg(feature = "oauth")]
async fn sign_in_as_jdoe(domain: String, url: url::Url) -> Result<(), Box<dyn std::error::Error>> {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    assert_eq!(browser.get(url.clone()).send().await?.status(), 200);
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(url.query_pairs());
    form.append_pair("username", "jdoe");
    form.append_pair("password", "Quickstart-Passw0rd!");
    let answer = browser
        .post(format!("{domain}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.finish())
        .send()
        .await?;
    let back = answer.headers()["location"].to_str()?.to_owned();
    assert_eq!(browser.get(back).send().await?.status(), 200);
    Ok(())
}

#[cfg(feature = "oauth")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_login_signs_in_through_the_loopback_and_calls_an_iam_route() {
    let target = browser_login::Target::emulated().await.expect("emulator");
    let domain = target.domain().to_owned();
    let status = browser_login::run(&target, |url| sign_in_as_jdoe(domain, url))
        .await
        .expect("the example runs");
    assert_eq!(status, 200);
}

#[tokio::test]
async fn websocket_echoes_through_an_iam_authorized_connect() {
    let target = websocket::Target::emulated().await.expect("emulator");
    let answer = websocket::run(&target, "ping")
        .await
        .expect("the example runs");
    assert_eq!(answer, "ping");
}

#[tokio::test]
async fn devices_signs_in_again_on_the_remembered_device_without_mfa() {
    let prompts = devices::run().await.expect("the example runs");
    assert_eq!(prompts.first, ["SOFTWARE_TOKEN_MFA"]);
    assert!(prompts.second.is_empty(), "{prompts:?}");
}
