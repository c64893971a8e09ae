//! The photo standard end to end: generated fixtures that pass and one variant failing each
//! rule, a real photograph, ImageMagick's quality estimate, hostile bytes, and the CLI.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use grad_intake::demo::photo::{Flaw, demo_photo, flawed_photo};
use grad_intake::domain::photo::{Check, Density, Outcome, Standards, Verdict, verdict};
use grad_intake::photo::measure;
use proptest::prelude::*;

fn standards() -> Standards {
    Standards::builtin().expect("builtin standards")
}

fn judge(bytes: &[u8], standard: &str) -> Verdict {
    let standards = standards();
    verdict(
        &measure(bytes),
        standards.named(standard).expect("standard"),
    )
}

fn failed(v: &Verdict) -> Vec<Check> {
    v.failed().map(|r| r.check).collect()
}

const ASTRONAUT: &str = "tests/fixtures/photos/astronaut.jpg";

#[test]
fn generated_photos_pass_the_guangzhou_standard() {
    for seed in 0..12 {
        let v = judge(&demo_photo(seed).expect("photo"), "guangzhou");
        assert_eq!(v.overall, Outcome::Passed, "seed {seed}: {v:#?}");
    }
}

#[test]
fn each_flaw_fails_exactly_its_rule() {
    for flaw in Flaw::ALL {
        for seed in [1, 2, 3] {
            let v = judge(&flawed_photo(seed, flaw).expect("photo"), "guangzhou");
            assert_eq!(failed(&v), [flaw.breaks()], "{flaw:?} seed {seed}: {v:#?}");
        }
    }
}

#[test]
fn blue_background_fails_guangzhou_but_passes_shaoguan() {
    let photo = flawed_photo(4, Flaw::BlueBackground).expect("photo");
    assert_eq!(
        failed(&judge(&photo, "guangzhou")),
        [Check::BackgroundColour]
    );
    assert_eq!(judge(&photo, "shaoguan").overall, Outcome::Passed);
}

#[test]
fn faces_missing_or_doubled_leave_the_face_rules_not_measured() {
    for flaw in [Flaw::NoFace, Flaw::TwoFaces] {
        let v = judge(&flawed_photo(1, flaw).expect("photo"), "guangzhou");
        for check in [Check::EyeLinePx, Check::FaceWidthPx, Check::CentreOffsetPx] {
            let rule = v.rules.iter().find(|r| r.check == check).expect("rule");
            assert_eq!(rule.outcome, Outcome::NotMeasured, "{flaw:?} {check:?}");
        }
    }
    let two = measure(&flawed_photo(1, Flaw::TwoFaces).expect("photo"));
    assert_eq!(two.face_count, Some(2));
}

#[test]
fn the_astronaut_portrait_has_one_face_measured() {
    let bytes = std::fs::read(ASTRONAUT).expect("fixture");
    let m = measure(&bytes);
    assert_eq!(m.face_count, Some(1), "{m:#?}");
    let face = m.face.expect("face geometry");
    // Read off the picture by eye: eyes at about row 128, cheeks about 115 px apart, the face a
    // little left of the centre.
    assert!((113..=143).contains(&face.eye_line_px), "{face:?}");
    assert!((90..=140).contains(&face.face_width_px), "{face:?}");
    assert!((-40..=0).contains(&face.centre_offset_px), "{face:?}");
    assert!(face.eye_line_estimated);
    assert_eq!(
        (m.width_px, m.height_px, m.quality),
        (Some(480), Some(640), Some(85))
    );
}

/// Every fixture: the passing photos, each flaw, the astronaut.
fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = (0..3)
        .map(|seed| (format!("pass-{seed}"), demo_photo(seed).expect("photo")))
        .collect();
    for flaw in Flaw::ALL {
        all.push((format!("{flaw:?}"), flawed_photo(1, flaw).expect("photo")));
    }
    all.push((ASTRONAUT.into(), std::fs::read(ASTRONAUT).expect("fixture")));
    all
}

#[test]
fn quality_agrees_with_imagemagick_identify() {
    if Command::new("identify").arg("-version").output().is_err() {
        eprintln!("SKIPPED: ImageMagick's identify is not installed (apt-get install imagemagick)");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in fixtures() {
        let path = dir.path().join("photo.jpg");
        std::fs::write(&path, &bytes).expect("write");
        let out = Command::new("identify")
            .args(["-format", "%Q"])
            .arg(&path)
            .output()
            .expect("identify");
        let theirs: i32 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("%Q");
        let ours = i32::from(measure(&bytes).quality.expect("quality"));
        assert!(
            (ours - theirs).abs() <= 2,
            "{name}: ours {ours}, identify {theirs}"
        );
    }
}

/// An APP1 segment with an EXIF IFD0 giving 300×300 per inch, in either TIFF byte order.
fn exif_300_dpi(big_endian: bool) -> Vec<u8> {
    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut tiff = if big_endian {
        b"MM".to_vec()
    } else {
        b"II".to_vec()
    };
    tiff.extend(u16b(42));
    tiff.extend(u32b(8));
    tiff.extend(u16b(3));
    // XResolution and YResolution point at rationals; ResolutionUnit 2 (inch) is inline.
    for (tag, kind, value) in [(0x011A, 5, 50), (0x011B, 5, 58)] {
        tiff.extend(u16b(tag));
        tiff.extend(u16b(kind));
        tiff.extend(u32b(1));
        tiff.extend(u32b(value));
    }
    tiff.extend(u16b(0x0128));
    tiff.extend(u16b(3));
    tiff.extend(u32b(1));
    tiff.extend(u16b(2));
    tiff.extend(u16b(0));
    tiff.extend(u32b(0));
    tiff.resize(50, 0);
    for _ in 0..2 {
        tiff.extend(u32b(300));
        tiff.extend(u32b(1));
    }
    let mut body = b"Exif\0\0".to_vec();
    body.extend(tiff);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend(u16::try_from(body.len() + 2).expect("short").to_be_bytes());
    segment.extend(body);
    segment
}

#[test]
fn density_from_exif_and_missing_density() {
    let photo = demo_photo(2).expect("photo");
    // Drop the JFIF APP0 segment the encoder wrote (it follows SOI).
    let app0_len = usize::from(u16::from_be_bytes([photo[4], photo[5]]));
    let mut without_jfif = photo[..2].to_vec();
    without_jfif.extend_from_slice(&photo[4 + app0_len..]);
    let m = measure(&without_jfif);
    assert_eq!(m.density, Density::Missing);
    assert_eq!(
        failed(&judge(&without_jfif, "guangzhou")),
        [Check::DensityDpi]
    );

    for big_endian in [true, false] {
        let mut with_exif = photo[..2].to_vec();
        with_exif.extend(exif_300_dpi(big_endian));
        with_exif.extend_from_slice(&photo[4 + app0_len..]);
        let density = measure(&with_exif).density;
        assert_eq!(density, Density::Dpi { x: 300.0, y: 300.0 }, "{big_endian}");
        assert_eq!(judge(&with_exif, "guangzhou").overall, Outcome::Passed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let m = measure(&bytes);
        prop_assert_eq!(m.file_bytes, bytes.len() as u64);
    }

    #[test]
    fn truncated_and_corrupted_jpegs_never_panic(cut in 0usize..30_000, flip in 0usize..30_000, byte in any::<u8>()) {
        let photo = demo_photo(7).expect("photo");
        let mut bytes = photo[..cut.min(photo.len())].to_vec();
        if let Some(b) = bytes.get_mut(flip) {
            *b = byte;
        }
        let m = measure(&bytes);
        if cut < photo.len() {
            prop_assert!(m.format.is_err());
        }
    }
}

fn grad_intake() -> Command {
    Command::cargo_bin("grad-intake").expect("binary")
}

fn write_photos(dir: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for seed in 0..3 {
        let path = dir.join(format!("pass-{seed}.jpg"));
        std::fs::write(&path, demo_photo(seed).expect("photo")).expect("write");
        paths.push(path);
    }
    paths
}

#[test]
fn cli_passes_a_folder_of_good_photos_and_fails_a_bad_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_photos(dir.path());
    let out = grad_intake()
        .args(["photo", "check"])
        .arg(dir.path())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("共检查照片：3 合格：3"), "{text}");

    std::fs::write(
        dir.path().join("small-face.jpg"),
        flawed_photo(1, Flaw::FaceTooSmall).expect("photo"),
    )
    .expect("write");
    std::fs::write(dir.path().join("broken.jpg"), b"\xFF\xD8\xFF\xE0garbage").expect("write");
    let csv = dir.path().join("out").join("report.csv");
    let out = grad_intake()
        .args(["photo", "check", "--csv"])
        .arg(&csv)
        .arg(dir.path())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("合格：3 不合格：2"), "{text}");
    assert!(text.contains("脸部宽度：1"), "{text}");
    let csv_text = std::fs::read_to_string(&csv).expect("csv written");
    assert!(csv_text.starts_with('\u{feff}'));
    assert_eq!(csv_text.lines().count(), 6, "{csv_text}");
    assert!(
        csv_text.contains("small-face.jpg,不合格,脸部宽度"),
        "{csv_text}"
    );
}

#[test]
fn cli_json_names_measured_value_limit_and_source() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("blue.jpg");
    std::fs::write(&path, flawed_photo(2, Flaw::BlueBackground).expect("photo")).expect("write");
    for (standard, code) in [("guangzhou", 1), ("shaoguan", 0)] {
        let out = grad_intake()
            .args(["photo", "check", "--json", "--standard", standard])
            .arg(&path)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(code), "{standard}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        let rules = &doc["report"]["photos"][0]["verdict"]["rules"];
        let colour = rules
            .as_array()
            .and_then(|r| r.iter().find(|r| r["check"] == "background_colour"))
            .expect("background rule");
        assert!(
            colour["measured"]
                .as_str()
                .is_some_and(|m| m.starts_with("RGB<"))
        );
        assert!(
            colour["source"]
                .as_str()
                .is_some_and(|s| s.contains("seed 00"))
        );
    }
}

#[test]
fn cli_refuses_unknown_standard_and_missing_path() {
    let out = grad_intake()
        .args(["photo", "check", "--standard", "mars", ASTRONAUT])
        .output()
        .expect("run");
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("没有这个照片标准"));
    let out = grad_intake()
        .args(["photo", "check", "/nonexistent/photo.jpg"])
        .output()
        .expect("run");
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("不存在"));
}
