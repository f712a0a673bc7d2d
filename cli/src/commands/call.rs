//! `call`: a curl-like request, signed with SigV4 as the profile's identity (or with static
//! credentials from `AWS_*` variables when no profile is named, as awscurl does), or carrying
//! a user-pool token.

use std::io::{Read as _, Write as _};
use std::net::ToSocketAddrs as _;

use aws_credential_types::Credentials;
use bytes::Bytes;
use cognito_sigv4::client::{ApiClient, ApiResponse, AuthMode};
use cognito_sigv4::credentials::TokenKind;
use cognito_sigv4::secret::Jwt;
use cognito_sigv4::signing::Signer;
use cognito_sigv4::{Clock, SystemClock};
use http::{HeaderName, HeaderValue, Method};

use crate::args::{CallArgs, CallAuth};
use crate::failure::{Failure, OrFail, Outcome, code};
use crate::identity::ProfileIdentity;
use crate::profile::{DEFAULT_PROFILE, Home};
use crate::timing::{SigningProbe, Timings, stopwatch};

/// What authenticates the request, resolved before it is built.
enum Auth {
    Iam(Credentials),
    Token(TokenKind, Jwt),
    None,
}

/// The request as the command line describes it.
struct Target {
    url: url::Url,
    method: Method,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    region: String,
    service: String,
}

/// Runs `call`; the exit code is 22 for an HTTP failure with `--fail-with-body`.
pub async fn run(args: CallArgs, probe: SigningProbe) -> Outcome<u8> {
    let mut timings = Timings::default();
    let url = url::Url::parse(&args.url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| Failure::usage(format!("`{}` is not an http(s) URL", args.url)))?;
    let static_keys = args.auth == CallAuth::Iam
        && args.config.profile.is_none()
        && std::env::var_os("AWS_ACCESS_KEY_ID").is_some();

    let (auth, profile_region) = if static_keys {
        (Auth::Iam(credentials_from_env()?), None)
    } else if args.auth == CallAuth::None {
        (Auth::None, None)
    } else {
        let home = Home::locate()?;
        let mut identity = ProfileIdentity::new(&home, home.resolve(&args.config)?)?;
        let region = identity.config.region().to_owned();
        let auth = match args.auth {
            CallAuth::Iam => Auth::Iam(identity.credentials(&mut timings).await?.0),
            CallAuth::IdToken => Auth::Token(
                TokenKind::Id,
                identity.token(TokenKind::Id, &mut timings).await?,
            ),
            _ => Auth::Token(
                TokenKind::Access,
                identity.token(TokenKind::Access, &mut timings).await?,
            ),
        };
        (auth, Some(region))
    };
    let target = target(&args, url, profile_region)?;
    if args.dry_run {
        return dry_run(&target, &auth).map(|()| 0);
    }
    let started = stopwatch();
    let response = send(&args, &target, auth).await?;
    let total = started.elapsed();
    if args.verbose {
        report(&probe, &mut timings, total, &response);
    }
    write_response(&args, &response)?;
    Ok(
        if args.fail_with_body && response.status().as_u16() >= 400 {
            code::HTTP_FAILED
        } else {
            0
        },
    )
}

/// Static credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
fn credentials_from_env() -> Outcome<Credentials> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let key = var("AWS_ACCESS_KEY_ID").unwrap_or_default();
    let secret = var("AWS_SECRET_ACCESS_KEY").ok_or_else(|| {
        Failure::config("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
    })?;
    Ok(Credentials::new(
        key,
        secret,
        var("AWS_SESSION_TOKEN"),
        None,
        "environment",
    ))
}

/// The service and region an AWS host name implies: `<api>.execute-api.<region>.amazonaws.com`
/// or `<service>.<region>.amazonaws.com`.
fn scope_of_host(host: &str) -> (Option<String>, Option<String>) {
    let labels: Vec<&str> = host.split('.').collect();
    match labels.as_slice() {
        [_, "execute-api", region, "amazonaws", "com", ..] => {
            (Some("execute-api".into()), Some((*region).into()))
        }
        [service, region, "amazonaws", "com", ..] => {
            (Some((*service).into()), Some((*region).into()))
        }
        _ => (None, None),
    }
}

fn target(args: &CallArgs, url: url::Url, profile_region: Option<String>) -> Outcome<Target> {
    let body = read_body(args.data.as_deref())?;
    let method = match &args.method {
        Some(m) => Method::from_bytes(m.to_ascii_uppercase().as_bytes())
            .map_err(|_| Failure::usage(format!("-X `{m}` is not an HTTP method")))?,
        None if args.data.is_some() => Method::POST,
        None => Method::GET,
    };
    let headers = args
        .headers
        .iter()
        .map(|h| parse_header(h))
        .collect::<Outcome<Vec<_>>>()?;
    let (host_service, host_region) = scope_of_host(url.host_str().unwrap_or_default());
    let region = args
        .config
        .region
        .clone()
        .or(host_region)
        .or(profile_region)
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok());
    let region = match region {
        Some(region) => region,
        // Only a signature names a region.
        None if args.auth != CallAuth::Iam => "us-east-1".to_owned(),
        None => {
            return Err(Failure::usage(
                "no region to sign for: give --region (the host does not name one)",
            ));
        }
    };
    let service = args
        .service
        .clone()
        .or(host_service)
        .unwrap_or_else(|| "execute-api".into());
    Ok(Target {
        url,
        method,
        headers,
        body,
        region,
        service,
    })
}

/// `-d`: text, `@FILE` or `@-`.
fn read_body(data: Option<&str>) -> Outcome<Bytes> {
    match data {
        None => Ok(Bytes::new()),
        Some("@-") => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .map_err(|e| Failure::other(format!("cannot read standard input: {e}")))?;
            Ok(body.into())
        }
        Some(d) if d.starts_with('@') => std::fs::read(&d[1..])
            .map(Bytes::from)
            .map_err(|e| Failure::usage(format!("-d {d}: {e}"))),
        Some(text) => Ok(Bytes::copy_from_slice(text.as_bytes())),
    }
}

/// `Name: value`.
fn parse_header(header: &str) -> Outcome<(HeaderName, HeaderValue)> {
    let bad = || Failure::usage(format!("-H `{header}`: expected `Name: value`"));
    let (name, value) = header.split_once(':').ok_or_else(bad)?;
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad())?;
    let value = HeaderValue::from_str(value.trim()).map_err(|_| bad())?;
    Ok((name, value))
}

/// Sends through the library's client: it signs (or adds the token), learns clock skew and
/// retries once after a time refusal.
async fn send(args: &CallArgs, target: &Target, auth: Auth) -> Outcome<ApiResponse> {
    let url = &target.url;
    let base = format!("{}://{}", url.scheme(), authority(url));
    let mut builder = ApiClient::builder(base)
        .region(&target.region)
        .service(&target.service);
    builder = match auth {
        Auth::Iam(credentials) => builder
            .credentials_provider(credentials)
            .default_auth(AuthMode::Iam),
        Auth::Token(kind, jwt) => {
            let mode = match kind {
                TokenKind::Id => AuthMode::id_token(),
                TokenKind::Access => AuthMode::access_token(),
            };
            builder.token_source(kind, jwt).default_auth(mode)
        }
        Auth::None => builder.default_auth(AuthMode::None),
    };
    if let Some(addr) = &args.connect_to {
        let addr = addr
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| Failure::usage(format!("--connect-to `{addr}`: not HOST:PORT")))?;
        builder = builder.connect_to(addr);
    }
    let client = builder.build().map_err(|e| Failure::usage(e.to_string()))?;
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    let mut request = client
        .request(target.method.clone(), path)
        .body(target.body.clone());
    for (name, value) in &target.headers {
        request = request.header(name, value.to_str().unwrap_or_default());
    }
    let profile = args.config.profile.as_deref().unwrap_or(DEFAULT_PROFILE);
    request.send().await.or_fail(profile)
}

/// `host[:port]` as the URL gives it.
fn authority(url: &url::Url) -> String {
    match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    }
}

/// `--dry-run`: the request as it would be sent, secrets redacted.
fn dry_run(target: &Target, auth: &Auth) -> Outcome<()> {
    let uri: http::Uri = target
        .url
        .as_str()
        .parse()
        .map_err(|_| Failure::usage("the URL is not a valid HTTP URI"))?;
    let mut request = http::Request::builder()
        .method(target.method.clone())
        .uri(uri)
        .body(target.body.clone())
        .map_err(|e| Failure::usage(e.to_string()))?;
    for (name, value) in &target.headers {
        request.headers_mut().append(name, value.clone());
    }
    match auth {
        Auth::Iam(credentials) => Signer::new(&target.region, &target.service)
            .sign(&mut request, credentials, SystemClock.now())
            .map_err(|e| Failure::usage(e.to_string()))?,
        Auth::Token(_, jwt) => {
            let mut value = HeaderValue::from_str(jwt.expose_secret())
                .map_err(|_| Failure::other("the token is not a header value"))?;
            value.set_sensitive(true);
            request
                .headers_mut()
                .insert(http::header::AUTHORIZATION, value);
        }
        Auth::None => {}
    }
    let mut out = std::io::stdout().lock();
    let target_line = match request.uri().query() {
        Some(q) => format!("{}?{q}", request.uri().path()),
        None => request.uri().path().to_owned(),
    };
    let mut text = format!("{} {target_line} HTTP/1.1\n", request.method());
    text.push_str(&format!("host: {}\n", authority(&target.url)));
    for (name, value) in request.headers() {
        text.push_str(&format!("{name}: {}\n", shown(name, value)));
    }
    text.push('\n');
    let _ = out.write_all(text.as_bytes());
    let _ = out.write_all(request.body());
    Ok(())
}

/// A header value as it may be shown: secrets (the session token, a bearer token) redacted.
fn shown(name: &HeaderName, value: &HeaderValue) -> String {
    let secret = value.is_sensitive()
        || name.as_str() == "x-amz-security-token"
        || (name == http::header::AUTHORIZATION
            && !value.as_bytes().starts_with(b"AWS4-HMAC-SHA256 "));
    if secret {
        format!("** redacted (length={}) **", value.len())
    } else {
        String::from_utf8_lossy(value.as_bytes()).into_owned()
    }
}

/// `-v`: timings and the canonical request, to standard error.
fn report(
    probe: &SigningProbe,
    timings: &mut Timings,
    total: std::time::Duration,
    r: &ApiResponse,
) {
    let signing = probe.signing_time();
    if let Some(signing) = signing {
        timings.add("signing", signing);
    }
    timings.add("request", total.saturating_sub(signing.unwrap_or_default()));
    if let Some(creq) = probe.canonical_request() {
        eprintln!("* canonical request (secrets redacted):");
        for line in creq.lines() {
            eprintln!("*   {line}");
        }
    }
    eprint!("{}", timings.report());
    eprintln!("* status {}", r.status());
}

/// The response: `-i` status and headers, then the body to standard output or `-o FILE`.
fn write_response(args: &CallArgs, response: &ApiResponse) -> Outcome<()> {
    let mut out = std::io::stdout().lock();
    let write_fail = |e: std::io::Error| Failure::other(format!("cannot write the response: {e}"));
    if args.include {
        let mut head = format!("HTTP/1.1 {}\n", response.status());
        for (name, value) in response.headers() {
            head.push_str(&format!(
                "{name}: {}\n",
                String::from_utf8_lossy(value.as_bytes())
            ));
        }
        head.push('\n');
        out.write_all(head.as_bytes()).map_err(write_fail)?;
    }
    match &args.output {
        Some(path) => std::fs::write(path, response.body())
            .map_err(|e| Failure::other(format!("cannot write {}: {e}", path.display()))),
        None => out
            .write_all(response.body())
            .and_then(|()| out.flush())
            .map_err(write_fail),
    }
}
