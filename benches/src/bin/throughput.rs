//! Client throughput: signed requests per second through [`ApiClient`] beside plain `reqwest`
//! (unsigned), both on identically built keep-alive clients, at the same concurrency, against
//! one loopback server that answers 200 without looking at the request. What differs between
//! the two is the client's own cost: finding the route, reading the session's credentials and
//! signing (issue 17's target: at least 0.9 of plain `reqwest`).
//!
//! ```text
//! cargo run --release -p cognito-sigv4-benches --bin throughput [-- REQUESTS CONCURRENCY ROUNDS [ONLY]]
//! ```
//!
//! A third candidate, `ApiClient` with no authentication, shows how much of the difference is
//! signing and how much the client's own request handling. Each round runs the three, starting
//! with a different one each time, so that drift in the machine's speed hits all; the ratios
//! are taken round by round and their medians reported.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cognito_sigv4::client::{ApiClient, AuthMode};
use cognito_sigv4::secret::Password;
use cognito_sigv4::{Session, SignInOutcome};
use cognito_sigv4_benches::median;
use cognito_sigv4_emulator::{Emulator, Seed};

/// The API's AWS host name: what `Host` and the signature carry.
const HOST: &str = "abc123defg.execute-api.us-east-1.amazonaws.com";

/// A keep-alive client built the way `ApiClient` builds its own (no redirects, the same
/// timeouts), sending to the loopback server whatever the host name.
fn http_client(server: SocketAddr) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .resolve(HOST, server)
        .build()
        .expect("http client")
}

/// A server that answers every request with 200 and a short body, reading nothing.
async fn serve() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = axum::Router::new().fallback(|| async { "{\"ok\":true}" });
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Sends `total` requests with `concurrency` tasks pulling from one counter; returns the
/// requests per second.
#[allow(
    clippy::disallowed_methods,
    reason = "a benchmark measures wall time with the real clock"
)]
async fn run<F, Fut>(total: usize, concurrency: usize, send: F) -> f64
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let start = std::time::Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, send) = (next.clone(), send.clone());
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < total {
                    assert_eq!(send().await, 200);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("worker");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .map(|a| a.parse().expect("a number"))
            .unwrap_or(default)
    };
    let (total, concurrency, rounds) = (arg(1, 20_000), arg(2, 16), arg(3, 7));
    // For profiling one candidate alone: `signed`, `unauthenticated` or `reqwest`.
    let only = std::env::args().nth(4).map(|o| match o.as_str() {
        "signed" => 0,
        "unauthenticated" => 1,
        "reqwest" => 2,
        _ => panic!("ONLY: signed, unauthenticated or reqwest"),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        // A real session (SRP sign-in and identity-pool credentials from the emulator), so the
        // signed side pays what an app pays per request, credentials read included.
        let emulator = Emulator::builder()
            .seed(Seed::reference())
            .start()
            .await
            .expect("emulator");
        let config = emulator.config("quickstart", "web").expect("config");
        let SignInOutcome::Done(session) = Session::builder(config)
            .sign_in("jdoe", &Password::new("Quickstart-Passw0rd!"))
            .await
            .expect("sign in")
        else {
            panic!("unexpected challenge")
        };
        session.credentials().await.expect("credentials");
        let server = serve().await;
        let base = format!("http://{HOST}:{}/prod", server.port());
        let api = ApiClient::builder(base.clone())
            .session(&session)
            .http_client(http_client(server))
            .build()
            .expect("api client");
        // The same client with no authentication: its own cost without signing, to show
        // where the difference goes.
        let api_none = ApiClient::builder(base.clone())
            .default_auth(AuthMode::None)
            .http_client(http_client(server))
            .build()
            .expect("api client");
        let plain = http_client(server);
        let url = format!("{base}/cip");
        let through = |api: ApiClient| {
            move || {
                let api = api.clone();
                async move {
                    let r = api
                        .request(http::Method::GET, "/cip")
                        .send()
                        .await
                        .expect("request through ApiClient");
                    r.status().as_u16()
                }
            }
        };
        let (signed, not_signed) = (through(api), through(api_none));
        let unsigned = move || {
            let (plain, url) = (plain.clone(), url.clone());
            async move {
                let r = plain.get(&url).send().await.expect("plain request");
                let status = r.status().as_u16();
                r.bytes().await.expect("body");
                status
            }
        };
        // Warm-up: connections open, caches filled, on every side.
        run(total / 10, concurrency, signed.clone()).await;
        run(total / 10, concurrency, not_signed.clone()).await;
        run(total / 10, concurrency, unsigned.clone()).await;
        let mut rates = [Vec::new(), Vec::new(), Vec::new()];
        let (mut ratios, mut own) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            // Each round starts with another candidate, so none always runs first.
            let mut got = [0.0; 3];
            for k in 0..3 {
                let which = (round + k) % 3;
                if only.is_some_and(|o| o != which) {
                    continue;
                }
                got[which] = match which {
                    0 => run(total, concurrency, signed.clone()).await,
                    1 => run(total, concurrency, not_signed.clone()).await,
                    _ => run(total, concurrency, unsigned.clone()).await,
                };
            }
            let [x, z, y] = got;
            println!(
                "round {round}: ApiClient signed {x:.0} req/s, ApiClient unauthenticated \
                 {z:.0} req/s, reqwest {y:.0} req/s; signed / reqwest {:.3}",
                x / y
            );
            for (rate, value) in rates.iter_mut().zip(got) {
                rate.push(value);
            }
            ratios.push(x / y);
            own.push(z / y);
        }
        let [a, c, b] = &mut rates;
        println!(
            "median of {rounds} rounds of {total} requests, {concurrency} concurrent: \
             ApiClient signed {:.0} req/s, reqwest {:.0} req/s, ratio {:.3} (target >= 0.9); \
             ApiClient unauthenticated {:.0} req/s, ratio {:.3}",
            median(a),
            median(b),
            median(&mut ratios),
            median(c),
            median(&mut own),
        );
        emulator.shutdown().await;
    });
}
