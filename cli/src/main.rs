//! `cognito-sigv4`: sign in as an Amazon Cognito user, call IAM-secured APIs, and hand the
//! identity's temporary AWS credentials to every other AWS tool (`credential_process`).
//!
//! Run `cognito-sigv4 --help`, or `cognito-sigv4 <command> --help` for examples.

mod args;
mod cache;
mod commands;
mod device;
mod failure;
mod identity;
mod profile;
mod prompt;
mod timing;

use std::process::ExitCode;

use clap::{CommandFactory as _, Parser as _};
use tracing_subscriber::layer::SubscriberExt as _;

use crate::args::{Cli, Command};
use crate::failure::{Failure, code};
use crate::timing::SigningProbe;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let usage_error = e.use_stderr();
            let _ = e.print();
            return ExitCode::from(if usage_error { code::USAGE } else { 0 });
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&Failure::other(format!("cannot start: {e}"))),
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => fail(&failure),
    }
}

fn fail(failure: &Failure) -> ExitCode {
    eprintln!("{failure}");
    ExitCode::from(failure.code)
}

/// Runs one command; its exit code.
async fn run(cli: Cli) -> Result<u8, Failure> {
    match cli.command {
        Command::Login(args) => commands::login::run(args).await.map(|()| 0),
        Command::Call(args) => {
            // Only `-v` listens to the signer's events (timings and canonical request); no
            // other event of any library is ever printed.
            let probe = SigningProbe::default();
            if args.verbose {
                let subscriber = tracing_subscriber::registry().with(probe.clone());
                let _ = tracing::subscriber::set_global_default(subscriber);
            }
            commands::call::run(args, probe).await
        }
        Command::Credentials(args) => commands::credentials::run(args).await.map(|()| 0),
        Command::Decode(args) => commands::decode::run(args).map(|()| 0),
        Command::Whoami(args) => commands::whoami::run(args).await.map(|()| 0),
        Command::Logout(args) => commands::logout::run(args).await.map(|()| 0),
        Command::Configure(args) => commands::configure::run(args).map(|()| 0),
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => commands::emulator::run(args).await.map(|()| 0),
        Command::Completions(args) => {
            let mut command = Cli::command();
            clap_complete::generate(
                args.shell,
                &mut command,
                "cognito-sigv4",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
    }
}
