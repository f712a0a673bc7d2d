//! API Gateway's routing on the resource and the method together: a path whose best resource
//! does not serve the verb falls through to the most specific `{proxy+}` that does (measured
//! against AWS by MiniStack's authors), and to nothing when none does.

use cognito_sigv4_emulator::{ApiSeed, Emulator, MethodSeed, ResourceSeed, Seed};
use serde_json::Value;

fn resource(path: &str, methods: &[&str]) -> ResourceSeed {
    ResourceSeed {
        path: path.into(),
        methods: methods
            .iter()
            .map(|m| MethodSeed {
                http_method: (*m).into(),
                authorization: "NONE".into(),
                ..MethodSeed::default()
            })
            .collect(),
    }
}

#[tokio::test]
async fn a_verb_the_best_resource_lacks_falls_through_to_the_greedy_proxy() {
    let seed = Seed {
        apis: vec![ApiSeed {
            name: "routing".into(),
            stages: vec!["prod".into()],
            resources: vec![
                resource("/admin", &["POST"]),
                resource("/jobs/{operation}", &["GET"]),
                resource("/jobs/{proxy+}", &["DELETE"]),
                resource("/{proxy+}", &["ANY"]),
            ],
            ..ApiSeed::default()
        }],
        ..Seed::default()
    };
    let emu = Emulator::builder().seed(seed).start().await.unwrap();
    let base = emu.api_url("routing", "prod").unwrap();
    let http = reqwest::Client::new();
    let resource_of = |method: reqwest::Method, path: &'static str| {
        let req = http.request(method, format!("{base}{path}"));
        async move {
            let answer = req.send().await.unwrap();
            let status = answer.status().as_u16();
            let body: Value = answer.json().await.unwrap_or(Value::Null);
            (
                status,
                body["resource"].as_str().unwrap_or_default().to_owned(),
            )
        }
    };
    use reqwest::Method as M;
    assert_eq!(resource_of(M::POST, "/admin").await, (200, "/admin".into()));
    // `/admin` serves POST only: GET falls through to the root proxy.
    assert_eq!(
        resource_of(M::GET, "/admin").await,
        (200, "/{proxy+}".into())
    );
    assert_eq!(
        resource_of(M::GET, "/jobs/run").await,
        (200, "/jobs/{operation}".into())
    );
    // DELETE: the most specific proxy that serves it.
    assert_eq!(
        resource_of(M::DELETE, "/jobs/run").await,
        (200, "/jobs/{proxy+}".into())
    );
    assert_eq!(
        resource_of(M::PUT, "/jobs/run").await,
        (200, "/{proxy+}".into())
    );
    emu.shutdown().await;

    // Without a proxy that serves the verb: Missing Authentication Token.
    let seed = Seed {
        apis: vec![ApiSeed {
            name: "routing".into(),
            stages: vec!["prod".into()],
            resources: vec![
                resource("/admin", &["POST"]),
                resource("/{proxy+}", &["GET"]),
            ],
            ..ApiSeed::default()
        }],
        ..Seed::default()
    };
    let emu = Emulator::builder().seed(seed).start().await.unwrap();
    let base = emu.api_url("routing", "prod").unwrap();
    let answer = http.put(format!("{base}/admin")).send().await.unwrap();
    assert_eq!(answer.status(), 403);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("Missing Authentication Token")
    );
    emu.shutdown().await;
}
