//! What the CLI's test files share: the emulator's seed, an environment (an emulator and a
//! private configuration directory) that runs the built binary and records every output, and
//! the checks on those outputs.
#![allow(dead_code)] // Each test file uses part of it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use cognito_sigv4::{Clock, SystemClock};
use cognito_sigv4_emulator::{
    Emulator, MethodSeed, ResourceSeed, RunningEmulator, Seed, UserSeed, totp_code,
};
use serde_json::Value;

/// The password of the reference users, and of the TOTP user: the marker no output may show.
pub const PASSWORD: &str = "Quickstart-Passw0rd!";
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
pub const TOTP_USER: &str = "tina@example.com";

/// The reference scenario, plus a user with an authenticator app (in `cip-users`) and a POST
/// route that echoes what it received.
pub fn seed() -> Seed {
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

/// The TOTP user's current code.
pub fn totp_code_now() -> String {
    totp_code(TOTP_SECRET, SystemClock.now()).unwrap()
}

/// An emulator, a private configuration directory, and every output seen (for the secret
/// check at the end).
pub struct Env {
    pub emulator: RunningEmulator,
    pub home: tempfile::TempDir,
    pub outputs: std::cell::RefCell<Vec<(String, String)>>,
}

impl Env {
    pub async fn start() -> Env {
        Env::with_seed(seed()).await
    }

    /// An environment on `seed` (built from [`seed`]: `configure` expects its pool and API).
    pub async fn with_seed(seed: Seed) -> Env {
        let emulator = Emulator::builder().seed(seed).start().await.unwrap();
        Env {
            emulator,
            home: tempfile::tempdir().unwrap(),
            outputs: Default::default(),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        binary(self.home.path(), args)
    }

    /// Runs the binary with `stdin`; its output, recorded.
    pub fn run_with(&self, command: &mut Command, stdin: &str) -> Output {
        let output = run_to_end(command, stdin);
        let args = format!("{:?}", command.get_args().collect::<Vec<_>>());
        self.outputs.borrow_mut().push((
            args,
            String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr),
        ));
        output
    }

    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_with(&mut self.command(args), stdin)
    }

    /// `configure` for profile `emu` with every setting given as a flag.
    pub fn configure(&self) {
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
    pub fn api(&self, path: &str) -> String {
        let base = self.emulator.api_url("reference", "prod").unwrap();
        format!("{}{path}", base.as_str().trim_end_matches('/'))
    }

    /// `login` as the TOTP user, the password and the current code on standard input.
    pub fn login(&self) -> Output {
        let code = totp_code_now();
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

    pub fn session_file(&self) -> PathBuf {
        self.home.path().join("sessions").join("emu.json")
    }
}

/// The binary, with `home` as its configuration directory and none of the developer's AWS or
/// Cognito variables.
pub fn binary(home: &Path, args: &[&str]) -> Command {
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
pub fn run_to_end(command: &mut Command, stdin: &str) -> Output {
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

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        stdout(out),
        stderr(out)
    );
}

/// The `body` the echo route received, from its JSON answer.
pub fn echoed_body(out: &Output) -> String {
    let answer: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("not JSON: {}", stdout(out)));
    answer["body"]
        .as_str()
        .unwrap_or_else(|| panic!("no body echoed: {answer}"))
        .to_owned()
}

#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The refresh token in the session file (read as a test may: the file is the user's).
pub fn refresh_token(env: &Env) -> String {
    let stored: Value =
        serde_json::from_slice(&std::fs::read(env.session_file()).unwrap()).unwrap();
    stored["refresh_token"].as_str().unwrap().to_owned()
}

/// No output but `credentials`' holds the password, a token or a secret key.
pub fn assert_no_secret(env: &Env, extra: &[String]) {
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

/// A child process stopped when the test ends, however it ends.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Under CI a missing peer fails the test; elsewhere it is skipped with a line saying so.
pub fn peer_missing(test: &str, reason: &str) {
    let ci = std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    assert!(
        !ci,
        "{test}: {reason} (CI=true: .ci/run installs every peer)"
    );
    println!("skipped: {test}: {reason}");
}
