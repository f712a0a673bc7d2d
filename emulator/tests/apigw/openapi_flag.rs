//! `--openapi <file>` on the emulator binary, run as a real process as users start it: the
//! document's routes are served at stage `prod` under the API named by the file's stem, and a
//! document the emulator cannot honour stops the start with a message naming the offending
//! element's path.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const HEALTH: &str = r#"openapi: "3.0.1"
info: { title: health, version: "1" }
paths:
  /health:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: { "application/json": '{"statusCode": 200}' }
        responses:
          default:
            statusCode: "200"
            responseTemplates: { "application/json": '{"healthy": true}' }
"#;

/// A non-proxy Lambda integration (`aws`, with mapping templates): not something the emulator
/// runs.
const UNSUPPORTED: &str = r#"openapi: "3.0.1"
info: { title: legacy, version: "1" }
paths:
  /a:
    get:
      x-amazon-apigateway-integration:
        type: aws
        httpMethod: POST
        uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations"
"#;

/// `cognito-sigv4-emulator --reference --openapi <doc> --port 0`, its output as given.
fn start(doc: &std::path::Path, stdout: Stdio, stderr: Stdio) -> Running {
    let child = Command::new(env!("CARGO_BIN_EXE_cognito-sigv4-emulator"))
        .args([
            "--reference",
            "--openapi",
            doc.to_str().unwrap(),
            "--port",
            "0",
        ])
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("start the emulator binary");
    Running(child)
}

/// The running binary; killed when dropped, so a failing test leaves nothing running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_serves_an_openapi_document_given_with_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("health.yaml");
    std::fs::write(&doc, HEALTH).unwrap();
    let mut running = start(&doc, Stdio::piped(), Stdio::inherit());
    // The first line is printed once the server listens; a dead process ends the read.
    let mut line = String::new();
    BufReader::new(running.0.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("read the start line");
    let started: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    let api = started["apis"]["health"]
        .as_str()
        .expect("the API by its file's stem");
    let endpoint = started["endpoint"].as_str().unwrap().trim_end_matches('/');

    let http = reqwest::Client::new();
    let url = format!("{endpoint}/_aws/execute-api/{api}/prod/health");
    let answer = http.get(&url).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({ "healthy": true })
    );
    // A path the document does not have: API Gateway's answer.
    let missing = http.get(format!("{url}z")).send().await.unwrap();
    assert_eq!(missing.status(), 403);
    // The seed's own APIs are still served beside it.
    assert_eq!(started["apis"]["reference"], "abc123defg");
}

#[test]
fn the_binary_refuses_to_start_with_an_unsupported_openapi_document() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("legacy.yaml");
    std::fs::write(&doc, UNSUPPORTED).unwrap();
    let mut running = start(&doc, Stdio::null(), Stdio::piped());
    // Bounded (1,200 polls 50 ms apart): an emulator that accepted the document would serve
    // until killed.
    let status = (0..1_200)
        .find_map(|_| {
            let status = running.0.try_wait().unwrap();
            if status.is_none() {
                std::thread::sleep(Duration::from_millis(50));
            }
            status
        })
        .expect("the emulator started with an unsupported document");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut running.0.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "{status:?}: {stderr}");
    // The message names the document and the element, by its path in the document.
    assert!(stderr.contains(doc.to_str().unwrap()), "{stderr}");
    assert!(
        stderr.contains("$.paths['/a'].get.x-amazon-apigateway-integration.type"),
        "{stderr}"
    );
}
