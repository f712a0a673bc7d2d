//! The loopback redirect of a native app's sign-in (RFC 8252): a listener on a fixed local
//! port (Cognito matches callback URLs exactly, so the port is part of the app client's
//! configuration) that takes the browser's one redirect and answers with a page to close.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use url::Url;

use crate::error::{Error, ErrorKind, Result};

/// The most bytes of a request head read.
const MAX_HEAD: usize = 16 * 1024;

/// The page the browser shows after the redirect.
const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Signed in</title></head>\
<body><p>Signed in. You can close this window and go back to the application.</p></body></html>";

/// A listener on `127.0.0.1:<port>` for the browser's redirect.
#[derive(Debug)]
pub struct LoopbackRedirect {
    listener: TcpListener,
    port: u16,
}

impl LoopbackRedirect {
    /// Listens on `127.0.0.1:port` (`0` for any free port, for tests; a real app client's
    /// callback URL names a fixed one).
    ///
    /// Errors: [`ErrorKind::Config`] if the port is taken.
    pub async fn bind(port: u16) -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot listen on 127.0.0.1:{port} for the sign-in redirect: {e}"),
            )
        })?;
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
        Ok(Self { listener, port })
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits (at most `timeout`) for the browser's redirect carrying a `code` or an `error`,
    /// and returns the URL it asked for (give it to
    /// [`ManagedLogin::exchange`](super::ManagedLogin::exchange)). Other requests (a
    /// `favicon.ico`) are answered 404 and ignored.
    ///
    /// Errors: [`ErrorKind::Network`] when the time runs out.
    pub async fn wait(self, timeout: Duration) -> Result<Url> {
        tokio::time::timeout(timeout, self.accept_redirect())
            .await
            .map_err(|_| {
                Error::new(
                    ErrorKind::Network,
                    format!("no sign-in redirect within {} s", timeout.as_secs()),
                )
            })?
    }

    async fn accept_redirect(self) -> Result<Url> {
        loop {
            let (mut stream, _) = self.listener.accept().await.map_err(|e| {
                Error::new(
                    ErrorKind::Network,
                    format!("the redirect listener failed: {e}"),
                )
            })?;
            let Some(target) = read_target(&mut stream).await else {
                continue;
            };
            let url = Url::parse(&format!("http://127.0.0.1:{}", self.port))
                .and_then(|base| base.join(&target))
                .ok();
            let is_redirect = url
                .as_ref()
                .is_some_and(|u| u.query_pairs().any(|(k, _)| k == "code" || k == "error"));
            let (status, body) = if is_redirect {
                ("200 OK", DONE_PAGE)
            } else {
                ("404 Not Found", "")
            };
            let answer = format!(
                "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
                 cache-control: no-store\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = stream.shutdown().await;
            if let (true, Some(url)) = (is_redirect, url) {
                return Ok(url);
            }
        }
    }
}

/// The request target of a `GET` request head, if it is one.
async fn read_target(stream: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 || head.len() + n > MAX_HEAD {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = head.split(|&b| b == b'\r').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut parts = line.split(' ');
    (parts.next()? == "GET").then_some(())?;
    let target = parts.next()?;
    target.starts_with('/').then(|| target.to_owned())
}

/// Asks the desktop to open `url` in the default browser (`open` on macOS, `start` on
/// Windows, `xdg-open` elsewhere). Returns at once; the browser's own failures are not seen.
/// Print the URL too: there may be no desktop (a server, a container, SSH).
///
/// Errors: [`ErrorKind::Config`] when the opener cannot be started.
pub fn open_in_browser(url: &Url) -> Result<()> {
    let (program, args): (&str, &[&str]) = if cfg!(target_os = "macos") {
        ("open", &[])
    } else if cfg!(windows) {
        ("cmd", &["/C", "start", ""])
    } else {
        ("xdg-open", &[])
    };
    std::process::Command::new(program)
        .args(args)
        .arg(url.as_str())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot open a browser ({program}): {e}"),
            )
        })
}
