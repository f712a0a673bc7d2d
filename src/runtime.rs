//! Where refreshes run: a small runtime of the crate's own, so that a refresh (and what it
//! must save) never depends on the runtime of the caller that happened to start it.
//!
//! A caller's runtime may end at any moment: a sync wrapper's `block_on`, a CLI command, a
//! test. If a rotating refresh ran there, Cognito could rotate the refresh token and the
//! runtime end before the answer was read and saved: the new token lost, the next refresh
//! replays the retired one and the user is signed out. So refreshes, background refreshers
//! and store I/O run on one runtime per process, started on first use, with one worker thread
//! (refreshes are rare and short) and tokio's blocking pool for store I/O. Callers on any
//! runtime, or on none, await the outcome.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::Poll;
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::JoinHandle;

/// The process's refresh runtime, or `None` if it cannot be started (no thread could be
/// spawned): refreshes then run on the caller's runtime, as before.
fn runtime() -> Option<&'static Runtime> {
    static RUNTIME: OnceLock<Option<Runtime>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("cognito-sigv4-refresh")
                .enable_all()
                .build()
                .map_err(|e| tracing::warn!(error = %e, "cannot start the refresh runtime"))
                .ok()
        })
        .as_ref()
}

/// The handle of the runtime refreshes run on: the crate's own, else the caller's.
pub(crate) fn handle() -> Option<Handle> {
    runtime()
        .map(|rt| rt.handle().clone())
        .or_else(|| Handle::try_current().ok())
}

/// Spawns `task` on the refresh runtime; `None` when there is no runtime at all (the caller
/// then runs it inline).
pub(crate) fn spawn<F>(task: F) -> Option<JoinHandle<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    handle().map(|h| h.spawn(task))
}

/// Runs blocking `work` (store I/O, lock waits) on the refresh runtime's blocking pool, off
/// every async worker; inline when there is no runtime. A panic in `work` is returned as the
/// `Err` of the outer result.
pub(crate) async fn blocking<T, F>(work: F) -> Result<T, BlockingPanic>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match handle() {
        Some(h) => h.spawn_blocking(work).await.map_err(|_| BlockingPanic),
        None => {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|_| BlockingPanic)
        }
    }
}

/// Blocking work panicked (or its task was cancelled).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockingPanic;

/// Runs `fut` for at most `limit` (real time): `None` if it did not finish. Works from any
/// executor, on the refresh runtime's timer (a caller's runtime may have no timer enabled).
pub(crate) async fn timeout<F: Future>(limit: Duration, fut: F) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    // The sleep is made on the refresh runtime, in its task: one made here would belong to
    // the caller's runtime, which may have no timer or be shutting down. No runtime anywhere:
    // nothing can time the wait; let it run.
    let mut timer = spawn(async move { tokio::time::sleep(limit).await });
    let out = std::future::poll_fn(|cx| {
        if let Poll::Ready(out) = fut.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        match timer.as_mut() {
            Some(timer) => Pin::new(timer).poll(cx).map(|_| None),
            None => Poll::Pending,
        }
    })
    .await;
    if let Some(timer) = timer {
        timer.abort();
    }
    out
}

/// The HTTP client of the crate's Cognito and STS clients: the SDKs' default HTTPS client,
/// whose every call runs on the refresh runtime.
///
/// The default client keeps a pool of connections, each served by a task spawned on the
/// runtime that opened it. A connection opened by a sign-in on a short-lived runtime would die
/// with that runtime, and the next call to reuse it — a refresh, whose answer may carry a
/// rotated refresh token — would fail ("dispatch task is gone"). On the refresh runtime, the
/// pool outlives every caller.
pub(crate) fn sdk_http_client() -> SharedHttpClient {
    use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig, tls};
    let default = Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    });
    SharedHttpClient::new(OnRefreshRuntime(default))
}

/// An HTTP client whose calls run on the refresh runtime.
#[derive(Debug)]
struct OnRefreshRuntime(SharedHttpClient);

impl HttpClient for OnRefreshRuntime {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(OnRefreshRuntimeConnector(
            self.0.http_connector(settings, components),
        ))
    }
}

#[derive(Debug)]
struct OnRefreshRuntimeConnector(SharedHttpConnector);

impl HttpConnector for OnRefreshRuntimeConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let Some(runtime) = handle() else {
            return self.0.call(request);
        };
        // Called inside the task: the call may start timers, which belong to the runtime
        // they are made on.
        let connector = self.0.clone();
        HttpConnectorFuture::new(async move {
            runtime
                .spawn(async move { connector.call(request).await })
                .await
                .unwrap_or_else(|e| Err(ConnectorError::other(e.into(), None)))
        })
    }
}
