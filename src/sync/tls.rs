//! What the counter trusts for the portal's https, and what it says when a certificate fails.
//!
//! Trusted: the operating system's certificate store (as `rustls-native-certs` finds it: the
//! distribution's bundle on Linux, the system store on Windows), plus `portal_ca_file` for a
//! portal whose certificate a provincial or government CA signed. A system with no store at all
//! falls back to the Mozilla roots built into the program.
//!
//! A refused certificate stops the handshake, so nothing of the request has been sent; the error
//! names the server and the problem (expired, another host's, unknown CA) and what to do.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use ureq::tls::{Certificate, RootCerts, TlsConfig};

use super::SyncError;
use crate::strings::certificate as text;

/// The system's store, read once per process (a few hundred certificates).
fn system_roots() -> &'static [Certificate<'static>] {
    static ROOTS: OnceLock<Vec<Certificate<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!(error = %e, "part of the system certificate store not read");
        }
        found
            .certs
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect()
    })
}

/// The certificates of a PEM file; at least one, or the reason.
pub fn read_ca_file(path: &Path) -> Result<Vec<Certificate<'static>>, SyncError> {
    let bad = |message: String| SyncError::CaFile {
        path: path.display().to_string(),
        message,
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => Some(Ok(cert)),
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certs.is_empty() {
        return Err(bad(crate::strings::PORTAL_TLS_NO_CERT.to_owned()));
    }
    Ok(certs)
}

/// TLS for the client: the system's roots plus `ca_file`'s certificates.
pub fn client_config(ca_file: Option<&Path>) -> Result<TlsConfig, SyncError> {
    let mut roots: Vec<Certificate<'static>> = system_roots().to_vec();
    if let Some(path) = ca_file {
        roots.extend(read_ca_file(path)?);
    }
    let roots = if roots.is_empty() {
        RootCerts::WebPki
    } else {
        RootCerts::Specific(Arc::new(roots))
    };
    Ok(TlsConfig::builder().root_certs(roots).build())
}

/// A refused server certificate, named for the clerk; `None` for any other failure.
pub fn certificate_error(base_url: &str, e: &ureq::Error) -> Option<SyncError> {
    let rustls_error = match e {
        ureq::Error::Rustls(inner) => Some(inner),
        ureq::Error::Io(io) => io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>()),
        _ => None,
    }?;
    let rustls::Error::InvalidCertificate(problem) = rustls_error else {
        return None;
    };
    let host = base_url
        .parse::<ureq::http::Uri>()
        .ok()
        .and_then(|u| u.host().map(str::to_owned))
        .unwrap_or_else(|| base_url.to_owned());
    Some(SyncError::Certificate(describe(&host, problem)))
}

fn describe(host: &str, problem: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    let when = |t: &rustls::pki_types::UnixTime| {
        i64::try_from(t.as_secs())
            .ok()
            .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
            .map_or_else(String::new, crate::domain::office_time::date_hm)
    };
    match problem {
        C::Expired => text::expired(host, "?"),
        C::ExpiredContext { not_after, .. } => text::expired(host, &when(not_after)),
        C::NotValidYet => text::not_yet_valid(host, "?"),
        C::NotValidYetContext { not_before, .. } => text::not_yet_valid(host, &when(not_before)),
        C::NotValidForName => text::wrong_host(host, "?"),
        C::NotValidForNameContext { presented, .. } => {
            text::wrong_host(host, &presented.join("、"))
        }
        C::UnknownIssuer => text::unknown_issuer(host),
        C::Revoked => text::revoked(host),
        other => text::other(host, &format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_problem_is_named_with_the_server() {
        let expired = rustls::CertificateError::ExpiredContext {
            time: rustls::pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(
                1_800_000_000,
            )),
            not_after: rustls::pki_types::UnixTime::since_unix_epoch(
                std::time::Duration::from_secs(1_700_000_000),
            ),
        };
        let text = describe("portal.example.cn", &expired);
        assert!(
            text.contains("portal.example.cn") && text.contains("过期"),
            "{text}"
        );
        assert!(text.contains("2023-11-15"), "{text}");
        let wrong = rustls::CertificateError::NotValidForNameContext {
            expected: rustls::pki_types::ServerName::try_from("a.example").unwrap(),
            presented: vec!["b.example".into()],
        };
        assert!(describe("a.example", &wrong).contains("b.example"));
        let unknown = describe("a.example", &rustls::CertificateError::UnknownIssuer);
        assert!(unknown.contains("portal_ca_file"), "{unknown}");
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let e = certificate_error("https://a.example:8443", &ureq::Error::Io(io)).unwrap();
        assert!(e.to_string().contains("a.example"), "{e}");
        assert!(
            certificate_error(
                "https://a.example",
                &ureq::Error::Timeout(ureq::Timeout::Global)
            )
            .is_none()
        );
    }

    #[test]
    fn a_ca_file_without_a_certificate_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "not a certificate").unwrap();
        let e = client_config(Some(&path)).unwrap_err();
        assert!(matches!(e, SyncError::CaFile { .. }));
        assert!(e.to_string().contains("ca.pem"), "{e}");
        assert!(client_config(Some(&dir.path().join("missing.pem"))).is_err());
        assert!(client_config(None).is_ok());
    }
}
