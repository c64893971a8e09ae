//! The reference portal over HTTP (DESIGN §4): per-event answers, authentication bound to site
//! and counter, roster pages, photos with ETag, and its administration commands.

mod sync_support;

use grad_intake::domain::scan::{self, PublicKeys};
use serde_json::{Value, json};
use sync_support::*;

struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    fn new(server: &PortalProcess) -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build();
        Self {
            agent: ureq::Agent::new_with_config(config),
            base: server.url(),
        }
    }

    /// (status, headers' ETag, body as JSON or Null).
    fn get(
        &self,
        path: &str,
        token: Option<&str>,
        etag: Option<&str>,
    ) -> (u16, Option<String>, Vec<u8>) {
        let mut req = self.agent.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        if let Some(e) = etag {
            req = req.header("If-None-Match", e);
        }
        let resp = req.call().expect("portal answers");
        let status = resp.status().as_u16();
        let etag = resp
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.into_body().read_to_vec().expect("body");
        (status, etag, body)
    }

    fn get_json(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let (status, _, body) = self.get(path, token, None);
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    fn post(&self, token: &str, body: &str) -> (u16, Value) {
        let resp = self
            .agent
            .post(format!("{}/v1/events", self.base))
            .header("Authorization", format!("Bearer {token}"))
            .header("Content-Type", "application/json")
            .send(body)
            .expect("portal answers");
        let status = resp.status().as_u16();
        let body = resp.into_body().read_to_vec().expect("body");
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

fn event(id: &str, counter: &str, seq: i64, kind: &str, body: Value) -> Value {
    json!({"event_id": id, "counter_id": counter, "seq": seq, "kind": kind, "intake_id": body.get("intake_id"),
           "at": "2026-11-20T02:00:00Z", "clerk_id": "c01", "body": body})
}

fn uuid() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[test]
fn every_event_gets_its_own_answer() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let token = portal.add_counter(SITE, "c1");
    let server = PortalProcess::start(&portal, 0);
    let http = Http::new(&server);
    let exam = &portal.site_exam_nos()[0];
    let opened = uuid();
    let events = json!({"events": [
        event(&opened, "c1", 1, "intake_opened", json!({"type": "intake_opened", "intake_id": "i1", "exam_no": exam, "visit": 1})),
        event(&uuid(), "c1", 2, "item_ticked", json!({"type": "item_ticked", "intake_id": "i1", "item": "reg_form",
            "tick": {"original_seen": false, "copy_kept": true}})),
        event(&uuid(), "c1", 3, "stamped", json!({"type": "stamped"})),
        event(&uuid(), "c1", 4, "accepted", json!({"type": "accepted", "intake_id": "i9", "exam_no": "990100000000"})),
        json!({"event_id": "e-broken", "counter_id": "c1"}),
        event("not-a-uuid", "c1", 5, "printed", json!({})),
        event(&uuid(), "c1", 6, "accepted", json!({"type": "returned", "intake_id": "i1", "exam_no": exam, "reasons": []})),
        event(&uuid(), "c1", 7, "printed", json!({"what": "receipt", "exam_no": exam})),
        event(&opened, "c1", 1, "intake_opened", json!({"type": "intake_opened", "intake_id": "i1", "exam_no": exam, "visit": 1})),
        event(&uuid(), "c1", 1, "item_unticked", json!({"type": "item_unticked", "intake_id": "i1", "item": "reg_form"})),
    ]});
    let (status, answer) = http.post(&token, &events.to_string());
    assert_eq!(status, 200, "{answer}");
    let results = answer["results"].as_array().unwrap();
    let statuses: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "stored",
            "stored",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "rejected",
            "duplicate",
            "rejected"
        ]
    );
    let reason = |i: usize| results[i]["reason"].as_str().unwrap_or_default().to_owned();
    assert!(
        reason(2).contains("未知的事件类型：stamped"),
        "{}",
        reason(2)
    );
    assert!(reason(3).contains("名单中没有该考生"), "{}", reason(3));
    assert!(
        reason(4).contains("事件格式错误") && results[4]["event_id"] == "e-broken",
        "{}",
        reason(4)
    );
    assert!(reason(5).contains("UUID"), "{}", reason(5));
    assert!(reason(6).contains("类型与内容不符"), "{}", reason(6));
    assert!(
        reason(7).contains("无法确定"),
        "printed without intake or known exam_no resolves: {}",
        reason(7)
    );
    assert!(reason(9).contains("序号"), "{}", reason(9));
    assert_eq!(portal.event_count("c1"), (2, 2));

    // Not a batch at all: refused as a whole, with a JSON error.
    let (status, answer) = http.post(&token, "{\"events\": 5}");
    assert_eq!(
        (status, answer["error"]["kind"].as_str()),
        (400, Some("bad_request"))
    );
    let many: Vec<Value> = (0..5_001).map(|i| json!({"event_id": i})).collect();
    let (status, _) = http.post(&token, &json!({ "events": many }).to_string());
    assert_eq!(status, 413);
}

#[test]
fn tokens_are_bound_to_their_site_and_counter() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let token = portal.add_counter(SITE, "c1");
    let other = portal.add_counter("0201", "sg-1");
    let server = PortalProcess::start(&portal, 0);
    let http = Http::new(&server);
    let roster = format!("/v1/sites/{SITE}/roster");

    let (status, body) = http.get_json(&roster, None);
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (401, Some("unauthorized"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Authorization")
    );
    let (status, body) = http.get_json(&roster, Some("forged"));
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (401, Some("unauthorized"))
    );
    for what in ["roster", "tally", "conflicts"] {
        let (status, body) = http.get_json(&format!("/v1/sites/{SITE}/{what}"), Some(&other));
        assert_eq!(
            (status, body["error"]["kind"].as_str()),
            (403, Some("forbidden_site")),
            "{what}"
        );
    }
    let batch = json!({"events": [event(&uuid(), "c1", 1, "printed", json!({}))]});
    let (status, body) = http.post(&other, &batch.to_string());
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (403, Some("forbidden_counter"))
    );
    assert_eq!(portal.event_count("c1").0, 0);
    let (status, _) = http.get_json(&roster, Some(&token));
    assert_eq!(status, 200);
    let (status, body) = http.get_json("/v1/health", None);
    assert_eq!((status, body["ok"].as_bool()), (200, Some(true)));
    let (status, body) = http.get_json("/v1/nothing", Some(&token));
    assert_eq!(
        (status, body["error"]["kind"].as_str()),
        (404, Some("not_found"))
    );
    // A new token for the counter revokes the old one.
    let renewed = portal.add_counter(SITE, "c1");
    assert_eq!(http.get_json(&roster, Some(&token)).0, 401);
    assert_eq!(http.get_json(&roster, Some(&renewed)).0, 200);
}

#[test]
fn roster_pages_follow_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 95);
    let token = portal.add_counter(SITE, "c1");
    let server = PortalProcess::start(&portal, 0);
    let http = Http::new(&server);
    let (mut cursor, mut seen, mut pages) = (0, Vec::new(), 0);
    loop {
        let (status, page) = http.get_json(
            &format!("/v1/sites/{SITE}/roster?cursor={cursor}&limit=10"),
            Some(&token),
        );
        assert_eq!(status, 200);
        pages += 1;
        for c in page["candidates"].as_array().unwrap() {
            assert_eq!(c["site_code"], SITE);
            seen.push(c["exam_no"].as_str().unwrap().to_owned());
        }
        cursor = page["next_cursor"].as_i64().unwrap();
        if page["done"].as_bool().unwrap() {
            break;
        }
        assert!(pages < 20);
    }
    assert_eq!((seen.len(), pages), (94, 10));
    let (_, page) = http.get_json(
        &format!("/v1/sites/{SITE}/roster?cursor={cursor}"),
        Some(&token),
    );
    assert_eq!(
        (
            page["candidates"].as_array().unwrap().len(),
            page["done"].as_bool()
        ),
        (0, Some(true))
    );
    assert_eq!(page["next_cursor"].as_i64(), Some(cursor));
    for bad in ["cursor=-1", "cursor=x", "limit=0"] {
        let (status, _) = http.get_json(&format!("/v1/sites/{SITE}/roster?{bad}"), Some(&token));
        assert_eq!(status, 400, "{bad}");
    }
}

#[test]
fn photos_carry_an_etag() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let token = portal.add_counter(SITE, "c1");
    let ours = portal.site_exam_nos()[0].clone();
    let theirs = portal.other_site_exam_no();
    let (jpeg, imported) = portal.import_photos(&[&ours, &theirs]);
    assert!(imported.contains("照片 2 张"), "{imported}");
    let server = PortalProcess::start(&portal, 0);
    let http = Http::new(&server);
    let (status, etag, body) = http.get(&format!("/v1/photos/{ours}"), Some(&token), None);
    assert_eq!((status, body.as_slice()), (200, jpeg.as_slice()));
    let etag = etag.expect("ETag");
    assert_eq!(
        etag,
        format!("\"{}\"", grad_intake::store::sha256_hex(&jpeg))
    );
    let (status, _, body) = http.get(&format!("/v1/photos/{ours}"), Some(&token), Some(&etag));
    assert_eq!((status, body.len()), (304, 0));
    assert_eq!(
        http.get(
            &format!("/v1/photos/{ours}"),
            Some(&token),
            Some("\"other\"")
        )
        .0,
        200
    );
    assert_eq!(
        http.get(&format!("/v1/photos/{theirs}"), Some(&token), None)
            .0,
        403
    );
    assert_eq!(
        http.get("/v1/photos/990100000000", Some(&token), None).0,
        404
    );
    // The roster record names the photo, so counters know to fetch it.
    let (_, page) = http.get_json(&format!("/v1/sites/{SITE}/roster?limit=100"), Some(&token));
    let record = page["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["exam_no"] == ours.as_str())
        .cloned();
    assert_eq!(record.unwrap()["photo_sha256"].as_str(), Some(&etag[1..65]));
}

#[test]
fn administration_signs_forms_and_keeps_only_token_digests() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let token = portal.add_counter(SITE, "c1");
    let conn = portal.conn();
    let hits: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM counters WHERE token_sha256 = ?1",
            [&token],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(hits, 0, "the token itself is not stored");
    // Every form code verifies with the public key keygen printed.
    let keys = PublicKeys::from_base64(std::slice::from_ref(&portal.public_key)).unwrap();
    let mut stmt = conn.prepare("SELECT record FROM candidates").unwrap();
    let records: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(records.len(), 30);
    for record in records {
        let v: Value = serde_json::from_str(&record).unwrap();
        let qr = v["qr"].as_str().unwrap();
        assert!(
            qr.starts_with(&format!("ZK1|{}|", v["exam_no"].as_str().unwrap()))
                && qr.contains("|20261120|")
        );
        assert!(scan::parse(qr, &keys).unwrap().verified(), "{qr}");
    }
    // Importing the same file again changes nothing.
    assert!(portal.import(&portal.roster, None).contains("未变 30"));
    // A counter stays at its site; bad codes are refused.
    let db = portal.db.to_str().unwrap();
    for args in [
        ["--site", "0201", "--counter", "c1"],
        ["--site", "12", "--counter", "c9"],
        ["--site", SITE, "--counter", "a b"],
    ] {
        let out = cmd(dir.path())
            .args(["portal", "add-counter", "--db", db])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
    }
    // A counter's database is not taken for the portal's.
    let counter_db = dir.path().join("counter.db");
    drop(grad_intake::store::Store::open(&counter_db).unwrap());
    let out = cmd(dir.path())
        .args(["portal", "serve", "--db", counter_db.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("不是考试院数据库"));
    let out = cmd(dir.path()).args(["portal", "keygen"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("--db"));
}
