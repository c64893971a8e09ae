//! The printed documents, checked with poppler's tools (Debian package poppler-utils) the way a
//! reader sees them: A4 pages, an even page count, fonts embedded and subset, the text that a
//! clerk reads, the QR decoding to the candidate's signed payload, the photo embedded
//! byte-for-byte; and a character no font has stops printing with its name.

mod common;

use std::path::Path;
use std::process::Command as Process;

use chrono::{DateTime, TimeZone, Utc};
use common::office::Office;
use ed25519_dalek::SigningKey;
use grad_intake::demo;
use grad_intake::domain::candidate::Candidate;
use grad_intake::print::fonts::{FontError, Fonts};
use grad_intake::print::layout::{FormDef, LayoutError};
use grad_intake::print::{self, PrintError, data};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap()
}

/// The demo candidate with the longest course list (the form's table must hold it).
fn longest_course_list() -> Candidate {
    let key = SigningKey::from_bytes(&[1; 32]);
    demo::roster(30, 1, now(), &key)
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .max_by_key(|c| c.courses.len())
        .unwrap()
}

fn poppler(tool: &str, args: &[&str]) -> Vec<u8> {
    let out = Process::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} not found ({e}): install the Debian package poppler-utils (.ci/run does)")
    });
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn text(path: &Path) -> String {
    String::from_utf8(poppler("pdftotext", &[path.to_str().unwrap(), "-"])).unwrap()
}

/// Page sizes in points, one per page, from `pdfinfo -f 1 -l N`.
fn page_sizes(path: &Path) -> Vec<(f64, f64)> {
    let p = path.to_str().unwrap();
    let info = String::from_utf8(poppler("pdfinfo", &["-f", "1", "-l", "999", p])).unwrap();
    info.lines()
        .filter(|l| l.starts_with("Page") && l.contains("size:"))
        .map(|l| {
            let nums: Vec<f64> = l
                .split_whitespace()
                .filter_map(|w| w.parse().ok())
                .collect();
            // "Page    1 size: 595.276 x 841.89 pts (A4)": page number, width, height.
            (nums[1], nums[2])
        })
        .collect()
}

fn print_form(office: &Office, exam_nos: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    office
        .cmd()
        .args(["print", "form"])
        .args(exam_nos)
        .arg("--out")
        .arg(out)
        .assert()
}

#[test]
fn registration_forms_are_a4_even_subset_embedded_and_readable() {
    let office = Office::demo();
    let c = longest_course_list();
    assert_eq!(c.courses.len(), 30, "the demo's longest course list");
    let other = demo::roster(30, 1, now(), &SigningKey::from_bytes(&[1; 32])).unwrap()[0]
        .1
        .exam_no
        .as_str()
        .to_owned();
    let out = office.path("forms.pdf");
    print_form(&office, &[c.exam_no.as_str(), &other], &out).success();

    let sizes = page_sizes(&out);
    assert_eq!(sizes.len(), 4, "two forms of two pages");
    assert_eq!(sizes.len() % 2, 0);
    for (w, h) in sizes {
        assert!(
            (w - 595.28).abs() < 0.01 && (h - 841.89).abs() < 0.01,
            "{w} x {h}"
        );
    }

    let fonts = String::from_utf8(poppler("pdffonts", &[out.to_str().unwrap()])).unwrap();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type... encoding emb sub uni object ID: emb and sub are the 5th and 4th from the end.
        let n = cols.len();
        assert_eq!((cols[n - 5], cols[n - 4]), ("yes", "yes"), "{row}");
        assert!(cols[0].contains('+'), "subset tag: {row}");
    }

    let text = text(&out);
    for wanted in [c.name.as_str(), c.exam_no.as_str(), c.major_name.as_str()] {
        assert!(text.contains(wanted), "{wanted} in\n{text}");
    }
    for course in &c.courses {
        assert!(text.contains(&course.name), "course {}", course.name);
    }
    assert!(text.contains("考生思想品德表现") && text.contains("单位盖章"));

    let size = std::fs::metadata(&out).unwrap().len();
    assert!(size < 2 * 200 * 1024, "two forms in {size} bytes");
}

#[test]
fn the_qr_on_page_one_decodes_to_the_signed_payload() {
    let office = Office::demo();
    let store = office.store();
    let c = longest_course_list();
    let stored = store.candidate(c.exam_no.as_str()).unwrap().unwrap();
    let payload = stored
        .qr
        .clone()
        .expect("demo candidates carry a signed payload");
    let out = office.path("form.pdf");
    print_form(&office, &[c.exam_no.as_str()], &out).success();

    let prefix = office.path("page");
    let p = out.to_str().unwrap();
    poppler(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-f",
            "1",
            "-l",
            "1",
            "-gray",
            p,
            prefix.to_str().unwrap(),
        ],
    );
    let pgm = std::fs::read(office.path("page-1.pgm")).unwrap();
    let (w, h, pixels) = parse_pgm(&pgm);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| pixels[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR on the front page");
    let (_, content) = grids[0].decode().expect("the QR decodes");
    assert_eq!(content, payload);
    // And the counter accepts that payload as a genuine signed form code.
    let out = office
        .cmd()
        .args(["check", &content, "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["candidate"]["exam_no"], c.exam_no.as_str(), "{json}");
}

/// A binary PGM (P5) as width, height and grey bytes.
fn parse_pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    assert_eq!(fields[0], "P5");
    let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let data = bytes[at + 1..].to_vec();
    assert_eq!(data.len(), w * h);
    (w, h, data)
}

#[test]
fn the_photo_is_embedded_byte_for_byte() {
    let office = Office::demo();
    let c = longest_course_list();
    let jpeg = office.store().photo(c.exam_no.as_str()).unwrap().unwrap();
    let out = office.path("form.pdf");
    print_form(&office, &[c.exam_no.as_str()], &out).success();
    let pdf = std::fs::read(&out).unwrap();
    assert!(
        pdf.windows(jpeg.len()).any(|w| w == jpeg.as_slice()),
        "the JPEG's {} bytes appear unchanged in the PDF",
        jpeg.len()
    );
    let list = String::from_utf8(poppler("pdfimages", &["-list", out.to_str().unwrap()])).unwrap();
    let images: Vec<&str> = list.lines().skip(2).collect();
    assert_eq!(images.len(), 1, "{list}");
    assert!(
        images[0].contains("jpeg") && images[0].contains(" 480 ") && images[0].contains(" 640 ")
    );
}

#[test]
fn an_existing_file_is_never_overwritten_and_unknown_numbers_are_named() {
    let office = Office::demo();
    let c = longest_course_list();
    let out = office.path("taken.pdf");
    std::fs::write(&out, b"someone else's file").unwrap();
    let err = print_form(&office, &[c.exam_no.as_str()], &out).failure();
    let stderr = String::from_utf8_lossy(&err.get_output().stderr).into_owned();
    assert!(stderr.contains("已存在"), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), b"someone else's file");

    let err = print_form(&office, &["990000000000"], &office.path("x.pdf")).failure();
    let stderr = String::from_utf8_lossy(&err.get_output().stderr).into_owned();
    assert!(stderr.contains("990000000000"), "{stderr}");
    assert!(!office.path("x.pdf").exists());
}

/// A 社会考生 (two copies) and a 公开学院 candidate (three) cannot share one PDF: each copy count
/// gets its own file, named and reported, and a taken name stops the command before any file.
#[test]
fn forms_with_different_copy_counts_go_to_one_file_each_or_to_none() {
    let office = Office::demo();
    let roster = demo::roster(30, 1, now(), &SigningKey::from_bytes(&[1; 32])).unwrap();
    let social = roster[0].1.exam_no.as_str().to_owned();
    let open_college = roster[1].1.exam_no.as_str().to_owned();
    let out = office.path("forms.pdf");
    let (x2, x3) = (office.path("forms-x2.pdf"), office.path("forms-x3.pdf"));

    std::fs::write(&x3, b"someone else's file").unwrap();
    let err = print_form(&office, &[&social, &open_college], &out).failure();
    let stderr = String::from_utf8_lossy(&err.get_output().stderr).into_owned();
    assert!(
        stderr.contains("forms-x3.pdf") && stderr.contains("已存在"),
        "{stderr}"
    );
    assert!(!x2.exists() && !out.exists(), "nothing written half-way");
    assert_eq!(std::fs::read(&x3).unwrap(), b"someone else's file");
    std::fs::remove_file(&x3).unwrap();

    let ok = print_form(&office, &[&social, &open_college], &out).success();
    let stdout = String::from_utf8_lossy(&ok.get_output().stdout).into_owned();
    for (file, copies) in [(&x2, "应打印 2 份"), (&x3, "应打印 3 份")] {
        let line = stdout
            .lines()
            .find(|l| l.contains(&*file.display().to_string()))
            .unwrap_or_else(|| panic!("{} reported in {stdout}", file.display()));
        assert!(line.contains(copies), "{line}");
        assert_eq!(page_sizes(file).len(), 2, "one form of two pages");
    }
    assert!(text(&x2).contains(&social) && text(&x3).contains(&open_college));
    assert!(!out.exists(), "the unsplit name is not written");

    let single = office.path("one.pdf");
    print_form(&office, &[&social], &single).success();
    assert!(single.exists(), "one copy count keeps the name given");
}

fn render_with_name(name: &str) -> Result<print::Document, PrintError> {
    render_with_fonts(name, &Fonts::shipped())
}

fn render_with_fonts(name: &str, fonts: &Fonts) -> Result<print::Document, PrintError> {
    let mut c = longest_course_list();
    c.name = name.to_owned();
    let place = data::PrintPlace {
        site: "9901 演示考点",
        counter_id: "counter-1",
        now: now(),
    };
    let photo = demo::photo::demo_photo(3).unwrap();
    let filled = data::registration(&c, Some(photo), 2, &place);
    let form = FormDef::builtin("registration-form").unwrap();
    print::render(&form, &[filled], fonts)
}

#[test]
fn a_character_outside_the_font_fails_naming_it_and_rare_ones_render() {
    let err = render_with_name("演示\u{F0000}").unwrap_err();
    match &err {
        PrintError::Layout(LayoutError::Font(FontError::MissingGlyph { ch, field })) => {
            assert_eq!(*ch, '\u{F0000}');
            assert!(field.contains("name"), "{field}");
        }
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains("U+F0000") && message.contains("未打印"),
        "{message}"
    );

    let doc = render_with_name("演示喆堃淼焱垚").expect("rare characters the font has");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rare.pdf");
    std::fs::write(&path, &doc.pdf).unwrap();
    assert!(text(&path).contains("演示喆堃淼焱垚"));
}

#[test]
fn the_receipt_lists_every_item_and_the_decision() {
    use grad_intake::domain::intake::{Decision, Intake, Tick};
    use grad_intake::store::Actor;
    let office = Office::demo();
    let c = longest_course_list();
    let mut store = office.store();
    let mut intake = Intake::new(
        "0194f3a0-0000-7000-8000-000000000001".into(),
        c.exam_no.as_str().into(),
    );
    let mut events = vec![intake.open().unwrap().unwrap()];
    let tick = Tick {
        original_seen: false,
        copy_kept: true,
        note: None,
    };
    let rules = grad_intake::domain::rules::Rules::builtin().unwrap();
    let checklist = rules.evaluate(&c, now().date_naive()).checklist;
    events.push(intake.tick(&checklist, "reg_form", tick).unwrap());
    let decision = Decision {
        at: now(),
        clerk_id: "c01".into(),
    };
    events.push(
        intake
            .return_file(vec!["登记表未盖公章".into()], decision)
            .unwrap(),
    );
    let actor = Actor {
        counter_id: "demo-01",
        clerk_id: "c01",
        at: now(),
    };
    store.save_intake(&intake, &events, &actor).unwrap();
    let before = store.pending_event_count().unwrap();

    let out = office.path("receipt.pdf");
    office
        .cmd()
        .args(["print", "receipt", &intake.id, "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(page_sizes(&out).len(), 1);
    let text = text(&out);
    for wanted in [
        c.name.as_str(),
        c.exam_no.as_str(),
        "《毕业生登记表》",
        "已留存",
        "已退回",
        "登记表未盖公章",
        &intake.id,
    ] {
        assert!(text.contains(wanted), "{wanted} in\n{text}");
    }
    assert!(!text.contains(&c.id_no), "the receipt masks the ID number");
    // At the desk one has the exam number: the same receipt.
    let by_exam_no = office.path("receipt-by-exam-no.pdf");
    office
        .cmd()
        .args(["print", "receipt", c.exam_no.as_str(), "--out"])
        .arg(&by_exam_no)
        .assert()
        .success();
    assert!(crate::text(&by_exam_no).contains(&intake.id));
    let (code, _, err) = office.run(&["print", "receipt", "990000000000", "--out", "x.pdf"], "");
    assert_ne!(code, 0);
    assert!(err.contains("990000000000"), "{err}");
    assert_eq!(
        store.pending_event_count().unwrap(),
        before,
        "a file is not a print"
    );
}

/// tests/fixtures/pua-box.ttf: a 684-byte TrueType font made with fontTools' FontBuilder whose
/// only glyph is a box at U+E000 (a private-use character the shipped font does not have).
#[test]
fn a_configured_fallback_font_draws_what_the_shipped_one_lacks() {
    let name = "演示\u{E000}";
    assert!(render_with_name(name).is_err());
    let fallback = common::cups::fixture("pua-box.ttf");
    let fonts = Fonts::with_fallback(&fallback).unwrap();
    let doc = render_with_fonts(name, &fonts).expect("the fallback has U+E000");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fallback.pdf");
    std::fs::write(&path, &doc.pdf).unwrap();
    let listed = String::from_utf8(poppler("pdffonts", &[path.to_str().unwrap()])).unwrap();
    assert_eq!(listed.lines().skip(2).count(), 2, "{listed}");
    assert!(listed.contains("+puabox"), "{listed}");
    assert!(Fonts::with_fallback(&dir.path().join("missing.ttf")).is_err());
}
