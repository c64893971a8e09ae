//! `grad-intake demo`: a synthetic demo office (candidates, photos, clerks) and, when there is
//! none yet, a configuration that uses it.

use std::path::{Path, PathBuf};

use super::{Error, Setup};
use crate::config::Config;
use crate::demo;
use crate::store::{ImportReport, Store};
use crate::strings::report as s;

#[derive(Debug)]
pub struct DemoReport {
    pub db: PathBuf,
    pub candidates: ImportReport,
    pub config_path: PathBuf,
    /// Whether a configuration was written (an existing one is never changed).
    pub config_written: bool,
    /// A few scans to try, each with the case it shows: (QR text, case).
    pub tries: Vec<(String, String)>,
    /// The exam numbers of the same candidates, to type at the scan line.
    pub exam_nos: Vec<String>,
}

impl DemoReport {
    /// What the login box shows after a first run set this office up.
    pub fn welcome(&self) -> crate::tui::state::Welcome {
        crate::tui::state::Welcome {
            db: self.db.display().to_string(),
            config: self.config_path.display().to_string(),
            exam_nos: self.exam_nos.clone(),
        }
    }
}

pub fn install(setup: &Setup, candidates: usize, seed: u64) -> Result<DemoReport, Error> {
    let mut store = Store::open(&setup.db)?;
    let key = demo::load_or_create_key(&setup.db)?;
    let installed = demo::install(&mut store, candidates, seed, setup.now, &key)?;
    let config_written = !setup.config_path.exists();
    if config_written {
        demo_config(&setup.db, &key).write_new(&setup.config_path)?;
    }
    let exam_nos = installed
        .candidates
        .iter()
        .take(3)
        .map(|d| d.candidate.exam_no.to_string())
        .collect();
    let tries = installed
        .candidates
        .iter()
        .take(3)
        .filter_map(|d| Some((d.candidate.qr.clone()?, d.case.to_string())))
        .collect();
    Ok(DemoReport {
        db: setup.db.clone(),
        candidates: installed.report,
        config_path: setup.config_path.clone(),
        config_written,
        tries,
        exam_nos,
    })
}

fn demo_config(db: &Path, key: &ed25519_dalek::SigningKey) -> Config {
    let db = std::path::absolute(db).unwrap_or_else(|_| db.to_owned());
    Config {
        site_code: Some(demo::DEMO_SITE.into()),
        counter_id: Some(demo::DEMO_COUNTER.into()),
        db: Some(db),
        lang: Some("zh".into()),
        portal_public_keys: vec![crate::domain::scan::encode_public_key(&key.verifying_key())],
        ..Config::default()
    }
}

pub fn render(r: &DemoReport) -> String {
    let c = &r.candidates;
    let path = r.config_path.display().to_string();
    let mut lines = vec![
        s::demo_written(&r.db.display().to_string()),
        s::demo_candidates(c.added, c.updated, c.unchanged),
        if r.config_written {
            s::demo_config_written(&path)
        } else {
            s::demo_config_kept(&path)
        },
        s::DEMO_CLERKS.to_owned(),
    ];
    for (id, name, role, pin) in demo::DEMO_CLERKS {
        lines.push(s::demo_clerk(id, pin, name, role.as_str()));
    }
    lines.push(s::DEMO_TRY.to_owned());
    for (qr, case) in &r.tries {
        lines.push(s::demo_try(qr, case));
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}
