//! `grad-intake demo`: a synthetic office to try the counter with. Names carry the tag 演示,
//! exam numbers start with city code 99 and ID numbers with address code 990101 (neither exists),
//! photos are drawn cartoons: nothing here can be mistaken for a real graduate.
//!
//! Generation (`generate`, `site_doc`) is deterministic for a seed and an instant; `install`
//! writes the result into a counter database.

pub mod names;
pub mod photo;

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Timelike, Utc};
use ed25519_dalek::SigningKey;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use crate::domain::candidate::{
    Candidate, CandidateType, Course, IdType, Level, PhotoStatus, PriorDegree, PriorKind,
};
use crate::domain::ids::{ExamNo, Gender, check_char};
use crate::domain::rules::{Major, RulesError, builtin_majors};
use crate::domain::scan::{FormCode, signed_payload};
use crate::store::{ImportReport, Role, Store, StoreError};
use crate::strings;

/// The demo's own office: a site code no real office has.
pub const DEMO_SITE: &str = "9901";
pub const DEMO_COUNTER: &str = "demo-01";
/// A real site code, for the candidate who came to the wrong office.
const OTHER_SITE: &str = "0201";
/// Demo staff: id, name, role, PIN. Printed by `grad-intake demo` and in README.
pub const DEMO_CLERKS: [(&str, &str, Role, &str); 3] = [
    ("c01", "演示柜员甲", Role::Clerk, "1111"),
    ("c02", "演示柜员乙", Role::Clerk, "2222"),
    ("s01", "演示主管", Role::Supervisor, "9999"),
];
pub const DEFAULT_CANDIDATES: usize = 200;
/// The fewest candidates that still cover every rules case.
pub const MIN_CANDIDATES: usize = CASES.len();
/// The demo signing key's file name, beside the database.
pub const KEY_FILE: &str = "demo-signing.key";
const SCHEDULE_DOC: &str = "demo-site";

#[derive(Debug, Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error(transparent)]
    Photo(#[from] photo::PhotoError),
    #[error(transparent)]
    Clerk(#[from] crate::store::ClerkError),
    #[error("{}{path}（{source}）", strings::DEMO_KEY_FILE)]
    Key {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", strings::DEMO_TOO_FEW)]
    TooFew,
}

/// One generated candidate, with the rules case it stands for and its photo.
pub struct DemoCandidate {
    pub case: &'static str,
    pub candidate: Candidate,
    pub photo: Vec<u8>,
}

/// The batch a date falls in: 2026H2 for November 2026.
pub fn batch_for(date: NaiveDate) -> String {
    format!("{}H{}", date.year(), if date.month() <= 6 { 1 } else { 2 })
}

fn local(now: DateTime<Utc>) -> DateTime<FixedOffset> {
    crate::domain::office_time::local(now).fixed_offset()
}

/// Every rules case of DESIGN §5 / seed 002 四, one candidate each, then ordinary ones.
/// Each case is (label, major name, level, change to the ordinary candidate).
type Tweak = fn(&mut Candidate);
const CASES: &[(&str, &str, Level, Tweak)] = &[
    (
        "专科·社会考生（可直接受理）",
        "商务英语",
        Level::Associate,
        |_| {},
    ),
    (
        "专科·公开学院（登记表3份）",
        "会计",
        Level::Associate,
        |c| c.candidate_type = CandidateType::OpenCollege,
    ),
    (
        "本科·国内前置学历已查验",
        "汉语言文学",
        Level::Bachelor,
        |_| {},
    ),
    (
        "本科·非内地身份证（国内前置学历）",
        "法学",
        Level::Bachelor,
        |c| non_mainland(c),
    ),
    (
        "本科·非内地身份证（自考前置学历）",
        "法学",
        Level::Bachelor,
        |c| {
            non_mainland(c);
            set_prior(c, PriorKind::SelfStudy);
        },
    ),
    (
        "本科·境外前置学历",
        "人力资源管理",
        Level::Bachelor,
        |c| set_prior(c, PriorKind::Overseas),
    ),
    (
        "本科·姓名或身份证号变更",
        "会计学",
        Level::Bachelor,
        |c| c.identity_changed = true,
    ),
    (
        "本科·身份变更（自考前置学历）",
        "会计学",
        Level::Bachelor,
        |c| {
            c.identity_changed = true;
            set_prior(c, PriorKind::SelfStudy);
        },
    ),
    (
        "专科·机械制造与自动化",
        "机械制造与自动化",
        Level::Associate,
        |_| {},
    ),
    (
        "专科·电气自动化技术",
        "电气自动化技术",
        Level::Associate,
        |_| {},
    ),
    (
        "本科·药学（执业证书须在有效期内）",
        "药学",
        Level::Bachelor,
        |_| {},
    ),
    (
        "专科·食品营养与卫生（选考05748）",
        "食品营养与卫生",
        Level::Associate,
        |c| {
            c.courses.push(course("05748", "疾病的营养防治"));
        },
    ),
    (
        "专科·食品营养与卫生（未选考七门课程）",
        "食品营养与卫生",
        Level::Associate,
        |_| {},
    ),
    (
        "毕业预测未通过",
        "行政管理",
        Level::Associate,
        |c| c.prediction_passed = false,
    ),
    (
        "照片未审核通过",
        "计算机应用技术",
        Level::Associate,
        |c| c.photo_status = PhotoStatus::Pending,
    ),
    (
        "本科·前置学历未查验",
        "护理学",
        Level::Bachelor,
        |c| {
            if let Some(p) = c.prior_degree.as_mut() {
                p.verified = false;
            }
        },
    ),
    (
        "本科·未登记前置学历",
        "护理学",
        Level::Bachelor,
        |c| c.prior_degree = None,
    ),
    (
        "其他办理点的考生",
        "商务英语",
        Level::Associate,
        |c| c.site_code = OTHER_SITE.into(),
    ),
    (
        "课程最多的考生（打印用）",
        "汉语言文学",
        Level::Bachelor,
        |c| {
            while c.courses.len() < 30 {
                let n = c.courses.len();
                c.courses.push(course(
                    &format!("0{:04}", 5000 + n),
                    &format!("演示课程{n}"),
                ));
            }
        },
    ),
];

fn non_mainland(c: &mut Candidate) {
    c.id_type = IdType::HkMacaoTaiwan;
    c.id_no = format!("H{}", &c.exam_no.as_str()[4..]);
}

fn set_prior(c: &mut Candidate, kind: PriorKind) {
    if let Some(p) = c.prior_degree.as_mut() {
        p.kind = kind;
    }
}

fn course(code: &str, name: &str) -> Course {
    Course {
        code: code.into(),
        name: name.into(),
        score: "合格".into(),
        date: "2025-10".into(),
    }
}

/// Sample courses (code, name) for ordinary demo candidates.
const COURSES: [(&str, &str); 16] = [
    ("00015", "英语（二）"),
    ("03708", "中国近现代史纲要"),
    ("03709", "马克思主义基本原理概论"),
    ("00018", "计算机应用基础"),
    ("00024", "普通逻辑"),
    ("00041", "基础会计学"),
    ("00054", "管理学原理"),
    ("00107", "现代管理学"),
    ("00144", "企业管理概论"),
    ("00182", "公共关系学"),
    ("00261", "行政法学"),
    ("00312", "政治学概论"),
    ("00341", "公文写作与处理"),
    ("00529", "文学概论（一）"),
    ("00537", "中国现代文学史"),
    ("00642", "传播学概论"),
];

/// Photos that break one rule each, given to the last candidates of a demo roster.
const PHOTO_FLAWS: [(photo::Flaw, &str); 4] = [
    (
        photo::Flaw::BlueBackground,
        "照片不符合标准：背景为浅蓝色（广州只允许白色或浅灰色）",
    ),
    (
        photo::Flaw::HairTooHigh,
        "照片不符合标准：头顶距上边不足50像素",
    ),
    (
        photo::Flaw::FaceTooSmall,
        "照片不符合标准：脸部宽度不足180像素",
    ),
    (photo::Flaw::OffCentre, "照片不符合标准：人像未水平居中"),
];

/// Generates `count` candidates (at least one per rules case), deterministic for `seed` and
/// `now`, each with its photo.
pub fn generate(
    count: usize,
    seed: u64,
    now: DateTime<Utc>,
    key: &SigningKey,
) -> Result<Vec<DemoCandidate>, DemoError> {
    roster(count, seed, now, key)?
        .into_iter()
        .enumerate()
        .map(|(i, (case, mut candidate))| {
            let photo_seed = seed.wrapping_mul(1_000_003).wrapping_add(i as u64);
            // The last few ordinary candidates have photos that break one rule each, so the
            // counter and `photo check` show the standard at work.
            let flaw = count
                .checked_sub(i + 1)
                .filter(|_| i >= CASES.len() + names::RARE_CHAR_NAMES.len())
                .and_then(|from_end| PHOTO_FLAWS.get(from_end));
            let (case, photo) = match flaw {
                Some((flaw, label)) => (*label, photo::flawed_photo(photo_seed, *flaw)?),
                None => (case, photo::demo_photo(photo_seed)?),
            };
            candidate.photo_sha256 = Some(crate::store::sha256_hex(&photo));
            Ok(DemoCandidate {
                case,
                candidate,
                photo,
            })
        })
        .collect()
}

/// The candidates alone, without photos (`photo_sha256` is empty): fast enough for rosters of
/// hundreds of thousands in benchmarks.
pub fn roster(
    count: usize,
    seed: u64,
    now: DateTime<Utc>,
    key: &SigningKey,
) -> Result<Vec<(&'static str, Candidate)>, DemoError> {
    if count < CASES.len() {
        return Err(DemoError::TooFew);
    }
    let majors = builtin_majors()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let today = local(now).date_naive();
    let batch = batch_for(today);
    let out = (0..count)
        .map(|i| {
            let (case, major, level, tweak) = CASES
                .get(i)
                .copied()
                .unwrap_or_else(|| ordinary_case(&mut rng));
            let mut candidate =
                base_candidate(&mut rng, i, &batch, now, find_major(&majors, major, level));
            tweak(&mut candidate);
            // A few ordinary candidates carry rare characters that the printed form must render.
            if let Some((rare, gender)) = i
                .checked_sub(CASES.len())
                .and_then(|k| names::RARE_CHAR_NAMES.get(k))
            {
                candidate.name = (*rare).to_owned();
                set_gender(&mut candidate, *gender);
            }
            candidate.qr = Some(signed_payload(&form_code(&candidate, today), key));
            (case, candidate)
        })
        .collect();
    Ok(out)
}

fn ordinary_case(rng: &mut ChaCha8Rng) -> (&'static str, &'static str, Level, Tweak) {
    const ORDINARY: [(&str, Level); 6] = [
        ("商务英语", Level::Associate),
        ("会计", Level::Associate),
        ("行政管理", Level::Associate),
        ("汉语言文学", Level::Bachelor),
        ("法学", Level::Bachelor),
        ("人力资源管理", Level::Bachelor),
    ];
    let (major, level) = ORDINARY[rng.gen_range(0..ORDINARY.len())];
    ("普通考生", major, level, |_| {})
}

fn find_major<'a>(majors: &'a [Major], name: &str, level: Level) -> Option<&'a Major> {
    majors.iter().find(|m| m.name == name && m.level == level)
}

fn form_code(c: &Candidate, issued: NaiveDate) -> FormCode {
    FormCode {
        exam_no: c.exam_no.clone(),
        batch: c.batch.clone(),
        site_code: c.site_code.clone(),
        issued,
    }
}

fn base_candidate(
    rng: &mut ChaCha8Rng,
    index: usize,
    batch: &str,
    now: DateTime<Utc>,
    major: Option<&Major>,
) -> Candidate {
    let (major_code, major_name, level) = major.map_or(
        ("670202".into(), "商务英语".into(), Level::Associate),
        |m| (m.code.clone(), m.name.clone(), m.level),
    );
    let gender = if rng.gen_bool(0.5) {
        Gender::Male
    } else {
        Gender::Female
    };
    // 99 is no city's code: 99 <district> <yy+half> <sequence 00001..99999>; large rosters spill
    // into the next district number, as a real city's would.
    let district = 1 + index / 99_999;
    let exam_no = format!(
        "99{district:02}{}{}{:05}",
        &batch[2..4],
        &batch[5..6],
        index % 99_999 + 1
    );
    let courses = (0..rng.gen_range(10..=16))
        .map(|k| COURSES[k])
        .map(|(code, name)| Course {
            code: code.into(),
            name: name.into(),
            score: rng.gen_range(60..=95).to_string(),
            date: "2025-04".into(),
        })
        .collect();
    Candidate {
        exam_no: ExamNo::parse(&exam_no)
            .unwrap_or_else(|_| unreachable!("12 digits by construction")),
        name: names::demo_name(rng, gender),
        gender,
        id_type: IdType::ResidentCard,
        id_no: demo_id_no(rng, gender),
        level,
        major_code,
        major_name,
        exam_school: "演示主考学校（合成）".into(),
        batch: batch.into(),
        site_code: DEMO_SITE.into(),
        phone: format!("100{:08}", index + 1),
        candidate_type: CandidateType::Social,
        prediction_passed: true,
        photo_status: PhotoStatus::Approved,
        photo_sha256: None,
        prior_degree: (level == Level::Bachelor).then(|| PriorDegree {
            kind: PriorKind::Domestic,
            verified: true,
            cert_no: Some(format!("DEMO{:08}", index + 1)),
        }),
        identity_changed: false,
        courses,
        qr: None,
        updated_at: local(now),
    }
}

/// A checksum-valid ID number with address code 990101, which belongs to no place.
fn demo_id_no(rng: &mut ChaCha8Rng, gender: Gender) -> String {
    let birth = NaiveDate::from_ymd_opt(1975, 1, 1).unwrap_or_default()
        + Duration::days(rng.gen_range(0..10_000));
    let parity = u32::from(gender == Gender::Male);
    let sequence = rng.gen_range(0..500) * 2 + parity;
    let first17 = format!("990101{}{sequence:03}", birth.format("%Y%m%d"));
    let check = check_char(first17.as_bytes());
    format!("{first17}{check}")
}

/// Gives a candidate `gender`, with the ID number's sequence digit (odd for men, even for women)
/// and check character to match.
fn set_gender(c: &mut Candidate, gender: Gender) {
    c.gender = gender;
    let digits = c.id_no.as_bytes();
    if c.id_type != IdType::ResidentCard || digits.len() != 18 {
        return;
    }
    let mut first17 = digits[..17].to_vec();
    let odd = u8::from(gender == Gender::Male);
    // Flipping the lowest bit keeps a digit a digit: 0↔1 … 8↔9.
    if (first17[16] - b'0') % 2 != odd {
        first17[16] ^= 1;
    }
    let check = check_char(&first17);
    c.id_no = format!("{}{check}", String::from_utf8_lossy(&first17));
}

/// The demo site with a window around `now`: it is open when the demo is run, with a break so
/// that the clerk sees the countdown change.
pub fn site_doc(now: DateTime<Utc>) -> String {
    let local = local(now);
    let today = local.date_naive();
    let start = NaiveTime::from_hms_opt(local.hour().saturating_sub(2), 0, 0).unwrap_or_default();
    // Sessions may not cross midnight: every end is capped at the day's last second, so the
    // window made at 22:41 or 23:55 is still valid and open at the minute it is made.
    let end =
        later_today(start, Duration::hours(4)).max(later_today(local.time(), Duration::minutes(1)));
    let mut sessions = vec![(start, end)];
    let second_start = later_today(end, Duration::hours(1));
    if second_start < last_second() {
        sessions.push((second_start, later_today(second_start, Duration::hours(3))));
    }
    let sessions: Vec<String> = sessions
        .iter()
        .map(|(s, e)| {
            format!(
                "[\"{}\", \"{}\"]",
                s.format("%H:%M:%S"),
                e.format("%H:%M:%S")
            )
        })
        .collect();
    let dates: Vec<String> = (-1..=2)
        .map(|d| format!("\"{}\"", today + Duration::days(d)))
        .collect();
    format!(
        "# 演示数据（合成）：不是真实考点。\n[[site]]\ncode = \"{DEMO_SITE}\"\nname = \"演示考点\"\ncity = \"演示市\"\n\
         address = \"演示地址（合成，非真实地点）\"\nphones = [\"000-00000000\"]\nsessions = [{}]\n\
         individual_intake = true\nsource = \"grad-intake demo（合成数据）\"\n\n\
         [[window]]\nbatch = \"{}\"\nsite = \"{DEMO_SITE}\"\ndates = [{}]\nsource = \"grad-intake demo（合成数据）\"\n",
        sessions.join(", "),
        batch_for(today),
        dates.join(", ")
    )
}

/// The last second a session may end at (sessions do not cross midnight).
fn last_second() -> NaiveTime {
    NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default()
}

/// `time + by`, or the day's last second where that would pass midnight.
fn later_today(time: NaiveTime, by: Duration) -> NaiveTime {
    let (later, wrapped) = time.overflowing_add_signed(by);
    if wrapped == 0 {
        later.min(last_second())
    } else {
        last_second()
    }
}

/// The demo signing key next to the database: reused when present so that forms printed by an
/// earlier run keep scanning; created owner-only otherwise.
pub fn load_or_create_key(db: &Path) -> Result<SigningKey, DemoError> {
    let path = db.parent().unwrap_or(Path::new(".")).join(KEY_FILE);
    let err = |source| DemoError::Key {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let bytes = STANDARD
                .decode(text.trim())
                .map_err(|e| err(std::io::Error::other(e)))?;
            let bytes: [u8; 32] = bytes
                .try_into()
                .map_err(|_| err(std::io::Error::other("length")))?;
            Ok(SigningKey::from_bytes(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = SigningKey::generate(&mut rand::rngs::OsRng);
            crate::owner_only::write_new(&path, STANDARD.encode(key.to_bytes()).as_bytes())
                .map_err(err)?;
            Ok(key)
        }
        Err(e) => Err(err(e)),
    }
}

/// What `install` did.
pub struct Installed {
    pub report: ImportReport,
    pub candidates: Vec<DemoCandidate>,
    pub clerks_added: usize,
}

/// Writes the demo into `store`: the site and its window, the roster and photos (through the
/// same import as a real roster), and the demo clerks that are not there yet.
pub fn install(
    store: &mut Store,
    count: usize,
    seed: u64,
    now: DateTime<Utc>,
    key: &SigningKey,
) -> Result<Installed, DemoError> {
    refresh_window(store, now)?;
    let candidates = generate(count, seed, now, key)?;
    let roster: Vec<Candidate> = candidates.iter().map(|d| d.candidate.clone()).collect();
    let report = store.import_roster(&roster)?;
    for d in &candidates {
        store.put_photo(d.candidate.exam_no.as_str(), &d.photo)?;
    }
    let existing: Vec<String> = store.clerks()?.into_iter().map(|c| c.id).collect();
    let mut clerks_added = 0;
    for (id, name, role, pin) in DEMO_CLERKS
        .iter()
        .filter(|c| !existing.iter().any(|e| e == c.0))
    {
        store.add_clerk(id, name, *role, pin, "demo", now)?;
        clerks_added += 1;
    }
    Ok(Installed {
        report,
        candidates,
        clerks_added,
    })
}

/// Moves the demo window to `now`, so a demo database opened on another day is open again.
pub fn refresh_window(store: &Store, now: DateTime<Utc>) -> Result<(), StoreError> {
    store.put_schedule_doc(SCHEDULE_DOC, &site_doc(now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_demo_window_is_valid_and_open_at_every_ten_minutes_of_a_day() {
        use crate::domain::schedule::{Schedule, WindowStatus};
        let midnight =
            crate::domain::office_time::midnight(NaiveDate::from_ymd_opt(2026, 12, 2).unwrap());
        let times = (0..24 * 6)
            .map(|k| midnight + Duration::minutes(10 * k))
            // The evening times the bug was found at, and the day's last minute.
            .chain([22 * 60 + 41, 23 * 60 + 59].map(|m| midnight + Duration::minutes(m)));
        for now in times {
            let mut schedule = Schedule::builtin().unwrap();
            let doc = site_doc(now);
            schedule
                .merge_doc("demo", &doc)
                .unwrap_or_else(|e| panic!("at {now}: {e}\n{doc}"));
            assert_eq!(
                schedule.status(DEMO_SITE, now).status,
                WindowStatus::Open,
                "closed at {now}:\n{doc}"
            );
        }
    }

    /// Seed 001's ID rule: the 17th digit is odd for men and even for women; the name on the
    /// card reads as the same gender.
    #[test]
    fn each_candidate_s_gender_agrees_with_the_id_and_the_given_name() {
        let key = SigningKey::from_bytes(&[1; 32]);
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap();
        let mut genders = Vec::new();
        for (_, c) in roster(300, 7, now, &key).unwrap() {
            assert_eq!(names::usual_gender(&c.name), Some(c.gender), "{}", c.name);
            if c.id_type == IdType::ResidentCard {
                let digit = c.id_no.as_bytes()[16] - b'0';
                let male = c.gender == Gender::Male;
                assert_eq!(digit % 2 == 1, male, "{} {:?}", c.id_no, c.gender);
                assert_eq!(
                    check_char(&c.id_no.as_bytes()[..17]),
                    c.id_no.chars().last().unwrap()
                );
            }
            genders.push(c.gender);
        }
        assert!(genders.contains(&Gender::Male) && genders.contains(&Gender::Female));
    }

    #[test]
    fn exam_numbers_stay_twelve_digits_and_unique_past_99999() {
        let key = SigningKey::from_bytes(&[1; 32]);
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let numbers: Vec<String> = [0, 99_998, 99_999, 100_000, 199_997]
            .iter()
            .map(|&i| {
                base_candidate(&mut rng, i, &batch_for(now.date_naive()), now, None)
                    .exam_no
                    .to_string()
            })
            .collect();
        assert_eq!(
            numbers,
            [
                "990126200001",
                "990126299999",
                "990226200001",
                "990226200002",
                "990226299999"
            ]
        );
        assert!(roster(MIN_CANDIDATES, 1, now, &key).is_ok());
        assert!(matches!(
            roster(MIN_CANDIDATES - 1, 1, now, &key),
            Err(DemoError::TooFew)
        ));
    }
}
