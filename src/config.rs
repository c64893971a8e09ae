//! `config.toml` (DESIGN §8) and where things live: the configuration file, the database and
//! the log. Flags win over environment variables, which win over the file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::domain::candidate::is_site_code;
use crate::domain::scan::PublicKeys;
use crate::strings;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The 办理地点 this counter serves; without it, `check` judges the candidate's own site.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counter_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub db: Option<PathBuf>,
    /// `zh` (default) or `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_token: Option<String>,
    /// Base64 Ed25519 public keys; more than one while the portal rotates its key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub portal_public_keys: Vec<String>,
    /// A CA certificate (PEM) the counter trusts for the portal besides the system's store,
    /// e.g. a provincial government CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal_ca_file: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanner: Option<ScannerConfig>,
    /// IPP URI of the printer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer: Option<String>,
    /// A system font (TTF/OTF) for characters the shipped Noto Sans CJK SC lacks; without it such
    /// a character is an error before printing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub print_fallback_font: Option<std::path::PathBuf>,
    /// Lock the counter screen after this many minutes without a key (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_lock_minutes: Option<u32>,
    /// How many minutes a supervisor's approval of a candidate (wrong site, outside the window)
    /// lasts at this counter (default 15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub override_minutes: Option<u32>,
    /// Ring the terminal bell on a bad scan or a refused action (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bell: Option<bool>,
    /// How the counter draws photos: `auto` asks the terminal (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo_protocol: Option<PhotoProtocol>,
}

/// `photo_protocol`: which picture protocol the counter uses for photos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoProtocol {
    /// Ask the terminal (the default): Kitty, then Sixel, then iTerm2 (from the environment),
    /// else half blocks.
    #[default]
    Auto,
    Sixel,
    Kitty,
    Iterm2,
    Halfblocks,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScannerConfig {
    /// A device path, or `auto` for the first USB serial device.
    pub port: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baud: Option<u32>,
    /// `CR`, `LF`, `CRLF` or `Tab`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminator: Option<String>,
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("{}{path}：{message}", strings::CONFIG_BAD)]
    Bad { path: PathBuf, message: String },
    #[error("{}{path}（{source}）", strings::CONFIG_READ)]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}{path}（{source}）", strings::CONFIG_WRITE)]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Config {
    /// Reads the file; a missing file is an empty configuration, a bad one an error naming the
    /// key and what to do.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                });
            }
        };
        Self::parse(&text).map_err(|message| ConfigError::Bad {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses and validates the text of a configuration file; the error names the key.
    pub fn parse(text: &str) -> Result<Self, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string().trim().to_owned())?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        let bad = |key: &str, what: &str| format!("{key}：{what}");
        if self
            .site_code
            .as_deref()
            .is_some_and(|site| !is_site_code(site))
        {
            return Err(bad("site_code", strings::FIELD_SITE_CODE));
        }
        let id_ok = |c: &str| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if self.counter_id.as_deref().is_some_and(|c| !id_ok(c)) {
            return Err(bad("counter_id", strings::CONFIG_COUNTER_ID));
        }
        if self.lang.as_deref().is_some_and(|l| l != "zh" && l != "en") {
            return Err(bad("lang", strings::CONFIG_LANG));
        }
        if self
            .idle_lock_minutes
            .is_some_and(|m| m == 0 || m > 24 * 60)
        {
            return Err(bad("idle_lock_minutes", strings::CONFIG_IDLE_LOCK));
        }
        if self.override_minutes.is_some_and(|m| m == 0 || m > 24 * 60) {
            return Err(bad("override_minutes", strings::CONFIG_OVERRIDE_MINUTES));
        }
        PublicKeys::from_base64(&self.portal_public_keys).map_err(|e| {
            bad(
                &format!("portal_public_keys[{}]", e.index),
                strings::CONFIG_KEY,
            )
        })?;
        let terminator = self.scanner.as_ref().and_then(|s| s.terminator.as_deref());
        if terminator.is_some_and(|t| !["CR", "LF", "CRLF", "Tab"].contains(&t)) {
            return Err(bad("scanner.terminator", strings::CONFIG_TERMINATOR));
        }
        Ok(())
    }

    /// How long a supervisor's approval lasts (`override_minutes`, default 15).
    pub fn override_ttl(&self) -> chrono::Duration {
        let minutes = self
            .override_minutes
            .unwrap_or(crate::domain::supervision::DEFAULT_OVERRIDE_MINUTES);
        chrono::Duration::minutes(i64::from(minutes))
    }

    pub fn public_keys(&self) -> PublicKeys {
        // Validated on load; a config built in code with bad keys trusts nothing.
        PublicKeys::from_base64(&self.portal_public_keys).unwrap_or_default()
    }

    /// Writes a new file, owner-only (it may hold the portal token). Never overwrites.
    pub fn write_new(&self, path: &Path) -> Result<(), ConfigError> {
        let err = |source| ConfigError::Write {
            path: path.to_owned(),
            source,
        };
        let text = toml::to_string(self).map_err(|e| err(std::io::Error::other(e)))?;
        crate::owner_only::write_new(path, text.as_bytes()).map_err(err)
    }
}

/// The platform's places for this program (XDG on Linux).
fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "grad-intake")
}

/// `config.toml` in the XDG config directory.
pub fn default_config_path() -> PathBuf {
    project_dirs().map_or_else(
        || PathBuf::from("grad-intake.toml"),
        |d| d.config_dir().join("config.toml"),
    )
}

/// `grad-intake.db` in the XDG data directory.
pub fn default_db_path() -> PathBuf {
    project_dirs().map_or_else(
        || PathBuf::from("grad-intake.db"),
        |d| d.data_dir().join("grad-intake.db"),
    )
}

/// The database path: flag or `GRAD_INTAKE_DB` (already merged by clap), then the file's `db`.
/// A relative `db` in the file is relative to the file.
pub fn resolve_db(flag_or_env: Option<&Path>, config: &Config, config_path: &Path) -> PathBuf {
    if let Some(path) = flag_or_env {
        return path.to_owned();
    }
    match &config.db {
        Some(db) if db.is_relative() => config_path.parent().unwrap_or(Path::new(".")).join(db),
        Some(db) => db.clone(),
        None => default_db_path(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_example_parses() {
        let text = r#"
site_code = "0104"
counter_id = "hz-03"
db = "/var/lib/grad-intake/counter.db"
lang = "zh"
portal_url = "https://portal.example"
portal_token = "t"
portal_public_keys = ["O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik="]
printer = "ipp://127.0.0.1:631/printers/duplex"
[scanner]
port = "auto"
baud = 9600
terminator = "CRLF"
"#;
        let config = Config::parse(text).unwrap();
        assert_eq!(config.site_code.as_deref(), Some("0104"));
        assert_eq!(
            config.override_ttl(),
            chrono::Duration::minutes(15),
            "default"
        );
        assert_eq!(config.scanner.unwrap().baud, Some(9600));
        let config = Config::parse("override_minutes = 5").unwrap();
        assert_eq!(config.override_ttl(), chrono::Duration::minutes(5));
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("site_code = \"104\"", "site_code"),
            ("sit_code = \"0104\"", "sit_code"),
            ("counter_id = \"a b\"", "counter_id"),
            ("lang = \"fr\"", "lang"),
            ("override_minutes = 0", "override_minutes"),
            ("portal_public_keys = [\"abc\"]", "portal_public_keys[0]"),
            ("[scanner]\nport = \"auto\"\nbaud = \"fast\"", "baud"),
            (
                "[scanner]\nport = \"auto\"\nterminator = \"NUL\"",
                "scanner.terminator",
            ),
            ("site_code = ", ""),
        ];
        for (text, key) in cases {
            let err = Config::parse(text).unwrap_err();
            assert!(err.contains(key), "{text}: {err}");
        }
    }

    #[test]
    fn relative_db_is_next_to_the_config() {
        let config = Config {
            db: Some("counter.db".into()),
            ..Config::default()
        };
        let db = resolve_db(None, &config, Path::new("/etc/gi/config.toml"));
        assert_eq!(db, PathBuf::from("/etc/gi/counter.db"));
        assert_eq!(
            resolve_db(Some(Path::new("/x.db")), &config, Path::new("/c.toml")),
            PathBuf::from("/x.db")
        );
    }
}
