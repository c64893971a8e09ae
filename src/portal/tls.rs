//! HTTPS for `portal serve --tls-cert PEM --tls-key PEM` (rustls with ring, as the counter's
//! client): the certificate and key are read again when either file changes, at the next
//! handshake (looked at most once a second), so a renewed certificate needs no restart. A
//! pair that does not load (half copied, key of another certificate) keeps the one in use and
//! is logged; it is tried again until it loads.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use super::PortalError;

/// The PEM files of the portal's certificate (chain, leaf first) and its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// How often the files are looked at for a change.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The files' modification times and sizes: a change of either means "read again".
type Stamp = [(Option<SystemTime>, u64); 2];

fn stamp(files: &TlsFiles) -> Stamp {
    let of =
        |path: &Path| std::fs::metadata(path).map_or((None, 0), |m| (m.modified().ok(), m.len()));
    [of(&files.cert), of(&files.key)]
}

struct Current {
    key: Arc<CertifiedKey>,
    stamp: Stamp,
    checked: Instant,
}

/// Gives each handshake the certificate as the files hold it now.
#[derive(Debug)]
pub(super) struct Reloading {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: Mutex<Current>,
}

impl std::fmt::Debug for Current {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Current")
            .field("stamp", &self.stamp)
            .finish()
    }
}

impl Reloading {
    fn load(files: &TlsFiles, provider: &CryptoProvider) -> Result<Arc<CertifiedKey>, PortalError> {
        let bad = |path: &Path, message: String| PortalError::Tls {
            path: path.to_owned(),
            message,
        };
        let certs = CertificateDer::pem_file_iter(&files.cert)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| bad(&files.cert, e.to_string()))?;
        if certs.is_empty() {
            return Err(bad(&files.cert, crate::strings::PORTAL_TLS_NO_CERT.into()));
        }
        let key =
            PrivateKeyDer::from_pem_file(&files.key).map_err(|e| bad(&files.key, e.to_string()))?;
        let signing = provider
            .key_provider
            .load_private_key(key)
            .map_err(|e| bad(&files.key, e.to_string()))?;
        let certified = CertifiedKey::new(certs, signing);
        certified.keys_match().map_err(|e| {
            bad(
                &files.key,
                format!("{}（{e}）", crate::strings::PORTAL_TLS_KEY_MISMATCH),
            )
        })?;
        Ok(Arc::new(certified))
    }

    /// The key in use, read again first if the files changed since.
    fn key_now(&self) -> Arc<CertifiedKey> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.checked.elapsed() >= CHECK_EVERY {
            current.checked = Instant::now();
            let seen = stamp(&self.files);
            if seen != current.stamp {
                match Self::load(&self.files, &self.provider) {
                    Ok(key) => {
                        tracing::info!("portal: TLS certificate reloaded");
                        current.key = key;
                        current.stamp = seen;
                    }
                    Err(e) => tracing::warn!(error = %e, "portal: new TLS files not loaded yet"),
                }
            }
        }
        Arc::clone(&current.key)
    }
}

impl ResolvesServerCert for Reloading {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.key_now())
    }
}

/// The acceptor for `files`; fails (before the port is taken) when they do not load.
pub(super) fn acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor, PortalError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let stamp = stamp(files);
    let key = Reloading::load(files, &provider)?;
    let resolver = Reloading {
        files: files.clone(),
        provider: Arc::clone(&provider),
        current: Mutex::new(Current {
            key,
            stamp,
            checked: Instant::now(),
        }),
    };
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PortalError::Tls {
            path: files.cert.clone(),
            message: e.to_string(),
        })?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(resolver));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
