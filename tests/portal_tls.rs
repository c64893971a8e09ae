//! TLS end to end (issue 15 item 7): the portal serves HTTPS itself with a certificate signed by
//! a test CA made here; a counter that trusts that CA (`portal_ca_file`) syncs; one that does
//! not, or meeting an expired or another host's certificate, refuses, says which and why, and
//! sends nothing. The portal picks up new certificate files without a restart.

mod sync_support;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use sync_support::*;

struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl TestCa {
    fn new() -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Test Provincial Government CA");
        let pem = params.self_signed(&key).unwrap().pem();
        Self {
            issuer: Issuer::new(params, key),
            pem,
        }
    }

    /// (certificate PEM, key PEM) for `names`, valid from `from` to `until` (years).
    fn leaf(&self, names: &[&str], from: i32, until: i32) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.not_before = rcgen::date_time_ymd(from, 1, 1);
        params.not_after = rcgen::date_time_ymd(until, 1, 1);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// Puts a certificate and key in place as a renewal would (each file replaced whole).
fn install(dir: &Path, (cert, key): &(String, String)) {
    for (name, text) in [("key.pem", key), ("cert.pem", cert)] {
        let part = dir.join(format!("{name}.part"));
        std::fs::write(&part, text).unwrap();
        std::fs::rename(&part, dir.join(name)).unwrap();
    }
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

/// Syncs until `done` holds for the outcome (the portal looks at its files once a second).
fn sync_until(dir: &Path, config: &Path, db: &str, done: impl Fn(&Output) -> bool) -> Output {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = sync_once(dir, config, db);
        if done(&out) || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn a_counter_trusting_the_portal_ca_syncs_over_https_and_refuses_bad_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = TestCa::new();
    std::fs::write(d.join("ca.pem"), &ca.pem).unwrap();
    let good = ca.leaf(&["127.0.0.1", "localhost"], 2020, 2099);
    let expired = ca.leaf(&["127.0.0.1", "localhost"], 2019, 2021);
    let other_host = ca.leaf(&["portal.other-province.example"], 2020, 2099);
    install(d, &good);

    let portal = PortalSetup::new(d, 30);
    let (t1, t2) = (
        portal.add_counter(SITE, "c1"),
        portal.add_counter(SITE, "c2"),
    );
    let (cert, key) = (d.join("cert.pem"), d.join("key.pem"));
    let server = PortalProcess::start_with(
        &portal,
        0,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let url = format!("https://{}", server.addr);

    // c1 trusts the test CA: syncs over https, roster down, then its decision up.
    let c1 = d.join("c1.toml");
    write_config(&c1, &url, &t1, SITE, "c1");
    let ca_line = format!("portal_ca_file = \"{}\"\n", d.join("ca.pem").display());
    let mut config = std::fs::read_to_string(&c1).unwrap();
    config.push_str(&ca_line);
    std::fs::write(&c1, config).unwrap();
    let out = sync_once(d, &c1, "c1.db");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("名单更新 29 人"),
        "{}",
        text(&out.stdout)
    );
    let exam = portal.site_exam_nos();
    let mut store = grad_intake::store::Store::open(&d.join("c1.db")).unwrap();
    accept(&mut store, "c1", &exam[0], 1, now());
    let out = sync_once(d, &c1, "c1.db");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stored = portal.event_count("c1").0;
    assert!(stored > 0);

    // c2 trusts only the system's store: refused, the problem named, nothing sent.
    let c2 = d.join("c2.toml");
    write_config(&c2, &url, &t2, SITE, "c2");
    let mut store2 = grad_intake::store::Store::open(&d.join("c2.db")).unwrap();
    accept(&mut store2, "c2", &exam[1], 1, now());
    let out = sync_once(d, &c2, "c2.db");
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("127.0.0.1") && stderr.contains("不是由本机信任的机构签发"),
        "{stderr}"
    );
    assert!(
        stderr.contains("portal_ca_file") && stderr.contains("未发送任何数据"),
        "{stderr}"
    );
    assert_eq!(portal.event_count("c2").0, 0);

    // The administrator installs an expired certificate: the portal takes it without a
    // restart, and c1 refuses it, saying so; a new decision stays unsent.
    install(d, &expired);
    let out = sync_until(d, &c1, "c1.db", |o| !o.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("证书已过期") && stderr.contains("2021-01-01"),
        "{stderr}"
    );
    accept(&mut store, "c1", &exam[2], 1, now());
    let out = sync_once(d, &c1, "c1.db");
    assert!(
        text(&out.stderr).contains("证书已过期"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(portal.event_count("c1").0, stored, "nothing sent");

    // Another host's certificate.
    install(d, &other_host);
    let out = sync_until(d, &c1, "c1.db", |o| text(&o.stderr).contains("不属于"));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("证书不属于 127.0.0.1") && stderr.contains("portal.other-province.example"),
        "{stderr}"
    );
    assert_eq!(portal.event_count("c1").0, stored, "nothing sent");

    // The right certificate again, still the same process: c1's decision goes up.
    install(d, &good);
    let out = sync_until(d, &c1, "c1.db", |o| o.status.success());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(portal.event_count("c1").0 > stored);
}

#[test]
fn enrolment_over_https_with_a_ca_file_writes_it_into_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ca = TestCa::new();
    std::fs::write(d.join("ca.pem"), &ca.pem).unwrap();
    install(d, &ca.leaf(&["localhost"], 2020, 2099));
    let portal = PortalSetup::new(d, 30);
    let (_, code) = portal.add_counter_at(SITE, "c3", chrono::Utc::now());
    let (cert, key) = (d.join("cert.pem"), d.join("key.pem"));
    let server = PortalProcess::start_with(
        &portal,
        0,
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    let url = format!("https://localhost:{}", server.addr.port());
    let config = d.join("c3.toml");
    let enrol = |ca_file: Option<&Path>| {
        let mut command = cmd(d);
        command
            .env("GRAD_INTAKE_CONFIG", &config)
            .args(["--db", d.join("c3.db").to_str().unwrap()])
            .args(["enrol", &code, "--portal", &url]);
        if let Some(ca) = ca_file {
            command.args(["--ca-file", ca.to_str().unwrap()]);
        }
        command.output().expect("enrol runs")
    };
    // Without the CA the code is not even sent (and so not used up).
    let refused = enrol(None);
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("portal_ca_file"),
        "{}",
        text(&refused.stderr)
    );
    assert!(!config.exists());
    let out = enrol(Some(&d.join("ca.pem")));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = grad_intake::config::Config::load(&config).unwrap();
    assert_eq!(written.counter_id.as_deref(), Some("c3"));
    assert!(written.portal_ca_file.is_some_and(|p| p.is_absolute()));
    let synced = sync_once(d, &config, "c3.db");
    assert!(synced.status.success(), "{}", text(&synced.stderr));
}
