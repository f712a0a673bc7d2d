//! The command line, as clap reads it: one struct per subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Sign in as an Amazon Cognito user, call IAM-secured APIs, and hand the identity's
/// temporary AWS credentials to every other AWS tool.
#[derive(Debug, Parser)]
#[command(name = "cognito-sigv4", version, propagate_version = true)]
#[command(
    after_help = "Exit codes (the AWS CLI's): 0 success, 252 usage, 253 configuration or \
credentials, 254 service error, 255 other, 22 HTTP status >= 400 with --fail-with-body."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to the user pool and save the session for the profile.
    #[command(
        after_help = "Examples:\n  cognito-sigv4 login --profile dev --username jdoe\n  \
        cognito-sigv4 login --profile dev --browser --domain https://myapp.auth.eu-west-1.amazoncognito.com\n  \
        printf '%s\\n' \"$PASSWORD\" | cognito-sigv4 login --profile ci --username jdoe --password-stdin"
    )]
    Login(LoginArgs),
    /// Send an HTTP request signed as the profile's identity (curl-like).
    #[command(
        after_help = "Examples:\n  cognito-sigv4 call https://abc123.execute-api.eu-west-1.amazonaws.com/prod/pets\n  \
        cognito-sigv4 call -X POST -d @pet.json -H 'Content-Type: application/json' https://abc123.execute-api.eu-west-1.amazonaws.com/prod/pets\n  \
        cognito-sigv4 call --auth id-token https://abc123.execute-api.eu-west-1.amazonaws.com/prod/cup"
    )]
    Call(CallArgs),
    /// Print the profile's temporary AWS credentials (for `credential_process` and shells).
    #[command(
        after_help = "Examples:\n  eval \"$(cognito-sigv4 credentials --profile dev --format env)\"\n  \
        # ~/.aws/config:\n  [profile cognito-dev]\n  credential_process = cognito-sigv4 credentials --profile dev"
    )]
    Credentials(CredentialsArgs),
    /// Print the claims of a Cognito ID or access token, times readable.
    #[command(
        after_help = "Examples:\n  cognito-sigv4 decode eyJraWQiOi...\n  echo \"$TOKEN\" | cognito-sigv4 decode -"
    )]
    Decode(DecodeArgs),
    /// Who the profile is signed in as: user, groups, identity id, role, expiries.
    #[command(after_help = "Example:\n  cognito-sigv4 whoami --profile dev")]
    Whoami(WhoamiArgs),
    /// Sign out: revoke the refresh token (or sign out everywhere) and forget the session.
    #[command(
        after_help = "Examples:\n  cognito-sigv4 logout --profile dev\n  cognito-sigv4 logout --profile dev --global"
    )]
    Logout(LogoutArgs),
    /// Write a profile (asks for what the flags do not give).
    #[command(
        after_help = "Example:\n  cognito-sigv4 configure --profile dev --region eu-west-1 \
        --user-pool-id eu-west-1_AbC123 --client-id 5k3lbv1q2ghr4jh8i6t0ebd3m7"
    )]
    Configure(ConfigureArgs),
    /// Run the local emulator of Cognito, STS and API Gateway (no AWS account needed).
    #[cfg(feature = "emulator")]
    #[command(
        after_help = "Examples:\n  cognito-sigv4 emulator --port 4566\n  cognito-sigv4 emulator --seed my-seed.toml"
    )]
    Emulator(EmulatorArgs),
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  cognito-sigv4 completions bash > /etc/bash_completion.d/cognito-sigv4"
    )]
    Completions(CompletionsArgs),
}

/// Where the Cognito configuration comes from, for every subcommand that needs it. Flags
/// override `COGNITO_*` variables, which override the profile file, which overrides
/// `--amplify-outputs`.
#[derive(Debug, Clone, Args, Default)]
pub struct ConfigArgs {
    /// The profile: its settings and its saved session [env: COGNITO_SIGV4_PROFILE] [default: default].
    #[arg(long, env = "COGNITO_SIGV4_PROFILE", hide_env = true)]
    pub profile: Option<String>,
    /// The AWS region of the user and identity pools.
    #[arg(long)]
    pub region: Option<String>,
    /// The user pool id (`<region>_<id>`).
    #[arg(long)]
    pub user_pool_id: Option<String>,
    /// The app client id.
    #[arg(long)]
    pub client_id: Option<String>,
    /// The identity pool id (`<region>:<uuid>`), for AWS credentials.
    #[arg(long)]
    pub identity_pool_id: Option<String>,
    /// One endpoint for Cognito and STS (the emulator's, e.g. http://127.0.0.1:4566)
    /// [env: AWS_ENDPOINT_URL].
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Read the pools from an Amplify Gen 2 `amplify_outputs.json`.
    #[arg(long, value_name = "FILE")]
    pub amplify_outputs: Option<PathBuf>,
}

/// `login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The username (or e-mail, where the pool allows it); asked for when absent.
    #[arg(long)]
    pub username: Option<String>,
    /// Sign in with USER_PASSWORD_AUTH (the password is sent over TLS) instead of SRP.
    #[arg(long)]
    pub password_auth: bool,
    /// Read the password from the first line of standard input (for scripts).
    #[arg(long)]
    pub password_stdin: bool,
    /// Sign in on the managed login's pages in a browser (authorization code with PKCE and a
    /// loopback redirect), instead of with a password here.
    #[arg(long, conflicts_with_all = ["username", "password_auth", "password_stdin"])]
    pub browser: bool,
    /// Sign in with CUSTOM_AUTH: the pool's Lambda triggers ask their own challenges (a code
    /// sent by e-mail, a question), shown with their parameters and answered at the prompt.
    /// No password is asked unless --with-password.
    #[arg(long, conflicts_with_all = ["browser", "password_auth"])]
    pub custom_auth: bool,
    /// With --custom-auth: prove the password by SRP first (CUSTOM_AUTH beginning with SRP_A),
    /// for pools whose triggers ask for it before their own challenges.
    #[arg(long, requires = "custom_auth")]
    pub with_password: bool,
    /// Remember this device (pools that track devices): later logins on it, even after
    /// `logout`, prove the device instead of asking for the MFA code, where the pool allows.
    #[arg(long, conflicts_with = "browser")]
    pub remember_device: bool,
    /// With --browser: the user pool domain, such as `https://PREFIX.auth.REGION.amazoncognito.com`.
    #[arg(long, requires = "browser")]
    pub domain: Option<String>,
    /// With --browser: the redirect URI, one of the app client's callback URLs on localhost
    /// or 127.0.0.1 [default: http://localhost:8765/callback].
    #[arg(long, requires = "browser")]
    pub redirect_uri: Option<String>,
    /// With --browser: the scopes to ask for [default: openid email profile].
    #[arg(long, requires = "browser", value_delimiter = ' ')]
    pub scopes: Vec<String>,
    /// With --browser: print the URL without trying to open a browser.
    #[arg(long, requires = "browser")]
    pub no_open: bool,
}

/// How `call` authenticates its request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CallAuth {
    /// SigV4 with the identity's temporary credentials (`AWS_IAM` routes).
    Iam,
    /// The user-pool ID token in `Authorization` (Cognito authorizers).
    IdToken,
    /// The user-pool access token in `Authorization` (authorizers with OAuth scopes).
    AccessToken,
    /// Nothing.
    None,
}

/// `call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The URL.
    pub url: String,
    /// The method [default: GET, or POST with a body].
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub method: Option<String>,
    /// The body: text, `@FILE`, or `@-` for standard input.
    #[arg(short = 'd', long = "data", value_name = "DATA")]
    pub data: Option<String>,
    /// A header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// How to authenticate.
    #[arg(long, value_enum, default_value_t = CallAuth::Iam)]
    pub auth: CallAuth,
    /// The service to sign for [default: from an AWS host name, else execute-api].
    #[arg(long)]
    pub service: Option<String>,
    /// Print the response's status line and headers before its body.
    #[arg(short = 'i', long)]
    pub include: bool,
    /// Write the body to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 22 when the status is 400 or more (the body is still printed).
    #[arg(long)]
    pub fail_with_body: bool,
    /// Print the signed request (secrets redacted) without sending it.
    #[arg(long)]
    pub dry_run: bool,
    /// Print timings and the canonical request (secrets redacted) to standard error.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Connect to this address instead of the URL's host (`HOST:PORT`), as curl's
    /// `--connect-to`: for the emulator or a tunnel.
    #[arg(long, value_name = "HOST:PORT")]
    pub connect_to: Option<String>,
}

/// The output formats of `credentials`, as `aws configure export-credentials`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CredentialsFormat {
    /// `credential_process` JSON (`Version: 1`).
    Process,
    /// `export AWS_...=...` lines.
    Env,
    /// `AWS_...=...` lines.
    EnvNoExport,
    /// `$Env:AWS_...="..."` lines.
    Powershell,
    /// `set AWS_...=...` lines.
    WindowsCmd,
    /// `set -gx AWS_... ...` lines.
    Fish,
    /// JSON with the identity id too.
    Json,
}

/// `credentials`.
#[derive(Debug, Args)]
pub struct CredentialsArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The output format.
    #[arg(long, value_enum, default_value_t = CredentialsFormat::Process)]
    pub format: CredentialsFormat,
}

/// `decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// The token, or `-` to read it from standard input.
    pub token: String,
}

/// `whoami`.
#[derive(Debug, Args)]
pub struct WhoamiArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// `logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Sign out of every device (GlobalSignOut), not only this session.
    #[arg(long)]
    pub global: bool,
    /// Also forget this device (ForgetDevice), so that the next login asks for MFA again.
    #[arg(long)]
    pub forget_device: bool,
}

/// `configure`.
#[derive(Debug, Args)]
pub struct ConfigureArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// `emulator`.
#[cfg(feature = "emulator")]
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// The emulator's own flags, the same as its standalone binary's.
    #[command(flatten)]
    pub serve: cognito_sigv4_emulator::serve::ServeArgs,
}

/// `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
}
