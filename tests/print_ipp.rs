//! Printing over IPP against a real CUPS: a private cupsd per test (tests/common/cups.rs) with
//! queues from the PPDs in tests/fixtures/ writing to files; a few error paths against a fake
//! printer on loopback. Needs the Debian packages cups and cups-client (.ci/run installs them).
#![cfg(unix)] // real ptys, file modes, tmux or cupsd: Unix only

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ::ipp::prelude::{
    DelimiterTag, IppAttribute, IppClient, IppOperationBuilder, IppRequestResponse, IppValue,
    IppVersion, Operation, Uri,
};
use common::cups::{Cups, free_port};
use grad_intake::print::ipp::{
    self, IppError, JobOutcome, JobProgress, JobRequest, JobStage, Status,
};

const JOB_NAME: &str = "grad-intake registration-form x1";

/// A small valid PDF: `pages` A4 pages, each with one line of text.
fn tiny_pdf(pages: usize) -> Vec<u8> {
    let mut objects: Vec<String> = Vec::new();
    // 1: catalog, 2: pages, 3: font, then a page and its content per page.
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {pages} >>",
        kids.join(" ")
    ));
    objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into());
    for i in 0..pages {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
             /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            5 + 2 * i
        ));
        let text = format!(
            "BT /F1 24 Tf 72 760 Td (grad-intake test page {}) Tj ET",
            i + 1
        );
        objects.push(format!(
            "<< /Length {} >>\nstream\n{text}\nendstream",
            text.len() + 1
        ));
    }
    let mut pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

fn request<'a>(uri: &'a str, pdf: &'a [u8], copies: u32, duplex: bool) -> JobRequest<'a> {
    JobRequest {
        printer_uri: uri,
        pdf,
        job_name: JOB_NAME,
        copies,
        duplex,
    }
}

fn send(uri: &str, request: IppRequestResponse) -> IppRequestResponse {
    let uri: Uri = uri.parse().expect("uri");
    let response = IppClient::builder(uri)
        .request_timeout(Duration::from_secs(30))
        .build()
        .send(request)
        .expect("IPP request");
    assert!(
        response.header().status_code().is_success(),
        "IPP status {:?}",
        response.header().status_code()
    );
    response
}

fn with_user(mut request: IppRequestResponse) -> IppRequestResponse {
    request.attributes_mut().add(
        DelimiterTag::OperationAttributes,
        IppAttribute::new(
            IppAttribute::REQUESTING_USER_NAME,
            IppValue::NameWithoutLanguage("grad-intake-test".into()),
        ),
    );
    request
}

/// The ids of every job the queue has or had (Get-Jobs, which-jobs=all).
fn all_jobs(uri: &str) -> Vec<i32> {
    let mut request = IppRequestResponse::new(
        IppVersion::v1_1(),
        Operation::GetJobs,
        Some(uri.parse().expect("uri")),
    );
    request.attributes_mut().add(
        DelimiterTag::OperationAttributes,
        IppAttribute::new("which-jobs", IppValue::Keyword("all".into())),
    );
    let response = send(uri, with_user(request));
    response
        .attributes()
        .groups_of(DelimiterTag::JobAttributes)
        .filter_map(|g| g.attributes().get("job-id"))
        .filter_map(|a| a.value().as_integer().copied())
        .collect()
}

fn pause(uri: &str) {
    let request = IppRequestResponse::new(
        IppVersion::v1_1(),
        Operation::PausePrinter,
        Some(uri.parse().expect("uri")),
    );
    send(uri, with_user(request));
}

fn cancel(uri: &str, job_id: i32) {
    let request = IppOperationBuilder::cancel_job(uri.parse().expect("uri"), job_id)
        .user_name("grad-intake-test")
        .build();
    send(uri, request.into());
}

#[test]
fn duplex_job_completes_and_reads_back_duplex_a4_and_copies() {
    let cups = Cups::start();
    cups.add_queue("duplex", "duplex.ppd");
    let uri = cups.uri("duplex");
    ipp::check_duplex_a4(&uri).unwrap_or_else(|e| panic!("{e}\n{}", cups.logs()));

    let pdf = tiny_pdf(2);
    let mut seen = Vec::new();
    let job = ipp::submit(&request(&uri, &pdf, 2, true), &mut |p| seen.push(p))
        .unwrap_or_else(|e| panic!("{e}\n{}", cups.logs()));
    assert_eq!(job.outcome, JobOutcome::Completed, "{}", cups.logs());
    assert_eq!(seen.first(), Some(&JobProgress::Checking), "{seen:?}");
    assert!(seen.contains(&JobProgress::Sending), "{seen:?}");
    assert!(
        seen.contains(&JobProgress::Accepted { job_id: job.job_id }),
        "{seen:?}"
    );

    let attrs = ipp::job_attributes(&uri, job.job_id).unwrap_or_else(|e| panic!("{e}"));
    let get = |name: &str| attrs.get(name).map(String::as_str);
    assert_eq!(get("sides"), Some("two-sided-long-edge"), "{attrs:#?}");
    assert_eq!(get("media"), Some("iso_a4_210x297mm"), "{attrs:#?}");
    assert_eq!(get("copies"), Some("2"), "{attrs:#?}");
    assert_eq!(get("job-state"), Some("9"), "completed: {attrs:#?}");
    assert_eq!(get("job-name"), Some(JOB_NAME), "{attrs:#?}");
    assert_eq!(
        get("job-originating-user-name"),
        Some(ipp::USER_NAME),
        "{attrs:#?}"
    );

    // The file device got the PDF that pdftopdf made of ours.
    let output = std::fs::read(cups.output("duplex")).expect("the queue's output file");
    assert!(output.starts_with(b"%PDF"), "{} bytes", output.len());
}

#[test]
fn a_printer_without_duplex_is_refused_before_anything_is_sent() {
    let cups = Cups::start();
    cups.add_queue("simplex", "simplex.ppd");
    let uri = cups.uri("simplex");

    let err = ipp::check_duplex_a4(&uri).expect_err("no duplex unit");
    assert!(matches!(err, IppError::NoDuplex { .. }), "{err:?}");

    let pdf = tiny_pdf(2);
    let mut seen = Vec::new();
    let err = ipp::submit(&request(&uri, &pdf, 1, true), &mut |p| seen.push(p))
        .expect_err("a duplex job on a simplex printer");
    match &err {
        IppError::NoDuplex {
            uri: shown,
            supported,
        } => {
            assert_eq!(shown, &uri);
            assert_eq!(supported, &["one-sided".to_string()]);
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("不能双面打印") && message.contains("未打印任何内容"),
        "{message}"
    );
    assert!(
        message.contains(&uri) && message.contains("one-sided"),
        "{message}"
    );
    assert_eq!(seen, vec![JobProgress::Checking]);
    assert_eq!(all_jobs(&uri), Vec::<i32>::new(), "no job was created");
    assert!(cups.printed("simplex").is_empty());

    // A one-sided job (a receipt) is fine on the same printer.
    let job = ipp::submit(&request(&uri, &pdf, 1, false), &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}\n{}", cups.logs()));
    assert_eq!(job.outcome, JobOutcome::Completed);
    let attrs = ipp::job_attributes(&uri, job.job_id).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(attrs.get("sides").map(String::as_str), Some("one-sided"));
    assert_eq!(all_jobs(&uri), vec![job.job_id]);
}

#[test]
fn an_unreachable_printer_fails_quickly_with_a_clear_message() {
    let uri = format!("ipp://127.0.0.1:{}/printers/x", free_port());
    let pdf = tiny_pdf(1);
    let started = Instant::now();
    let err = ipp::submit(&request(&uri, &pdf, 1, true), &mut |_| {}).expect_err("nobody listens");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, IppError::Unreachable { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("连接不上打印机") && message.contains(&uri),
        "{message}"
    );
    // Also for a one-sided job: the printer is asked before anything is sent.
    let err = ipp::submit(&request(&uri, &pdf, 1, false), &mut |_| {}).expect_err("nobody listens");
    assert!(matches!(err, IppError::Unreachable { .. }), "{err:?}");
}

#[test]
fn a_printer_that_never_answers_fails_within_the_query_timeout() {
    // TEST-NET-1 (RFC 5737): routed nowhere. Either the network says so at once, or the
    // connection attempt hangs until the query timeout.
    let uri = "ipp://192.0.2.1:631/printers/x";
    let started = Instant::now();
    let err = ipp::check_duplex_a4(uri).expect_err("nobody there");
    assert!(
        started.elapsed() < ipp::QUERY_TIMEOUT + Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, IppError::Unreachable { .. }), "{err:?}");
}

#[test]
fn an_unknown_queue_is_not_found() {
    let cups = Cups::start();
    let uri = cups.uri("nosuchqueue");
    let err = ipp::check_duplex_a4(&uri).expect_err("no such queue");
    assert!(matches!(err, IppError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().contains("/printers/"), "{err}");
}

#[test]
fn a_stopped_printer_times_out_and_a_canceled_job_is_reported() {
    let cups = Cups::start();
    cups.add_queue("duplex", "duplex.ppd");
    let uri = cups.uri("duplex");
    pause(&uri);
    let pdf = tiny_pdf(2);

    // The printer accepts the job but does not print it: the job stays queued after the limit.
    let mut seen = Vec::new();
    let err = ipp::submit_within(
        &request(&uri, &pdf, 1, true),
        Duration::from_secs(4),
        &mut |p| seen.push(p),
    )
    .expect_err("a paused printer prints nothing");
    let IppError::Timeout { job_id, state, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(state.contains("paused"), "{state}");
    assert!(err.to_string().contains("不要重复打印"), "{err}");
    assert!(
        seen.iter().any(|p| matches!(
            p,
            JobProgress::State {
                stage: JobStage::Pending,
                ..
            }
        )),
        "{seen:?}"
    );
    let attrs = ipp::job_attributes(&uri, *job_id).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        attrs.get("job-state").map(String::as_str),
        Some("3"),
        "pending"
    );

    // A job canceled at the server while the counter waits for it.
    let (tx, rx) = mpsc::channel();
    let waiting = {
        let uri = uri.clone();
        let pdf = pdf.clone();
        std::thread::spawn(move || {
            ipp::submit(&request(&uri, &pdf, 1, true), &mut |p| {
                let _ = tx.send(p);
            })
        })
    };
    let job_id = loop {
        match rx.recv_timeout(Duration::from_secs(60)).expect("progress") {
            JobProgress::Accepted { job_id } => break job_id,
            _ => continue,
        }
    };
    cancel(&uri, job_id);
    let job = waiting
        .join()
        .expect("submit thread")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(job.job_id, job_id);
    assert_eq!(job.outcome, JobOutcome::Canceled);
    assert!(job.outcome.to_string().contains("取消"));
}

#[test]
fn ipps_goes_through_tls_and_refuses_an_untrusted_certificate() {
    let cups = Cups::start();
    cups.add_queue("duplex", "duplex.ppd");
    // cupsd speaks TLS on the same port, with a self-signed certificate it makes itself.
    let uri = format!("ipps://127.0.0.1:{}/printers/duplex", cups.port());
    let err = ipp::check_duplex_a4(&uri).expect_err("self-signed certificate");
    assert!(
        matches!(err, IppError::Tls { .. }),
        "{err:?}\n{}",
        cups.logs()
    );
    assert!(err.to_string().contains("证书"), "{err}");
}

#[test]
fn bad_addresses_and_copies_are_refused_without_a_printer() {
    let pdf = tiny_pdf(1);
    for uri in [
        "",
        "printers/duplex",
        "http://127.0.0.1:631/printers/duplex",
        "ipp://",
    ] {
        let err = ipp::submit(&request(uri, &pdf, 1, true), &mut |_| {}).expect_err(uri);
        assert!(matches!(err, IppError::BadUri { .. }), "{uri}: {err:?}");
        assert!(err.to_string().contains("ipp://"), "{err}");
    }
    for copies in [0, ipp::MAX_COPIES + 1] {
        let err = ipp::submit(
            &request("ipp://127.0.0.1:9/x", &pdf, copies, true),
            &mut |_| {},
        )
        .expect_err("copies");
        assert!(matches!(err, IppError::BadCopies { .. }), "{err:?}");
    }
}

/// A one-shot HTTP server on loopback that answers the first request with `response`.
fn fake_printer(response: Vec<u8>) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    let handle = std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
        read_request(&stream);
        let mut stream = stream;
        let _ = stream.write_all(&response);
        let _ = stream.flush();
    });
    (format!("ipp://127.0.0.1:{port}/ipp/print"), handle)
}

/// Reads one HTTP request (headers, then a body by content-length or chunked).
fn read_request(stream: &TcpStream) {
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
        if line == "\r\n" {
            break;
        }
    }
    if chunked {
        loop {
            let mut size = String::new();
            if reader.read_line(&mut size).unwrap_or(0) == 0 {
                return;
            }
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            if reader.read_exact(&mut chunk).is_err() || size == 0 {
                return;
            }
        }
    } else {
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
    }
}

fn http(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

#[test]
fn a_garbled_or_refusing_answer_is_reported_not_a_crash() {
    // IPP 1.1, successful-ok, request 1, operation group, an integer attribute two bytes short.
    let mut garbled = vec![0x01, 0x01, 0x00, 0x00, 0, 0, 0, 1, 0x01, 0x21];
    garbled.extend_from_slice(&(15u16).to_be_bytes());
    garbled.extend_from_slice(b"sides-supported");
    garbled.extend_from_slice(&(2u16).to_be_bytes());
    garbled.extend_from_slice(&[0, 1, 0x03]);
    type Expected = fn(&IppError) -> bool;
    let cases: Vec<(Vec<u8>, Expected)> = vec![
        (http("200 OK", "application/ipp", &garbled), |e| {
            matches!(e, IppError::BadResponse { .. })
        }),
        (
            http("200 OK", "text/html", b"<html><body>Welcome</body></html>"),
            |e| matches!(e, IppError::BadResponse { .. }),
        ),
        (http("404 Not Found", "text/plain", b"no"), |e| {
            matches!(e, IppError::NotFound { .. })
        }),
        (http("401 Unauthorized", "text/plain", b"no"), |e| {
            matches!(
                e,
                IppError::Refused {
                    status: Status::Http(401),
                    ..
                }
            )
        }),
    ];
    for (answer, expected) in cases {
        let (uri, server) = fake_printer(answer);
        let err = ipp::check_duplex_a4(&uri).expect_err("not a working printer");
        assert!(expected(&err), "{err:?}");
        assert!(!err.to_string().is_empty());
        server.join().expect("fake printer");
    }
}

// ---- CUPS's IPP Everywhere printer (ippeveprinter) ----------------------------------------------

use common::ippeve::{IppEve, Work};

#[test]
fn ippeveprinter_prints_a_duplex_a4_job_to_completion() {
    let printer = IppEve::start(true, Work::Instant);
    let uri = printer.uri();
    let pdf = tiny_pdf(2);
    let job = ipp::submit(&request(&uri, &pdf, 2, true), &mut |_| {}).expect("printed");
    assert_eq!(job.outcome, JobOutcome::Completed);
    let attrs = ipp::job_attributes(&uri, job.job_id).expect("the printer knows the job");
    assert_eq!(
        attrs.get("sides").map(String::as_str),
        Some("two-sided-long-edge")
    );
    assert_eq!(
        attrs.get("copies").map(String::as_str),
        Some("2"),
        "{attrs:?}"
    );
    let received = printer.documents();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(std::fs::read(&received[0]).unwrap(), pdf);
}

#[test]
fn ippeveprinter_without_duplex_is_refused_before_sending() {
    let printer = IppEve::start(false, Work::Instant);
    let err = ipp::submit(&request(&printer.uri(), &tiny_pdf(2), 1, true), &mut |_| {})
        .expect_err("one-sided only");
    assert!(matches!(err, IppError::NoDuplex { .. }), "{err:?}");
    assert!(printer.documents().is_empty());
}

/// The printer dies while it has the job: the clerk is told it stopped answering (and to look
/// at the paper before printing again) within 15 s, not after the job's two minutes.
#[test]
fn a_printer_killed_mid_job_is_reported_as_not_answering() {
    let mut printer = IppEve::start(true, Work::Seconds(60));
    let uri = printer.uri();
    let (accepted_tx, accepted_rx) = mpsc::channel();
    let submit = std::thread::spawn(move || {
        let pdf = tiny_pdf(2);
        ipp::submit(&request(&uri, &pdf, 1, true), &mut |p| {
            if let JobProgress::Accepted { job_id } = p {
                let _ = accepted_tx.send(job_id);
            }
        })
    });
    let job_id = accepted_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the printer accepted the job");
    printer.kill();
    let killed = Instant::now();
    let err = submit.join().unwrap().expect_err("the printer is gone");
    let IppError::NotAnswering {
        job_id: reported, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*reported, job_id);
    assert!(
        killed.elapsed() < ipp::JOB_TIMEOUT / 2,
        "reported after {:?}",
        killed.elapsed()
    );
    let text = err.to_string();
    assert!(
        text.contains("没有应答") && text.contains("确认没有打出"),
        "{text}"
    );
}

/// A printer that takes one job at a time answers "busy" to a second one: that job waits and
/// is sent again, and both are printed.
#[test]
fn a_second_job_waits_while_a_one_job_printer_is_busy() {
    let printer = IppEve::start(true, Work::Seconds(3));
    let uri = printer.uri();
    let (accepted_tx, accepted_rx) = mpsc::channel();
    let first = {
        let uri = uri.clone();
        std::thread::spawn(move || {
            let pdf = tiny_pdf(2);
            ipp::submit(&request(&uri, &pdf, 1, true), &mut |p| {
                if let JobProgress::Accepted { .. } = p {
                    let _ = accepted_tx.send(());
                }
            })
        })
    };
    accepted_rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the first job accepted");
    let mut seen = Vec::new();
    let second = ipp::submit(&request(&uri, &tiny_pdf(2), 1, true), &mut |p| seen.push(p))
        .expect("the second job is printed after the first");
    assert_eq!(second.outcome, JobOutcome::Completed);
    assert!(seen.contains(&JobProgress::Busy), "{seen:?}");
    let first = first.join().unwrap().expect("the first job is printed");
    assert_eq!(first.outcome, JobOutcome::Completed);
    assert_ne!(first.job_id, second.job_id);
    assert_eq!(printer.documents().len(), 2);
}
