//! `grad-intake enrol CODE --portal URL [--ca-file PEM]`: the counter trades the one-time code
//! from the portal's administrator for its credentials, and writes them into its configuration
//! (owner-only): `portal_url`, `portal_token`, `site_code`, `counter_id`, `portal_public_keys`
//! and, when given, `portal_ca_file`. The other keys of the file stay as they were.

use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

use super::{Error, Setup};
use crate::config::{Config, ConfigError};
use crate::strings::{self, report as s};
use crate::sync::client::{self, check_portal_url};
use crate::sync::enrol::{EnrolRequest, Enrolment, normalize_code};
use crate::sync::protocol::API_PREFIX;

#[derive(Debug, Error)]
pub enum EnrolError {
    #[error("{}", strings::ENROL_BAD_CODE)]
    BadCode,
    /// The portal's answer to the code (used, expired, unknown: its message says what to do).
    #[error("{}{status}）：{message}", strings::ENROL_REFUSED)]
    Refused { status: u16, message: String },
    #[error("{msg}{0}", msg = strings::ENROL_BAD_ANSWER)]
    BadAnswer(String),
}

/// What was written where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolled {
    pub site_code: String,
    pub counter_id: String,
    pub public_keys: usize,
    pub config_path: PathBuf,
    /// The site and counter the file named before, when they were others.
    pub replaced: Option<(String, String)>,
}

/// Sends the code to the portal and, once it is accepted, writes the configuration. A code the
/// portal refuses changes nothing here.
pub fn enrol(
    setup: &Setup,
    code: &str,
    portal_url: &str,
    ca_file: Option<&Path>,
) -> Result<Enrolled, Error> {
    let code = normalize_code(code).ok_or(EnrolError::BadCode)?;
    let base = check_portal_url(portal_url)?;
    let ca_file = ca_file
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_owned()))
        .map(|p| p.canonicalize().unwrap_or(p));
    let enrolment = request(&base, &code, ca_file.as_deref())?;
    let mut config = Config::load(&setup.config_path)?;
    let replaced = previous_counter(&config, &enrolment);
    config.portal_url = Some(base);
    config.portal_token = Some(enrolment.token);
    config.site_code = Some(enrolment.site_code.clone());
    config.counter_id = Some(enrolment.counter_id.clone());
    config.portal_public_keys = enrolment.public_keys;
    if ca_file.is_some() {
        config.portal_ca_file = ca_file;
    }
    write(&config, &setup.config_path)?;
    Ok(Enrolled {
        site_code: enrolment.site_code,
        counter_id: enrolment.counter_id,
        public_keys: config.portal_public_keys.len(),
        config_path: setup.config_path.clone(),
        replaced,
    })
}

fn previous_counter(config: &Config, enrolment: &Enrolment) -> Option<(String, String)> {
    let site = config.site_code.clone().unwrap_or_default();
    let counter = config.counter_id.clone().unwrap_or_default();
    let other = (!site.is_empty() && site != enrolment.site_code)
        || (!counter.is_empty() && counter != enrolment.counter_id);
    other.then_some((site, counter))
}

/// `POST /v1/enrol`.
fn request(base: &str, code: &str, ca_file: Option<&Path>) -> Result<Enrolment, Error> {
    let agent = client::agent(Duration::from_secs(30), ca_file)?;
    let body = serde_json::to_vec(&EnrolRequest {
        code: code.to_owned(),
    })
    .map_err(|e| EnrolError::BadAnswer(e.to_string()))?;
    let response = agent
        .post(format!("{base}{API_PREFIX}/enrol"))
        .header("Content-Type", "application/json")
        .send(&body[..])
        .map_err(|e| {
            crate::sync::tls::certificate_error(base, &e)
                .unwrap_or_else(|| client::transport_error(e))
        })?;
    let status = response.status().as_u16();
    if status != 200 {
        let message = client::error_message(response);
        return Err(EnrolError::Refused { status, message }.into());
    }
    let bytes = client::read_bytes(response, 1 << 20)?;
    let enrolment: Enrolment =
        serde_json::from_slice(&bytes).map_err(|e| EnrolError::BadAnswer(e.to_string()))?;
    Ok(enrolment)
}

/// Checks the new configuration as a file read back would be, then replaces the file,
/// owner-only (it holds the token).
fn write(config: &Config, path: &Path) -> Result<(), Error> {
    let text = toml::to_string(config).map_err(|e| EnrolError::BadAnswer(e.to_string()))?;
    Config::parse(&text).map_err(|message| ConfigError::Bad {
        path: path.to_owned(),
        message,
    })?;
    crate::owner_only::replace(path, text.as_bytes()).map_err(|source| ConfigError::Write {
        path: path.to_owned(),
        source,
    })?;
    Ok(())
}

pub fn render(e: &Enrolled) -> String {
    let mut text = format!(
        "{}\n",
        s::enrolled(
            &e.site_code,
            &e.counter_id,
            e.public_keys,
            &e.config_path.display().to_string()
        )
    );
    if let Some((site, counter)) = &e.replaced {
        text.push_str(&s::enrol_replaced(site, counter));
        text.push('\n');
    }
    text
}

impl From<EnrolError> for Error {
    fn from(e: EnrolError) -> Self {
        Error::Enrol(e)
    }
}
