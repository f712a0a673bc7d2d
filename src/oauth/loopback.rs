//! The loopback redirect of a native app's sign-in (RFC 8252): a listener on a fixed local
//! port (Cognito matches callback URLs exactly, so the port is part of the app client's
//! configuration) that takes the browser's one redirect and answers with a page to close.

use std::future::Future;
use std::time::Duration;

use std::sync::Arc;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use tokio::sync::{Semaphore, mpsc};
use url::Url;

use super::{AuthorizationRequest, ct_eq};
use crate::error::{Error, ErrorKind, Result};

/// The most bytes of a request head read.
const MAX_HEAD: usize = 16 * 1024;

/// How long one connection may take to send its request head. A browser sends it at once;
/// an idle or slow connection is dropped after this, and never holds up the others.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections served at once; further ones wait to be accepted.
const MAX_CONNECTIONS: usize = 32;

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

    /// Waits (at most `timeout`) for the browser's redirect answering `request`: a `code` or
    /// an `error` with `request`'s `state`. Returns the URL it asked for (give it to
    /// [`ManagedLogin::exchange`](super::ManagedLogin::exchange)).
    ///
    /// Any other request is answered and ignored: a `favicon.ico`, and a redirect whose
    /// `state` is not this sign-in's (a web page the user visits can make the browser load
    /// `http://localhost:<port>/?code=x`, and must not end the sign-in). Connections are
    /// served concurrently, each given 10 seconds to send its request, so an idle connection
    /// cannot hold up the real redirect.
    ///
    /// The returned future owns what it needs (it can be spawned).
    ///
    /// Errors: [`ErrorKind::Network`] when the time runs out.
    pub fn wait(
        self,
        request: &AuthorizationRequest,
        timeout: Duration,
    ) -> impl Future<Output = Result<Url>> + Send + 'static {
        let state = request.state().to_owned();
        async move {
            tokio::time::timeout(timeout, self.accept_redirect(state))
                .await
                .map_err(|_| {
                    Error::new(
                        ErrorKind::Network,
                        format!("no sign-in redirect within {} s", timeout.as_secs()),
                    )
                })?
        }
    }

    async fn accept_redirect(self, state: String) -> Result<Url> {
        let base = Url::parse(&format!("http://127.0.0.1:{}", self.port))
            .map_err(|e| Error::new(ErrorKind::Config, format!("the redirect URL: {e}")))?;
        let (found, mut redirects) = mpsc::channel(1);
        // Dropping the set (when the redirect comes, or the time runs out) aborts the accept
        // loop, and with it every connection still open.
        let mut acceptor = tokio::task::JoinSet::new();
        acceptor.spawn(accept_loop(self.listener, base, state.into(), found));
        redirects.recv().await.unwrap_or_else(|| {
            Err(Error::new(
                ErrorKind::Network,
                "the redirect listener stopped",
            ))
        })
    }
}

/// Accepts connections and serves each in its own task (at most [`MAX_CONNECTIONS`] at once),
/// sending the redirect that answers the sign-in, or the listener's failure, to `found`.
async fn accept_loop(
    listener: TcpListener,
    base: Url,
    state: Arc<str>,
    found: mpsc::Sender<Result<Url>>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        // Reap the connections that are done, so the set does not grow.
        while connections.try_join_next().is_some() {}
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                let failure = Error::new(
                    ErrorKind::Network,
                    format!("the redirect listener failed: {e}"),
                );
                let _ = found.send(Err(failure)).await;
                return;
            }
        };
        let (base, state, found) = (base.clone(), state.clone(), found.clone());
        connections.spawn(async move {
            if let Some(url) = serve(stream, &base, &state).await {
                let _ = found.send(Ok(url)).await;
            }
            drop(slot);
        });
    }
}

/// Serves one connection: reads its request head (at most [`READ_TIMEOUT`]), answers it, and
/// returns the URL if it is the redirect carrying `state` and a `code` or an `error`.
async fn serve(mut stream: tokio::net::TcpStream, base: &Url, state: &str) -> Option<Url> {
    let target = tokio::time::timeout(READ_TIMEOUT, read_target(&mut stream))
        .await
        .ok()
        .flatten()?;
    let url = base.join(&target).ok();
    let answers_this_sign_in = url.as_ref().is_some_and(|u| is_redirect_for(u, state));
    let (status, body) = if answers_this_sign_in {
        ("200 OK", DONE_PAGE)
    } else {
        ("404 Not Found", "")
    };
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
         cache-control: no-store\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(READ_TIMEOUT, async {
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
    url.filter(|_| answers_this_sign_in)
}

/// Whether `url` carries a `code` or an `error` and exactly this sign-in's `state` (compared
/// in constant time: the state is the secret that tells the real redirect from a forged one).
fn is_redirect_for(url: &Url, state: &str) -> bool {
    // The first `state`, as `ManagedLogin::exchange` reads it.
    let state_matches = url
        .query_pairs()
        .find(|(key, _)| key == "state")
        .is_some_and(|(_, value)| ct_eq(value.as_bytes(), state.as_bytes()));
    let has_answer = url
        .query_pairs()
        .any(|(key, _)| key == "code" || key == "error");
    has_answer && state_matches
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

/// Asks the desktop to open `url` in the default browser (`open` on macOS, the URL protocol
/// handler through `rundll32` on Windows, `xdg-open` elsewhere). Returns at once; the
/// browser's own failures are not seen. Print the URL too: there may be no desktop (a server,
/// a container, SSH).
///
/// No shell sees the URL: each opener gets it as one argument. (Windows' `cmd /C start` would
/// split it at every `&` and run the rest as commands.)
///
/// Errors: [`ErrorKind::Config`] when the opener cannot be started.
pub fn open_in_browser(url: &Url) -> Result<()> {
    let os = if cfg!(target_os = "macos") {
        Os::Mac
    } else if cfg!(windows) {
        Os::Windows
    } else {
        Os::Other
    };
    let opener = Opener::for_url(os, url)?;
    let mut command = std::process::Command::new(opener.program);
    #[cfg(windows)]
    {
        // The exact command line `windows_command_line` builds and the tests check: std's
        // own quoting would leave this URL as it is too (no space, tab or quote in it), but
        // `raw_arg` makes what runs the tested string, byte for byte.
        use std::os::windows::process::CommandExt as _;
        command.raw_arg(opener.args.join(" "));
    }
    #[cfg(not(windows))]
    command.args(&opener.args);
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(drop)
        .map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot open a browser ({}): {e}", opener.program),
            )
        })
}

/// The desktops `open_in_browser` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Os {
    Mac,
    Windows,
    Other,
}

/// The program that opens a URL, and its arguments.
#[derive(Debug, PartialEq, Eq)]
struct Opener {
    program: &'static str,
    args: Vec<String>,
}

impl Opener {
    /// The opener of `url` on `os`.
    ///
    /// On Windows, `rundll32 url.dll,FileProtocolHandler <url>` (what Go's
    /// `golang.org/x/pkg/browser` runs): `rundll32` hands the rest of its command line to
    /// `FileProtocolHandler` as one string, unparsed, and no `cmd` runs, so `&`, `|`, `^`, `%`
    /// and `"` have no meaning. The URL must still not hold a space, tab, quote or control
    /// character, which the command line would change (a `Url` never does: the `url` crate
    /// percent-encodes them), so one that does is refused rather than quoted.
    fn for_url(os: Os, url: &Url) -> Result<Opener> {
        let url = url.as_str();
        if url
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'"' || b >= 0x80)
        {
            return Err(Error::new(
                ErrorKind::Config,
                "cannot open a browser: the URL holds a space, quote or control character",
            ));
        }
        let (program, args) = match os {
            Os::Mac => ("open", vec![url.to_owned()]),
            Os::Windows => (
                "rundll32.exe",
                vec!["url.dll,FileProtocolHandler".to_owned(), url.to_owned()],
            ),
            Os::Other => ("xdg-open", vec![url.to_owned()]),
        };
        Ok(Opener { program, args })
    }

    /// The command line Windows starts the opener with (program, then the arguments as
    /// passed by `raw_arg`).
    #[cfg(test)]
    fn windows_command_line(&self) -> String {
        format!("{} {}", self.program, self.args.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTHORIZE: &str = "https://myapp.auth.us-east-1.amazoncognito.com/oauth2/authorize?\
        response_type=code&client_id=abc123&state=s%26t&code_challenge=xyz&\
        code_challenge_method=S256&redirect_uri=http%3A%2F%2Flocalhost%3A8765%2Fcallback&\
        scope=openid+email";

    #[test]
    fn windows_gets_the_whole_url_with_every_parameter_and_no_shell() {
        let url = Url::parse(AUTHORIZE).unwrap();
        let opener = Opener::for_url(Os::Windows, &url).unwrap();
        assert_eq!(
            opener.windows_command_line(),
            format!("rundll32.exe url.dll,FileProtocolHandler {AUTHORIZE}")
        );
        // One argument holds the URL, all seven parameters in it.
        assert_eq!(opener.args[1], AUTHORIZE);
        assert_eq!(opener.args[1].matches('&').count(), 6);
        assert!(!opener.windows_command_line().to_lowercase().contains("cmd"));
    }

    #[test]
    fn a_domain_with_shell_characters_stays_inside_the_one_argument() {
        // The url crate accepts `&` in a host; with `cmd /C start` what follows it would run
        // as a command.
        let url = Url::parse("https://evil&calc.example/oauth2/authorize?a=1&b=2|x").unwrap();
        assert_eq!(url.host_str(), Some("evil&calc.example"));
        for os in [Os::Windows, Os::Mac, Os::Other] {
            let opener = Opener::for_url(os, &url).unwrap();
            assert_eq!(opener.args.last().unwrap(), url.as_str(), "{os:?}");
        }
    }

    #[test]
    fn the_other_desktops_get_the_url_as_one_argument() {
        let url = Url::parse(AUTHORIZE).unwrap();
        assert_eq!(
            Opener::for_url(Os::Mac, &url).unwrap(),
            Opener {
                program: "open",
                args: vec![AUTHORIZE.to_owned()]
            }
        );
        assert_eq!(
            Opener::for_url(Os::Other, &url).unwrap(),
            Opener {
                program: "xdg-open",
                args: vec![AUTHORIZE.to_owned()]
            }
        );
    }

    #[test]
    fn only_this_sign_ins_redirect_is_taken() {
        let base = Url::parse("http://127.0.0.1:8765").unwrap();
        let at = |target: &str| base.join(target).unwrap();
        assert!(is_redirect_for(&at("/callback?code=c&state=s1"), "s1"));
        assert!(is_redirect_for(
            &at("/callback?error=access_denied&state=s1"),
            "s1"
        ));
        assert!(!is_redirect_for(&at("/callback?code=c&state=s2"), "s1"));
        assert!(!is_redirect_for(&at("/callback?code=c"), "s1"));
        assert!(!is_redirect_for(&at("/callback?code=c&state="), "s1"));
        assert!(!is_redirect_for(&at("/callback?state=s1"), "s1"));
        assert!(!is_redirect_for(&at("/favicon.ico"), "s1"));
        // The first state counts, as in `ManagedLogin::exchange`.
        assert!(!is_redirect_for(
            &at("/callback?code=c&state=x&state=s1"),
            "s1"
        ));
    }

    fn sign_in() -> AuthorizationRequest {
        super::super::ManagedLogin::builder("http://127.0.0.1:9/us-east-1_Pool", "client")
            .redirect_uri("http://127.0.0.1:8765/callback")
            .build()
            .unwrap()
            .authorization_request()
    }

    /// Sends `GET <target>` and returns the status line.
    async fn get(port: u16, target: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        stream
            .write_all(format!("GET {target} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer).await;
        answer.lines().next().unwrap_or_default().to_owned()
    }

    #[tokio::test]
    async fn a_redirect_with_another_state_is_answered_and_ignored() {
        let request = sign_in();
        let listener = LoopbackRedirect::bind(0).await.unwrap();
        let port = listener.port();
        let wait = tokio::spawn(listener.wait(&request, Duration::from_secs(30)));
        // A web page the user visits makes the browser load these first.
        assert!(get(port, "/callback?code=forged").await.contains("404"));
        assert!(
            get(port, "/callback?code=forged&state=guess")
                .await
                .contains("404")
        );
        assert!(
            get(port, "/?error=access_denied&state=")
                .await
                .contains("404")
        );
        assert!(!wait.is_finished());
        let real = format!("/callback?code=real&state={}", request.state());
        assert!(get(port, &real).await.contains("200"));
        let url = wait.await.unwrap().unwrap();
        assert_eq!(url.query(), Some(&real["/callback?".len()..]));
    }

    #[tokio::test]
    async fn an_idle_connection_does_not_hold_up_the_redirect() {
        let request = sign_in();
        let listener = LoopbackRedirect::bind(0).await.unwrap();
        let port = listener.port();
        let wait = tokio::spawn(listener.wait(&request, Duration::from_secs(60)));
        // Connected, sending nothing (and half a request head on another).
        let _idle = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let mut partial = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        partial.write_all(b"GET /callback?co").await.unwrap();
        let real = format!("/callback?code=real&state={}", request.state());
        let served = tokio::time::timeout(Duration::from_secs(5), get(port, &real))
            .await
            .expect("the redirect is served while the other connections sit idle");
        assert!(served.contains("200"), "{served}");
        let url = tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .expect("the wait ends with the redirect")
            .unwrap()
            .unwrap();
        assert!(url.query().unwrap().contains("code=real"));
    }
}
