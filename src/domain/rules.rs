//! Material rules (DESIGN §5): which documents a candidate hands in at the counter, and what stops
//! the intake altogether. The rules are data (`data/materials.toml`, traced to seed 002 section 四)
//! so an office can correct them without a new build of the logic.
//!
//! Pure: no I/O and no clock. The day of the intake is passed in because the 药学 practising
//! licence must be valid on that day.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::candidate::{Candidate, CandidateType, Level, PhotoStatus, PriorKind};
use crate::strings;

const MATERIALS_TOML: &str = include_str!("../../data/materials.toml");
const MAJORS_TOML: &str = include_str!("../../data/majors.toml");

/// Seed 002 四(五)3: "证书上必须有“执业”二字". This is a fact of the notice, not screen text.
const PRACTISING_MARK: &str = "执业";

// ---- public types ------------------------------------------------------------------------------

/// What happens to a document at the counter. Originals are checked and handed back; copies are
/// kept (DESIGN §5), so the clerk must know which of the two the office needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Copy,
    OriginalAndCopy,
    Original,
}

impl ItemKind {
    /// Two rules asking for the same document in different ways: the clerk must see everything
    /// either asks for, and the only kind that covers two different kinds is original + copy.
    fn merge(self, other: Self) -> Self {
        if self == other {
            self
        } else {
            ItemKind::OriginalAndCopy
        }
    }
}

/// One line of a candidate's checklist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecklistItem {
    pub id: String,
    pub title: String,
    pub copies: u32,
    pub kind: ItemKind,
    pub note: Option<String>,
    /// Set when the document must be valid on this date (the 药学 licence).
    pub valid_on: Option<NaiveDate>,
    /// The seed section(s) the requirement comes from.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blocker {
    pub id: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub checklist: Vec<ChecklistItem>,
    pub blockers: Vec<Blocker>,
}

/// A problem in `data/materials.toml` or `data/majors.toml`. Each names the entry and the TOML key
/// so whoever maintains the file can find it.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{}：{}", strings::RULES_PARSE, .0)]
    Parse(String),
    #[error("{}：[[item]] id = \"{id}\"", strings::RULES_DUPLICATE_ITEM)]
    DuplicateItem { id: String },
    #[error(
        "{}：[[rule]] id = \"{rule}\" 的 item = \"{item}\"",
        strings::RULES_UNKNOWN_ITEM
    )]
    UnknownItem { rule: String, item: String },
    #[error("{}：[[rule]] id = \"{id}\"", strings::RULES_DUPLICATE_RULE)]
    DuplicateRule { id: String },
    #[error("{}：[[rule]] id = \"{rule}\"", strings::RULES_NO_REQUIRE)]
    NoRequire { rule: String },
    #[error(
        "{}：[[rule]] id = \"{rule}\" 的 item = \"{item}\"",
        strings::RULES_ZERO_COPIES
    )]
    ZeroCopies { rule: String, item: String },
    #[error("{}：{place} 的 {field}", strings::RULES_EMPTY_FIELD)]
    EmptyField { place: String, field: &'static str },
    #[error("{}：[[blocker]] id = \"{id}\"", strings::RULES_DUPLICATE_BLOCKER)]
    DuplicateBlocker { id: String },
    #[error("{}：[[blocker]] id = \"{id}\"", strings::RULES_BLOCKER_NO_CONDITION)]
    BlockerWithoutCondition { id: String },
    #[error("{}：{}", strings::MAJORS_PARSE, .0)]
    MajorsParse(String),
    #[error("{}：code = \"{code}\"", strings::MAJORS_DUPLICATE)]
    DuplicateMajor { code: String },
    #[error("{}：code = \"{code}\"", strings::MAJORS_EMPTY_FIELD)]
    EmptyMajor { code: String },
}

/// What the clerk finds wrong with a presented practising licence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LicenceProblem {
    #[error("{}（有效期至 {valid_until}）", strings::LICENCE_EXPIRED)]
    Expired { valid_until: NaiveDate },
    #[error("{}", strings::LICENCE_NOT_PRACTISING)]
    NotPractising,
}

/// The clerk checks the licence itself: valid on `on` (valid_until >= on) and its text contains 执业.
pub fn check_licence(
    valid_until: NaiveDate,
    title_text: &str,
    on: NaiveDate,
) -> Result<(), LicenceProblem> {
    // A certificate without 执业 is the wrong document altogether, whatever its date says.
    if !title_text.contains(PRACTISING_MARK) {
        return Err(LicenceProblem::NotPractising);
    }
    if valid_until < on {
        return Err(LicenceProblem::Expired { valid_until });
    }
    Ok(())
}

// ---- the rules file ----------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    item: Vec<ItemDef>,
    #[serde(default)]
    rule: Vec<RuleDef>,
    #[serde(default)]
    blocker: Vec<BlockerDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemDef {
    id: String,
    title: String,
    source: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    source: String,
    #[serde(default)]
    when: When,
    #[serde(default)]
    require: Vec<Require>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Require {
    item: String,
    kind: ItemKind,
    #[serde(default = "one")]
    copies: u32,
    #[serde(default)]
    note: Option<String>,
    /// Seed 002 四(四)3: the 学籍在线验证报告 is not needed for a self-study prior degree.
    #[serde(default)]
    unless_prior_kind: Option<PriorKind>,
    /// The document must be valid on the day of the intake (seed 002 四(五)3).
    #[serde(default)]
    valid_on_day: bool,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockerDef {
    id: String,
    message: String,
    source: String,
    #[serde(default)]
    when: When,
}

/// Conditions of a rule or blocker; all that are given must hold. Unknown keys are refused so a
/// misspelt condition cannot silently make a rule apply to everyone.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct When {
    level: Option<Level>,
    candidate_type: Option<CandidateType>,
    mainland_id: Option<bool>,
    prior_kind: Option<PriorKind>,
    prior_verified: Option<bool>,
    identity_changed: Option<bool>,
    major_name: Option<String>,
    any_course_in: Option<Vec<String>>,
    prediction_passed: Option<bool>,
    photo_approved: Option<bool>,
}

/// `None` means "any value"; otherwise the candidate's value must equal it.
fn wants<T: PartialEq>(wanted: Option<T>, actual: T) -> bool {
    wanted.is_none_or(|w| w == actual)
}

fn prior_kind(candidate: &Candidate) -> Option<PriorKind> {
    candidate.prior_degree.as_ref().map(|p| p.kind)
}

impl When {
    fn matches(&self, c: &Candidate) -> bool {
        // Without a prior degree there is nothing the province could have verified.
        let prior_verified = c.prior_degree.as_ref().is_some_and(|p| p.verified);
        wants(self.level, c.level)
            && wants(self.candidate_type, c.candidate_type)
            && wants(self.mainland_id, c.id_type.is_mainland())
            && self.prior_kind.is_none_or(|k| prior_kind(c) == Some(k))
            && wants(self.prior_verified, prior_verified)
            && wants(self.identity_changed, c.identity_changed)
            && wants(self.prediction_passed, c.prediction_passed)
            && wants(self.photo_approved, c.photo_status == PhotoStatus::Approved)
            && self
                .major_name
                .as_deref()
                .is_none_or(|m| m == c.major_name.trim())
            && self
                .any_course_in
                .as_deref()
                .is_none_or(|codes| c.took_any_course(codes))
    }

    fn is_empty(&self) -> bool {
        self.level.is_none()
            && self.candidate_type.is_none()
            && self.mainland_id.is_none()
            && self.prior_kind.is_none()
            && self.prior_verified.is_none()
            && self.identity_changed.is_none()
            && self.major_name.is_none()
            && self.any_course_in.is_none()
            && self.prediction_passed.is_none()
            && self.photo_approved.is_none()
    }
}

impl Require {
    fn applies_to(&self, c: &Candidate) -> bool {
        self.unless_prior_kind
            .is_none_or(|k| prior_kind(c) != Some(k))
    }
}

// ---- validation --------------------------------------------------------------------------------

fn non_empty(
    value: &str,
    place: impl Fn() -> String,
    field: &'static str,
) -> Result<(), RulesError> {
    if value.trim().is_empty() {
        return Err(RulesError::EmptyField {
            place: place(),
            field,
        });
    }
    Ok(())
}

fn validate_items(items: &[ItemDef]) -> Result<HashSet<&str>, RulesError> {
    let mut ids = HashSet::new();
    for item in items {
        let place = || format!("[[item]] id = \"{}\"", item.id);
        non_empty(&item.id, place, "id")?;
        non_empty(&item.title, place, "title")?;
        non_empty(&item.source, place, "source")?;
        if !ids.insert(item.id.as_str()) {
            return Err(RulesError::DuplicateItem {
                id: item.id.clone(),
            });
        }
    }
    Ok(ids)
}

fn validate_when(when: &When, place: impl Fn() -> String) -> Result<(), RulesError> {
    if let Some(name) = &when.major_name {
        non_empty(name, &place, "when.major_name")?;
    }
    if let Some(codes) = &when.any_course_in {
        // An empty list could never match, which is surely not what was meant.
        let joined = codes.join("");
        non_empty(&joined, &place, "when.any_course_in")?;
    }
    Ok(())
}

fn validate_rule(rule: &RuleDef, item_ids: &HashSet<&str>) -> Result<(), RulesError> {
    let place = || format!("[[rule]] id = \"{}\"", rule.id);
    non_empty(&rule.id, place, "id")?;
    non_empty(&rule.source, place, "source")?;
    validate_when(&rule.when, place)?;
    if rule.require.is_empty() {
        return Err(RulesError::NoRequire {
            rule: rule.id.clone(),
        });
    }
    for req in &rule.require {
        if !item_ids.contains(req.item.as_str()) {
            return Err(RulesError::UnknownItem {
                rule: rule.id.clone(),
                item: req.item.clone(),
            });
        }
        if req.copies == 0 {
            return Err(RulesError::ZeroCopies {
                rule: rule.id.clone(),
                item: req.item.clone(),
            });
        }
    }
    Ok(())
}

fn validate_blocker(blocker: &BlockerDef) -> Result<(), RulesError> {
    let place = || format!("[[blocker]] id = \"{}\"", blocker.id);
    non_empty(&blocker.id, place, "id")?;
    non_empty(&blocker.message, place, "message")?;
    non_empty(&blocker.source, place, "source")?;
    validate_when(&blocker.when, place)?;
    if blocker.when.is_empty() {
        return Err(RulesError::BlockerWithoutCondition {
            id: blocker.id.clone(),
        });
    }
    Ok(())
}

fn validate(file: &RulesFile) -> Result<(), RulesError> {
    let item_ids = validate_items(&file.item)?;
    let mut rule_ids = HashSet::new();
    for rule in &file.rule {
        validate_rule(rule, &item_ids)?;
        if !rule_ids.insert(rule.id.as_str()) {
            return Err(RulesError::DuplicateRule {
                id: rule.id.clone(),
            });
        }
    }
    let mut blocker_ids = HashSet::new();
    for blocker in &file.blocker {
        validate_blocker(blocker)?;
        if !blocker_ids.insert(blocker.id.as_str()) {
            return Err(RulesError::DuplicateBlocker {
                id: blocker.id.clone(),
            });
        }
    }
    Ok(())
}

// ---- evaluation --------------------------------------------------------------------------------

/// The material rules, loaded and checked.
#[derive(Debug, Clone)]
pub struct Rules {
    items: Vec<ItemDef>,
    rules: Vec<RuleDef>,
    blockers: Vec<BlockerDef>,
}

impl Rules {
    /// Parses and checks a rules file: unknown keys, bad kinds, undefined item ids, duplicates.
    pub fn from_toml(text: &str) -> Result<Self, RulesError> {
        let file: RulesFile =
            toml::from_str(text).map_err(|e| RulesError::Parse(e.to_string().trim().to_owned()))?;
        validate(&file)?;
        Ok(Self {
            items: file.item,
            rules: file.rule,
            blockers: file.blocker,
        })
    }

    /// The rules shipped in `data/materials.toml`.
    pub fn builtin() -> Result<Self, RulesError> {
        Self::from_toml(MATERIALS_TOML)
    }

    /// The checklist (in the order items are defined, so reg_form comes first) and the blockers
    /// for one candidate on the day `on`.
    pub fn evaluate(&self, candidate: &Candidate, on: NaiveDate) -> Evaluation {
        // One slot per defined item: several rules may ask for the same document (e.g. id_card
        // for a non-mainland ID holder whose name also changed) and it must appear once.
        let mut slots: Vec<Option<ChecklistItem>> = vec![None; self.items.len()];
        for rule in self.rules.iter().filter(|r| r.when.matches(candidate)) {
            for req in rule.require.iter().filter(|q| q.applies_to(candidate)) {
                // Every item id was checked in from_toml, so the lookup cannot fail.
                let Some(pos) = self.items.iter().position(|i| i.id == req.item) else {
                    continue;
                };
                let line = checklist_line(&self.items[pos], rule, req, on);
                slots[pos] = Some(match slots[pos].take() {
                    Some(earlier) => merge_lines(earlier, line),
                    None => line,
                });
            }
        }
        let blockers = self
            .blockers
            .iter()
            .filter(|b| b.when.matches(candidate))
            .map(|b| Blocker {
                id: b.id.clone(),
                message: b.message.clone(),
            })
            .collect();
        Evaluation {
            checklist: slots.into_iter().flatten().collect(),
            blockers,
        }
    }
}

fn checklist_line(item: &ItemDef, rule: &RuleDef, req: &Require, on: NaiveDate) -> ChecklistItem {
    ChecklistItem {
        id: item.id.clone(),
        title: item.title.clone(),
        copies: req.copies,
        kind: req.kind,
        note: req.note.clone(),
        valid_on: req.valid_on_day.then_some(on),
        source: rule.source.clone(),
    }
}

fn merge_lines(a: ChecklistItem, b: ChecklistItem) -> ChecklistItem {
    ChecklistItem {
        copies: a.copies.max(b.copies),
        kind: a.kind.merge(b.kind),
        note: join_optional(a.note, b.note),
        valid_on: a.valid_on.max(b.valid_on),
        source: join_text(a.source, &b.source),
        ..a
    }
}

/// Joins two texts once each: the same note from two rules is shown once.
fn join_text(a: String, b: &str) -> String {
    if a == b || a.split('；').any(|part| part == b) {
        a
    } else {
        format!("{a}；{b}")
    }
}

fn join_optional(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(join_text(a, &b)),
        (a, b) => a.or(b),
    }
}

// ---- majors ------------------------------------------------------------------------------------

/// A major as listed in `data/majors.toml`. `sample` marks codes not checked against the official
/// catalogue.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Major {
    pub code: String,
    pub name: String,
    pub level: Level,
    #[serde(default)]
    pub sample: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MajorsFile {
    /// A remark for people reading the file; the program does not use it.
    #[serde(default, rename = "note")]
    _note: Option<String>,
    #[serde(default)]
    major: Vec<Major>,
}

/// The majors shipped in `data/majors.toml`.
pub fn builtin_majors() -> Result<Vec<Major>, RulesError> {
    majors_from_toml(MAJORS_TOML)
}

fn majors_from_toml(text: &str) -> Result<Vec<Major>, RulesError> {
    let file: MajorsFile = toml::from_str(text)
        .map_err(|e| RulesError::MajorsParse(e.to_string().trim().to_owned()))?;
    let mut codes = HashSet::new();
    for major in &file.major {
        if major.code.trim().is_empty() || major.name.trim().is_empty() {
            return Err(RulesError::EmptyMajor {
                code: major.code.clone(),
            });
        }
        if !codes.insert(major.code.as_str()) {
            return Err(RulesError::DuplicateMajor {
                code: major.code.clone(),
            });
        }
    }
    Ok(file.major)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    use ItemKind::{Copy as C, OriginalAndCopy as OC};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// The day of the Shaoguan intake (seed 002 一(二)).
    fn intake_day() -> NaiveDate {
        day(2023, 6, 19)
    }

    /// A 专科 social candidate with nothing special: DESIGN §8's example record, without the
    /// prior degree (专科 candidates have none).
    fn base() -> Value {
        json!({"exam_no": "010523100123", "name": "张三", "gender": "男",
         "id_type": "居民身份证", "id_no": "440106199001011235",
         "level": "专科", "major_code": "670202", "major_name": "商务英语",
         "exam_school": "广东外语外贸大学", "batch": "2023H1", "site_code": "0201",
         "phone": "13800000000", "candidate_type": "社会考生",
         "prediction_passed": true, "photo_status": "approved", "photo_sha256": null,
         "prior_degree": null, "identity_changed": false,
         "courses": [{"code": "00015", "name": "英语（二）", "score": "72", "date": "2022-04"}],
         "qr": null, "updated_at": "2023-06-10T10:00:00+08:00"})
    }

    fn candidate(patch: &[(&str, Value)]) -> Candidate {
        let mut v = base();
        for (key, value) in patch {
            v[*key] = value.clone();
        }
        Candidate::from_json_value(&v).unwrap()
    }

    fn prior(kind: &str, verified: bool) -> Value {
        json!({"kind": kind, "verified": verified, "cert_no": "1234567890"})
    }

    fn course(code: &str) -> Value {
        json!([{"code": code, "name": "课程", "score": "合格", "date": "2022-10"}])
    }

    // Patches that make up the cases.
    fn bachelor() -> (&'static str, Value) {
        ("level", json!("本科"))
    }
    fn domestic() -> (&'static str, Value) {
        ("prior_degree", prior("domestic", true))
    }
    fn self_study() -> (&'static str, Value) {
        ("prior_degree", prior("self_study", true))
    }
    fn overseas() -> (&'static str, Value) {
        ("prior_degree", prior("overseas", true))
    }
    fn non_mainland() -> [(&'static str, Value); 2] {
        [
            ("id_type", json!("港澳台居民证件")),
            ("id_no", json!("H01234567")),
        ]
    }
    fn changed() -> (&'static str, Value) {
        ("identity_changed", json!(true))
    }
    fn major(name: &str) -> (&'static str, Value) {
        ("major_name", json!(name))
    }

    const REG2: (&str, ItemKind, u32) = ("reg_form", C, 2);

    struct Case {
        name: &'static str,
        patch: Vec<(&'static str, Value)>,
        items: Vec<(&'static str, ItemKind, u32)>,
        blockers: Vec<&'static str>,
    }

    fn case(
        name: &'static str,
        patch: Vec<(&'static str, Value)>,
        items: Vec<(&'static str, ItemKind, u32)>,
        blockers: Vec<&'static str>,
    ) -> Case {
        Case {
            name,
            patch,
            items,
            blockers,
        }
    }

    fn with(
        mut patch: Vec<(&'static str, Value)>,
        more: impl IntoIterator<Item = (&'static str, Value)>,
    ) -> Vec<(&'static str, Value)> {
        patch.extend(more);
        patch
    }

    fn cases() -> Vec<Case> {
        let full_list = vec![
            REG2,
            ("prior_diploma", OC, 1),
            ("xueji_report", C, 1),
            ("xueli_record", C, 1),
            ("id_card", OC, 1),
        ];
        let no_xueji = vec![
            REG2,
            ("prior_diploma", OC, 1),
            ("xueli_record", C, 1),
            ("id_card", OC, 1),
        ];
        let changed_list = with_item(full_list.clone(), ("police_proof", OC, 1));
        let changed_self_study = with_item(no_xueji.clone(), ("police_proof", OC, 1));
        let skilled = vec![
            REG2,
            ("vocational_cert", OC, 1),
            ("technician_school_diploma", OC, 1),
        ];
        vec![
            // 四(四)1: the registration form, 2 copies or 3.
            case("社会考生 专科", vec![], vec![REG2], vec![]),
            case(
                "公开学院 专科",
                vec![("candidate_type", json!("公开学院"))],
                vec![("reg_form", C, 3)],
                vec![],
            ),
            // 四(四)2: 专科 never needs the ID card, whatever the ID or identity history.
            case(
                "专科 non-mainland ID",
                non_mainland().into(),
                vec![REG2],
                vec![],
            ),
            case("专科 identity changed", vec![changed()], vec![REG2], vec![]),
            // 四(四)3: 本科 normally needs nothing else.
            case(
                "本科 domestic verified",
                vec![bachelor(), domestic()],
                vec![REG2],
                vec![],
            ),
            case(
                "本科 self-study verified",
                vec![bachelor(), self_study()],
                vec![REG2],
                vec![],
            ),
            // 四(四)3(1)
            case(
                "本科 non-mainland domestic",
                with(vec![bachelor(), domestic()], non_mainland()),
                full_list.clone(),
                vec![],
            ),
            case(
                "本科 non-mainland self-study",
                with(vec![bachelor(), self_study()], non_mainland()),
                no_xueji.clone(),
                vec![],
            ),
            case(
                "公开学院 本科 non-mainland",
                with(
                    vec![
                        bachelor(),
                        domestic(),
                        ("candidate_type", json!("公开学院")),
                    ],
                    non_mainland(),
                ),
                with_reg(full_list.clone(), 3),
                vec![],
            ),
            // 四(四)3(2)
            case(
                "本科 overseas",
                vec![bachelor(), overseas()],
                vec![REG2, ("overseas_cert", OC, 1), ("id_card", OC, 1)],
                vec![],
            ),
            // The seed lists (1) for every non-mainland ID holder, overseas degree or not.
            case(
                "本科 non-mainland overseas",
                with(vec![bachelor(), overseas()], non_mainland()),
                vec![
                    REG2,
                    ("prior_diploma", OC, 1),
                    ("xueji_report", C, 1),
                    ("xueli_record", C, 1),
                    ("overseas_cert", OC, 1),
                    ("id_card", OC, 1),
                ],
                vec![],
            ),
            // 四(四)3(3)
            case(
                "本科 identity changed",
                vec![bachelor(), domestic(), changed()],
                changed_list.clone(),
                vec![],
            ),
            case(
                "本科 identity changed self-study",
                vec![bachelor(), self_study(), changed()],
                changed_self_study.clone(),
                vec![],
            ),
            case(
                "本科 non-mainland + identity changed",
                with(vec![bachelor(), domestic(), changed()], non_mainland()),
                changed_list,
                vec![],
            ),
            case(
                "本科 non-mainland + changed self-study",
                with(vec![bachelor(), self_study(), changed()], non_mainland()),
                changed_self_study,
                vec![],
            ),
            // 四(五)1, 2
            case(
                "专科 机械制造与自动化",
                vec![major("机械制造与自动化")],
                skilled.clone(),
                vec![],
            ),
            case(
                "专科 电气自动化技术",
                vec![major("电气自动化技术")],
                skilled,
                vec![],
            ),
            case(
                "本科 机械制造与自动化",
                vec![bachelor(), domestic(), major("机械制造与自动化")],
                vec![REG2],
                vec![],
            ),
            case(
                "本科 电气自动化技术",
                vec![bachelor(), domestic(), major("电气自动化技术")],
                vec![REG2],
                vec![],
            ),
            // 四(五)3
            case(
                "本科 药学",
                vec![bachelor(), domestic(), major("药学")],
                vec![REG2, ("practising_licence", OC, 1)],
                vec![],
            ),
            case("专科 药学", vec![major("药学")], vec![REG2], vec![]),
            // 四(五)4
            case(
                "食品营养与卫生 with 05750",
                vec![major("食品营养与卫生"), ("courses", course("05750"))],
                vec![REG2, ("medical_diploma", OC, 1)],
                vec![],
            ),
            case(
                "食品营养与卫生 without the courses",
                vec![major("食品营养与卫生")],
                vec![REG2],
                vec![],
            ),
            case(
                "食品营养与卫生 no courses at all",
                vec![major("食品营养与卫生"), ("courses", json!([]))],
                vec![REG2],
                vec![],
            ),
            case(
                "本科 食品营养与卫生 with 00988",
                vec![
                    bachelor(),
                    domestic(),
                    major("食品营养与卫生"),
                    ("courses", course("00988")),
                ],
                vec![REG2],
                vec![],
            ),
            case(
                "other major with 05747",
                vec![("courses", course("05747"))],
                vec![REG2],
                vec![],
            ),
            // Blockers; the checklist is still shown so the clerk can say what else is missing.
            case(
                "prediction not passed",
                vec![("prediction_passed", json!(false))],
                vec![REG2],
                vec!["prediction_not_passed"],
            ),
            case(
                "photo pending",
                vec![("photo_status", json!("pending"))],
                vec![REG2],
                vec!["photo_not_approved"],
            ),
            case(
                "photo rejected",
                vec![("photo_status", json!("rejected"))],
                vec![REG2],
                vec!["photo_not_approved"],
            ),
            case(
                "photo missing",
                vec![("photo_status", json!("missing"))],
                vec![REG2],
                vec!["photo_not_approved"],
            ),
            case(
                "本科 prior unverified",
                vec![bachelor(), ("prior_degree", prior("domestic", false))],
                vec![REG2],
                vec!["prior_degree_unverified"],
            ),
            case(
                "本科 prior missing",
                vec![bachelor()],
                vec![REG2],
                vec!["prior_degree_unverified"],
            ),
            case(
                "专科 prior unverified is fine",
                vec![("prior_degree", prior("domestic", false))],
                vec![REG2],
                vec![],
            ),
            case(
                "every blocker at once",
                vec![
                    bachelor(),
                    ("prediction_passed", json!(false)),
                    ("photo_status", json!("rejected")),
                ],
                vec![REG2],
                vec![
                    "prediction_not_passed",
                    "photo_not_approved",
                    "prior_degree_unverified",
                ],
            ),
        ]
    }

    fn with_item(
        mut items: Vec<(&'static str, ItemKind, u32)>,
        extra: (&'static str, ItemKind, u32),
    ) -> Vec<(&'static str, ItemKind, u32)> {
        items.push(extra);
        items
    }

    fn with_reg(
        mut items: Vec<(&'static str, ItemKind, u32)>,
        copies: u32,
    ) -> Vec<(&'static str, ItemKind, u32)> {
        items[0] = ("reg_form", C, copies);
        items
    }

    #[test]
    fn checklists_and_blockers() {
        let rules = Rules::builtin().unwrap();
        for case in cases() {
            let eval = rules.evaluate(&candidate(&case.patch), intake_day());
            let items: Vec<(&str, ItemKind, u32)> = eval
                .checklist
                .iter()
                .map(|i| (i.id.as_str(), i.kind, i.copies))
                .collect();
            assert_eq!(items, case.items, "{}: checklist", case.name);
            let blockers: Vec<&str> = eval.blockers.iter().map(|b| b.id.as_str()).collect();
            assert_eq!(blockers, case.blockers, "{}: blockers", case.name);
        }
    }

    #[test]
    fn each_of_the_seven_courses_triggers_the_medical_diploma() {
        let rules = Rules::builtin().unwrap();
        for code in [
            "05747", "05748", "05749", "05750", "05751", "05752", "00988",
        ] {
            let c = candidate(&[major("食品营养与卫生"), ("courses", course(code))]);
            let ids: Vec<String> = rules
                .evaluate(&c, intake_day())
                .checklist
                .into_iter()
                .map(|i| i.id)
                .collect();
            assert_eq!(ids, ["reg_form", "medical_diploma"], "course {code}");
        }
    }

    #[test]
    fn pharmacy_licence_must_be_valid_on_the_day() {
        let rules = Rules::builtin().unwrap();
        let c = candidate(&[bachelor(), domestic(), major("药学")]);
        let eval = rules.evaluate(&c, intake_day());
        let licence = eval
            .checklist
            .iter()
            .find(|i| i.id == "practising_licence")
            .unwrap();
        assert_eq!(licence.valid_on, Some(intake_day()));
        assert!(licence.note.as_deref().unwrap().contains("执业"));
        assert!(
            eval.checklist
                .iter()
                .filter(|i| i.id != "practising_licence")
                .all(|i| i.valid_on.is_none())
        );
    }

    #[test]
    fn vocational_cert_notes_name_the_trade() {
        let rules = Rules::builtin().unwrap();
        for (name, trade) in [("机械制造与自动化", "机械类"), ("电气自动化技术", "电气类")]
        {
            let eval = rules.evaluate(&candidate(&[major(name)]), intake_day());
            let cert = eval
                .checklist
                .iter()
                .find(|i| i.id == "vocational_cert")
                .unwrap();
            assert!(
                cert.note.as_deref().unwrap().contains(trade),
                "{name}: {cert:?}"
            );
        }
    }

    #[test]
    fn merged_items_join_their_sources_once() {
        let rules = Rules::builtin().unwrap();
        let patch = with(vec![bachelor(), domestic(), changed()], non_mainland());
        let eval = rules.evaluate(&candidate(&patch), intake_day());
        let id_card = eval.checklist.iter().find(|i| i.id == "id_card").unwrap();
        assert!(
            id_card.source.contains("3(1)") && id_card.source.contains("3(3)"),
            "{id_card:?}"
        );
        assert_eq!(id_card.note.as_deref(), Some("原件核验后即退还"));
    }

    #[test]
    fn builtin_data_is_complete_and_cited() {
        let rules = Rules::builtin().unwrap();
        let ids: Vec<&str> = rules.items.iter().map(|i| i.id.as_str()).collect();
        // The checklist ids of DESIGN §8, reg_form first.
        assert_eq!(
            ids,
            [
                "reg_form",
                "prior_diploma",
                "xueji_report",
                "xueli_record",
                "overseas_cert",
                "id_card",
                "police_proof",
                "vocational_cert",
                "technician_school_diploma",
                "practising_licence",
                "medical_diploma"
            ]
        );
        let blockers: Vec<&str> = rules.blockers.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(
            blockers,
            [
                "prediction_not_passed",
                "photo_not_approved",
                "prior_degree_unverified"
            ]
        );
        let sources = rules
            .items
            .iter()
            .map(|i| &i.source)
            .chain(rules.rules.iter().map(|r| &r.source));
        for source in sources.chain(rules.blockers.iter().map(|b| &b.source)) {
            assert!(source.contains("002_107523b1189a930c.txt"), "{source}");
        }
    }

    #[test]
    fn kinds_serialise_in_snake_case() {
        let kinds = [
            (C, "\"copy\""),
            (OC, "\"original_and_copy\""),
            (ItemKind::Original, "\"original\""),
        ];
        for (kind, text) in kinds {
            assert_eq!(serde_json::to_string(&kind).unwrap(), text);
        }
    }

    #[test]
    fn licence_check() {
        let on = intake_day();
        let cases: &[(&str, NaiveDate, &str, Result<(), LicenceProblem>)] = &[
            ("valid until the day", on, "执业药师注册证", Ok(())),
            ("valid for years", day(2027, 1, 1), "医师执业证书", Ok(())),
            (
                "expired the day before",
                day(2023, 6, 18),
                "执业药师注册证",
                Err(LicenceProblem::Expired {
                    valid_until: day(2023, 6, 18),
                }),
            ),
            (
                "no 执业",
                day(2027, 1, 1),
                "药师资格证书",
                Err(LicenceProblem::NotPractising),
            ),
            (
                "expired and no 执业",
                day(2020, 1, 1),
                "资格证书",
                Err(LicenceProblem::NotPractising),
            ),
        ];
        for (name, until, text, expected) in cases {
            assert_eq!(&check_licence(*until, text, on), expected, "{name}");
        }
        let message = LicenceProblem::Expired {
            valid_until: day(2023, 6, 18),
        }
        .to_string();
        assert!(message.contains("2023-06-18"), "{message}");
    }

    const ITEM: &str = "[[item]]\nid = \"a\"\ntitle = \"甲\"\nsource = \"s\"\n";

    fn from_toml_err(text: &str) -> RulesError {
        Rules::from_toml(text).unwrap_err()
    }

    #[test]
    fn from_toml_errors_name_the_problem() {
        let rule = |body: &str| format!("{ITEM}[[rule]]\nid = \"r\"\nsource = \"s\"\n{body}");
        let cases: Vec<(&str, String, &str)> = vec![
            (
                "unknown item",
                rule("[[rule.require]]\nitem = \"b\"\nkind = \"copy\"\n"),
                "\"b\"",
            ),
            (
                "unknown condition",
                rule(
                    "when = { levle = \"本科\" }\n[[rule.require]]\nitem = \"a\"\nkind = \"copy\"\n",
                ),
                "levle",
            ),
            (
                "bad kind",
                rule("[[rule.require]]\nitem = \"a\"\nkind = \"photocopy\"\n"),
                "photocopy",
            ),
            (
                "bad level",
                rule(
                    "when = { level = \"硕士\" }\n[[rule.require]]\nitem = \"a\"\nkind = \"copy\"\n",
                ),
                "硕士",
            ),
            (
                "zero copies",
                rule("[[rule.require]]\nitem = \"a\"\nkind = \"copy\"\ncopies = 0\n"),
                "\"r\"",
            ),
            ("no require", rule(""), "\"r\""),
            ("duplicate item", format!("{ITEM}{ITEM}"), "\"a\""),
            (
                "empty title",
                "[[item]]\nid = \"a\"\ntitle = \" \"\nsource = \"s\"\n".into(),
                "title",
            ),
            (
                "blocker without when",
                "[[blocker]]\nid = \"x\"\nmessage = \"m\"\nsource = \"s\"\n".into(),
                "\"x\"",
            ),
            (
                "unknown top-level table",
                "[[items]]\nid = \"a\"\n".into(),
                "items",
            ),
        ];
        for (name, text, needle) in cases {
            let message = from_toml_err(&text).to_string();
            assert!(message.contains(needle), "{name}: {message}");
        }
        assert!(matches!(
            from_toml_err(&rule("[[rule.require]]\nitem = \"b\"\nkind = \"copy\"\n")),
            RulesError::UnknownItem { rule, item } if rule == "r" && item == "b"
        ));
        assert!(matches!(
            from_toml_err(&rule(
                "when = { levle = \"本科\" }\n[[rule.require]]\nitem = \"a\"\nkind = \"copy\"\n"
            )),
            RulesError::Parse(_)
        ));
    }

    #[test]
    fn rules_asking_differently_merge_into_original_and_copy() {
        let text = format!(
            "{ITEM}[[rule]]\nid = \"r1\"\nsource = \"s1\"\n[[rule.require]]\nitem = \"a\"\nkind = \"copy\"\ncopies = 2\nnote = \"n\"\n\
             [[rule]]\nid = \"r2\"\nsource = \"s2\"\n[[rule.require]]\nitem = \"a\"\nkind = \"original\"\nnote = \"n\"\n"
        );
        let rules = Rules::from_toml(&text).unwrap();
        let eval = rules.evaluate(&candidate(&[]), intake_day());
        assert_eq!(eval.checklist.len(), 1);
        let line = &eval.checklist[0];
        assert_eq!((line.kind, line.copies), (OC, 2));
        assert_eq!(line.note.as_deref(), Some("n"));
        assert_eq!(line.source, "s1；s2");
    }

    #[test]
    fn majors_are_loaded() {
        let majors = builtin_majors().unwrap();
        let find = |name: &str| majors.iter().find(|m| m.name == name).unwrap();
        assert!(!find("商务英语").sample);
        assert_eq!(find("商务英语").code, "670202");
        for (name, level) in [
            ("机械制造与自动化", Level::Associate),
            ("电气自动化技术", Level::Associate),
            ("药学", Level::Bachelor),
            ("食品营养与卫生", Level::Associate),
        ] {
            assert_eq!(find(name).level, level, "{name}");
            assert!(find(name).sample, "{name}");
        }
        for level in [Level::Associate, Level::Bachelor] {
            assert!(majors.iter().filter(|m| m.level == level).count() >= 4);
        }
        let dup = "[[major]]\ncode = \"1\"\nname = \"甲\"\nlevel = \"专科\"\n".repeat(2);
        assert!(matches!(
            majors_from_toml(&dup),
            Err(RulesError::DuplicateMajor { .. })
        ));
        let typo = "[[major]]\ncode = \"1\"\nname = \"甲\"\nlevel = \"专科\"\nsampel = true\n";
        assert!(matches!(
            majors_from_toml(typo),
            Err(RulesError::MajorsParse(_))
        ));
    }
}
