//! Memory of idle sessions: live heap bytes per signed-in [`Session`], counted by a global
//! allocator over many sessions (issue 17's target: at most 16 KiB each).
//!
//! ```text
//! cargo run --release -p cognito-sigv4-benches --bin session_memory [-- SESSIONS]
//! ```
//!
//! One real sign-in on the emulator (run as a child process, so that its own state is not
//! counted) gives realistic tokens; every session is then started from its own copy of them
//! (`SessionBuilder::from_tokens`, no network), so that no two sessions share a token's bytes,
//! and gets its own identity id and credentials from the emulator as an app would. The live
//! bytes are read before the sessions are made and once they all hold credentials.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use cognito_sigv4::secret::{Jwt, Password, RefreshToken};
use cognito_sigv4::user_pool::Tokens;
use cognito_sigv4::{Session, SignInOutcome};
use cognito_sigv4_benches::reference_config;
use cognito_sigv4_emulator::{Emulator, Seed};

/// Counts the bytes currently allocated through it.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only a counter is kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller promised for `layout`.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as the caller promised for `layout`.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `alloc` with this layout.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live() -> isize {
    LIVE.load(Ordering::Relaxed)
}

/// `--emulator`: serves the reference scenario and prints its endpoint, until standard input
/// closes. The emulator runs in this child process so that what it keeps (identities, issued
/// credentials) is not counted as the sessions' memory.
fn serve_emulator() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let emulator = Emulator::builder()
            .seed(Seed::reference())
            .start()
            .await
            .expect("emulator");
        println!("{}", emulator.endpoint());
        tokio::task::spawn_blocking(|| std::io::stdin().read_line(&mut String::new()))
            .await
            .ok();
        emulator.shutdown().await;
    });
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--emulator") {
        return serve_emulator();
    }
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("SESSIONS: a number"))
        .unwrap_or(100_000);
    let mut child = Command::new(std::env::current_exe().expect("this program"))
        .arg("--emulator")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the emulator process");
    let mut endpoint = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut endpoint)
        .expect("the emulator's endpoint");
    let endpoint = url::Url::parse(endpoint.trim()).expect("an endpoint URL");
    let config = reference_config(&endpoint).expect("config");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (tokens, credentials) = rt.block_on(async {
        let outcome = Session::builder(config.clone())
            .sign_in("jdoe", &Password::new("Quickstart-Passw0rd!"))
            .await
            .expect("sign in");
        let SignInOutcome::Done(session) = outcome else {
            panic!("unexpected challenge")
        };
        let credentials = session.credentials().await.expect("credentials");
        (session.tokens().await.expect("tokens"), credentials)
    });
    println!(
        "payload of one session: ID token {} B, access token {} B, refresh token {} B, \
         session token {} B",
        tokens.id.expose_secret().len(),
        tokens.access.expose_secret().len(),
        tokens
            .refresh
            .as_ref()
            .map_or(0, |r| r.expose_secret().len()),
        credentials.session_token().map_or(0, str::len),
    );
    let copy = |t: &Tokens| {
        Tokens::from_jwts(
            Jwt::new(t.id.expose_secret().to_owned()),
            Jwt::new(t.access.expose_secret().to_owned()),
            t.refresh
                .as_ref()
                .map(|r| RefreshToken::new(r.expose_secret().to_owned())),
        )
        .expect("tokens")
    };
    let _guard = rt.enter();
    for background in [false, true] {
        let builder = Session::builder(config.clone()).background_refresh(background);
        let mut sessions: Vec<Session> = Vec::with_capacity(n);
        let before = live();
        for _ in 0..n {
            let session = rt
                .block_on(builder.clone().from_tokens(copy(&tokens)))
                .expect("session");
            sessions.push(session);
        }
        let with_tokens = live();
        // Each session's own credentials, as an app gets them (GetId, then
        // GetCredentialsForIdentity), 64 exchanges at a time.
        rt.block_on(async {
            for chunk in sessions.chunks(64) {
                let tasks: Vec<_> = chunk
                    .iter()
                    .map(|s| {
                        let s = s.clone();
                        tokio::spawn(async move { s.credentials().await.expect("credentials") })
                    })
                    .collect();
                for t in tasks {
                    t.await.expect("exchange");
                }
            }
        });
        let after = live();
        let per = |bytes: isize| bytes as f64 / n as f64;
        println!(
            "{n} idle sessions, one builder, background refresh {}: {:.0} B each ({:.2} KiB) \
             = {:.0} B with tokens + {:.0} B for identity id and credentials",
            if background { "on" } else { "off" },
            per(after - before),
            per(after - before) / 1024.0,
            per(with_tokens - before),
            per(after - with_tokens),
        );
        drop(sessions);
    }
    // For comparison: sessions that each build their own Cognito clients.
    let m = n.min(5_000);
    let mut sessions: Vec<Session> = Vec::with_capacity(m);
    let before = live();
    for _ in 0..m {
        let session = rt
            .block_on(Session::builder(config.clone()).from_tokens(copy(&tokens)))
            .expect("session");
        sessions.push(session);
    }
    println!(
        "{m} sessions, a builder each, tokens only: {:.0} B each",
        (live() - before) as f64 / m as f64
    );
    drop(sessions);
    breakdown(&config, m);
    drop(child.stdin.take());
    let _ = child.wait();
}

/// Where a session's bytes go: each part it is built from, alone, per copy.
fn breakdown(config: &cognito_sigv4::CognitoConfig, n: usize) {
    fn per<T>(n: usize, mut make: impl FnMut() -> T) -> f64 {
        let mut kept = Vec::with_capacity(n);
        let before = live();
        for _ in 0..n {
            kept.push(make());
        }
        (live() - before) as f64 / n as f64
    }
    let up = per(n, || {
        cognito_sigv4::user_pool::UserPoolClient::builder(config)
            .build()
            .expect("client")
    });
    let ip = per(n, || {
        cognito_sigv4::identity_pool::IdentityPoolClient::builder(config)
            .build()
            .expect("client")
    });
    let cfg = per(n, || config.clone());
    println!(
        "  UserPoolClient {up:.0} B, IdentityPoolClient {ip:.0} B, CognitoConfig clone {cfg:.0} B"
    );
}
