//! The counter's HTTP client for the portal (ureq: blocking, rustls, no OpenSSL).
//!
//! The address is checked before anything is sent: plain `http://` only to this machine
//! (127.0.0.0/8, ::1, localhost), `https://` for everything else, so a counter misconfigured
//! with an `http://` address never puts candidates' data on the wire unencrypted. Redirects and
//! proxies are off for the same reason: the checked address is the one connected to.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use ureq::Agent;
use ureq::http::{Response, Uri};

use super::SyncError;
use super::clock;
use super::protocol::{
    API_PREFIX, BatchResult, Conflicts, CounterLog, ErrorBody, EventBatch, PORTAL_TIME_HEADER,
    RosterPage, SiteCounters, Tally, photo_etag,
};
use crate::strings;

/// Where the portal is and who this counter is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub token: String,
    pub site_code: String,
    pub counter_id: String,
    /// For one whole request (connect, send, answer).
    pub timeout: Duration,
    /// A CA certificate (PEM) trusted besides the system's, for a portal with its own CA.
    pub ca_file: Option<PathBuf>,
}

/// A roster page with each record left as the portal sent it (see `RosterPage`): the answer's
/// text, and where in it each record is (records are not copied out one by one).
#[derive(Debug)]
pub struct RawRosterPage {
    pub portal_id: String,
    body: String,
    records: Vec<std::ops::Range<usize>>,
    pub next_cursor: i64,
    pub done: bool,
}

impl RawRosterPage {
    /// Reads a `RosterPage` in JSON without parsing its records (only their extent).
    pub fn from_json(body: String) -> Result<Self, serde_json::Error> {
        #[derive(serde::Deserialize)]
        struct Page<'a> {
            portal_id: String,
            #[serde(borrow)]
            candidates: Vec<&'a serde_json::value::RawValue>,
            next_cursor: i64,
            done: bool,
        }
        let page: Page = serde_json::from_str(&body)?;
        // Each borrowed record is a slice of `body`: its offset is the distance between them.
        let base = body.as_ptr() as usize;
        let records = page
            .candidates
            .iter()
            .map(|raw| {
                let start = (raw.get().as_ptr() as usize).wrapping_sub(base);
                let range = start..start.saturating_add(raw.get().len());
                match body.get(range.clone()) {
                    Some(text) if text == raw.get() => Ok(range),
                    _ => Err(serde::de::Error::custom("record outside the page")),
                }
            })
            .collect::<Result<_, serde_json::Error>>()?;
        let (portal_id, next_cursor, done) = (page.portal_id, page.next_cursor, page.done);
        Ok(Self {
            portal_id,
            body,
            records,
            next_cursor,
            done,
        })
    }

    /// The records' JSON texts, in page order.
    pub fn records(&self) -> impl ExactSizeIterator<Item = &str> {
        self.records.iter().map(|r| &self.body[r.clone()])
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// A photo request's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoFetch {
    Fetched {
        jpeg: Vec<u8>,
        etag: Option<String>,
    },
    NotModified,
    /// The portal has no photo for this candidate (yet).
    Missing,
}

/// Largest answer read: a roster page of `MAX_ROSTER_PAGE` records is well under this.
const MAX_BODY: u64 = 256 << 20;
const MAX_ERROR_BODY: u64 = 64 << 10;

pub struct Client {
    agent: Agent,
    base: String,
    auth: String,
    endpoint: Endpoint,
    /// The clock offset measured at the latest answer (see `sync::clock`).
    clock_offset: Mutex<Option<TimeDelta>>,
    /// `--now`: this counter's clock is fixed there (tests set counters' clocks off).
    fixed_now: Option<DateTime<Utc>>,
}

/// Checks a portal address and returns it without a trailing `/`. Pure: no lookup, no connection.
pub fn check_portal_url(url: &str) -> Result<String, SyncError> {
    let text = url.trim().trim_end_matches('/');
    let bad = || SyncError::BadUrl(url.to_owned());
    let uri: Uri = text.parse().map_err(|_| bad())?;
    let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(bad)?;
    if uri.query().is_some() {
        return Err(bad());
    }
    match uri.scheme_str() {
        Some("https") => Ok(text.to_owned()),
        Some("http") if is_loopback_host(host) => Ok(text.to_owned()),
        Some("http") => Err(SyncError::InsecureUrl(url.to_owned())),
        _ => Err(bad()),
    }
}

/// This machine, by name or address. Nothing is resolved: a name other than `localhost` is
/// not trusted to be local.
fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

impl Client {
    /// Checks the address (see [`check_portal_url`]) and the credentials; connects to nothing.
    pub fn new(endpoint: &Endpoint) -> Result<Self, SyncError> {
        let base = check_portal_url(&endpoint.url)?;
        if endpoint.token.trim().is_empty() {
            return Err(SyncError::NotConfigured("portal_token"));
        }
        Ok(Self {
            agent: agent(endpoint.timeout, endpoint.ca_file.as_deref())?,
            base,
            auth: format!("Bearer {}", endpoint.token.trim()),
            endpoint: endpoint.clone(),
            clock_offset: Mutex::new(None),
            fixed_now: None,
        })
    }

    /// Reads this counter's clock as `fixed_now` when given (`--now`) instead of the system's.
    pub fn with_fixed_now(mut self, fixed_now: Option<DateTime<Utc>>) -> Self {
        self.fixed_now = fixed_now;
        self
    }

    /// This counter's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// A transport failure as the clerk should read it: a refused certificate named.
    fn failed(&self, e: ureq::Error) -> SyncError {
        super::tls::certificate_error(&self.base, &e).unwrap_or_else(|| transport_error(e))
    }

    /// This counter's clock minus the portal's, as measured at the latest answer that carried
    /// the portal's time.
    pub fn clock_offset(&self) -> Option<TimeDelta> {
        *self
            .clock_offset
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Measures the clock offset from an answer to a request sent at `sent`.
    fn note_clock(&self, sent: DateTime<Utc>, response: &Response<ureq::Body>) {
        let received = self.now();
        let Some(portal) = header_text(response, PORTAL_TIME_HEADER)
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        else {
            return;
        };
        let offset = clock::offset(sent, received, portal.with_timezone(&Utc));
        *self
            .clock_offset
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(offset);
    }

    /// `POST /v1/events`: one result per event, in order.
    pub fn push_events(&self, batch: &EventBatch) -> Result<BatchResult, SyncError> {
        let body = serde_json::to_vec(batch).map_err(|e| SyncError::BadResponse(e.to_string()))?;
        let sent = self.now();
        let response = self
            .agent
            .post(format!("{}{API_PREFIX}/events", self.base))
            .header("Authorization", &self.auth)
            .header("Content-Type", "application/json")
            .send(&body[..])
            .map_err(|e| self.failed(e))?;
        self.note_clock(sent, &response);
        let result: BatchResult = read_json(check_status(response)?)?;
        if result.results.len() != batch.events.len() {
            return Err(SyncError::BadResponse(
                strings::SYNC_RESULT_COUNT.to_owned(),
            ));
        }
        Ok(result)
    }

    /// Asks for an empty roster page (past every cursor): the token is accepted or refused, and
    /// the answer's `Date` header is the portal's clock (`grad-intake doctor`). Changes nothing.
    pub fn probe(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, SyncError> {
        let response = self.get(&self.roster_url(i64::MAX, 1), None)?;
        Ok(header_text(&response, "date")
            .and_then(|d| chrono::DateTime::parse_from_rfc2822(&d).ok())
            .map(|d| d.to_utc()))
    }

    /// `GET /v1/health` within `timeout`: whether the portal answers at all (no token sent, nothing
    /// read or changed). Any error, 5xx included, counts as unreachable.
    pub fn health(&self, timeout: Duration) -> bool {
        self.agent
            .get(format!("{}{API_PREFIX}/health", self.base))
            .config()
            .timeout_global(Some(timeout))
            .build()
            .call()
            .is_ok_and(|r| r.status().is_success())
    }

    /// `GET /v1/sites/{site}/roster`: the changes after `cursor`, at most `limit`.
    pub fn roster_page(&self, cursor: i64, limit: usize) -> Result<RosterPage, SyncError> {
        read_json(self.get(&self.roster_url(cursor, limit), None)?)
    }

    /// The same page with its records unparsed, for storing them as they came.
    pub fn roster_page_raw(&self, cursor: i64, limit: usize) -> Result<RawRosterPage, SyncError> {
        let bytes = read_bytes(self.get(&self.roster_url(cursor, limit), None)?, MAX_BODY)?;
        let text = String::from_utf8(bytes).map_err(|e| SyncError::BadResponse(e.to_string()))?;
        RawRosterPage::from_json(text).map_err(|e| SyncError::BadResponse(e.to_string()))
    }

    fn roster_url(&self, cursor: i64, limit: usize) -> String {
        format!(
            "{}{API_PREFIX}/sites/{}/roster?cursor={cursor}&limit={limit}",
            self.base, self.endpoint.site_code
        )
    }

    /// `GET /v1/photos/{exam_no}`, conditional on the photo the counter already has.
    pub fn photo(&self, exam_no: &str, have_sha256: Option<&str>) -> Result<PhotoFetch, SyncError> {
        let url = format!("{}{API_PREFIX}/photos/{exam_no}", self.base);
        let etag = have_sha256.map(photo_etag);
        let response = match self.get(&url, etag.as_deref()) {
            Err(SyncError::NotFound(_)) => return Ok(PhotoFetch::Missing),
            other => other?,
        };
        if response.status().as_u16() == 304 {
            return Ok(PhotoFetch::NotModified);
        }
        let etag = header_text(&response, "etag");
        let jpeg = read_bytes(response, MAX_BODY)?;
        Ok(PhotoFetch::Fetched { jpeg, etag })
    }

    /// `GET /v1/sites/{site}/tally`; `date` is `YYYY-MM-DD` (the portal's today when `None`).
    pub fn tally(&self, date: Option<chrono::NaiveDate>) -> Result<Tally, SyncError> {
        let query = date
            .map(|d| format!("?date={}", d.format("%Y-%m-%d")))
            .unwrap_or_default();
        let url = format!(
            "{}{API_PREFIX}/sites/{}/tally{query}",
            self.base, self.endpoint.site_code
        );
        read_json(self.get(&url, None)?)
    }

    /// `GET /v1/sites/{site}/conflicts`.
    pub fn conflicts(&self) -> Result<Conflicts, SyncError> {
        let url = format!(
            "{}{API_PREFIX}/sites/{}/conflicts",
            self.base, self.endpoint.site_code
        );
        read_json(self.get(&url, None)?)
    }

    /// `GET /v1/sites/{site}/counters`: each counter's clock and problems.
    pub fn site_counters(&self) -> Result<SiteCounters, SyncError> {
        let url = format!(
            "{}{API_PREFIX}/sites/{}/counters",
            self.base, self.endpoint.site_code
        );
        read_json(self.get(&url, None)?)
    }

    /// `GET /v1/counters/self/events`: this counter's events the portal holds after `after`,
    /// asked by the database whose log is `log_id`.
    pub fn counter_events(
        &self,
        after: i64,
        limit: usize,
        log_id: &str,
    ) -> Result<CounterLog, SyncError> {
        let url = format!(
            "{}{API_PREFIX}/counters/self/events?after={after}&limit={limit}&log={log_id}",
            self.base
        );
        read_json(self.get(&url, None)?)
    }

    fn get(
        &self,
        url: &str,
        if_none_match: Option<&str>,
    ) -> Result<Response<ureq::Body>, SyncError> {
        let mut request = self.agent.get(url).header("Authorization", &self.auth);
        if let Some(etag) = if_none_match {
            request = request.header("If-None-Match", etag);
        }
        let sent = self.now();
        let response = request.call().map_err(|e| self.failed(e))?;
        self.note_clock(sent, &response);
        check_status(response)
    }
}

/// The HTTP agent: no redirects, no proxy, one timeout for a whole request, and TLS trusting
/// the system's certificates plus `ca_file` (see `sync::tls`).
pub(crate) fn agent(timeout: Duration, ca_file: Option<&Path>) -> Result<Agent, SyncError> {
    let config = Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_global(Some(timeout))
        .user_agent(concat!("grad-intake/", env!("CARGO_PKG_VERSION")))
        .tls_config(super::tls::client_config(ca_file)?)
        .build();
    Ok(Agent::new_with_config(config))
}

/// Classes a transport failure: everything short of an HTTP answer is retryable.
pub(crate) fn transport_error(e: ureq::Error) -> SyncError {
    match e {
        ureq::Error::Timeout(_) => SyncError::Timeout,
        ureq::Error::Io(io)
            if matches!(
                io.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            SyncError::Timeout
        }
        ureq::Error::Protocol(p) => SyncError::BadResponse(p.to_string()),
        other => SyncError::Connect(other.to_string()),
    }
}

/// Turns an error status into its class (DESIGN §4), with the portal's own message.
fn check_status(response: Response<ureq::Body>) -> Result<Response<ureq::Body>, SyncError> {
    let status = response.status().as_u16();
    if status < 300 || status == 304 {
        return Ok(response);
    }
    let retry_after = header_text(&response, "retry-after").and_then(|v| parse_retry_after(&v));
    let message = error_message(response);
    Err(match status {
        401 => SyncError::Unauthorized(message),
        403 => SyncError::Forbidden(message),
        404 | 405 => SyncError::NotFound(message),
        409 => SyncError::Cloned(message),
        429 => SyncError::RateLimited { retry_after },
        500..=599 => SyncError::Server { status, message },
        _ => SyncError::Refused { status, message },
    })
}

pub(crate) fn error_message(response: Response<ureq::Body>) -> String {
    read_bytes(response, MAX_ERROR_BODY)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<ErrorBody>(&bytes).ok())
        .map(|b| b.error.message)
        .unwrap_or_default()
}

/// `Retry-After` in seconds (the HTTP-date form is rare for 429 and read as "soon").
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    match value.trim().parse::<u64>() {
        Ok(secs) => Some(Duration::from_secs(secs)),
        Err(_) => Some(Duration::from_secs(1)),
    }
}

fn header_text(response: &Response<ureq::Body>, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

pub(crate) fn read_bytes(response: Response<ureq::Body>, limit: u64) -> Result<Vec<u8>, SyncError> {
    response
        .into_body()
        .into_with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(transport_error)
}

fn read_json<T: serde::de::DeserializeOwned>(
    response: Response<ureq::Body>,
) -> Result<T, SyncError> {
    let bytes = read_bytes(response, MAX_BODY)?;
    serde_json::from_slice(&bytes).map_err(|e| SyncError::BadResponse(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_machine() {
        let allowed = [
            "http://127.0.0.1:8080",
            "http://127.1.2.3/",
            "http://localhost:9000/portal/",
            "http://LOCALHOST",
            "http://[::1]:8080",
            "https://portal.example.cn",
            "https://192.0.2.1:8443/api",
        ];
        for url in allowed {
            assert!(check_portal_url(url).is_ok(), "{url}");
        }
        assert_eq!(
            check_portal_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        let insecure = [
            "http://192.0.2.1",
            "http://10.0.0.5:8080",
            "http://portal.example.cn",
            "http://localhost.example.cn",
            "http://[::ffff:192.0.2.1]",
            "http://128.0.0.1",
        ];
        for url in insecure {
            assert!(
                matches!(check_portal_url(url), Err(SyncError::InsecureUrl(_))),
                "{url}"
            );
        }
        for url in [
            "",
            "127.0.0.1:8080",
            "ftp://127.0.0.1",
            "https://",
            "https://h/?x=1",
            "http//x",
        ] {
            assert!(
                matches!(check_portal_url(url), Err(SyncError::BadUrl(_))),
                "{url:?}"
            );
        }
    }

    #[test]
    fn a_client_is_refused_before_it_can_connect() {
        let endpoint = Endpoint {
            url: "http://192.0.2.1:8080".into(),
            token: "t".into(),
            site_code: "0104".into(),
            counter_id: "c1".into(),
            timeout: Duration::from_secs(1),
            ca_file: None,
        };
        let err = Client::new(&endpoint).err().unwrap();
        assert!(matches!(err, SyncError::InsecureUrl(_)));
        assert!(err.to_string().contains("https"), "{err}");
        let no_token = Endpoint {
            url: "https://p.example".into(),
            token: " ".into(),
            ..endpoint
        };
        assert!(matches!(
            Client::new(&no_token),
            Err(SyncError::NotConfigured("portal_token"))
        ));
    }

    #[test]
    fn a_raw_roster_page_finds_its_records_without_copying_them() {
        let body = r#"{"portal_id": "p-1", "candidates": [ {"exam_no": "1", "x": [1, {"y": "]"}]},
            {"exam_no":"2"} ], "next_cursor": 42, "done": false}"#;
        let page = RawRosterPage::from_json(body.to_owned()).unwrap();
        assert_eq!(
            (page.portal_id.as_str(), page.next_cursor, page.done),
            ("p-1", 42, false)
        );
        assert_eq!(page.len(), 2);
        assert_eq!(
            page.records().collect::<Vec<_>>(),
            [
                r#"{"exam_no": "1", "x": [1, {"y": "]"}]}"#,
                r#"{"exam_no":"2"}"#
            ]
        );
        let empty = RawRosterPage::from_json(
            r#"{"portal_id":"p","candidates":[],"next_cursor":0,"done":true}"#.to_owned(),
        )
        .unwrap();
        assert!(empty.is_empty() && empty.done);
        assert!(RawRosterPage::from_json(r#"{"portal_id":"p","candidates":[]}"#.into()).is_err());
        assert!(RawRosterPage::from_json("[".into()).is_err());
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("1"), Some(Duration::from_secs(1)));
        assert_eq!(parse_retry_after(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::from_secs(1))
        );
    }
}
