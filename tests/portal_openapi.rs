//! The published OpenAPI document of /v1 (src/portal/openapi.json) against the real portal:
//! every documented route and status (but 408 and 500, which need a minute-long body or a bug)
//! is produced by a real request, and its answer matches the documented schema. Then
//! schemathesis (PyPI) fuzzes the portal with at least 500 generated cases.

mod sync_support;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use sync_support::*;

const DOC: &str = include_str!("../src/portal/openapi.json");
/// Statuses documented but not produced here.
const NOT_PRODUCED: &[&str] = &["408", "500"];

/// Checks `value` against `schema` for the parts of JSON Schema the document uses.
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let target = reference
            .trim_start_matches("#/")
            .split('/')
            .fold(doc, |node, key| &node[key]);
        return conforms(doc, target, value, at);
    }
    if value.is_null() && schema["nullable"] == true {
        return Ok(());
    }
    let kind_ok = match schema["type"].as_str() {
        None => true,
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("boolean") => value.is_boolean(),
        Some(other) => return Err(format!("{at}: type {other} not handled")),
    };
    if !kind_ok {
        return Err(format!("{at}: {value} is not {}", schema["type"]));
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        return Err(format!("{at}: {value} not in {allowed:?}"));
    }
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap_or_default();
        if value.get(name).is_none() {
            return Err(format!("{at}: required {name} missing in {value}"));
        }
    }
    if let Some(object) = value.as_object() {
        for (name, field) in object {
            let sub = match (&schema["properties"][name], &schema["additionalProperties"]) {
                (Value::Null, Value::Null) => continue,
                (Value::Null, extra) => extra,
                (declared, _) => declared,
            };
            conforms(doc, sub, field, &format!("{at}.{name}"))?;
        }
    }
    if let Some(items) = value.as_array() {
        for (i, item) in items.iter().enumerate() {
            conforms(doc, &schema["items"], item, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// The documented answer of (template, method, status), with `$ref` followed.
fn documented<'a>(doc: &'a Value, template: &str, method: &str, status: u16) -> &'a Value {
    let answer = &doc["paths"][template][method]["responses"][status.to_string()];
    assert!(
        !answer.is_null(),
        "{method} {template} {status} is not documented"
    );
    match answer["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or_default();
            &doc["components"]["responses"][name]
        }
        None => answer,
    }
}

struct Case {
    template: &'static str,
    method: &'static str,
    request: String,
    status: u16,
}

fn request(method: &str, path: &str, token: Option<&str>, extra: &str, body: &str) -> String {
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    format!(
        "{} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{auth}{extra}Content-Length: {}\r\n\r\n{body}",
        method.to_uppercase(),
        body.len()
    )
}

/// A request announcing a body over the small-route limit, without sending it.
fn oversize(method: &str, path: &str) -> String {
    format!(
        "{} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n",
        method.to_uppercase()
    )
}

#[test]
fn every_documented_route_and_status_matches_the_real_answers() {
    let doc: Value = serde_json::from_str(DOC).expect("the document is JSON");
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let token = portal.add_counter(SITE, "k1");
    // Enrolment codes are checked against the portal's real clock.
    let (_, code) = portal.add_counter_at(SITE, "k9", chrono::Utc::now());
    let enrol_body = json!({ "code": code }).to_string();
    let ours = portal.site_exam_nos()[0].clone();
    let theirs = portal.other_site_exam_no();
    let (jpeg, _) = portal.import_photos(&[&ours, &theirs]);
    let etag = format!("\"{}\"", grad_intake::store::sha256_hex(&jpeg));
    let server = PortalProcess::start(&portal, 0);
    let t = Some(token.as_str());
    let good_batch = json!({"events": [printed_event("k1", 1, &ours, "")]}).to_string();
    let other_batch = json!({"events": [printed_event("k2", 1, &ours, "")]}).to_string();
    let roster = format!("/v1/sites/{SITE}/roster");
    let tally = format!("/v1/sites/{SITE}/tally");
    let conflicts = format!("/v1/sites/{SITE}/conflicts");
    let counters = format!("/v1/sites/{SITE}/counters");
    let own = "/v1/counters/self/events";
    // A database log taken over by another (a restore recovered elsewhere) is then refused.
    let first_log = json!({"events": [], "log_id": "log-a"}).to_string();
    let takeover = json!({"events": [], "log_id": "log-b", "replaces_log": "log-a"}).to_string();
    let photo = format!("/v1/photos/{ours}");
    let c = |template, method, request: String, status| Case {
        template,
        method,
        request,
        status,
    };
    let mut cases = vec![
        c(
            "/v1/events",
            "post",
            request("post", "/v1/events", t, "", &good_batch),
            200,
        ),
        c(
            "/v1/events",
            "post",
            request("post", "/v1/events", t, "", "{nope"),
            400,
        ),
        c(
            "/v1/events",
            "post",
            request("post", "/v1/events", None, "", &good_batch),
            401,
        ),
        c(
            "/v1/events",
            "post",
            request("post", "/v1/events", t, "", &other_batch),
            403,
        ),
        c(
            "/v1/events",
            "post",
            request("put", "/v1/events", t, "", ""),
            405,
        ),
        c(
            "/v1/events",
            "post",
            oversize("post", "/v1/events").replace("999999999", "99999999"),
            413,
        ),
        c(
            "/v1/events",
            "post",
            request("post", "/v1/events", t, "", &first_log),
            200,
        ),
        c(
            "/v1/events",
            "post",
            request("post", "/v1/events", t, "", &takeover),
            200,
        ),
        c(
            "/v1/events",
            "post",
            request("post", "/v1/events", t, "", &first_log),
            409,
        ),
        c(
            "/v1/counters/self/events",
            "get",
            request(
                "get",
                &format!("{own}?after=0&limit=10&log=log-b"),
                t,
                "",
                "",
            ),
            200,
        ),
        c(
            "/v1/counters/self/events",
            "get",
            request("get", &format!("{own}?after=-3"), t, "", ""),
            400,
        ),
        c(
            "/v1/counters/self/events",
            "get",
            request("get", own, None, "", ""),
            401,
        ),
        c(
            "/v1/counters/self/events",
            "get",
            request("get", &format!("{own}?log=log-a"), t, "", ""),
            409,
        ),
        c(
            "/v1/sites/{site}/counters",
            "get",
            request("get", &counters, t, "", ""),
            200,
        ),
        c(
            "/v1/sites/{site}/counters",
            "get",
            request("get", &counters, None, "", ""),
            401,
        ),
        c(
            "/v1/sites/{site}/counters",
            "get",
            request("get", "/v1/sites/0201/counters", t, "", ""),
            403,
        ),
        c(
            "/v1/sites/{site}/roster",
            "get",
            request("get", &format!("{roster}?limit=2"), t, "", ""),
            200,
        ),
        c(
            "/v1/sites/{site}/roster",
            "get",
            request("get", &format!("{roster}?cursor=-1"), t, "", ""),
            400,
        ),
        c(
            "/v1/sites/{site}/roster",
            "get",
            request("get", &roster, Some("wrong"), "", ""),
            401,
        ),
        c(
            "/v1/sites/{site}/roster",
            "get",
            request("get", "/v1/sites/0201/roster", t, "", ""),
            403,
        ),
        c(
            "/v1/sites/{site}/tally",
            "get",
            request("get", &format!("{tally}?date=2026-11-20"), t, "", ""),
            200,
        ),
        c(
            "/v1/sites/{site}/tally",
            "get",
            request("get", &format!("{tally}?date=11/20"), t, "", ""),
            400,
        ),
        c(
            "/v1/sites/{site}/tally",
            "get",
            request("get", &tally, None, "", ""),
            401,
        ),
        c(
            "/v1/sites/{site}/tally",
            "get",
            request("get", "/v1/sites/0201/tally", t, "", ""),
            403,
        ),
        c(
            "/v1/sites/{site}/conflicts",
            "get",
            request("get", &conflicts, t, "", ""),
            200,
        ),
        c(
            "/v1/sites/{site}/conflicts",
            "get",
            request("get", &conflicts, None, "", ""),
            401,
        ),
        c(
            "/v1/sites/{site}/conflicts",
            "get",
            request("get", "/v1/sites/0201/conflicts", t, "", ""),
            403,
        ),
        c(
            "/v1/photos/{exam_no}",
            "get",
            request("get", &photo, t, "", ""),
            200,
        ),
        c(
            "/v1/photos/{exam_no}",
            "get",
            request("get", &photo, t, &format!("If-None-Match: {etag}\r\n"), ""),
            304,
        ),
        c(
            "/v1/photos/{exam_no}",
            "get",
            request("get", &photo, None, "", ""),
            401,
        ),
        c(
            "/v1/photos/{exam_no}",
            "get",
            request("get", &format!("/v1/photos/{theirs}"), t, "", ""),
            403,
        ),
        c(
            "/v1/photos/{exam_no}",
            "get",
            request("get", "/v1/photos/990100000000", t, "", ""),
            404,
        ),
        c(
            "/v1/health",
            "get",
            request("get", "/v1/health", None, "", ""),
            200,
        ),
        c(
            "/v1/openapi.json",
            "get",
            request("get", "/v1/openapi.json", None, "", ""),
            200,
        ),
        c(
            "/v1/enrol",
            "post",
            request("post", "/v1/enrol", None, "", &enrol_body),
            200,
        ),
        // The same code again: used.
        c(
            "/v1/enrol",
            "post",
            request("post", "/v1/enrol", None, "", &enrol_body),
            403,
        ),
        c(
            "/v1/enrol",
            "post",
            request("post", "/v1/enrol", None, "", "{nope"),
            400,
        ),
        c(
            "/v1/enrol",
            "post",
            request("get", "/v1/enrol", None, "", ""),
            405,
        ),
        c("/v1/enrol", "post", oversize("post", "/v1/enrol"), 413),
    ];
    // Every GET route also answers 405 to another method and 413 to an oversize body.
    for template in [
        "/v1/health",
        "/v1/openapi.json",
        "/v1/sites/{site}/roster",
        "/v1/sites/{site}/tally",
        "/v1/sites/{site}/conflicts",
        "/v1/sites/{site}/counters",
        "/v1/counters/self/events",
        "/v1/photos/{exam_no}",
    ] {
        let path = template.replace("{site}", SITE).replace("{exam_no}", &ours);
        cases.push(c(template, "get", request("post", &path, t, "", ""), 405));
        cases.push(c(template, "get", oversize("get", &path), 413));
    }

    let mut covered = BTreeSet::new();
    for case in &cases {
        let (status, head, body) = exchange_with_head(server.addr, case.request.as_bytes());
        let what = format!("{} {} → {status}", case.method, case.template);
        assert_eq!(status, case.status, "{what}: {body}");
        // Every answer carries the portal's clock (sync::clock measures the counter's offset).
        assert!(head.contains("\nx-portal-time: 20"), "{what}: {head}");
        let answer = documented(&doc, case.template, case.method, status);
        let content = &answer["content"];
        if let Some(schema) = content.get("application/json").map(|c| &c["schema"]) {
            assert!(
                head.contains("content-type: application/json"),
                "{what}: {head}"
            );
            let value: Value = serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {body}"));
            conforms(&doc, schema, &value, "$").unwrap_or_else(|e| panic!("{what}: {e}"));
        } else if content.get("image/jpeg").is_some() {
            assert!(head.contains("content-type: image/jpeg"), "{what}: {head}");
        } else {
            assert!(content.is_null(), "{what}: content not checked");
        }
        for header in answer["headers"].as_object().into_iter().flatten() {
            let name = format!("\n{}:", header.0.to_ascii_lowercase());
            assert!(
                head.contains(&name),
                "{what}: no {} header in {head}",
                header.0
            );
        }
        covered.insert((case.template, case.method, status.to_string()));
    }
    // Nothing documented is left unproduced (but what NOT_PRODUCED says).
    for (template, methods) in doc["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            for status in op["responses"].as_object().unwrap().keys() {
                let key = (template.as_str(), method.as_str(), status.clone());
                assert!(
                    NOT_PRODUCED.contains(&status.as_str())
                        || covered.iter().any(|(t, m, s)| (*t, *m, s.clone()) == key),
                    "{method} {template} {status} is documented but not produced"
                );
            }
        }
    }
    // The document served is the one in the repository.
    let (_, _, served) = exchange_with_head(
        server.addr,
        request("get", "/v1/openapi.json", None, "", "").as_bytes(),
    );
    assert_eq!(serde_json::from_str::<Value>(&served).unwrap(), doc);
}

/// (status, lower-cased head, body) of a request sent with `Connection: close`.
fn exchange_with_head(addr: std::net::SocketAddr, request: &[u8]) -> (u16, String, String) {
    let answer = exchange(addr, request, Duration::from_secs(10)).expect("the portal answers");
    (answer.status, answer.head, answer.body)
}

/// schemathesis from PyPI against the portal on loopback, with every check (configured in
/// `.ci/schemathesis.toml`), at least 500 generated cases, no failure. CI installs it (`.ci/run`,
/// pinned); elsewhere the test says it skipped unless `GRAD_INTAKE_REQUIRE_SCHEMATHESIS` is set.
#[test]
fn schemathesis_finds_no_failure() {
    if Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("GRAD_INTAKE_REQUIRE_SCHEMATHESIS").is_none(),
            "schemathesis is required here but not installed (pip install -r .ci/requirements.txt)"
        );
        eprintln!("schemathesis not installed: skipped (pip install -r .ci/requirements.txt)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let token = portal.add_counter(SITE, "k1");
    let server = PortalProcess::start(&portal, 0);
    let doc = dir.path().join("openapi.json");
    std::fs::write(&doc, DOC).unwrap();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/schemathesis.toml");
    // One worker: with more, Python 3.11's parser fails inside hypothesis now and then
    // ("AST constructor recursion depth mismatch"), an error of the tool, not of the portal.
    // In the temporary directory: schemathesis keeps a cache (.schemathesis/) where it runs.
    let out = Command::new("schemathesis")
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args(["--config-file", config])
        .args(["run", doc.to_str().unwrap(), "--url", &server.url()])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "all", "--max-examples", "120", "--seed", "1"])
        .args(["--workers", "1", "--request-timeout", "10"])
        .output()
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "schemathesis failed:\n{stdout}\n{stderr}"
    );
    let cases = generated_cases(&stdout);
    println!("schemathesis: {cases} generated cases, no failure");
    assert!(cases >= 500, "only {cases} cases:\n{stdout}");
}

/// The total of the "N generated" counts of schemathesis's summary.
fn generated_cases(summary: &str) -> u64 {
    summary
        .lines()
        .filter_map(|line| {
            let before = line.split(" generated").next()?;
            if before.len() == line.len() {
                return None;
            }
            before.split_whitespace().last()?.parse::<u64>().ok()
        })
        .sum()
}
