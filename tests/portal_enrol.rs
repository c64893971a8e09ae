//! Enrolment and revocation (issue 15 item 5), with the real binary and a real portal on
//! loopback: a one-time code becomes a counter's configuration once, an expired code is refused,
//! a revoked counter is refused at its next request, a rotated token works and the old one not.

mod sync_support;

use std::path::{Path, PathBuf};
use std::process::Output;

use chrono::Duration;
use grad_intake::config::Config;
use sync_support::*;

/// `grad-intake enrol CODE --portal URL` with its own configuration file.
fn enrol(dir: &Path, config: &Path, code: &str, url: &str) -> Output {
    cmd(dir)
        .env("GRAD_INTAKE_CONFIG", config)
        .args(["--db", dir.join("counter.db").to_str().unwrap()])
        .args(["enrol", code, "--portal", url])
        .output()
        .expect("enrol runs")
}

fn sync_once(dir: &Path, config: &Path, db: &str) -> Output {
    cmd(dir)
        .env("GRAD_INTAKE_CONFIG", config)
        .args(["--db", dir.join(db).to_str().unwrap(), "sync", "--once"])
        .output()
        .expect("sync runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The status and the error message of `GET roster` with `token`.
fn roster_status(server: &PortalProcess, token: &str) -> (u16, String) {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build(),
    );
    let response = agent
        .get(format!("{}/v1/sites/{SITE}/roster?limit=1", server.url()))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("portal answers");
    let status = response.status().as_u16();
    let body: serde_json::Value = response.into_body().read_json().unwrap_or_default();
    (
        status,
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

fn portal_admin(portal: &PortalSetup, args: &[&str]) -> String {
    let mut all = vec!["portal"];
    all.extend_from_slice(args);
    all.extend(["--db", portal.db.to_str().unwrap()]);
    run_ok(&portal.dir, &all)
}

#[test]
fn a_code_enrols_the_counter_once_and_is_then_refused() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let (printed_token, code) = portal.add_counter_at(SITE, "hz-03", now());
    let server = PortalProcess::start(&portal, 0);
    let config = dir.path().join("counter.toml");

    let out = enrol(dir.path(), &config, &code.to_lowercase(), &server.url());
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("本柜台已登记"),
        "{}",
        text(&out.stdout)
    );
    let written = Config::load(&config).unwrap();
    assert_eq!(written.site_code.as_deref(), Some(SITE));
    assert_eq!(written.counter_id.as_deref(), Some("hz-03"));
    assert_eq!(written.portal_url.as_deref(), Some(server.url().as_str()));
    assert_eq!(written.portal_public_keys, vec![portal.public_key.clone()]);
    let token = written.portal_token.clone().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the token is readable by its owner only"
        );
    }
    // The configuration works as it is: the roster comes down.
    let synced = sync_once(dir.path(), &config, "counter.db");
    assert!(synced.status.success(), "{}", text(&synced.stderr));
    assert!(
        text(&synced.stdout).contains("名单更新 29 人"),
        "{}",
        text(&synced.stdout)
    );
    // Enrolment gave a fresh token: the one add-counter printed no longer works.
    assert_eq!(roster_status(&server, &token).0, 200);
    assert_eq!(roster_status(&server, &printed_token).0, 401);

    // The same code a second time (another PC) is refused and writes nothing.
    let second = dir.path().join("second.toml");
    let again = enrol(dir.path(), &second, &code, &server.url());
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("已经用过"),
        "{}",
        text(&again.stderr)
    );
    assert!(!second.exists());
    assert_eq!(
        roster_status(&server, &token).0,
        200,
        "the enrolled counter is unaffected"
    );

    // A mistyped code is refused before anything is sent.
    let typo = enrol(dir.path(), &second, "ABCD-EFGH", &server.url());
    assert!(!typo.status.success());
    assert!(
        text(&typo.stderr).contains("登记码格式不对"),
        "{}",
        text(&typo.stderr)
    );
    assert!(!second.exists());
}

#[test]
fn an_expired_code_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    // Issued 25 hours before the portal's clock (`now()`, as the portal process runs): valid
    // for 24.
    let (_, code) = portal.add_counter_at(SITE, "hz-04", now() - Duration::hours(25));
    let server = PortalProcess::start(&portal, 0);
    let config = dir.path().join("counter.toml");
    let out = enrol(dir.path(), &config, &code, &server.url());
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("已过期") && stderr.contains("管理员"),
        "{stderr}"
    );
    assert!(!config.exists());
    // list-counters, on the same clock, says there is no usable code.
    let listed = portal_admin(&portal, &["--now", &now().to_rfc3339(), "list-counters"]);
    assert!(
        listed.contains("hz-04") && listed.contains("无可用登记码"),
        "{listed}"
    );
}

/// A counter configured by hand with `token`, and a decision to push.
fn counter_with_a_decision(
    dir: &Path,
    portal: &PortalSetup,
    server: &PortalProcess,
    token: &str,
    name: &str,
) -> PathBuf {
    let config = dir.join(format!("{name}.toml"));
    write_config(&config, &server.url(), token, SITE, name);
    let db = format!("{name}.db");
    let first = sync_once(dir, &config, &db);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let mut store = grad_intake::store::Store::open(&dir.join(&db)).unwrap();
    accept(&mut store, name, &portal.site_exam_nos()[0], 1, now());
    config
}

#[test]
fn a_revoked_counter_is_refused_at_its_next_request() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let token = portal.add_counter(SITE, "hz-05");
    let server = PortalProcess::start(&portal, 0);
    let config = counter_with_a_decision(dir.path(), &portal, &server, &token, "hz-05");

    // Revoked while the portal runs: the very next request is refused.
    let said = portal_admin(&portal, &["revoke-counter", "--counter", "hz-05"]);
    assert!(said.contains("已停用柜台 hz-05"), "{said}");
    let (status, message) = roster_status(&server, &token);
    assert_eq!(status, 401);
    assert!(
        message.contains("停用") && message.contains("管理员"),
        "{message}"
    );
    let out = sync_once(dir.path(), &config, "hz-05.db");
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("401") && stderr.contains("停用"),
        "{stderr}"
    );
    assert_eq!(portal.event_count("hz-05").0, 0, "nothing was taken");
    let listed = portal_admin(&portal, &["list-counters"]);
    assert!(
        listed.contains("hz-05") && listed.contains("已停用"),
        "{listed}"
    );

    // Registering it again lifts the revocation with a new token.
    let again = portal.add_counter(SITE, "hz-05");
    assert_eq!(roster_status(&server, &again).0, 200);
    assert_eq!(roster_status(&server, &token).0, 401);
}

#[test]
fn a_rotated_token_works_and_the_old_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let old = portal.add_counter(SITE, "hz-06");
    let server = PortalProcess::start(&portal, 0);
    let config = counter_with_a_decision(dir.path(), &portal, &server, &old, "hz-06");

    let said = portal_admin(&portal, &["rotate-token", "--counter", "hz-06"]);
    let new = said.lines().last().unwrap().trim().to_owned();
    assert!(
        said.contains("更换令牌") && find_code(&said).is_some(),
        "{said}"
    );
    assert_ne!(new, old);
    let (status, message) = roster_status(&server, &old);
    assert_eq!(status, 401);
    assert!(message.contains("管理员"), "{message}");
    let refused = sync_once(dir.path(), &config, "hz-06.db");
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("401"),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(portal.event_count("hz-06").0, 0);

    // With the new token the same counter pushes its decision.
    write_config(&config, &server.url(), &new, SITE, "hz-06");
    let synced = sync_once(dir.path(), &config, "hz-06.db");
    assert!(synced.status.success(), "{}", text(&synced.stderr));
    assert!(portal.event_count("hz-06").0 > 0);
    // A revoked counter cannot be rotated back in by mistake.
    portal_admin(&portal, &["revoke-counter", "--counter", "hz-06"]);
    let out = cmd(&portal.dir)
        .args(["portal", "rotate-token", "--counter", "hz-06"])
        .args(["--db", portal.db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("已被停用"),
        "{}",
        text(&out.stderr)
    );
}
