//! The portal's HTTP server, made to face an open network: hyper (HTTP/1.1) on a tokio runtime,
//! with every limit enforced before anything is read or stored.
//!
//! - A body announced larger than its route allows is answered 413 without reading it; a body
//!   that grows past the limit while read (chunked) is cut off the same way.
//! - The request head must arrive within [`HEADER_TIMEOUT`] (this also closes idle keep-alive
//!   connections) and the body within [`BODY_TIMEOUT`]; a connection lives at most
//!   [`CONNECTION_LIFETIME`] and serves at most [`REQUESTS_PER_CONNECTION`] requests.
//! - At most [`MAX_CONNECTIONS`] connections at once; more are closed on arrival.
//! - A token is checked before a body is read, so without one nothing is buffered.
//! - SQLite work runs on blocking threads, at most `workers` at once, each with a connection of
//!   its own from a pool, so readers do not wait for the writer (WAL). A handler that panics
//!   costs that request a 500 (logged) and that connection; the server goes on.
//!
//! Slow clients cost a task each, not a thread: fifty of them do not hold up `/v1/health`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

use super::routes::{self, Call, Reply};
use super::{Portal, PortalError, TlsFiles};
use crate::strings;
use crate::sync::protocol::PORTAL_TIME_HEADER;

/// The whole request head (request line and headers) must arrive within this, and an idle
/// keep-alive connection is closed after it.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(15);
/// The whole body must arrive within this once the head is in (8 MB at about 150 KB/s).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(60);
/// Connections served at once; more are closed as they arrive.
pub const MAX_CONNECTIONS: usize = 1_024;
/// After this many requests on one connection the answer says `Connection: close`.
pub const REQUESTS_PER_CONNECTION: usize = 1_000;
/// A connection is asked to close after this long (and cut 30 s later if it will not), so a
/// client that never reads its answer cannot hold a connection for ever.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(600);
/// The largest request head (request line and headers).
const MAX_HEAD: usize = 16 << 10;
/// Time given to requests in flight when the server stops.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// A running server. Dropping it does not stop it; call [`ServerHandle::stop`].
pub struct ServerHandle {
    addr: SocketAddr,
    tls: bool,
    stop: watch::Sender<bool>,
    thread: JoinHandle<()>,
}

impl ServerHandle {
    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://addr` or, serving TLS, `https://addr`.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Serves until the process ends; an error only if the server itself failed (the caller
    /// must then exit with a failure status, so that a supervisor restarts it).
    pub fn wait(self) -> Result<(), PortalError> {
        self.thread
            .join()
            .map_err(|_| PortalError::ServerFailed(strings::PORTAL_SERVER_PANICKED.into()))
    }

    /// Stops accepting, gives requests in flight [`STOP_GRACE`] to finish, and waits.
    pub fn stop(self) {
        // Fails only when the server is already gone, which is what is asked.
        let _ = self.stop.send(true);
        if let Err(e) = self.wait() {
            tracing::error!(error = %e, "portal server failed");
        }
    }
}

/// Opens the database (migrating it) and starts serving plain HTTP on `listen`, with at most
/// `workers` requests using the database at once.
pub fn serve(db: &Path, listen: &str, workers: usize) -> Result<ServerHandle, PortalError> {
    serve_with(db, listen, workers, None)
}

/// As [`serve`], and HTTPS only when `tls` names the certificate and key files (read again
/// when they change, see `tls`).
pub fn serve_with(
    db: &Path,
    listen: &str,
    workers: usize,
    tls: Option<&TlsFiles>,
) -> Result<ServerHandle, PortalError> {
    let listen_error = |e: &dyn std::fmt::Display| PortalError::Listen {
        addr: listen.to_owned(),
        message: e.to_string(),
    };
    // Open once here so that a bad file is reported before the port is taken.
    let portal = Portal::open(db)?;
    let acceptor = tls.map(super::tls::acceptor).transpose()?;
    let workers = workers.max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(workers + 2)
        .thread_name("portal")
        .enable_all()
        .build()
        .map_err(|e| listen_error(&e))?;
    let listener = std::net::TcpListener::bind(listen).map_err(|e| listen_error(&e))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| listen_error(&e))?;
    let addr = listener.local_addr().map_err(|e| listen_error(&e))?;
    let listener = {
        let _entered = runtime.enter();
        TcpListener::from_std(listener).map_err(|e| listen_error(&e))?
    };
    let state = Arc::new(State {
        portal_id: portal.portal_id().to_owned(),
        pool: Arc::new(Pool::new(db, portal, workers)),
        tls: acceptor,
    });
    let (stop, stopped) = watch::channel(false);
    let thread = std::thread::Builder::new()
        .name("portal-accept".into())
        .spawn(move || runtime.block_on(accept_loop(listener, state, stopped)))
        .map_err(|e| listen_error(&e))?;
    Ok(ServerHandle {
        addr,
        tls: tls.is_some(),
        stop,
        thread,
    })
}

/// What every request shares.
struct State {
    portal_id: String,
    pool: Arc<Pool>,
    /// Serving HTTPS: each connection's handshake first.
    tls: Option<tokio_rustls::TlsAcceptor>,
}

async fn accept_loop(listener: TcpListener, state: Arc<State>, mut stopped: watch::Receiver<bool>) {
    let connections = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(e) => {
                // Out of file descriptors or a connection reset before accept: wait a little
                // rather than spin, and go on.
                tracing::warn!(error = %e, "portal: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            tracing::warn!("portal: too many connections, one closed on arrival");
            continue;
        };
        let (state, stopped) = (Arc::clone(&state), stopped.clone());
        tokio::spawn(async move {
            accept_connection(stream, state, stopped).await;
            drop(permit);
        });
    }
    // Wait for the connections in flight (each was told to finish) within the grace time.
    let all = u32::try_from(MAX_CONNECTIONS).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(STOP_GRACE, connections.acquire_many(all)).await;
}

/// A new connection: the TLS handshake (within [`HEADER_TIMEOUT`]) when serving HTTPS, then
/// HTTP.
async fn accept_connection(stream: TcpStream, state: Arc<State>, stopped: watch::Receiver<bool>) {
    // No Nagle: an answer whose body is written after its head would otherwise wait for the
    // client's delayed ACK (40 ms on Linux).
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "portal: TCP_NODELAY not set");
    }
    let Some(acceptor) = state.tls.clone() else {
        return serve_connection(stream, state, stopped).await;
    };
    match tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => serve_connection(tls, state, stopped).await,
        // A client that does not trust the certificate ends here: its business.
        Ok(Err(e)) => tracing::debug!(error = %e, "portal: TLS handshake failed"),
        Err(_) => tracing::debug!("portal: TLS handshake timed out"),
    }
}

/// One connection: HTTP/1.1 with keep-alive, closed when the server stops or it is too old.
async fn serve_connection<I>(io: I, state: Arc<State>, mut stopped: watch::Receiver<bool>)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let served = Arc::new(AtomicUsize::new(0));
    let service = hyper::service::service_fn(move |request| {
        let nth = served.fetch_add(1, Ordering::Relaxed) + 1;
        respond(Arc::clone(&state), request, nth)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .max_buf_size(MAX_HEAD.max(8 << 10))
        .max_header_size(MAX_HEAD);
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    let finished = tokio::select! {
        result = connection.as_mut() => Some(result),
        _ = stopped.changed() => None,
        () = tokio::time::sleep(CONNECTION_LIFETIME) => None,
    };
    let result = match finished {
        Some(result) => result,
        None => {
            connection.as_mut().graceful_shutdown();
            match tokio::time::timeout(Duration::from_secs(30), connection).await {
                Ok(result) => result,
                Err(_) => return,
            }
        }
    };
    if let Err(e) = result {
        // A client that went away or sent garbage: its business, not the server's.
        tracing::debug!(error = %e, "portal: connection ended with an error");
    }
}

/// Answers one request; never fails (hyper would drop the connection without an answer).
async fn respond(
    state: Arc<State>,
    request: Request<Incoming>,
    nth: usize,
) -> Result<Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = request.into_parts();
    let call = Call::new(&parts);
    let announced = announced_length(&parts.headers);
    // Its own task, so that a panic anywhere in the answer is a 500, not a lost connection.
    let reply = match tokio::spawn(answer(state, call, announced, body)).await {
        Ok(reply) => reply,
        Err(e) => {
            tracing::error!(error = %e, "portal: request handler panicked");
            Reply::internal(&strings::PORTAL_HANDLER_PANICKED)
        }
    };
    let close = nth >= REQUESTS_PER_CONNECTION || matches!(reply.status, 408 | 413);
    Ok(into_response(reply, close))
}

/// The `Content-Length` a request announces (hyper has already refused a malformed one).
fn announced_length(headers: &hyper::HeaderMap) -> Option<u64> {
    headers
        .get(hyper::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

async fn answer(state: Arc<State>, call: Call, announced: Option<u64>, body: Incoming) -> Reply {
    let limit = call.body_limit();
    if announced.is_some_and(|n| n > limit as u64) {
        return Reply::too_large();
    }
    if call.is_health() {
        return routes::health(&state.portal_id);
    }
    if call.is_openapi() {
        return routes::openapi();
    }
    match call.allowed_method() {
        None => return routes::not_found(),
        Some(allowed) if allowed != call.method => return Reply::wrong_method(&allowed),
        Some(_) => {}
    }
    if call.is_enrol() {
        return enrol(&state, body, limit).await;
    }
    let Some(token) = call.token().map(str::to_owned) else {
        return Reply::unauthorized(strings::PORTAL_NO_TOKEN);
    };
    let who = match state
        .pool
        .run(move |portal| routes::authenticate(portal, &token))
        .await
    {
        Ok(Ok(who)) => who,
        Ok(Err(reply)) | Err(reply) => return reply,
    };
    let body = match read_body(body, limit).await {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    state
        .pool
        .run(move |portal| routes::answer(portal, &who, &call, &body))
        .await
        .unwrap_or_else(|reply| reply)
}

/// `POST /v1/enrol`, which needs no token: the code in its (small) body is the credential.
async fn enrol(state: &Arc<State>, body: Incoming, limit: usize) -> Reply {
    let body = match read_body(body, limit).await {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    state
        .pool
        .run(move |portal| routes::enrol(portal, &body))
        .await
        .unwrap_or_else(|reply| reply)
}

/// The body, read within [`BODY_TIMEOUT`] and `limit` bytes.
async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, Reply> {
    match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, limit).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<LengthLimitError>() => Err(Reply::too_large()),
        Ok(Err(e)) => Err(Reply::error(
            400,
            "bad_request",
            format!("{}{e}", strings::PORTAL_BODY_BROKEN),
        )),
        Err(_) => Err(Reply::error(408, "timeout", strings::PORTAL_BODY_TIMEOUT)),
    }
}

fn into_response(reply: Reply, close: bool) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(reply.body)));
    *response.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in reply.headers {
        if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    let now = super::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    if let Ok(now) = hyper::header::HeaderValue::from_str(&now) {
        headers.insert(PORTAL_TIME_HEADER, now);
    }
    if close {
        headers.insert(
            hyper::header::CONNECTION,
            hyper::header::HeaderValue::from_static("close"),
        );
    }
    response
}

/// Database connections for the blocking threads: at most `workers` in use at once, each
/// reused by the next request (opening one costs a migration check).
struct Pool {
    db: PathBuf,
    idle: Mutex<Vec<Portal>>,
    permits: Arc<Semaphore>,
}

impl Pool {
    fn new(db: &Path, first: Portal, workers: usize) -> Self {
        Self {
            db: db.to_owned(),
            idle: Mutex::new(vec![first]),
            permits: Arc::new(Semaphore::new(workers)),
        }
    }

    /// Runs `work` on a blocking thread with a connection; a failure to get one, or a panic in
    /// `work`, is the 500 to send (the panicking connection is dropped, rolling back).
    async fn run<T, F>(self: &Arc<Self>, work: F) -> Result<T, Reply>
    where
        T: Send + 'static,
        F: FnOnce(&mut Portal) -> T + Send + 'static,
    {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|e| Reply::internal(&e))?;
        let pool = Arc::clone(self);
        let joined = tokio::task::spawn_blocking(move || {
            // Held until the work is done, even if the request is dropped meanwhile.
            let _permit = permit;
            let mut portal = pool.take()?;
            let out = work(&mut portal);
            pool.give_back(portal);
            Ok(out)
        })
        .await;
        match joined {
            Ok(result) => result,
            Err(e) => {
                tracing::error!(error = %e, "portal: request handler panicked");
                Err(Reply::internal(&strings::PORTAL_HANDLER_PANICKED))
            }
        }
    }

    fn take(&self) -> Result<Portal, Reply> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(portal) => Ok(portal),
            None => Portal::open(&self.db).map_err(|e| {
                tracing::error!(error = %e, "portal: cannot open the database");
                Reply::internal(&e)
            }),
        }
    }

    fn give_back(&self, portal: Portal) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(portal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_handler_is_a_500_and_the_pool_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("portal.db");
        let pool = Arc::new(Pool::new(&db, Portal::open(&db).unwrap(), 1));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let failed = pool
                .run::<(), _>(|_portal| panic!("a bug in a handler"))
                .await
                .unwrap_err();
            assert_eq!(failed.status, 500);
            let body = String::from_utf8(failed.body).unwrap();
            assert!(body.contains("\"internal\""), "{body}");
            // The one permit came back and a new connection is opened for the next request.
            let id = pool
                .run(|portal| portal.portal_id().to_owned())
                .await
                .unwrap();
            assert!(!id.is_empty());
        });
    }

    #[test]
    fn announced_length_reads_only_a_valid_number() {
        let mut headers = hyper::HeaderMap::new();
        assert_eq!(announced_length(&headers), None);
        headers.insert("content-length", "18446744073709551615".parse().unwrap());
        assert_eq!(announced_length(&headers), Some(u64::MAX));
        headers.insert("content-length", "12x".parse().unwrap());
        assert_eq!(announced_length(&headers), None);
    }
}
