//! The portal measures the photos it imports against the standard of each candidate's site's
//! city, and lists for the city office the candidates whose photo failed or was not measured:
//! real demo photos (good and flawed) through the real binary on a real portal database file.

mod sync_support;

use std::path::{Path, PathBuf};

use grad_intake::demo::photo::{Flaw, demo_photo, flawed_photo};
use grad_intake::domain::candidate::Candidate;
use grad_intake::store::sha256_hex;
use grad_intake::strings;
use sync_support::*;

/// Who is where in the roster of these tests, and with which photo.
struct Cast {
    /// 广州市 (site 0101): a good photo, blue background, hair too close to the top, no photo.
    good: Candidate,
    blue: Candidate,
    hair: Candidate,
    no_photo: Candidate,
    /// 韶关市 (site 0201): a light blue background is allowed there.
    shaoguan_blue: Candidate,
    /// The demo site: a photo file that cannot be read, and one that is not a JPEG.
    unreadable: Candidate,
    not_jpeg: Candidate,
}

fn at_site(mut c: Candidate, site: &str) -> Candidate {
    c.site_code = site.into();
    c
}

/// A portal with its roster moved to sites of Guangzhou, Shaoguan and the demo site, and the
/// photo folder of the cast written.
fn setup(dir: &Path) -> (PortalSetup, Cast, PathBuf) {
    let mut portal = PortalSetup::new(dir, 20);
    let r = portal.roster.clone();
    let cast = Cast {
        good: at_site(r[0].clone(), "0101"),
        blue: at_site(r[1].clone(), "0101"),
        hair: at_site(r[2].clone(), "0105"),
        no_photo: at_site(r[3].clone(), "0101"),
        shaoguan_blue: at_site(r[4].clone(), "0201"),
        unreadable: at_site(r[5].clone(), SITE),
        not_jpeg: at_site(r[6].clone(), SITE),
    };
    portal.roster = vec![
        cast.good.clone(),
        cast.blue.clone(),
        cast.hair.clone(),
        cast.no_photo.clone(),
        cast.shaoguan_blue.clone(),
        cast.unreadable.clone(),
        cast.not_jpeg.clone(),
    ];
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).unwrap();
    let write = |c: &Candidate, bytes: &[u8]| {
        std::fs::write(photos.join(format!("{}.jpg", c.exam_no)), bytes).unwrap();
    };
    write(&cast.good, &demo_photo(1).unwrap());
    write(&cast.blue, &flawed_photo(2, Flaw::BlueBackground).unwrap());
    write(&cast.hair, &flawed_photo(3, Flaw::HairTooHigh).unwrap());
    write(
        &cast.shaoguan_blue,
        &flawed_photo(4, Flaw::BlueBackground).unwrap(),
    );
    write(&cast.not_jpeg, b"GIF89a: not a JPEG at all");
    // A folder where the file should be: it exists, and cannot be read as a file.
    std::fs::create_dir(photos.join(format!("{}.jpg", cast.unreadable.exam_no))).unwrap();
    (portal, cast, photos)
}

/// The stored measurement of a candidate: (sha256, standard, passed, outcome, failed rules).
fn measurement(
    portal: &PortalSetup,
    c: &Candidate,
) -> Option<(String, String, bool, String, String)> {
    portal
        .conn()
        .query_row(
            "SELECT sha256, standard, passed, outcome, failed_rules FROM photo_checks
             WHERE exam_no = ?1",
            [c.exam_no.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .ok()
}

fn report(portal: &PortalSetup, scope: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "portal",
        "photo-report",
        "--db",
        portal.db.to_str().unwrap(),
    ];
    args.extend(scope);
    let out = cmd(&portal.dir).args(&args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn line_of<'a>(text: &'a str, c: &Candidate) -> Option<&'a str> {
    text.lines().find(|l| l.contains(c.exam_no.as_str()))
}

#[test]
fn import_measures_each_photo_against_its_citys_standard() {
    let dir = tempfile::tempdir().unwrap();
    let (portal, cast, photos) = setup(dir.path());
    let out = portal.import(&portal.roster, Some(&photos));

    // The unreadable file is named, and the import went on for everybody else.
    let unreadable = photos.join(format!("{}.jpg", cast.unreadable.exam_no));
    let said = out
        .lines()
        .find(|l| l.contains(strings::PORTAL_PHOTO_READ))
        .unwrap_or_else(|| panic!("no unreadable photo reported in\n{out}"));
    assert!(said.contains(&unreadable.display().to_string()), "{said}");
    assert!(out.contains("照片检测：5 张"), "{out}");

    let good = measurement(&portal, &cast.good).expect("good photo measured");
    let good_file = std::fs::read(photos.join(format!("{}.jpg", cast.good.exam_no))).unwrap();
    assert_eq!(
        good.0,
        sha256_hex(&good_file),
        "the measurement names its photo"
    );
    assert_eq!(
        (good.1.as_str(), good.2, good.3.as_str()),
        ("guangzhou", true, "passed")
    );
    assert_eq!(good.4, "[]");

    let blue = measurement(&portal, &cast.blue).expect("blue photo measured");
    assert_eq!(
        (blue.1.as_str(), blue.2, blue.3.as_str()),
        ("guangzhou", false, "failed")
    );
    assert_eq!(blue.4, r#"["background_colour"]"#);
    let hair = measurement(&portal, &cast.hair).expect("hair photo measured");
    assert_eq!(hair.4, r#"["hair_top_px"]"#);

    // Light blue is one of Shaoguan's colours: whatever else its stricter rules say, the
    // background is not what fails there.
    let shaoguan = measurement(&portal, &cast.shaoguan_blue).expect("Shaoguan photo measured");
    assert_eq!(shaoguan.1, "shaoguan");
    assert!(!shaoguan.4.contains("background_colour"), "{}", shaoguan.4);

    let not_jpeg = measurement(&portal, &cast.not_jpeg).expect("stored file measured");
    assert!(not_jpeg.4.contains("format"), "{}", not_jpeg.4);
    assert!(!not_jpeg.2);
    assert_eq!(measurement(&portal, &cast.no_photo), None);
    assert_eq!(measurement(&portal, &cast.unreadable), None);

    // The same photos again: nothing is measured twice.
    let again = portal.import(&portal.roster, Some(&photos));
    assert!(!again.contains("照片检测："), "{again}");
}

#[test]
fn the_city_office_lists_failed_unmeasured_and_missing_photos() {
    let dir = tempfile::tempdir().unwrap();
    let (portal, cast, photos) = setup(dir.path());
    portal.import(&portal.roster, Some(&photos));

    let (code, text, err) = report(&portal, &["--city", "广州市"]);
    assert_eq!(code, 1, "photos to review: exit code 1\n{text}{err}");
    let blue = line_of(&text, &cast.blue).unwrap_or_else(|| panic!("blue listed in\n{text}"));
    assert!(blue.contains("不合格：背景颜色"), "{blue}");
    assert!(blue.contains(&cast.blue.id_masked()), "{blue}");
    assert!(blue.contains(&cast.blue.name), "{blue}");
    assert!(blue.contains("0101"), "{blue}");
    let hair = line_of(&text, &cast.hair).unwrap_or_else(|| panic!("hair listed in\n{text}"));
    assert!(hair.contains("头顶距上边"), "{hair}");
    let missing = line_of(&text, &cast.no_photo).expect("no photo listed");
    assert!(
        missing.contains(strings::PHOTO_REPORT_NO_PHOTO),
        "{missing}"
    );
    assert_eq!(
        line_of(&text, &cast.good),
        None,
        "a passing photo is not listed"
    );
    assert_eq!(
        line_of(&text, &cast.shaoguan_blue),
        None,
        "another city's candidate"
    );
    for c in &portal.roster {
        assert!(
            !text.contains(&c.id_no),
            "full ID number of {} shown",
            c.exam_no
        );
    }

    // One site: the demo site's unreadable and broken files.
    let (_, site, _) = report(&portal, &["--site", SITE]);
    assert!(line_of(&site, &cast.unreadable).is_some(), "{site}");
    let broken = line_of(&site, &cast.not_jpeg).expect("broken file listed");
    assert!(broken.contains("JPEG格式"), "{broken}");
    assert_eq!(line_of(&site, &cast.blue), None);

    // A replaced photo that passes leaves the list.
    std::fs::write(
        photos.join(format!("{}.jpg", cast.blue.exam_no)),
        demo_photo(9).unwrap(),
    )
    .unwrap();
    portal.import(&portal.roster, Some(&photos));
    let (_, text, _) = report(&portal, &["--city", "广州市"]);
    assert_eq!(line_of(&text, &cast.blue), None, "{text}");

    // A city the districts file does not know is refused, naming it.
    let (code, _, err) = report(&portal, &["--city", "火星市"]);
    assert_ne!(code, 0);
    assert!(err.contains("火星市"), "{err}");
}

#[test]
fn the_csv_is_utf8_with_bom_owner_only_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let (portal, cast, photos) = setup(dir.path());
    portal.import(&portal.roster, Some(&photos));
    let csv = dir.path().join("review.csv");
    let csv_arg = csv.to_str().unwrap();

    let (code, _, err) = report(&portal, &["--city", "广州市", "--csv", csv_arg]);
    assert_eq!(code, 1, "{err}");
    let bytes = std::fs::read(&csv).unwrap();
    assert!(
        bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
        "UTF-8 byte-order mark"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(
        text.starts_with(&strings::PHOTO_REPORT_HEADER.join(",")),
        "{text}"
    );
    let blue = line_of(&text, &cast.blue).expect("blue row");
    assert!(
        blue.contains("guangzhou") && blue.contains("背景颜色"),
        "{blue}"
    );
    assert!(!text.contains(&cast.blue.id_no));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&csv).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "owner-only");
    }

    let before = std::fs::read(&csv).unwrap();
    let (code, _, err) = report(&portal, &["--site", "0101", "--csv", csv_arg]);
    assert_ne!(code, 0);
    assert!(err.contains(strings::PHOTO_REPORT_CSV_WRITE), "{err}");
    assert_eq!(
        std::fs::read(&csv).unwrap(),
        before,
        "the existing file is untouched"
    );
}
