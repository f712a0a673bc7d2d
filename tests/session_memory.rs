//! Memory of idle sessions: sessions made from one builder share its Cognito clients, so each
//! holds little more than its own tokens and credentials (issue 17: at most 16 KiB each; the
//! figure over 100,000 sessions is in BENCHMARKS.md). Before they were shared, every session
//! built its own aws-sdk clients: about 52 KiB a session.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

use cognito_sigv4::Session;
use cognito_sigv4::secret::{Jwt, RefreshToken};
use cognito_sigv4::user_pool::Tokens;
use support::{TestEmulator, signed_in};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_from_one_builder_share_its_clients_and_stay_small() {
    let env = TestEmulator::start().await;
    let builder = Session::builder(env.config()).clock(env.clock.clone());
    let first = signed_in(builder.clone(), "jdoe").await;
    let tokens = first.tokens().await.expect("tokens");
    // Each session its own copy of the tokens, as each user has their own.
    let copy = || {
        Tokens::from_jwts(
            Jwt::new(tokens.id.expose_secret().to_owned()),
            Jwt::new(tokens.access.expose_secret().to_owned()),
            tokens
                .refresh
                .as_ref()
                .map(|r| RefreshToken::new(r.expose_secret().to_owned())),
        )
        .expect("tokens")
    };
    const N: usize = 500;
    let mut sessions = Vec::with_capacity(N);
    let before = LIVE.load(Ordering::Relaxed);
    for _ in 0..N {
        sessions.push(builder.clone().from_tokens(copy()).await.expect("session"));
    }
    let per_session = (LIVE.load(Ordering::Relaxed) - before) / N as isize;
    assert!(
        per_session < 12 * 1024,
        "{per_session} bytes a session with tokens only (16 KiB is the budget with credentials)"
    );
    // And at least each session's own copy of the token text, so that the bound above is
    // not met by a count that misses the sessions' allocations.
    let token_text = tokens.id.expose_secret().len()
        + tokens.access.expose_secret().len()
        + tokens
            .refresh
            .as_ref()
            .map_or(0, |r| r.expose_secret().len());
    assert!(
        per_session >= token_text as isize,
        "{per_session} bytes counted a session, less than its {token_text} bytes of tokens"
    );
    // They work: one of them gets credentials with the shared clients.
    let last = sessions.pop().expect("a session");
    last.credentials().await.expect("credentials");
    env.shutdown().await;
}
