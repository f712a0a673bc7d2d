//! The built `cognito-sigv4` binary, driven as a person or a script would, against the
//! emulator: every subcommand, each auth mode and body form of `call`, each credentials format,
//! the exit codes, and no secret in any output but the credentials'.

mod support;

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use serde_json::Value;
use support::*;
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_with_totp_calls_each_route_and_signs_out() {
    let env = Env::start().await;
    env.configure();
    let out = env.login();
    assert_success(&out);
    assert!(
        stderr(&out).contains("Code from your authenticator app"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("Signed in as"), "{}", stderr(&out));
    #[cfg(unix)]
    {
        assert_eq!(mode(&env.session_file()), 0o600);
        assert_eq!(mode(&env.home.path().join("config.toml")), 0o600);
    }

    // IAM, with each body form.
    let out = env.run(&["call", "--profile", "emu", &env.api("/cip")], "");
    assert_success(&out);
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["auth"], "AWS_IAM");
    assert!(
        answer["caller"]["roleArn"]
            .as_str()
            .unwrap()
            .ends_with("role/CipRole")
    );
    let echo = env.api("/echo");
    let out = env.run(&["call", "--profile", "emu", "-d", "text body", &echo], "");
    assert_eq!(echoed_body(&out), "text body");
    let file = env.home.path().join("body.json");
    std::fs::write(&file, "{\"from\":\"file\"}").unwrap();
    let at_file = format!("@{}", file.display());
    let out = env.run(
        &[
            "call",
            "--profile",
            "emu",
            "-X",
            "PUT",
            "-d",
            &at_file,
            &echo,
        ],
        "",
    );
    assert_eq!(echoed_body(&out), "{\"from\":\"file\"}");
    let out = env.run(
        &["call", "--profile", "emu", "-d", "@-", &echo],
        "from stdin",
    );
    assert_eq!(echoed_body(&out), "from stdin");

    // The tokens, at Cognito authorizers; none at all.
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
    assert!(
        stdout(&out).contains("\"token_use\":\"id\""),
        "{}",
        stdout(&out)
    );
    let scoped = env.api("/cup/scoped");
    let out = env.run(
        &[
            "call",
            "--profile",
            "emu",
            "--auth",
            "access-token",
            "-i",
            &scoped,
        ],
        "",
    );
    assert!(
        stdout(&out).starts_with("HTTP/1.1 200 OK\n"),
        "{}",
        stdout(&out)
    );
    let out = env.run(&["call", "--auth", "none", "-i", &env.api("/cip")], "");
    assert!(stdout(&out).starts_with("HTTP/1.1 403"), "{}", stdout(&out));
    assert_success(&out);

    // whoami, then decode of the ID token the profile caches.
    let out = env.run(&["whoami", "--profile", "emu"], "");
    assert_success(&out);
    let who = stdout(&out);
    assert!(
        who.contains(&format!("email:              {TOTP_USER}")),
        "{who}"
    );
    assert!(who.contains("groups:             cip-users"), "{who}");
    assert!(
        who.contains("role:               arn:aws:iam::123456789012:role/CipRole"),
        "{who}"
    );
    assert!(who.contains("identity id:        us-east-1:"), "{who}");

    // logout: the refresh token is revoked and the files are gone; calls then say what to do.
    let refresh = refresh_token(&env);
    let out = env.run(&["logout", "--profile", "emu"], "");
    assert_success(&out);
    assert!(!env.session_file().exists());
    let out = env.run(&["call", "--profile", "emu", &env.api("/cip")], "");
    assert_eq!(out.status.code(), Some(253));
    assert_eq!(
        stderr(&out).trim(),
        "cognito-sigv4: not signed in with profile `emu`: run `cognito-sigv4 login --profile emu`"
    );
    let config = env.emulator.config("quickstart", "web").unwrap();
    let revoked = cognito_sigv4::UserPoolClient::new(&config)
        .unwrap()
        .refresh_token(
            &cognito_sigv4::secret::RefreshToken::new(refresh),
            TOTP_USER,
        )
        .await
        .expect_err("revoked at logout");
    assert!(revoked.ends_session(), "{revoked:?}");

    assert_no_secret(&env, &[]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_in_every_format_and_as_static_keys_for_call() {
    let env = Env::start().await;
    env.configure();
    assert_success(&env.login());

    let out = env.run(&["credentials", "--profile", "emu"], "");
    assert_success(&out);
    assert_eq!(stderr(&out), "", "nothing on stderr");
    let process: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(process["Version"], 1);
    let key = process["AccessKeyId"].as_str().unwrap().to_owned();
    let secret = process["SecretAccessKey"].as_str().unwrap().to_owned();
    let token = process["SessionToken"].as_str().unwrap().to_owned();
    let expiration = process["Expiration"].as_str().unwrap().to_owned();
    assert!(
        expiration.ends_with('Z') && expiration.len() == 20,
        "{expiration}"
    );
    // Cached: a second call makes no exchange.
    let exchanges = env.emulator.calls("GetCredentialsForIdentity");
    let again = env.run(&["credentials", "--profile", "emu", "--format", "json"], "");
    let json: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(json["AccessKeyId"], key.as_str());
    assert!(
        json["IdentityId"]
            .as_str()
            .unwrap()
            .starts_with("us-east-1:")
    );
    assert_eq!(env.emulator.calls("GetCredentialsForIdentity"), exchanges);

    let expected = [
        (
            "env",
            format!(
                "export AWS_ACCESS_KEY_ID={key}\nexport AWS_SECRET_ACCESS_KEY={secret}\nexport AWS_SESSION_TOKEN={token}\nexport AWS_CREDENTIAL_EXPIRATION={expiration}\n"
            ),
        ),
        (
            "env-no-export",
            format!(
                "AWS_ACCESS_KEY_ID={key}\nAWS_SECRET_ACCESS_KEY={secret}\nAWS_SESSION_TOKEN={token}\nAWS_CREDENTIAL_EXPIRATION={expiration}\n"
            ),
        ),
        (
            "powershell",
            format!(
                "$Env:AWS_ACCESS_KEY_ID=\"{key}\"\n$Env:AWS_SECRET_ACCESS_KEY=\"{secret}\"\n$Env:AWS_SESSION_TOKEN=\"{token}\"\n$Env:AWS_CREDENTIAL_EXPIRATION=\"{expiration}\"\n"
            ),
        ),
        (
            "windows-cmd",
            format!(
                "set AWS_ACCESS_KEY_ID={key}\nset AWS_SECRET_ACCESS_KEY={secret}\nset AWS_SESSION_TOKEN={token}\nset AWS_CREDENTIAL_EXPIRATION={expiration}\n"
            ),
        ),
        (
            "fish",
            format!(
                "set -gx AWS_ACCESS_KEY_ID {key}\nset -gx AWS_SECRET_ACCESS_KEY {secret}\nset -gx AWS_SESSION_TOKEN {token}\nset -gx AWS_CREDENTIAL_EXPIRATION {expiration}\n"
            ),
        ),
    ];
    for (format, text) in expected {
        let out = env.run(&["credentials", "--profile", "emu", "--format", format], "");
        assert_eq!(stdout(&out), text, "--format {format}");
    }

    // No profile named and AWS_* keys set: signed with them, as awscurl does.
    let mut command = env.command(&["call", "-v", &env.api("/cip")]);
    command
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .env("AWS_SESSION_TOKEN", &token)
        .env("AWS_REGION", "us-east-1");
    let out = env.run_with(&mut command, "");
    assert_success(&out);
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["caller"]["accessKey"], key.as_str());
    // -v: the canonical request with the token redacted, and the timings.
    let verbose = stderr(&out);
    assert!(
        verbose.contains("* canonical request (secrets redacted):"),
        "{verbose}"
    );
    assert!(
        verbose.contains("x-amz-security-token:** redacted (length="),
        "{verbose}"
    );
    assert!(
        verbose.contains("*   signing ") && verbose.contains("*   request "),
        "{verbose}"
    );

    assert_no_secret(&env, &[secret, token]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_decode_exit_codes_and_completions() {
    let env = Env::start().await;
    env.configure();
    assert_success(&env.login());

    // --dry-run signs but sends nothing.
    let before = env.emulator.calls("execute-api");
    let out = env.run(
        &[
            "call",
            "--profile",
            "emu",
            "--dry-run",
            "-H",
            "Content-Type: application/json",
            "-d",
            "{}",
            &env.api("/echo"),
        ],
        "",
    );
    assert_success(&out);
    let text = stdout(&out);
    assert!(
        text.starts_with("POST /_aws/execute-api/abc123defg/prod/echo HTTP/1.1\n"),
        "{text}"
    );
    assert!(
        text.contains("authorization: AWS4-HMAC-SHA256 Credential=ASIA"),
        "{text}"
    );
    assert!(
        text.contains("x-amz-security-token: ** redacted (length="),
        "{text}"
    );
    assert_eq!(env.emulator.calls("execute-api"), before);

    // decode: a Cognito token's claims and readable times; an STS token is opaque.
    let id_token = {
        let cache: Value = serde_json::from_slice(
            &std::fs::read(env.home.path().join("cache").join("emu.json")).unwrap(),
        )
        .unwrap();
        cache["tokens"]["id"].as_str().unwrap().to_owned()
    };
    let out = env.run(&["decode", "-"], &format!("{id_token}\n"));
    assert_success(&out);
    let decoded: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(decoded["verified"], false);
    assert_eq!(decoded["claims"]["token_use"], "id");
    assert_eq!(decoded["claims"]["email"], TOTP_USER);
    assert!(
        decoded["times"]["exp"]
            .as_str()
            .unwrap()
            .contains("(in 59m"),
        "{decoded}"
    );
    let sts = "IQoJb3JpZ2luX2VjE".to_owned() + &"A".repeat(300);
    let out = env.run(&["decode", &sts], "");
    assert_eq!(out.status.code(), Some(252));
    assert!(
        stderr(&out).contains("STS session token"),
        "{}",
        stderr(&out)
    );

    // Exit codes: usage 252; an HTTP failure is 0, or 22 with --fail-with-body (body kept);
    // a network failure 255 with the session kept.
    let out = env.run(&["call", "--no-such-flag"], "");
    assert_eq!(out.status.code(), Some(252));
    let denied = env.api("/cip");
    let out = env.run(&["call", "--auth", "none", &denied], "");
    assert_eq!(out.status.code(), Some(0));
    let out = env.run(&["call", "--auth", "none", "--fail-with-body", &denied], "");
    assert_eq!(out.status.code(), Some(22));
    assert!(stdout(&out).contains("Missing Authentication Token"));
    let out = env.run(&["call", "--auth", "none", "http://127.0.0.1:9/prod/x"], "");
    assert_eq!(out.status.code(), Some(255), "{}", stderr(&out));

    let out = env.run(&["completions", "bash"], "");
    assert_success(&out);
    assert!(stdout(&out).contains("cognito-sigv4"));
    for command in [
        "login",
        "call",
        "credentials",
        "decode",
        "whoami",
        "logout",
        "configure",
        "emulator",
    ] {
        let out = env.run(&[command, "--help"], "");
        assert_success(&out);
        assert!(
            stdout(&out).contains("Example"),
            "{command} --help has an example"
        );
    }
    assert_no_secret(&env, &[]);
}

#[test]
fn the_emulator_subcommand_serves_and_prints_its_ids() {
    let home = tempfile::tempdir().unwrap();
    let mut child = KillOnDrop(
        binary(home.path(), &["emulator", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ids: Value = serde_json::from_str(&line).unwrap_or_else(|_| panic!("{line}"));
    let endpoint = ids["endpoint"].as_str().unwrap().to_owned();
    let api = ids["apis"]["reference"]["url"].as_str().unwrap().to_owned();
    let run = |args: &[&str], stdin: &str| run_to_end(&mut binary(home.path(), args), stdin);
    let pool = &ids["user_pools"]["quickstart"];
    let out = run(
        &[
            "login",
            "--region",
            ids["region"].as_str().unwrap(),
            "--user-pool-id",
            pool["id"].as_str().unwrap(),
            "--client-id",
            pool["clients"]["web"].as_str().unwrap(),
            "--identity-pool-id",
            ids["identity_pools"]["quickstart"].as_str().unwrap(),
            "--endpoint-url",
            &endpoint,
            "--username",
            "jdoe@example.com",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    // The profile was saved by that first login: a call needs nothing more.
    let call = run(&["call", &format!("{api}/cip")], "");
    drop(child);
    assert_success(&out);
    assert!(
        stderr(&out).contains("Profile `default` saved"),
        "{}",
        stderr(&out)
    );
    assert_success(&call);
    let answer: Value = serde_json::from_slice(&call.stdout).unwrap();
    assert_eq!(answer["auth"], "AWS_IAM");
}
