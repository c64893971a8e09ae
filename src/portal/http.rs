//! The portal's HTTP server (tiny_http): a few worker threads, each with its own database
//! connection, so one slow request does not hold up the others and readers never wait for the
//! writer (WAL).

use std::io::Read;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::thread::JoinHandle;

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use serde_json::value::RawValue;
use tiny_http::{Header, Method, Request, Response, Server};

use super::ingest::{Identity, parse_entry};
use super::{Portal, PortalError};
use crate::strings;
use crate::sync::protocol::{
    BatchResult, ErrorBody, MAX_BATCH_EVENTS, MAX_ROSTER_PAGE, photo_etag,
};

/// The largest request body taken (a full batch of large events fits easily).
const MAX_REQUEST_BODY: u64 = 32 << 20;
const DEFAULT_ROSTER_PAGE: usize = 1_000;

/// A running server. Dropping it does not stop it; call [`ServerHandle::stop`].
pub struct ServerHandle {
    server: Arc<Server>,
    addr: SocketAddr,
    workers: Vec<JoinHandle<()>>,
}

impl ServerHandle {
    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until the process ends.
    pub fn wait(self) {
        for worker in self.workers {
            let _ = worker.join();
        }
    }

    /// Stops accepting, lets each worker finish its request, and waits for them.
    pub fn stop(self) {
        for _ in &self.workers {
            self.server.unblock();
        }
        self.wait();
    }
}

/// Opens the database (migrating it) and starts serving on `listen` with `workers` threads.
pub fn serve(db: &Path, listen: &str, workers: usize) -> Result<ServerHandle, PortalError> {
    // Open once here so that a bad file is reported before the port is taken.
    drop(Portal::open(db)?);
    let listen_error = |e: &dyn std::fmt::Display| PortalError::Listen {
        addr: listen.to_owned(),
        message: e.to_string(),
    };
    let listener = std::net::TcpListener::bind(listen).map_err(|e| listen_error(&e))?;
    // No Nagle: tiny_http writes an answer's head and body separately, and a body held back
    // until the head is acknowledged waits for the client's delayed ACK (40 ms on Linux) on
    // every answer. The accepted connections inherit the option from the listener.
    socket2::SockRef::from(&listener)
        .set_tcp_nodelay(true)
        .map_err(|e| listen_error(&e))?;
    let server = Server::from_listener(listener, None).map_err(|e| listen_error(&e))?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| PortalError::Listen {
            addr: listen.to_owned(),
            message: "not an IP address".into(),
        })?;
    let server = Arc::new(server);
    let mut handles = Vec::new();
    for i in 0..workers.max(1) {
        let (server, db) = (Arc::clone(&server), db.to_owned());
        let handle = std::thread::Builder::new()
            .name(format!("portal-{i}"))
            .spawn(move || worker(&server, &db))
            .map_err(|e| PortalError::Listen {
                addr: listen.to_owned(),
                message: e.to_string(),
            })?;
        handles.push(handle);
    }
    Ok(ServerHandle {
        server,
        addr,
        workers: handles,
    })
}

fn worker(server: &Server, db: &Path) {
    let mut portal = match Portal::open(db) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "portal worker cannot open its database");
            return;
        }
    };
    // `recv` fails only when the server is unblocked (stopping) or its listener is gone.
    while let Ok(request) = server.recv() {
        let reply = route(&mut portal, &mut RequestView::new(request));
        if let Err(e) = reply {
            tracing::warn!(error = %e, "portal: answer not delivered");
        }
    }
}

/// A request with its path split from its query.
struct RequestView {
    request: Option<Request>,
    method: Method,
    path: String,
    query: String,
}

impl RequestView {
    fn new(request: Request) -> Self {
        let url = request.url().to_owned();
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        Self {
            method: request.method().clone(),
            path: path.to_owned(),
            query: query.to_owned(),
            request: Some(request),
        }
    }

    fn header(&self, name: &str) -> Option<String> {
        self.request
            .as_ref()?
            .headers()
            .iter()
            .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str().to_owned())
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// Reads the body; `None` when it is larger than `MAX_REQUEST_BODY`.
    fn body(&mut self) -> std::io::Result<Option<Vec<u8>>> {
        let Some(request) = self.request.as_mut() else {
            return Ok(Some(vec![]));
        };
        let mut body = Vec::new();
        request
            .as_reader()
            .take(MAX_REQUEST_BODY + 1)
            .read_to_end(&mut body)?;
        Ok((body.len() as u64 <= MAX_REQUEST_BODY).then_some(body))
    }

    fn respond(&mut self, reply: Reply) -> std::io::Result<()> {
        let Some(request) = self.request.take() else {
            return Ok(());
        };
        let mut response = Response::from_data(reply.body)
            .with_status_code(reply.status)
            .with_chunked_threshold(usize::MAX);
        for (name, value) in reply.headers {
            if let Ok(h) = Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(h);
            }
        }
        request.respond(response)
    }
}

/// An answer before it is written.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn json_text(status: u16, body: String) -> Self {
        Self {
            status,
            headers: vec![("Content-Type", "application/json; charset=utf-8".into())],
            body: body.into_bytes(),
        }
    }

    fn json<T: Serialize>(status: u16, value: &T) -> Self {
        match serde_json::to_string(value) {
            Ok(text) => Self::json_text(status, text),
            Err(e) => Self::error(500, "internal", format!("{}{e}", strings::PORTAL_INTERNAL)),
        }
    }

    fn error(status: u16, kind: &str, message: impl Into<String>) -> Self {
        let mut reply = Self::json(status, &ErrorBody::new(kind, message));
        reply.status = status;
        if status == 401 {
            reply.headers.push(("WWW-Authenticate", "Bearer".into()));
        }
        reply
    }
}

fn route(portal: &mut Portal, req: &mut RequestView) -> std::io::Result<()> {
    let reply = match answer(portal, req) {
        Ok(reply) => reply,
        Err(e) => {
            tracing::error!(error = %e, path = %req.path, "portal request failed");
            Reply::error(500, "internal", format!("{}{e}", strings::PORTAL_INTERNAL))
        }
    };
    req.respond(reply)
}

fn answer(portal: &mut Portal, req: &mut RequestView) -> Result<Reply, PortalError> {
    let segments: Vec<String> = req
        .path
        .trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    if req.method == Method::Get && segments == ["v1", "health"] {
        return Ok(Reply::json(
            200,
            &serde_json::json!({"ok": true, "portal_id": portal.portal_id()}),
        ));
    }
    let who = match authenticate(portal, req)? {
        Ok(who) => who,
        Err(reply) => return Ok(reply),
    };
    match (&req.method, segments.as_slice()) {
        (Method::Post, ["v1", "events"]) => post_events(portal, &who, req),
        (Method::Get, ["v1", "sites", site, what]) => {
            if *site != who.site_code {
                return Ok(Reply::error(
                    403,
                    "forbidden_site",
                    format!("{}{site}", strings::PORTAL_FORBIDDEN_SITE),
                ));
            }
            match *what {
                "roster" => roster(portal, &who, req),
                "tally" => tally(portal, &who, req),
                "conflicts" => Ok(Reply::json(200, &portal.conflicts(&who.site_code)?)),
                _ => Ok(not_found()),
            }
        }
        (Method::Get, ["v1", "photos", exam_no]) => photo(portal, &who, exam_no, req),
        _ => Ok(not_found()),
    }
}

fn not_found() -> Reply {
    Reply::error(404, "not_found", strings::PORTAL_NOT_FOUND)
}

/// The counter behind the bearer token, or the 401 to send.
fn authenticate(
    portal: &Portal,
    req: &RequestView,
) -> Result<Result<Identity, Reply>, PortalError> {
    let header = req.header("Authorization").unwrap_or_default();
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Ok(Err(Reply::error(
            401,
            "unauthorized",
            strings::PORTAL_NO_TOKEN,
        )));
    };
    Ok(portal
        .authenticate(token)?
        .ok_or_else(|| Reply::error(401, "unauthorized", strings::PORTAL_BAD_TOKEN)))
}

#[derive(serde::Deserialize)]
struct RawBatch<'a> {
    #[serde(borrow)]
    events: Vec<&'a RawValue>,
}

fn post_events(
    portal: &mut Portal,
    who: &Identity,
    req: &mut RequestView,
) -> Result<Reply, PortalError> {
    let body = match req.body() {
        Ok(Some(body)) => body,
        Ok(None) => return Ok(Reply::error(413, "too_large", strings::PORTAL_TOO_LARGE)),
        Err(e) => {
            return Ok(Reply::error(
                400,
                "bad_request",
                format!("{}{e}", strings::PORTAL_BAD_BATCH),
            ));
        }
    };
    let batch: RawBatch = match serde_json::from_slice(&body) {
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
        return Ok(Reply::error(413, "too_large", strings::PORTAL_TOO_LARGE));
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
    let results = portal.ingest(who, entries, Utc::now())?;
    Ok(Reply::json(200, &BatchResult { results }))
}

fn roster(portal: &Portal, who: &Identity, req: &RequestView) -> Result<Reply, PortalError> {
    let cursor = req.param("cursor").map_or(Ok(0), str::parse::<i64>);
    let limit = req
        .param("limit")
        .map_or(Ok(DEFAULT_ROSTER_PAGE), str::parse::<usize>);
    let (Ok(cursor), Ok(limit)) = (cursor, limit) else {
        return Ok(Reply::error(400, "bad_request", strings::PORTAL_BAD_QUERY));
    };
    if cursor < 0 || limit == 0 {
        return Ok(Reply::error(400, "bad_request", strings::PORTAL_BAD_QUERY));
    }
    let page = portal.roster_page_json(&who.site_code, cursor, limit.min(MAX_ROSTER_PAGE))?;
    Ok(Reply::json_text(200, page))
}

fn tally(portal: &Portal, who: &Identity, req: &RequestView) -> Result<Reply, PortalError> {
    let today = crate::domain::office_time::local_date(Utc::now());
    let date = match req.param("date") {
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
    req: &RequestView,
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
    let headers = vec![
        ("ETag", etag.clone()),
        ("Cache-Control", "private, no-cache".into()),
    ];
    if req
        .header("If-None-Match")
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        return Ok(Reply {
            status: 304,
            headers,
            body: vec![],
        });
    }
    let mut headers = headers;
    headers.push(("Content-Type", "image/jpeg".into()));
    Ok(Reply {
        status: 200,
        headers,
        body: photo.jpeg,
    })
}
