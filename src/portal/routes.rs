//! The /v1 protocol's answers (see `sync::protocol`), apart from the transport: a [`Call`] is a
//! request already checked against the limits of `http`, a [`Reply`] the answer before it is
//! written. Everything here runs on a blocking thread with its own database connection.

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::value::RawValue;

use super::ingest::{Identity, parse_entry};
use super::{Portal, PortalError};
use crate::strings;
use crate::sync::protocol::{
    BatchResult, ErrorBody, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_ROSTER_PAGE, photo_etag,
};

const DEFAULT_ROSTER_PAGE: i64 = 1_000;
/// The largest body of any request but an events batch (they carry none today).
const MAX_SMALL_BODY: usize = 16 << 10;

/// A request's method, path, query and the headers the answers look at.
#[derive(Debug, Clone)]
pub(super) struct Call {
    pub method: hyper::Method,
    pub segments: Vec<String>,
    pub query: String,
    pub authorization: Option<String>,
    pub if_none_match: Option<String>,
}

impl Call {
    pub fn new(parts: &hyper::http::request::Parts) -> Self {
        let header = |name: hyper::header::HeaderName| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            method: parts.method.clone(),
            segments: parts
                .uri
                .path()
                .trim_matches('/')
                .split('/')
                .map(str::to_owned)
                .collect(),
            query: parts.uri.query().unwrap_or_default().to_owned(),
            authorization: header(hyper::header::AUTHORIZATION),
            if_none_match: header(hyper::header::IF_NONE_MATCH),
        }
    }

    fn is(&self, method: &hyper::Method, path: &[&str]) -> bool {
        self.method == method
            && self
                .segments
                .iter()
                .map(String::as_str)
                .eq(path.iter().copied())
    }

    /// `GET /v1/health`: answered without a token or the database.
    pub fn is_health(&self) -> bool {
        self.is(&hyper::Method::GET, &["v1", "health"])
    }

    /// `GET /v1/openapi.json`: the published description of the protocol.
    pub fn is_openapi(&self) -> bool {
        self.is(&hyper::Method::GET, &["v1", "openapi.json"])
    }

    /// `POST /v1/enrol`: answered without a token.
    pub fn is_enrol(&self) -> bool {
        self.is(&hyper::Method::POST, &["v1", "enrol"])
    }

    /// The one method the path is served for, when the path is one of /v1's.
    pub fn allowed_method(&self) -> Option<hyper::Method> {
        use hyper::Method;
        let segments: Vec<&str> = self.segments.iter().map(String::as_str).collect();
        match segments.as_slice() {
            ["v1", "health" | "openapi.json"]
            | [
                "v1",
                "sites",
                _,
                "roster" | "tally" | "conflicts" | "counters",
            ]
            | ["v1", "counters", "self", "events"]
            | ["v1", "photos", _] => Some(Method::GET),
            ["v1", "events" | "enrol"] => Some(Method::POST),
            _ => None,
        }
    }

    /// The largest body this request may have.
    pub fn body_limit(&self) -> usize {
        if self.is(&hyper::Method::POST, &["v1", "events"]) {
            MAX_BATCH_BYTES
        } else {
            MAX_SMALL_BODY
        }
    }

    /// The bearer token, when one is given.
    pub fn token(&self) -> Option<&str> {
        self.authorization
            .as_deref()?
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
}

/// An answer before it is written.
#[derive(Debug)]
pub(super) struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json_text(status: u16, body: String) -> Self {
        Self {
            status,
            headers: vec![("Content-Type", "application/json; charset=utf-8".into())],
            body: body.into_bytes(),
        }
    }

    pub fn json<T: Serialize>(status: u16, value: &T) -> Self {
        match serde_json::to_string(value) {
            Ok(text) => Self::json_text(status, text),
            Err(e) => Self::internal(&e),
        }
    }

    pub fn error(status: u16, kind: &str, message: impl Into<String>) -> Self {
        let mut reply = Self::json(status, &ErrorBody::new(kind, message));
        reply.status = status;
        if status == 401 {
            reply.headers.push(("WWW-Authenticate", "Bearer".into()));
        }
        reply
    }

    pub fn internal(e: &dyn std::fmt::Display) -> Self {
        Self::error(500, "internal", format!("{}{e}", strings::PORTAL_INTERNAL))
    }

    pub fn unauthorized(message: &str) -> Self {
        Self::error(401, "unauthorized", message)
    }

    /// 405 for a path of /v1 asked with another method than its own.
    pub fn wrong_method(allowed: &hyper::Method) -> Self {
        let mut reply = Self::error(
            405,
            "method_not_allowed",
            format!("{}{allowed}", strings::PORTAL_WRONG_METHOD),
        );
        reply.headers.push(("Allow", allowed.to_string()));
        reply
    }

    pub fn too_large() -> Self {
        Self::error(413, "too_large", strings::PORTAL_TOO_LARGE)
    }
}

/// The counter behind the call's token, or the 401 to send.
pub(super) fn authenticate(portal: &Portal, token: &str) -> Result<Identity, Reply> {
    match portal.authenticate(token) {
        Ok(Some(who)) => Ok(who),
        Ok(None) => match portal.token_revoked(token) {
            Ok(true) => Err(Reply::unauthorized(strings::PORTAL_REVOKED_TOKEN)),
            Ok(false) => Err(Reply::unauthorized(strings::PORTAL_BAD_TOKEN)),
            Err(e) => Err(Reply::internal(&e)),
        },
        Err(e) => Err(Reply::internal(&e)),
    }
}

/// `POST /v1/enrol`: no token (the code is the credential); a refused code is a 403 saying
/// what to do.
pub(super) fn enrol(portal: &mut Portal, body: &[u8]) -> Reply {
    use super::EnrolRefusal;
    use crate::sync::enrol::EnrolRequest;
    let request: EnrolRequest = match serde_json::from_slice(body) {
        Ok(request) => request,
        Err(e) => {
            let message = format!("{}{e}", strings::PORTAL_ENROL_BAD_REQUEST);
            return Reply::error(400, "bad_request", message);
        }
    };
    match portal.enrol(&request.code, super::now()) {
        Ok(Ok(enrolment)) => Reply::json(200, &enrolment),
        Ok(Err(refusal)) => {
            let (kind, message) = match refusal {
                EnrolRefusal::Unknown => ("code_unknown", strings::PORTAL_ENROL_UNKNOWN),
                EnrolRefusal::Used => ("code_used", strings::PORTAL_ENROL_USED),
                EnrolRefusal::Expired => ("code_expired", strings::PORTAL_ENROL_EXPIRED),
            };
            Reply::error(403, kind, message)
        }
        Err(e) => {
            tracing::error!(error = %e, "portal enrolment failed");
            Reply::internal(&e)
        }
    }
}

/// The answer to an authenticated call whose body has been read within its limit.
pub(super) fn answer(portal: &mut Portal, who: &Identity, call: &Call, body: &[u8]) -> Reply {
    answer_or_fail(portal, who, call, body).unwrap_or_else(|e| {
        tracing::error!(error = %e, path = ?call.segments, "portal request failed");
        Reply::internal(&e)
    })
}

fn answer_or_fail(
    portal: &mut Portal,
    who: &Identity,
    call: &Call,
    body: &[u8],
) -> Result<Reply, PortalError> {
    use hyper::Method;
    let segments: Vec<&str> = call.segments.iter().map(String::as_str).collect();
    match (&call.method, segments.as_slice()) {
        (&Method::POST, ["v1", "events"]) => post_events(portal, who, body),
        (&Method::GET, ["v1", "sites", site, what]) => {
            if *site != who.site_code {
                return Ok(Reply::error(
                    403,
                    "forbidden_site",
                    format!("{}{site}", strings::PORTAL_FORBIDDEN_SITE),
                ));
            }
            match *what {
                "roster" => roster(portal, who, call),
                "tally" => tally(portal, who, call),
                "conflicts" => Ok(Reply::json(200, &portal.conflicts(&who.site_code)?)),
                "counters" => Ok(Reply::json(200, &portal.site_counters(&who.site_code)?)),
                _ => Ok(not_found()),
            }
        }
        (&Method::GET, ["v1", "photos", exam_no]) => photo(portal, who, exam_no, call),
        (&Method::GET, ["v1", "counters", "self", "events"]) => own_events(portal, who, call),
        _ => Ok(not_found()),
    }
}

pub(super) fn not_found() -> Reply {
    Reply::error(404, "not_found", strings::PORTAL_NOT_FOUND)
}

#[derive(serde::Deserialize)]
struct RawBatch<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
    #[serde(default)]
    clock_offset_ms: Option<i64>,
    #[serde(default)]
    log_id: Option<String>,
    #[serde(default)]
    replaces_log: Option<String>,
}

/// 409 for a database another one has replaced (a cloned PC, an old copy).
fn cloned(reason: String) -> Reply {
    Reply::error(409, "cloned", reason)
}

fn post_events(portal: &mut Portal, who: &Identity, body: &[u8]) -> Result<Reply, PortalError> {
    let batch: RawBatch = match serde_json::from_slice(body) {
        Ok(batch) => batch,
        Err(e) => {
            return Ok(Reply::error(
                400,
                "bad_request",
                format!("{}{e}", strings::PORTAL_BAD_BATCH),
            ));
        }
    };
    if batch.events.len() > MAX_BATCH_EVENTS {
        return Ok(Reply::too_large());
    }
    let entries: Vec<_> = batch.events.iter().map(|raw| parse_entry(raw)).collect();
    // A token speaks for its own counter only: anything else in the batch refuses all of it.
    if let Some(other) = entries
        .iter()
        .flatten()
        .find(|e| e.counter_id != who.counter_id)
    {
        let message = format!("{}{}", strings::PORTAL_FORBIDDEN_COUNTER, other.counter_id);
        return Ok(Reply::error(403, "forbidden_counter", message));
    }
    let now = super::now();
    if let Some(log) = batch.log_id.as_deref()
        && let Err(reason) = portal.admit_log(who, log, batch.replaces_log.as_deref(), now)?
    {
        return Ok(cloned(reason));
    }
    let results = portal.ingest(who, entries, batch.clock_offset_ms, now)?;
    Ok(Reply::json(200, &BatchResult { results }))
}

/// `GET /v1/counters/self/events?after=SEQ&limit=N&log=ID`: the calling counter's own events.
fn own_events(portal: &mut Portal, who: &Identity, call: &Call) -> Result<Reply, PortalError> {
    let after = call.param("after").map_or(Ok(0), str::parse::<i64>);
    let limit = call
        .param("limit")
        .map_or(Ok(DEFAULT_ROSTER_PAGE), str::parse::<i64>);
    let (Ok(after), Ok(limit)) = (after, limit) else {
        return Ok(Reply::error(400, "bad_request", strings::PORTAL_BAD_QUERY));
    };
    if after < 0 || limit < 1 {
        return Ok(Reply::error(400, "bad_request", strings::PORTAL_BAD_QUERY));
    }
    let limit = usize::try_from(limit).map_or(MAX_BATCH_EVENTS, |l| l.min(MAX_BATCH_EVENTS));
    let log = call.param("log").filter(|l| !l.is_empty());
    Ok(
        match portal.counter_log(who, after, limit, log, super::now())? {
            Ok(page) => Reply::json(200, &page),
            Err(reason) => cloned(reason),
        },
    )
}

fn roster(portal: &Portal, who: &Identity, call: &Call) -> Result<Reply, PortalError> {
    // Both are 64-bit signed numbers in the published API, whatever the platform's usize.
    let cursor = call.param("cursor").map_or(Ok(0), str::parse::<i64>);
    let limit = call
        .param("limit")
        .map_or(Ok(DEFAULT_ROSTER_PAGE), str::parse::<i64>);
    let (Ok(cursor), Ok(limit)) = (cursor, limit) else {
        return Ok(Reply::error(400, "bad_request", strings::PORTAL_BAD_QUERY));
    };
    if cursor < 0 || limit < 1 {
        return Ok(Reply::error(400, "bad_request", strings::PORTAL_BAD_QUERY));
    }
    let limit = usize::try_from(limit).map_or(MAX_ROSTER_PAGE, |l| l.min(MAX_ROSTER_PAGE));
    let page = portal.roster_page_json(&who.site_code, cursor, limit)?;
    Ok(Reply::json_text(200, page))
}

fn tally(portal: &Portal, who: &Identity, call: &Call) -> Result<Reply, PortalError> {
    let today = crate::domain::office_time::local_date(super::now());
    let date = match call.param("date") {
        None => today,
        Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => return Ok(Reply::error(400, "bad_request", strings::PORTAL_BAD_DATE)),
        },
    };
    Ok(Reply::json(200, &portal.tally(&who.site_code, date)?))
}

fn photo(
    portal: &Portal,
    who: &Identity,
    exam_no: &str,
    call: &Call,
) -> Result<Reply, PortalError> {
    let Some(photo) = portal.photo(exam_no)? else {
        return Ok(not_found());
    };
    if photo.site_code != who.site_code {
        return Ok(Reply::error(
            403,
            "forbidden_site",
            format!("{}{}", strings::PORTAL_FORBIDDEN_SITE, photo.site_code),
        ));
    }
    let etag = photo_etag(&photo.sha256);
    let mut headers = vec![
        ("ETag", etag.clone()),
        ("Cache-Control", "private, no-cache".into()),
    ];
    if call
        .if_none_match
        .as_deref()
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        return Ok(Reply {
            status: 304,
            headers,
            body: vec![],
        });
    }
    headers.push(("Content-Type", "image/jpeg".into()));
    Ok(Reply {
        status: 200,
        headers,
        body: photo.jpeg,
    })
}

/// `GET /v1/health`.
pub(super) fn health(portal_id: &str) -> Reply {
    Reply::json(
        200,
        &serde_json::json!({"ok": true, "portal_id": portal_id}),
    )
}

/// The OpenAPI 3 description of /v1, as kept in the repository.
const OPENAPI: &str = include_str!("openapi.json");

/// `GET /v1/openapi.json`: no token needed.
pub(super) fn openapi() -> Reply {
    Reply::json_text(200, OPENAPI.to_owned())
}
