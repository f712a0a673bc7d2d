//! The built `cognito-sigv4` binary, driven as a person or a script would, against the
//! emulator: every subcommand, each auth mode and body form of `call`, each credentials format,
//! the exit codes, boto3 using it as `credential_process`, and no secret in any output but the
//! credentials'.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cognito_sigv4::{Clock, SystemClock};
use cognito_sigv4_emulator::{
    Emulator, MethodSeed, ResourceSeed, RunningEmulator, Seed, UserSeed, totp_code,
};
use serde_json::Value;

/// The password of the reference users, and of the TOTP user: the marker no output may show.
const PASSWORD: &str = "Quickstart-Passw0rd!";
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const TOTP_USER: &str = "tina@example.com";

/// The reference scenario, plus a user with an authenticator app (in `cip-users`) and a POST
/// route that echoes what it received.
fn seed() -> Seed {
    let mut seed = Seed::reference();
    let pool = &mut seed.user_pools[0];
    pool.mfa_configuration = Some("OPTIONAL".into());
    pool.users.push(UserSeed {
        username: TOTP_USER.into(),
        password: PASSWORD.into(),
        attributes: [("email".to_owned(), TOTP_USER.to_owned())].into(),
        groups: vec!["cip-users".into()],
        totp_secret: Some(TOTP_SECRET.into()),
        ..UserSeed::default()
    });
    let cip_role = seed
        .roles
        .iter_mut()
        .find(|r| r.arn.ends_with("role/CipRole"))
        .unwrap();
    cip_role.invoke.push("abc123defg/prod/*/echo".into());
    seed.apis[0].resources.push(ResourceSeed {
        path: "/echo".into(),
        methods: vec![MethodSeed {
            http_method: "ANY".into(),
            authorization: "AWS_IAM".into(),
            ..MethodSeed::default()
        }],
    });
    seed
}

/// An emulator, a private configuration directory, and every output seen (for the secret
/// check at the end).
struct Env {
    emulator: RunningEmulator,
    home: tempfile::TempDir,
    outputs: std::cell::RefCell<Vec<(String, String)>>,
}

impl Env {
    async fn start() -> Env {
        let emulator = Emulator::builder().seed(seed()).start().await.unwrap();
        Env {
            emulator,
            home: tempfile::tempdir().unwrap(),
            outputs: Default::default(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        binary(self.home.path(), args)
    }

    /// Runs the binary with `stdin`; its output, recorded.
    fn run_with(&self, command: &mut Command, stdin: &str) -> Output {
        let output = run_to_end(command, stdin);
        let args = format!("{:?}", command.get_args().collect::<Vec<_>>());
        self.outputs.borrow_mut().push((
            args,
            String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr),
        ));
        output
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_with(&mut self.command(args), stdin)
    }

    /// `configure` for profile `emu` with every setting given as a flag.
    fn configure(&self) {
        let config = self.emulator.config("quickstart", "web").unwrap();
        let endpoint = self.emulator.endpoint().to_string();
        let out = self.run(
            &[
                "configure",
                "--profile",
                "emu",
                "--region",
                config.region(),
                "--user-pool-id",
                config.user_pool_id().unwrap(),
                "--client-id",
                config.client_id().unwrap(),
                "--identity-pool-id",
                config.identity_pool_id().unwrap(),
                "--endpoint-url",
                &endpoint,
            ],
            "",
        );
        assert_success(&out);
    }

    /// The URL of `path` on the reference API.
    fn api(&self, path: &str) -> String {
        let base = self.emulator.api_url("reference", "prod").unwrap();
        format!("{}{path}", base.as_str().trim_end_matches('/'))
    }

    /// `login` as the TOTP user, the password and the current code on standard input.
    fn login(&self) -> Output {
        let code = totp_code(TOTP_SECRET, SystemClock.now()).unwrap();
        self.run(
            &[
                "login",
                "--profile",
                "emu",
                "--username",
                TOTP_USER,
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n{code}\n"),
        )
    }

    fn session_file(&self) -> PathBuf {
        self.home.path().join("sessions").join("emu.json")
    }
}

/// The binary, with `home` as its configuration directory and none of the developer's AWS or
/// Cognito variables.
fn binary(home: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cognito-sigv4"));
    command.args(args).env("COGNITO_SIGV4_CONFIG_DIR", home);
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") || name.starts_with("COGNITO_") {
            command.env_remove(&name);
        }
    }
    command
}

/// Runs `command` to its end with `stdin` as its standard input.
fn run_to_end(command: &mut Command, stdin: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
}

/// The `body` the echo route received, from its JSON answer.
fn echoed_body(out: &Output) -> String {
    let answer: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("not JSON: {}", stdout(out)));
    answer["body"]
        .as_str()
        .unwrap_or_else(|| panic!("no body echoed: {answer}"))
        .to_owned()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

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

/// The refresh token in the session file (read as a test may: the file is the user's).
fn refresh_token(env: &Env) -> String {
    let stored: Value =
        serde_json::from_slice(&std::fs::read(env.session_file()).unwrap()).unwrap();
    stored["refresh_token"].as_str().unwrap().to_owned()
}

/// No output but `credentials`' holds the password, a token or a secret key.
fn assert_no_secret(env: &Env, extra: &[String]) {
    let cache = env.home.path().join("cache").join("emu.json");
    let mut secrets: Vec<String> = vec![PASSWORD.to_owned()];
    secrets.extend(extra.iter().cloned());
    if let Ok(bytes) = std::fs::read(&cache) {
        let cached: Value = serde_json::from_slice(&bytes).unwrap();
        for value in [
            &cached["tokens"]["id"],
            &cached["tokens"]["access"],
            &cached["credentials"]["secret_access_key"],
            &cached["credentials"]["session_token"],
        ] {
            if let Some(s) = value.as_str() {
                secrets.push(s.to_owned());
            }
        }
    }
    for (args, output) in env.outputs.borrow().iter() {
        if args.contains("\"credentials\"") {
            continue;
        }
        for secret in &secrets {
            assert!(
                !output.contains(secret.as_str()),
                "a secret in the output of {args}"
            );
        }
    }
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

/// A child process stopped when the test ends, however it ends.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
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

/// Under CI a missing peer fails the test; elsewhere it is skipped with a line saying so.
fn peer_missing(test: &str, reason: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    assert!(
        !ci,
        "{test}: {reason} (CI=true: .ci/run installs every peer)"
    );
    println!("skipped: {test}: {reason}");
}

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

    // Calls work; with the cache gone, the session refreshes at the token endpoint.
    let out = env.run(&["call", "--profile", "emu", &env.api("/cip")], "");
    assert_success(&out);
    std::fs::remove_file(env.home.path().join("cache").join("emu.json")).unwrap();
    let before = env.emulator.calls("oauth2/token");
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
