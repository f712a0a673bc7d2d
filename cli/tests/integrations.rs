//! The CLI with other programs: boto3 using it as its `credential_process`, and `login
//! --browser` answered by a scripted browser, then calls refreshed at the token endpoint.

mod support;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use cognito_sigv4_emulator::Emulator;
use support::*;
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boto3_uses_the_cli_as_credential_process_for_a_sigv4_verified_call() {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let has_boto3 = Command::new(&python)
        .args(["-c", "import boto3"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_boto3 {
        return peer_missing(
            "boto3 credential_process",
            "python3 with boto3 is not installed",
        );
    }
    let env = Env::start().await;
    env.configure();
    assert_success(&env.login());
    // The AWS config file of the README's transcript.
    let aws_config = env.home.path().join("aws-config");
    std::fs::write(
        &aws_config,
        format!(
            "[profile cognito]\ncredential_process = {} credentials --profile emu\nregion = us-east-1\n",
            env!("CARGO_BIN_EXE_cognito-sigv4")
        ),
    )
    .unwrap();
    let script = "import boto3, sys\n\
        sts = boto3.Session(profile_name='cognito').client('sts', endpoint_url=sys.argv[1])\n\
        print(sts.get_caller_identity()['Arn'])\n";
    let mut command = Command::new(&python);
    command
        .args(["-c", script, env.emulator.endpoint().as_str()])
        .env("COGNITO_SIGV4_CONFIG_DIR", env.home.path())
        .env("AWS_CONFIG_FILE", &aws_config)
        .env("AWS_SHARED_CREDENTIALS_FILE", env.home.path().join("none"))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
    let out = env.run_with(&mut command, "");
    assert_success(&out);
    assert_eq!(
        stdout(&out).trim(),
        "arn:aws:sts::123456789012:assumed-role/CipRole/CognitoIdentityCredentials"
    );
    assert!(env.emulator.calls("GetCallerIdentity") >= 1);
    assert_no_secret(&env, &[]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_in_the_browser_then_calls_refresh_at_the_token_endpoint() {
    // The app client's callback: a loopback port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let callback = format!("http://127.0.0.1:{port}/callback");
    let mut seed = seed();
    seed.user_pools[0].clients[0]
        .callback_urls
        .push(callback.clone());
    let emulator = Emulator::builder().seed(seed).start().await.unwrap();
    let env = Env {
        emulator,
        home: tempfile::tempdir().unwrap(),
        outputs: Default::default(),
    };
    env.configure();
    let pool = env.emulator.user_pool_id("quickstart").unwrap();
    let domain = format!("{}{pool}", env.emulator.endpoint());
    let mut login = KillOnDrop(
        env.command(&[
            "login",
            "--profile",
            "emu",
            "--browser",
            "--no-open",
            "--domain",
            &domain,
            "--redirect-uri",
            &callback,
            "--scopes",
            "openid email",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap(),
    );
    // The URL it prints, then what a browser does with it.
    let mut stderr = BufReader::new(login.0.stderr.take().unwrap());
    let mut url = String::new();
    let mut line = String::new();
    while url.is_empty() && stderr.read_line(&mut line).unwrap() > 0 {
        if let Some(u) = line.trim().strip_prefix("http") {
            url = format!("http{u}");
        }
        line.clear();
    }
    assert!(url.contains("/oauth2/authorize?"), "no URL printed");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let authorize = url::Url::parse(&url).unwrap();
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.extend_pairs(authorize.query_pairs());
    form.append_pair("username", "jdoe");
    form.append_pair("password", PASSWORD);
    let answer = browser
        .post(format!("{domain}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.finish())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302);
    let back = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with(&callback), "{back}");
    let page = browser.get(back).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let status = login.0.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(status.success(), "{rest}");
    assert!(rest.contains("Signed in as jdoe"), "{rest}");

    // Calls work. With the credentials cache gone, the session's stored tokens are still
    // valid and are used as they are; with them gone too, it refreshes at the token endpoint.
    let out = env.run(&["call", "--profile", "emu", &env.api("/cip")], "");
    assert_success(&out);
    let cup = |env: &Env| {
        let out = env.run(
            &[
                "call",
                "--profile",
                "emu",
                "--auth",
                "id-token",
                &env.api("/cup"),
            ],
            "",
        );
        assert_success(&out);
    };
    let cache = env.home.path().join("cache").join("emu.json");
    std::fs::remove_file(&cache).unwrap();
    let before = env.emulator.calls("oauth2/token");
    cup(&env);
    assert_eq!(
        env.emulator.calls("oauth2/token"),
        before,
        "the stored tokens serve"
    );
    let _ = std::fs::remove_file(&cache);
    let mut stored: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(env.session_file()).unwrap()).unwrap();
    assert!(stored.as_object_mut().unwrap().remove("tokens").is_some());
    std::fs::write(env.session_file(), stored.to_string()).unwrap();
    cup(&env);
    assert_eq!(env.emulator.calls("oauth2/token"), before + 1);
    assert_eq!(
        env.emulator.calls("InitiateAuth"),
        0,
        "no password sign-in at all"
    );
    let profile = std::fs::read_to_string(env.home.path().join("config.toml")).unwrap();
    assert!(
        profile.contains(&format!("oauth_domain = \"{domain}\"")),
        "{profile}"
    );
    assert_no_secret(&env, &[]);
}
