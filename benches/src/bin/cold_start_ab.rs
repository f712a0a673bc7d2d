//! Cold start, Rust beside Python: times whole processes, from start to exit, of
//! `cold_start` (this crate: SRP sign-in, identity-pool credentials, one signed GET through
//! `ApiClient`) and `benches/cold_start.py` (pycognito, boto3 and botocore doing the same),
//! alternately, against one emulator this program serves on 127.0.0.1 (issue 17's target:
//! Rust's median at most 0.2 × Python's).
//!
//! ```text
//! cargo build --release -p cognito-sigv4-benches --bins && target/release/cold_start_ab [RUNS]
//! ```
//!
//! `PYTHON` names the interpreter (default `python3`; it needs `pip install -r
//! scripts/requirements.txt`). Each pair runs A then B, the next B then A; one unmeasured pair
//! warms the caches first. The ratio is taken pair by pair and its median reported, beside
//! each side's median.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use cognito_sigv4_benches::median;
use cognito_sigv4_emulator::{Emulator, Seed};

#[allow(
    clippy::disallowed_methods,
    reason = "a benchmark measures wall time with the real clock"
)]
fn time(command: &mut Command) -> Duration {
    let start = std::time::Instant::now();
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("the command starts");
    let took = start.elapsed();
    assert!(status.success(), "{command:?} failed: {status}");
    took
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("RUNS: a number"))
        .unwrap_or(20);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = rt
        .block_on(Emulator::builder().seed(Seed::reference()).start())
        .expect("emulator");
    let endpoint = emulator.endpoint().to_string();
    let rust_bin = std::env::current_exe()
        .expect("this program")
        .with_file_name("cold_start");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("cold_start.py");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let rust = || time(Command::new(&rust_bin).arg(&endpoint));
    let py = || {
        time(
            Command::new(&python)
                .arg(&script)
                .arg(&endpoint)
                .env("AWS_EC2_METADATA_DISABLED", "true"),
        )
    };
    // Warm-up: the binaries and Python's modules in the page cache.
    rust();
    py();
    let (mut a, mut b, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..runs {
        let (x, y) = if i % 2 == 0 {
            let x = rust();
            (x, py())
        } else {
            let y = py();
            (rust(), y)
        };
        let (x, y) = (x.as_secs_f64() * 1e3, y.as_secs_f64() * 1e3);
        println!(
            "pair {i}: Rust {x:.1} ms, Python {y:.1} ms, ratio {:.3}",
            x / y
        );
        a.push(x);
        b.push(y);
        ratios.push(x / y);
    }
    println!(
        "median of {runs} pairs: Rust {:.1} ms, Python {:.1} ms, ratio {:.3} (target <= 0.2)",
        median(&mut a),
        median(&mut b),
        median(&mut ratios)
    );
    rt.block_on(emulator.shutdown());
}
