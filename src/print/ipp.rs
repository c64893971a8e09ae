//! Sends a PDF to a printer over IPP and follows the job until the printer has finished it.
//!
//! Works with CUPS queues (`ipp://server:631/printers/NAME`) and with network printers
//! (`ipp://printer:631/ipp/print`); `ipps://` goes through rustls and trusts the system's
//! certificates. The blocking client of the `ipp` crate does the HTTP.
//!
//! Before anything is sent the printer is asked what it can do (Get-Printer-Attributes): a job
//! that must be duplex is refused when `sides-supported` lacks `two-sided-long-edge`. The job is
//! sent with Print-Job (`application/pdf`, `sides`, `media=iso_a4_210x297mm`, `copies`, and
//! `ipp-attribute-fidelity=true`, so a printer that cannot honour one of them refuses the job
//! instead of printing something else), then Get-Job-Attributes is polled until the job is
//! completed, aborted or canceled, within an overall time limit.
//!
//! Every request is bounded in time: an unreachable printer fails within [`QUERY_TIMEOUT`].
//! The job name is shown by printers and print servers to anyone: callers pass a name without
//! personal data (the form and the count). Logs name the printer (without any password in its
//! address) and the job id, never the job name.

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use ::ipp::attribute::IppAttribute;
use ::ipp::client::blocking::IppClient;
use ::ipp::model::{DelimiterTag, JobState, StatusCode};
use ::ipp::operation::IppOperation;
use ::ipp::operation::builder::IppOperationBuilder;
use ::ipp::payload::IppPayload;
use ::ipp::prelude::Uri;
use ::ipp::request::IppRequestResponse;
use ::ipp::value::IppValue;

use crate::strings;

thread_local! {
    /// Set while this thread is in a call whose panic is caught and reported as an error.
    static CAUGHT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a panic now, on this thread, will be caught here and turned into `BadResponse`. The
/// counter screen's panic hook asks, so that such a panic does not restore the terminal under
/// the running screen.
pub fn panic_is_caught() -> bool {
    CAUGHT.with(std::cell::Cell::get)
}

/// The longest a job may take from the first request to its end (completed, aborted, canceled).
pub const JOB_TIMEOUT: Duration = Duration::from_secs(120);
/// The longest one question to the printer (its attributes, a job's state) may take, connecting
/// included.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(8);
/// How long a timed-out job waits for the printer to say why.
const PRINTER_STATE_TIMEOUT: Duration = Duration::from_secs(3);
/// How often the job's state is asked for, once the job has been running a while.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);
/// The first question about a new job comes this soon (then twice as late each time, up to
/// [`POLL_INTERVAL`]), so a printer that finishes at once is reported done at once.
const FIRST_POLL: Duration = Duration::from_millis(25);
/// One question about a running job may take this long: short, so that a printer that stops
/// answering is noticed soon.
const FOLLOW_QUERY_TIMEOUT: Duration = Duration::from_secs(3);
/// A printer that has answered nothing about a running job for this long is reported as not
/// answering (with [`FOLLOW_QUERY_TIMEOUT`] and a poll, the clerk knows within 15 s).
pub const SILENCE_LIMIT: Duration = Duration::from_secs(10);
/// How long to wait between Print-Job attempts while the printer is busy with another job.
const BUSY_RETRY: Duration = Duration::from_secs(1);
/// The most copies one job may ask for.
pub const MAX_COPIES: u32 = 99;
/// `requesting-user-name` of every request: the application, never a person.
pub const USER_NAME: &str = "grad-intake";
/// The paper of every job.
pub const MEDIA_A4: &str = "iso_a4_210x297mm";
/// The `sides` value of a duplex job: pages turn on the long edge, like a book.
pub const SIDES_DUPLEX: &str = "two-sided-long-edge";
const SIDES_SIMPLEX: &str = "one-sided";
const PDF: &str = "application/pdf";
/// IPP `name` values hold at most 255 octets.
const MAX_NAME_OCTETS: usize = 255;

/// One document for one printer.
#[derive(Clone, Copy)]
pub struct JobRequest<'a> {
    /// `ipp://host[:port]/path` or `ipps://…`.
    pub printer_uri: &'a str,
    pub pdf: &'a [u8],
    /// Shown by the printer to anyone: the form and the count, never personal data.
    pub job_name: &'a str,
    /// 1 to [`MAX_COPIES`].
    pub copies: u32,
    /// `sides=two-sided-long-edge` (the printer must offer it) instead of `one-sided`.
    pub duplex: bool,
}

/// Without the document's bytes, and without a password the address may hold.
impl fmt::Debug for JobRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JobRequest")
            .field("printer_uri", &redact_userinfo(self.printer_uri))
            .field("pdf_bytes", &self.pdf.len())
            .field("job_name", &self.job_name)
            .field("copies", &self.copies)
            .field("duplex", &self.duplex)
            .finish()
    }
}

/// How a job that the printer accepted ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Completed,
    /// The printer gave up; its reason (`job-state-message`, else `job-state-reasons`).
    Aborted(String),
    /// Someone canceled the job at the printer or the print server.
    Canceled,
}

/// What the clerk reads about the outcome (Chinese).
impl fmt::Display for JobOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobOutcome::Completed => f.write_str(strings::PRINT_IPP_COMPLETED),
            JobOutcome::Aborted(reason) => f.write_str(&strings::print_ipp_aborted(reason)),
            JobOutcome::Canceled => f.write_str(strings::PRINT_IPP_CANCELED),
        }
    }
}

/// A job the printer accepted, and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedJob {
    pub job_id: i32,
    pub outcome: JobOutcome,
}

/// A job's state while it is not finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStage {
    Pending,
    Held,
    Processing,
    /// The printer stopped (out of paper, paused, …): the reasons say why.
    Stopped,
}

impl fmt::Display for JobStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JobStage::Pending => strings::PRINT_IPP_STATE_PENDING,
            JobStage::Held => strings::PRINT_IPP_STATE_HELD,
            JobStage::Processing => strings::PRINT_IPP_STATE_PROCESSING,
            JobStage::Stopped => strings::PRINT_IPP_STATE_STOPPED,
        })
    }
}

/// What [`submit`] reports while it works, for a status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobProgress {
    /// Asking the printer what it can do.
    Checking,
    /// Sending the document.
    Sending,
    /// The printer is busy with another job; the job is sent again when it is free.
    Busy,
    /// The printer accepted the job under this id.
    Accepted { job_id: i32 },
    /// The job's state changed; `reasons` are the printer's `job-state-reasons` keywords.
    State {
        job_id: i32,
        stage: JobStage,
        reasons: Vec<String>,
    },
}

/// What went wrong, either before anything was sent or with a job the printer accepted. The
/// message (Display) is for the clerk: what happened and what to do.
#[derive(Debug, thiserror::Error)]
pub enum IppError {
    /// Not an `ipp://` or `ipps://` address with a host.
    #[error("{}", strings::print_ipp_bad_uri(uri, reason))]
    BadUri { uri: String, reason: String },
    /// No connection, no answer in time, or the connection broke.
    #[error("{}", strings::print_ipp_unreachable(uri, detail))]
    Unreachable { uri: String, detail: String },
    /// The TLS handshake of `ipps://` failed (most often a certificate the system does not trust).
    #[error("{}", strings::print_ipp_tls(uri, detail))]
    Tls { uri: String, detail: String },
    /// The server answers but has no printer at this path.
    #[error("{}", strings::print_ipp_not_found(uri))]
    NotFound { uri: String },
    /// `sides-supported` lacks `two-sided-long-edge`: nothing was sent.
    #[error("{}", strings::print_ipp_no_duplex(uri, &shown_reported(supported)))]
    NoDuplex { uri: String, supported: Vec<String> },
    /// `media-supported` lacks A4 (`iso_a4_210x297mm`): the form's two pages are A4.
    #[error("{}", strings::print_ipp_no_a4(uri, &shown_reported(supported)))]
    NoA4 { uri: String, supported: Vec<String> },
    /// The printer refused the request (an IPP or HTTP status).
    #[error("{}", refused_message(uri, *status, detail))]
    Refused {
        uri: String,
        status: Status,
        /// The printer's `status-message`, or for attributes it does not support, their names.
        detail: String,
    },
    /// The connection failed while the job was being sent: the printer may or may not have it.
    #[error("{}", strings::print_ipp_send_failed(uri, detail))]
    SendFailed { uri: String, detail: String },
    /// The job did not end within the time limit; it is still queued at the printer.
    #[error("{}", strings::print_ipp_timeout(uri, *job_id, state))]
    Timeout {
        uri: String,
        job_id: i32,
        state: String,
    },
    /// The printer stopped answering while it had the job: whether it printed is unknown.
    #[error("{}", strings::print_ipp_not_answering(uri, *job_id, silent.as_secs()))]
    NotAnswering {
        uri: String,
        job_id: i32,
        silent: Duration,
    },
    /// The printer no longer knows the job (some keep no history of finished jobs).
    #[error("{}", strings::print_ipp_job_lost(uri, *job_id))]
    JobLost { uri: String, job_id: i32 },
    /// The answer is not IPP, or lacks what IPP requires (a job id for a new job).
    #[error("{}", strings::print_ipp_bad_response(uri, detail))]
    BadResponse { uri: String, detail: String },
    #[error("{}", strings::print_ipp_bad_copies(*copies))]
    BadCopies { copies: u32 },
}

/// A refusal's status: IPP's `status-code`, or the HTTP status when the server refused the
/// request before IPP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ipp(u16),
    Http(u16),
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Status::Ipp(code) => match status_code(code) {
                Some(known) => write!(f, "IPP 0x{code:04x} {known}"),
                None => write!(f, "IPP 0x{code:04x}"),
            },
            Status::Http(code) => write!(f, "HTTP {code}"),
        }
    }
}

fn status_code(code: u16) -> Option<StatusCode> {
    use ::ipp::prelude::*; // its FromPrimitive, imported as `_`
    StatusCode::from_u16(code)
}

fn job_state_of(value: i32) -> Option<JobState> {
    use ::ipp::prelude::*; // its FromPrimitive, imported as `_`
    JobState::from_i32(value)
}

fn refused_message(uri: &str, status: Status, detail: &str) -> String {
    let hint = match status {
        Status::Http(401 | 403) | Status::Ipp(0x0401..=0x0403) => {
            strings::PRINT_IPP_HINT_AUTH.to_string()
        }
        Status::Http(426) => strings::PRINT_IPP_HINT_NEEDS_TLS.to_string(),
        Status::Ipp(0x040a) => strings::PRINT_IPP_HINT_NO_PDF.to_string(),
        Status::Ipp(0x040b) => format!("{}{detail}", strings::PRINT_IPP_HINT_UNSUPPORTED),
        Status::Ipp(0x0506) => strings::PRINT_IPP_HINT_NOT_ACCEPTING.to_string(),
        Status::Ipp(0x0502 | 0x0505 | 0x0507) | Status::Http(503) => {
            strings::PRINT_IPP_HINT_BUSY.to_string()
        }
        _ => format!("{}{detail}", strings::PRINT_IPP_HINT_OTHER),
    };
    strings::print_ipp_refused(uri, &status.to_string(), &hint)
}

fn shown_reported(supported: &[String]) -> String {
    if supported.is_empty() {
        strings::PRINT_IPP_SIDES_NOT_REPORTED.to_string()
    } else {
        supported.join(", ")
    }
}

/// A parsed printer address and the form of it that messages and logs show (no password).
struct Printer {
    uri: Uri,
    shown: String,
}

impl Printer {
    fn parse(raw: &str) -> Result<Printer, IppError> {
        let bad = |reason: &str| IppError::BadUri {
            uri: redact_userinfo(raw),
            reason: reason.to_string(),
        };
        let uri: Uri = raw.trim().parse().map_err(|e| bad(&format!("{e}")))?;
        match uri.scheme_str() {
            Some("ipp" | "ipps") => {}
            Some(other) => return Err(bad(&format!("scheme {other}"))),
            None => return Err(bad("no scheme")),
        }
        let Some(authority) = uri.authority() else {
            return Err(bad("no host"));
        };
        if authority.host().is_empty() {
            return Err(bad("no host"));
        }
        let scheme = uri.scheme_str().unwrap_or("ipp");
        let shown = match authority.port_u16() {
            Some(port) => format!("{scheme}://{}:{port}{}", authority.host(), uri.path()),
            None => format!("{scheme}://{}{}", authority.host(), uri.path()),
        };
        Ok(Printer { uri, shown })
    }

    fn client(&self, timeout: Duration) -> IppClient {
        IppClient::builder(self.uri.clone())
            .request_timeout(timeout)
            .build()
    }

    /// Sends one request and returns the response if its status is a success. `sending` marks
    /// the Print-Job request, after which a broken connection leaves the job's fate unknown.
    fn send(
        &self,
        request: IppRequestResponse,
        timeout: Duration,
        sending: bool,
    ) -> Result<IppRequestResponse, IppError> {
        let client = self.client(timeout);
        // ipp 5.4 panics on some malformed values (an integer shorter than four bytes); a
        // printer's answer must not take the counter down.
        CAUGHT.with(|c| c.set(true));
        let sent = catch_unwind(AssertUnwindSafe(|| client.send(request)));
        CAUGHT.with(|c| c.set(false));
        let sent = sent.map_err(|_| IppError::BadResponse {
            uri: self.shown.clone(),
            detail: "malformed IPP value".to_string(),
        })?;
        let response = sent.map_err(|e| self.transport_error(e, sending))?;
        let code = response.header().operation_or_status;
        if code < 0x0100 {
            return Ok(response);
        }
        if code == StatusCode::ClientErrorNotFound as u16 {
            return Err(IppError::NotFound {
                uri: self.shown.clone(),
            });
        }
        let detail = if code == StatusCode::ClientErrorAttributesOrValuesNotSupported as u16 {
            unsupported_names(&response).join(", ")
        } else {
            text(
                &response,
                DelimiterTag::OperationAttributes,
                "status-message",
            )
            .unwrap_or_default()
        };
        Err(IppError::Refused {
            uri: self.shown.clone(),
            status: Status::Ipp(code),
            detail,
        })
    }

    fn transport_error(&self, error: ::ipp::error::IppError, sending: bool) -> IppError {
        use ::ipp::error::IppError as E;
        let uri = self.shown.clone();
        let broken = |detail: String| {
            if sending {
                IppError::SendFailed {
                    uri: uri.clone(),
                    detail,
                }
            } else {
                IppError::Unreachable {
                    uri: uri.clone(),
                    detail,
                }
            }
        };
        match error {
            E::ClientError(e) => match e {
                ureq::Error::StatusCode(404) => IppError::NotFound { uri },
                ureq::Error::StatusCode(code) => IppError::Refused {
                    uri,
                    status: Status::Http(code),
                    detail: String::new(),
                },
                // Nothing was sent yet when the connection could not be made.
                ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
                    IppError::Unreachable {
                        uri,
                        detail: e.to_string(),
                    }
                }
                ureq::Error::Io(ref io) if not_connected(io) => IppError::Unreachable {
                    uri,
                    detail: e.to_string(),
                },
                // ureq hands rustls' handshake errors (an untrusted certificate) on as I/O
                // errors of kind InvalidData.
                ureq::Error::Io(ref io)
                    if self.uri.scheme_str() == Some("ipps")
                        && io.kind() == std::io::ErrorKind::InvalidData =>
                {
                    IppError::Tls {
                        uri,
                        detail: e.to_string(),
                    }
                }
                ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
                    IppError::Tls {
                        uri,
                        detail: e.to_string(),
                    }
                }
                ureq::Error::BadUri(reason) => IppError::BadUri { uri, reason },
                ureq::Error::Protocol(_) => IppError::BadResponse {
                    uri,
                    detail: e.to_string(),
                },
                other => broken(other.to_string()),
            },
            E::IoError(e) => broken(e.to_string()),
            E::ParseError(::ipp::parser::IppParseError::IoError(e)) => broken(e.to_string()),
            E::InvalidUri(e) => IppError::BadUri {
                uri,
                reason: e.to_string(),
            },
            other => IppError::BadResponse {
                uri,
                detail: other.to_string(),
            },
        }
    }
}

/// A connection that never got established, so nothing reached the printer.
fn not_connected(error: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        error.kind(),
        K::ConnectionRefused
            | K::HostUnreachable
            | K::NetworkUnreachable
            | K::AddrNotAvailable
            | K::NetworkDown
    )
}

/// `ipp://user:secret@host/…` → `ipp://host/…`, for messages about an address that did not parse.
fn redact_userinfo(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}{}", &raw[..scheme_end + 3], &raw[at + 1..])
        }
        _ => raw.to_string(),
    }
}

/// The names the printer listed in its unsupported-attributes group.
fn unsupported_names(response: &IppRequestResponse) -> Vec<String> {
    let mut names: Vec<String> = response
        .attributes()
        .groups_of(DelimiterTag::UnsupportedAttributes)
        .flat_map(|g| g.attributes().keys().cloned())
        .collect();
    names.sort();
    names
}

fn attribute<'r>(
    response: &'r IppRequestResponse,
    group: DelimiterTag,
    name: &str,
) -> Option<&'r IppValue> {
    response
        .attributes()
        .groups_of(group)
        .find_map(|g| g.attributes().get(name))
        .map(IppAttribute::value)
}

/// A single text-like value (text, name, keyword, …) as a string.
fn text(response: &IppRequestResponse, group: DelimiterTag, name: &str) -> Option<String> {
    attribute(response, group, name).map(ToString::to_string)
}

/// Every value of a `1setOf keyword` attribute (one value or several).
fn keywords(response: &IppRequestResponse, group: DelimiterTag, name: &str) -> Vec<String> {
    attribute(response, group, name)
        .map(|value| {
            value
                .into_iter()
                .filter_map(|v| v.as_keyword().cloned())
                .collect()
        })
        .unwrap_or_default()
}

fn integer(response: &IppRequestResponse, group: DelimiterTag, name: &str) -> Option<i32> {
    match attribute(response, group, name)? {
        IppValue::Integer(i) | IppValue::Enum(i) => Some(*i),
        _ => None,
    }
}

fn printer_attributes(
    printer: &Printer,
    names: &[&str],
    timeout: Duration,
) -> Result<IppRequestResponse, IppError> {
    let mut request: IppRequestResponse =
        IppOperationBuilder::get_printer_attributes(printer.uri.clone())
            .attributes(names)
            .build()
            .into_ipp_request();
    add_user_name(&mut request);
    printer.send(request, timeout, false)
}

fn add_user_name(request: &mut IppRequestResponse) {
    request.attributes_mut().add(
        DelimiterTag::OperationAttributes,
        IppAttribute::new(
            IppAttribute::REQUESTING_USER_NAME,
            IppValue::NameWithoutLanguage(USER_NAME.to_string()),
        ),
    );
}

/// Asks the printer for `sides-supported` and `media-supported`; Ok only if it offers
/// `two-sided-long-edge` and A4.
pub fn check_duplex_a4(uri: &str) -> Result<(), IppError> {
    let printer = Printer::parse(uri)?;
    check_sides(&printer, QUERY_TIMEOUT)?;
    check_a4(&printer, QUERY_TIMEOUT)
}

/// Whether the printer lists A4 among the media it can print on (`doctor` asks; a job itself
/// does not, since a printer may take A4 from a tray it does not report).
fn check_a4(printer: &Printer, timeout: Duration) -> Result<(), IppError> {
    let response = printer_attributes(printer, &["media-supported"], timeout)?;
    let supported = keywords(
        &response,
        DelimiterTag::PrinterAttributes,
        "media-supported",
    );
    if supported.iter().any(|m| m == MEDIA_A4) {
        Ok(())
    } else {
        Err(IppError::NoA4 {
            uri: printer.shown.clone(),
            supported,
        })
    }
}

fn check_sides(printer: &Printer, timeout: Duration) -> Result<(), IppError> {
    let response = printer_attributes(printer, &["sides-supported"], timeout)?;
    let supported = keywords(
        &response,
        DelimiterTag::PrinterAttributes,
        "sides-supported",
    );
    if supported.iter().any(|s| s == SIDES_DUPLEX) {
        Ok(())
    } else {
        Err(IppError::NoDuplex {
            uri: printer.shown.clone(),
            supported,
        })
    }
}

/// Prints `req.pdf` and follows the job to its end, within [`JOB_TIMEOUT`].
///
/// Asks the printer first (for a duplex job: refuses one without `two-sided-long-edge`, nothing
/// sent), then sends the job and polls its state every [`POLL_INTERVAL`]. An error before
/// [`JobProgress::Accepted`] means nothing was printed, except [`IppError::SendFailed`]. A job
/// that does not end in time stays queued at the printer ([`IppError::Timeout`]).
pub fn submit(
    req: &JobRequest,
    progress: &mut dyn FnMut(JobProgress),
) -> Result<PrintedJob, IppError> {
    submit_within(req, JOB_TIMEOUT, progress)
}

/// [`submit`] with another overall time limit.
pub fn submit_within(
    req: &JobRequest,
    limit: Duration,
    progress: &mut dyn FnMut(JobProgress),
) -> Result<PrintedJob, IppError> {
    let deadline = Instant::now() + limit;
    let printer = Printer::parse(req.printer_uri)?;
    if req.copies == 0 || req.copies > MAX_COPIES {
        return Err(IppError::BadCopies { copies: req.copies });
    }

    progress(JobProgress::Checking);
    if req.duplex {
        check_sides(&printer, query_timeout(deadline))?;
    } else {
        // Still ask, so an unreachable printer fails quickly and before anything is sent.
        printer_attributes(&printer, &["printer-state"], query_timeout(deadline))?;
    }

    progress(JobProgress::Sending);
    let response = send_when_free(&printer, req, deadline, progress)?;
    let Some(job_id) = integer(&response, DelimiterTag::JobAttributes, "job-id") else {
        return Err(IppError::BadResponse {
            uri: printer.shown.clone(),
            detail: "no job-id".to_string(),
        });
    };
    tracing::info!(printer = %printer.shown, job_id, copies = req.copies, duplex = req.duplex, "print job accepted");
    progress(JobProgress::Accepted { job_id });

    follow(&printer, job_id, &response, deadline, progress)
}

/// The Print-Job request of `req`.
fn print_job_request(printer: &Printer, req: &JobRequest) -> IppRequestResponse {
    // The copies were checked by the caller.
    let copies = i32::try_from(req.copies).unwrap_or(1);
    let sides = if req.duplex {
        SIDES_DUPLEX
    } else {
        SIDES_SIMPLEX
    };
    let mut request = IppOperationBuilder::print_job(
        printer.uri.clone(),
        IppPayload::new(std::io::Cursor::new(req.pdf.to_vec())),
    )
    .user_name(USER_NAME)
    .job_title(truncate_octets(req.job_name, MAX_NAME_OCTETS))
    .document_format(PDF)
    .attribute(IppAttribute::new(
        IppAttribute::SIDES,
        IppValue::Keyword(sides.to_string()),
    ))
    .attribute(IppAttribute::new(
        "media",
        IppValue::Keyword(MEDIA_A4.to_string()),
    ))
    .attribute(IppAttribute::new(
        IppAttribute::COPIES,
        IppValue::Integer(copies),
    ))
    .build()
    .into_ipp_request();
    request.attributes_mut().add(
        DelimiterTag::OperationAttributes,
        IppAttribute::new("ipp-attribute-fidelity", IppValue::Boolean(true)),
    );
    request
}

/// Sends Print-Job; while the printer answers that it is busy with another job (a printer that
/// takes one job at a time), waits and sends again until the deadline. A busy answer means the
/// printer did not take the job, so sending again cannot print it twice.
fn send_when_free(
    printer: &Printer,
    req: &JobRequest,
    deadline: Instant,
    progress: &mut dyn FnMut(JobProgress),
) -> Result<IppRequestResponse, IppError> {
    loop {
        // Sending a large document to a slow printer may take a while: the rest of the budget,
        // but at least one query's time.
        let timeout = remaining(deadline).max(QUERY_TIMEOUT);
        match printer.send(print_job_request(printer, req), timeout, true) {
            Err(IppError::Refused {
                status: Status::Ipp(code),
                ..
            }) if code == StatusCode::ServerErrorBusy as u16
                && Instant::now() + BUSY_RETRY < deadline =>
            {
                progress(JobProgress::Busy);
                std::thread::sleep(BUSY_RETRY);
            }
            other => return other,
        }
    }
}

/// Polls the job until it ends or the deadline passes. `first` is the Print-Job response,
/// which already carries the job's state.
fn follow(
    printer: &Printer,
    job_id: i32,
    first: &IppRequestResponse,
    deadline: Instant,
    progress: &mut dyn FnMut(JobProgress),
) -> Result<PrintedJob, IppError> {
    let mut last: Option<(JobStage, Vec<String>)> = None;
    let mut last_error: Option<String> = None;
    let mut state = JobStateSeen::from_response(first);
    let mut last_answer = Instant::now();
    let mut pause = FIRST_POLL;
    loop {
        if let Some(seen) = &state {
            if let Some(outcome) = seen.outcome() {
                tracing::info!(printer = %printer.shown, job_id, outcome = ?outcome, "print job ended");
                return Ok(PrintedJob { job_id, outcome });
            }
            let now = (seen.stage(), seen.reasons.clone());
            if last.as_ref() != Some(&now) {
                tracing::debug!(printer = %printer.shown, job_id, stage = ?now.0, reasons = ?now.1, "print job state");
                progress(JobProgress::State {
                    job_id,
                    stage: now.0,
                    reasons: now.1.clone(),
                });
                last = Some(now);
            }
        }
        if Instant::now() + pause >= deadline {
            let mut state = match (&last, &last_error) {
                (Some((stage, reasons)), _) if reasons.is_empty() => stage.to_string(),
                (Some((stage, reasons)), _) => format!("{stage}: {}", reasons.join(", ")),
                (None, Some(error)) => error.clone(),
                (None, None) => strings::PRINT_IPP_STATE_UNKNOWN.to_string(),
            };
            // Why the job waits is often the printer's business (paused, out of paper).
            if let Some(printer_state) = printer_state(printer) {
                state = format!(
                    "{state}；{}{printer_state}",
                    strings::PRINT_IPP_PRINTER_SAYS
                );
            }
            tracing::warn!(printer = %printer.shown, job_id, state, "print job timed out");
            return Err(IppError::Timeout {
                uri: printer.shown.clone(),
                job_id,
                state,
            });
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(POLL_INTERVAL);
        match job_state(
            printer,
            job_id,
            query_timeout(deadline).min(FOLLOW_QUERY_TIMEOUT),
        ) {
            Ok(seen) => {
                state = Some(seen);
                last_answer = Instant::now();
            }
            Err(IppError::NotFound { .. }) => {
                return Err(IppError::JobLost {
                    uri: printer.shown.clone(),
                    job_id,
                });
            }
            // The job is at the printer: a passing network fault must not look like a failed
            // job, so keep asking, but say so once the printer has been silent too long (it was
            // switched off or unplugged, and the clerk must look at it before printing again).
            Err(e @ (IppError::Unreachable { .. } | IppError::SendFailed { .. })) => {
                tracing::debug!(printer = %printer.shown, job_id, error = %e, "job state query failed");
                let silent = last_answer.elapsed();
                if silent >= SILENCE_LIMIT {
                    tracing::warn!(printer = %printer.shown, job_id, "printer stopped answering");
                    return Err(IppError::NotAnswering {
                        uri: printer.shown.clone(),
                        job_id,
                        silent,
                    });
                }
                last_error = Some(e.to_string());
            }
            Err(e) => return Err(e),
        }
    }
}

/// The printer's `printer-state-reasons` and `printer-state-message`, if it says anything
/// beyond "none" within a short time.
fn printer_state(printer: &Printer) -> Option<String> {
    let response = printer_attributes(
        printer,
        &["printer-state-reasons", "printer-state-message"],
        PRINTER_STATE_TIMEOUT,
    )
    .ok()?;
    let mut said: Vec<String> = keywords(
        &response,
        DelimiterTag::PrinterAttributes,
        "printer-state-reasons",
    )
    .into_iter()
    .filter(|r| r != "none")
    .collect();
    if let Some(message) = text(
        &response,
        DelimiterTag::PrinterAttributes,
        "printer-state-message",
    ) && !message.trim().is_empty()
    {
        said.push(message.trim().to_string());
    }
    (!said.is_empty()).then(|| said.join(", "))
}

/// What one Get-Job-Attributes (or the Print-Job response) said about the job.
struct JobStateSeen {
    state: i32,
    reasons: Vec<String>,
    message: String,
}

impl JobStateSeen {
    fn from_response(response: &IppRequestResponse) -> Option<JobStateSeen> {
        let state = integer(response, DelimiterTag::JobAttributes, "job-state")?;
        Some(JobStateSeen {
            state,
            reasons: keywords(response, DelimiterTag::JobAttributes, "job-state-reasons")
                .into_iter()
                .filter(|r| r != "none")
                .collect(),
            message: text(response, DelimiterTag::JobAttributes, "job-state-message")
                .unwrap_or_default(),
        })
    }

    fn outcome(&self) -> Option<JobOutcome> {
        match job_state_of(self.state)? {
            JobState::Completed => Some(JobOutcome::Completed),
            JobState::Canceled => Some(JobOutcome::Canceled),
            JobState::Aborted => {
                let reason = if self.message.trim().is_empty() {
                    self.reasons.join(", ")
                } else {
                    self.message.trim().to_string()
                };
                Some(JobOutcome::Aborted(reason))
            }
            _ => None,
        }
    }

    fn stage(&self) -> JobStage {
        match job_state_of(self.state) {
            Some(JobState::PendingHeld) => JobStage::Held,
            Some(JobState::Processing) => JobStage::Processing,
            Some(JobState::ProcessingStopped) => JobStage::Stopped,
            _ => JobStage::Pending,
        }
    }
}

fn job_state(printer: &Printer, job_id: i32, timeout: Duration) -> Result<JobStateSeen, IppError> {
    let response = get_job_attributes(
        printer,
        job_id,
        &["job-state", "job-state-reasons", "job-state-message"],
        timeout,
    )?;
    JobStateSeen::from_response(&response).ok_or_else(|| IppError::BadResponse {
        uri: printer.shown.clone(),
        detail: "no job-state".to_string(),
    })
}

fn get_job_attributes(
    printer: &Printer,
    job_id: i32,
    names: &[&str],
    timeout: Duration,
) -> Result<IppRequestResponse, IppError> {
    let mut request = IppOperationBuilder::get_job_attributes(printer.uri.clone(), job_id)
        .user_name(USER_NAME)
        .build()
        .into_ipp_request();
    if !names.is_empty() {
        let names = names
            .iter()
            .map(|n| IppValue::Keyword((*n).to_string()))
            .collect();
        request.attributes_mut().add(
            DelimiterTag::OperationAttributes,
            IppAttribute::new(IppAttribute::REQUESTED_ATTRIBUTES, IppValue::Array(names)),
        );
    }
    printer.send(request, timeout, false)
}

/// Every attribute the printer reports for a job, each value as text (`1setOf` values as
/// `[a, b]`): `sides`, `media`, `copies`, `job-state`, `job-state-reasons`, …
pub fn job_attributes(uri: &str, job_id: i32) -> Result<BTreeMap<String, String>, IppError> {
    let printer = Printer::parse(uri)?;
    let response = get_job_attributes(&printer, job_id, &[], QUERY_TIMEOUT)?;
    Ok(response
        .attributes()
        .groups_of(DelimiterTag::JobAttributes)
        .flat_map(|g| g.attributes().values())
        .map(|a| (a.name().to_string(), a.value().to_string()))
        .collect())
}

fn remaining(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

/// A query's time limit: [`QUERY_TIMEOUT`], less if the deadline is nearer, but never so short
/// that a working printer could not answer.
fn query_timeout(deadline: Instant) -> Duration {
    QUERY_TIMEOUT
        .min(remaining(deadline))
        .max(Duration::from_secs(1))
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate_octets(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let p = Printer::parse("ipp://127.0.0.1:631/printers/duplex").unwrap();
        assert_eq!(p.shown, "ipp://127.0.0.1:631/printers/duplex");
        let p = Printer::parse("ipps://clerk:secret@printer.local/ipp/print").unwrap();
        assert_eq!(p.shown, "ipps://printer.local/ipp/print");
        for bad in [
            "http://host/printers/x",
            "printers/x",
            "ipp:///x",
            "ipp://",
            "",
        ] {
            assert!(
                matches!(Printer::parse(bad), Err(IppError::BadUri { .. })),
                "{bad}"
            );
        }
        let Err(e) = Printer::parse("lpd://user:pw@host/q") else {
            panic!("lpd accepted")
        };
        assert!(!e.to_string().contains("pw"), "{e}");
    }

    #[test]
    fn debug_shows_neither_the_document_nor_a_password() {
        let req = JobRequest {
            printer_uri: "ipps://clerk:secret@printer.local/ipp/print",
            pdf: &[b'%'; 4096],
            job_name: "grad-intake receipt x1",
            copies: 1,
            duplex: false,
        };
        let shown = format!("{req:?}");
        assert!(
            !shown.contains("secret") && shown.contains("4096"),
            "{shown}"
        );
    }

    #[test]
    fn job_names_fit_ipp() {
        let long = "登记表".repeat(40);
        let cut = truncate_octets(&long, MAX_NAME_OCTETS);
        assert!(cut.len() <= MAX_NAME_OCTETS && long.starts_with(cut) && !cut.is_empty());
        assert_eq!(truncate_octets("receipt x1", 255), "receipt x1");
    }

    #[test]
    fn messages_say_what_to_do() {
        let e = IppError::Refused {
            uri: "ipp://p/ipp/print".into(),
            status: Status::Ipp(0x040a),
            detail: String::new(),
        };
        assert!(e.to_string().contains("PDF"), "{e}");
        assert!(e.to_string().contains("0x040a"), "{e}");
        let e = IppError::NoDuplex {
            uri: "ipp://p/ipp/print".into(),
            supported: vec!["one-sided".into()],
        };
        assert!(e.to_string().contains("双面") && e.to_string().contains("one-sided"));
        assert!(
            JobOutcome::Aborted("media-jam".into())
                .to_string()
                .contains("media-jam")
        );
    }
}
