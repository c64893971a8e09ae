//! `grad-intake schedule import FILE` and `schedule status [SITE]`.

use std::path::Path;

use super::{Error, Setup};
use crate::domain::schedule::WindowState;
use crate::store::Store;
use crate::strings::{self, report as s};

/// Stores a new batch's sites and windows under the file's name, after checking it against what
/// is there: a bad document is refused and nothing is stored. Returns the name.
pub fn import(setup: &Setup, file: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(file).map_err(|source| Error::ReadFile {
        path: file.to_owned(),
        source,
    })?;
    let store = Store::open(&setup.db)?;
    let mut schedule = crate::counter::load_schedule(&store)?;
    let name = file.file_name().map_or_else(
        || "schedule.toml".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    schedule.merge_doc(&name, &text)?;
    store.put_schedule_doc(&name, &text)?;
    Ok(name)
}

pub fn render_import(name: &str) -> String {
    format!("{}{name}", strings::SCHEDULE_IMPORTED)
}

/// One site and its window now.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteStatus {
    pub code: String,
    pub name: String,
    pub window: WindowState,
}

/// The window state of `site` (default: this counter's site; with neither, every site) now.
pub fn status(setup: &Setup, site: Option<&str>) -> Result<Vec<SiteStatus>, Error> {
    let counter = setup.counter()?;
    let wanted = site
        .map(str::to_owned)
        .or_else(|| counter.site_code.clone());
    Ok(counter
        .schedule
        .sites()
        .filter(|s| wanted.as_ref().is_none_or(|w| *w == s.code))
        .map(|s| SiteStatus {
            code: s.code.clone(),
            name: s.name.clone(),
            window: counter.schedule.status(&s.code, setup.now),
        })
        .collect())
}

pub fn render_status(sites: &[SiteStatus]) -> String {
    sites
        .iter()
        .map(|site| {
            let until = super::until(&site.window, "%Y-%m-%d %H:%M");
            let status = strings::window_status(site.window.status);
            format!(
                "{}\n",
                s::schedule_site(&site.code, &site.name, status, &until)
            )
        })
        .collect()
}
