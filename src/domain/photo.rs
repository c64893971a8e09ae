//! The graduation photo standard and the verdict on a photo: pure. `crate::photo` measures a file
//! (the edge); here a standard (data/photo_standards.toml) turns those measurements into one
//! result per rule, each with the measured value, the limit and the notice it comes from.
//!
//! A rule whose value could not be measured is "not measured", never "passed": an unreadable
//! photo, or a face the detector did not find, leaves the geometry rules open for a person.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::strings;

/// What a photo is, as far as the measurement could tell. Every field that could not be
/// measured is `None` (or says why in `problem`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measurements {
    pub file_bytes: u64,
    /// `Ok` with the coding process for a well-formed JPEG; `Err` says what is wrong.
    pub format: Result<JpegProcess, String>,
    pub width_px: Option<u32>,
    pub height_px: Option<u32>,
    /// Colour components (3 for colour, 1 for grey) and bits per sample.
    pub components: Option<u8>,
    pub bits_per_sample: Option<u8>,
    pub density: Density,
    /// Quality factor (1–100) estimated from the quantisation tables.
    pub quality: Option<u8>,
    pub background: Option<Background>,
    /// Frontal faces the detector found; `None` when the pixels could not be decoded.
    pub face_count: Option<usize>,
    /// Geometry of the largest face, when there is one.
    pub face: Option<FaceGeometry>,
    /// Rows from the top edge to where the background ends above the face.
    pub hair_top_px: Option<u32>,
    /// Why the pixels could not be measured (decode error, picture too large).
    pub problem: Option<String>,
}

/// How the JPEG is coded (its SOF marker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JpegProcess {
    Baseline,
    ExtendedSequential,
    Progressive,
    Lossless,
    /// Arithmetic coding or hierarchical: valid JPEG, but few decoders read it.
    Other,
}

/// Pixel density as written in the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Density {
    /// Dots per inch (JFIF units 1 or 2, or EXIF ResolutionUnit 2 or 3, converted).
    Dpi { x: f64, y: f64 },
    /// JFIF units 0: only the pixel aspect ratio is given.
    AspectOnly,
    /// Neither a JFIF nor an EXIF header gives a density.
    #[default]
    Missing,
}

/// The area outside the person: its mean colour and how much its patches differ.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Background {
    pub mean_rgb: [u8; 3],
    /// Largest RGB distance between the mean colours of the background patches (0 = even).
    pub spread: f64,
}

/// The face box from the detector and what follows from it, in pixels of the full picture.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FaceGeometry {
    pub left: i32,
    pub top: i32,
    pub width: u32,
    pub height: u32,
    /// Estimated face width between the cheeks.
    pub face_width_px: u32,
    /// Rows from the top edge to the eyes.
    pub eye_line_px: i32,
    /// True when the eye line is estimated from the face box (no landmark model).
    pub eye_line_estimated: bool,
    /// Face centre minus picture centre, in columns (negative: left of centre).
    pub centre_offset_px: i32,
}

/// One kind of rule; the names are those of `check` in data/photo_standards.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Format,
    WidthPx,
    HeightPx,
    DensityDpi,
    ColourBits,
    Quality,
    FileBytes,
    BackgroundColour,
    BackgroundUniformity,
    FaceCount,
    HairTopPx,
    EyeLinePx,
    FaceWidthPx,
    CentreOffsetPx,
}

impl Check {
    /// The rule's name for people (Chinese).
    pub fn label(self) -> &'static str {
        use strings::photo as s;
        match self {
            Check::Format => s::CHECK_FORMAT,
            Check::WidthPx => s::CHECK_WIDTH,
            Check::HeightPx => s::CHECK_HEIGHT,
            Check::DensityDpi => s::CHECK_DENSITY,
            Check::ColourBits => s::CHECK_COLOUR_BITS,
            Check::Quality => s::CHECK_QUALITY,
            Check::FileBytes => s::CHECK_FILE_BYTES,
            Check::BackgroundColour => s::CHECK_BACKGROUND_COLOUR,
            Check::BackgroundUniformity => s::CHECK_BACKGROUND_UNIFORMITY,
            Check::FaceCount => s::CHECK_FACE_COUNT,
            Check::HairTopPx => s::CHECK_HAIR_TOP,
            Check::EyeLinePx => s::CHECK_EYE_LINE,
            Check::FaceWidthPx => s::CHECK_FACE_WIDTH,
            Check::CentreOffsetPx => s::CHECK_CENTRE,
        }
    }

    /// The name used in data/photo_standards.toml, JSON and CSV.
    pub fn key(self) -> &'static str {
        match self {
            Check::Format => "format",
            Check::WidthPx => "width_px",
            Check::HeightPx => "height_px",
            Check::DensityDpi => "density_dpi",
            Check::ColourBits => "colour_bits",
            Check::Quality => "quality",
            Check::FileBytes => "file_bytes",
            Check::BackgroundColour => "background_colour",
            Check::BackgroundUniformity => "background_uniformity",
            Check::FaceCount => "face_count",
            Check::HairTopPx => "hair_top_px",
            Check::EyeLinePx => "eye_line_px",
            Check::FaceWidthPx => "face_width_px",
            Check::CentreOffsetPx => "centre_offset_px",
        }
    }
}

/// One rule of a standard: a range, or the allowed background colours.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    pub check: Check,
    pub limit: Limit,
    /// The notice and section the rule comes from.
    pub source: String,
}

/// What a rule allows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// Nothing to compare: the property itself (a well-formed JPEG).
    Present,
    /// Inclusive range; at least one end is set.
    Range { min: Option<f64>, max: Option<f64> },
    /// The mean background colour lies within `tolerance` of one of `colours`.
    Colours {
        colours: Vec<[u8; 3]>,
        tolerance: f64,
    },
}

impl Limit {
    fn contains(&self, value: f64) -> bool {
        match self {
            Limit::Range { min, max } => {
                min.is_none_or(|m| value >= m) && max.is_none_or(|m| value <= m)
            }
            Limit::Present | Limit::Colours { .. } => false,
        }
    }

    /// The limit for people: "480", "20480–40960", "≥ 60", "≤ 24".
    pub fn describe(&self) -> String {
        match self {
            Limit::Present => strings::photo::LIMIT_JPEG.to_string(),
            Limit::Range {
                min: Some(a),
                max: Some(b),
            } if a == b => number(*a),
            Limit::Range {
                min: Some(a),
                max: Some(b),
            } => format!("{}–{}", number(*a), number(*b)),
            Limit::Range { min: Some(a), .. } => format!("≥ {}", number(*a)),
            Limit::Range { max: Some(b), .. } => format!("≤ {}", number(*b)),
            Limit::Range { .. } => String::new(),
            Limit::Colours { colours, tolerance } => {
                let list: Vec<String> = colours
                    .iter()
                    .map(|[r, g, b]| format!("RGB<{r},{g},{b}>"))
                    .collect();
                format!("{} ±{}", list.join(" / "), number(*tolerance))
            }
        }
    }
}

/// Whole numbers without ".0", others with one decimal.
fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// A named standard with its rules, in the order of the data file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Standard {
    pub name: String,
    pub title: String,
    pub cities: Vec<String>,
    pub rules: Vec<Rule>,
}

/// Every standard and which site or city uses which.
#[derive(Debug, Clone, PartialEq)]
pub struct Standards {
    standards: Vec<Standard>,
    /// Site code → standard name, for sites that do not follow their city.
    sites: BTreeMap<String, String>,
}

/// A standards file that cannot be used; the message names the key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}：{key}：{problem}", strings::photo::STANDARDS_INVALID)]
pub struct StandardsError {
    pub key: String,
    pub problem: String,
}

/// data/photo_standards.toml, compiled in.
const BUILTIN: &str = include_str!("../../data/photo_standards.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    standard: Vec<RawStandard>,
    #[serde(default)]
    site: Vec<RawSite>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStandard {
    name: String,
    title: String,
    #[serde(default)]
    cities: Vec<String>,
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    check: Check,
    min: Option<f64>,
    max: Option<f64>,
    colours: Option<Vec<[u8; 3]>>,
    tolerance: Option<f64>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    code: String,
    standard: String,
}

impl Standards {
    /// The standards shipped in data/photo_standards.toml.
    pub fn builtin() -> Result<Standards, StandardsError> {
        Standards::parse(BUILTIN)
    }

    /// Parses a standards file; the first bad value is refused naming its key
    /// (`standard[0].rule[6].max`).
    pub fn parse(text: &str) -> Result<Standards, StandardsError> {
        let deserializer = toml::Deserializer::parse(text).map_err(|e| StandardsError {
            key: String::new(),
            problem: e.message().to_string(),
        })?;
        let raw: RawFile =
            serde_path_to_error::deserialize(deserializer).map_err(|e| StandardsError {
                key: e.path().to_string(),
                problem: strings::describe_serde_error(e.inner().message()),
            })?;
        let mut standards = Vec::new();
        for (i, raw) in raw.standard.into_iter().enumerate() {
            let standard = parse_standard(i, raw)?;
            if standards.iter().any(|s: &Standard| s.name == standard.name) {
                return Err(bad(
                    format!("standard[{i}].name"),
                    strings::photo::DUPLICATE,
                ));
            }
            standards.push(standard);
        }
        let mut sites = BTreeMap::new();
        for (i, site) in raw.site.into_iter().enumerate() {
            if !standards.iter().any(|s| s.name == site.standard) {
                return Err(bad(
                    format!("site[{i}].standard"),
                    strings::photo::UNKNOWN_STANDARD,
                ));
            }
            sites.insert(site.code, site.standard);
        }
        Ok(Standards { standards, sites })
    }

    /// The standard called `name`.
    pub fn named(&self, name: &str) -> Option<&Standard> {
        self.standards.iter().find(|s| s.name == name)
    }

    /// The standard a site uses: its own entry, else its city's.
    pub fn for_site(&self, code: &str, city: Option<&str>) -> Option<&Standard> {
        if let Some(name) = self.sites.get(code) {
            return self.named(name);
        }
        let city = city?;
        self.standards
            .iter()
            .find(|s| s.cities.iter().any(|c| c == city))
    }

    pub fn all(&self) -> &[Standard] {
        &self.standards
    }
}

fn bad(key: String, problem: &str) -> StandardsError {
    StandardsError {
        key,
        problem: problem.to_string(),
    }
}

fn parse_standard(index: usize, raw: RawStandard) -> Result<Standard, StandardsError> {
    if raw.name.trim().is_empty() {
        return Err(bad(format!("standard[{index}].name"), strings::FIELD_EMPTY));
    }
    let rules = raw
        .rule
        .into_iter()
        .enumerate()
        .map(|(r, rule)| parse_rule(&format!("standard[{index}].rule[{r}]"), rule))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Standard {
        name: raw.name,
        title: raw.title,
        cities: raw.cities,
        rules,
    })
}

fn parse_rule(at: &str, raw: RawRule) -> Result<Rule, StandardsError> {
    let key = |k: &str| format!("{at}.{k}");
    if raw.source.trim().is_empty() {
        return Err(bad(key("source"), strings::FIELD_EMPTY));
    }
    let limit = match raw.check {
        Check::Format => {
            if let Some(k) = first_set(&raw, &["min", "max", "colours", "tolerance"]) {
                return Err(bad(key(k), strings::photo::KEY_NOT_FOR_CHECK));
            }
            Limit::Present
        }
        Check::BackgroundColour => {
            if let Some(k) = first_set(&raw, &["min", "max"]) {
                return Err(bad(key(k), strings::photo::KEY_NOT_FOR_CHECK));
            }
            let colours = raw.colours.unwrap_or_default();
            if colours.is_empty() {
                return Err(bad(key("colours"), strings::photo::COLOURS_MISSING));
            }
            let tolerance = raw.tolerance.unwrap_or(f64::NAN);
            if !(0.0..=442.0).contains(&tolerance) {
                return Err(bad(key("tolerance"), strings::photo::TOLERANCE_RANGE));
            }
            Limit::Colours { colours, tolerance }
        }
        _ => {
            if let Some(k) = first_set(&raw, &["colours", "tolerance"]) {
                return Err(bad(key(k), strings::photo::KEY_NOT_FOR_CHECK));
            }
            range(&key, raw.min, raw.max)?
        }
    };
    Ok(Rule {
        check: raw.check,
        limit,
        source: raw.source,
    })
}

/// The first of `keys` that a rule sets although its check does not use it.
fn first_set(raw: &RawRule, keys: &[&'static str]) -> Option<&'static str> {
    keys.iter().copied().find(|k| match *k {
        "min" => raw.min.is_some(),
        "max" => raw.max.is_some(),
        "colours" => raw.colours.is_some(),
        _ => raw.tolerance.is_some(),
    })
}

fn range(
    key: &dyn Fn(&str) -> String,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<Limit, StandardsError> {
    for (name, value) in [("min", min), ("max", max)] {
        if value.is_some_and(|v| !v.is_finite() || v < 0.0) {
            return Err(bad(key(name), strings::photo::NOT_A_COUNT));
        }
    }
    match (min, max) {
        (None, None) => Err(bad(key("min"), strings::photo::RANGE_MISSING)),
        (Some(a), Some(b)) if a > b => Err(bad(key("max"), strings::photo::RANGE_REVERSED)),
        _ => Ok(Limit::Range { min, max }),
    }
}

/// Whether one rule held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    NotMeasured,
}

/// One rule applied to one photo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleResult {
    pub check: Check,
    pub outcome: Outcome,
    /// The measured value as people read it, or why it was not measured.
    pub measured: String,
    pub limit: String,
    pub source: String,
}

/// Every rule of a standard applied to one photo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub standard: String,
    pub overall: Outcome,
    pub rules: Vec<RuleResult>,
}

impl Verdict {
    /// The rules that failed, in the standard's order.
    pub fn failed(&self) -> impl Iterator<Item = &RuleResult> {
        self.rules.iter().filter(|r| r.outcome == Outcome::Failed)
    }
}

/// Applies `standard` to `m`. Overall: failed when any rule failed, else not measured when any
/// rule could not be measured, else passed.
pub fn verdict(m: &Measurements, standard: &Standard) -> Verdict {
    let rules: Vec<RuleResult> = standard
        .rules
        .iter()
        .map(|rule| {
            let (outcome, measured) = judge(m, rule);
            RuleResult {
                check: rule.check,
                outcome,
                measured,
                limit: rule.limit.describe(),
                source: rule.source.clone(),
            }
        })
        .collect();
    let any = |o: Outcome| rules.iter().any(|r| r.outcome == o);
    let overall = if any(Outcome::Failed) {
        Outcome::Failed
    } else if any(Outcome::NotMeasured) {
        Outcome::NotMeasured
    } else {
        Outcome::Passed
    };
    Verdict {
        standard: standard.name.clone(),
        overall,
        rules,
    }
}

/// A measured number against a range, shown with its unit.
fn in_range(rule: &Rule, value: f64, unit: &str) -> (Outcome, String) {
    let outcome = if rule.limit.contains(value) {
        Outcome::Passed
    } else {
        Outcome::Failed
    };
    (outcome, format!("{}{unit}", number(value)))
}

fn not_measured(why: &str) -> (Outcome, String) {
    (Outcome::NotMeasured, why.to_string())
}

/// Why pixel rules are open: the file's structure (already reported by the format rule, so
/// only referred to here), or the decode problem.
fn pixels_missing(m: &Measurements) -> (Outcome, String) {
    match (&m.format, &m.problem) {
        (Ok(_), Some(problem)) => not_measured(problem),
        _ => not_measured(strings::photo::NOT_DECODED),
    }
}

fn judge(m: &Measurements, rule: &Rule) -> (Outcome, String) {
    use strings::photo as s;
    let optional = |value: Option<f64>, unit: &str| match value {
        Some(v) => in_range(rule, v, unit),
        None => pixels_missing(m),
    };
    match rule.check {
        Check::Format => match &m.format {
            Ok(JpegProcess::Baseline | JpegProcess::ExtendedSequential) => {
                (Outcome::Passed, s::FORMAT_JPEG.to_string())
            }
            Ok(JpegProcess::Progressive) => (Outcome::Passed, s::FORMAT_PROGRESSIVE.to_string()),
            Ok(JpegProcess::Lossless | JpegProcess::Other) => {
                (Outcome::Failed, s::FORMAT_UNUSUAL.to_string())
            }
            Err(why) => (Outcome::Failed, why.clone()),
        },
        Check::WidthPx => optional(m.width_px.map(f64::from), s::UNIT_PX),
        Check::HeightPx => optional(m.height_px.map(f64::from), s::UNIT_PX),
        Check::DensityDpi => match m.density {
            Density::Dpi { x, y } => {
                let (outcome, _) = in_range(rule, x.min(y), "");
                let (outcome_y, _) = in_range(rule, x.max(y), "");
                let both = if outcome == outcome_y {
                    outcome
                } else {
                    Outcome::Failed
                };
                let shown = if x == y {
                    format!("{}dpi", number(x))
                } else {
                    format!("{}×{}dpi", number(x), number(y))
                };
                (both, shown)
            }
            // The file does not declare the density the standard requires.
            Density::AspectOnly => (Outcome::Failed, s::DENSITY_ASPECT_ONLY.to_string()),
            Density::Missing => (Outcome::Failed, s::DENSITY_MISSING.to_string()),
        },
        Check::ColourBits => match (m.components, m.bits_per_sample) {
            (Some(c), Some(b)) => {
                let (outcome, _) = in_range(rule, f64::from(c) * f64::from(b), "");
                let shown = format!("{}{}（{c}×{b}）", u32::from(c) * u32::from(b), s::UNIT_BITS);
                (outcome, shown)
            }
            _ => pixels_missing(m),
        },
        Check::Quality => optional(m.quality.map(f64::from), ""),
        Check::FileBytes => in_range(rule, m.file_bytes as f64, s::UNIT_BYTES),
        Check::BackgroundColour => match (&m.background, &rule.limit) {
            (Some(bg), Limit::Colours { colours, tolerance }) => {
                let nearest = colours
                    .iter()
                    .map(|c| colour_distance(bg.mean_rgb, *c))
                    .fold(f64::INFINITY, f64::min);
                let [r, g, b] = bg.mean_rgb;
                let outcome = if nearest <= *tolerance {
                    Outcome::Passed
                } else {
                    Outcome::Failed
                };
                (outcome, format!("RGB<{r},{g},{b}>"))
            }
            _ => pixels_missing(m),
        },
        Check::BackgroundUniformity => optional(m.background.map(|b| b.spread.round()), ""),
        Check::FaceCount => optional(m.face_count.map(|n| n as f64), ""),
        Check::HairTopPx => match (m.face_count, m.hair_top_px) {
            (_, Some(v)) => in_range(rule, f64::from(v), s::UNIT_PX),
            (Some(_), None) => not_measured(s::HAIR_NOT_FOUND),
            (None, None) => pixels_missing(m),
        },
        Check::EyeLinePx => face_rule(m, |f| {
            let (outcome, mut shown) = in_range(rule, f64::from(f.eye_line_px), s::UNIT_PX);
            if f.eye_line_estimated {
                shown.push_str(s::ESTIMATED_FROM_BOX);
            }
            (outcome, shown)
        }),
        Check::FaceWidthPx => face_rule(m, |f| {
            in_range(rule, f64::from(f.face_width_px), s::UNIT_PX)
        }),
        Check::CentreOffsetPx => face_rule(m, |f| {
            let (outcome, _) = in_range(rule, f64::from(f.centre_offset_px.unsigned_abs()), "");
            (outcome, format!("{:+}{}", f.centre_offset_px, s::UNIT_PX))
        }),
    }
}

/// A rule on the face: not measured without exactly one face to measure.
fn face_rule(
    m: &Measurements,
    judge: impl Fn(&FaceGeometry) -> (Outcome, String),
) -> (Outcome, String) {
    match (m.face_count, &m.face) {
        (Some(1), Some(face)) => judge(face),
        (Some(0), _) => not_measured(strings::photo::NO_FACE),
        (Some(_), _) => not_measured(strings::photo::SEVERAL_FACES),
        (None, _) => pixels_missing(m),
    }
}

/// Euclidean distance between two RGB colours.
pub fn colour_distance(a: [u8; 3], b: [u8; 3]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) - f64::from(y)).powi(2))
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Measurements of a photo that meets the Guangzhou standard.
    fn good() -> Measurements {
        Measurements {
            file_bytes: 30_000,
            format: Ok(JpegProcess::Baseline),
            width_px: Some(480),
            height_px: Some(640),
            components: Some(3),
            bits_per_sample: Some(8),
            density: Density::Dpi { x: 300.0, y: 300.0 },
            quality: Some(80),
            background: Some(Background {
                mean_rgb: [250, 250, 250],
                spread: 1.0,
            }),
            face_count: Some(1),
            face: Some(FaceGeometry {
                left: 120,
                top: 140,
                width: 240,
                height: 240,
                face_width_px: 220,
                eye_line_px: 240,
                eye_line_estimated: true,
                centre_offset_px: 0,
            }),
            hair_top_px: Some(80),
            problem: None,
        }
    }

    fn outcome(m: &Measurements, check: Check) -> Outcome {
        let standards = Standards::builtin().expect("builtin");
        let v = verdict(m, standards.named("guangzhou").expect("guangzhou"));
        v.rules
            .iter()
            .find(|r| r.check == check)
            .map(|r| r.outcome)
            .expect("rule")
    }

    fn face(m: &mut Measurements) -> &mut FaceGeometry {
        m.face.as_mut().expect("face")
    }

    #[test]
    fn a_good_photo_passes_every_rule() {
        let standards = Standards::builtin().expect("builtin");
        let v = verdict(&good(), standards.named("guangzhou").expect("guangzhou"));
        assert_eq!(v.overall, Outcome::Passed, "{v:#?}");
        assert_eq!(v.rules.len(), 14);
    }

    #[test]
    fn file_size_at_its_limits() {
        for (bytes, expected) in [
            (20_479, Outcome::Failed),
            (20_480, Outcome::Passed),
            (40_960, Outcome::Passed),
            (40_961, Outcome::Failed),
        ] {
            let m = Measurements {
                file_bytes: bytes,
                ..good()
            };
            assert_eq!(outcome(&m, Check::FileBytes), expected, "{bytes}");
        }
    }

    /// Sets one measured value of a photo.
    type Setter = fn(&mut Measurements, i32);

    #[test]
    fn geometry_at_its_limits() {
        let cases: [(Check, Setter, i32, Outcome); 12] = [
            (
                Check::HairTopPx,
                |m, v| m.hair_top_px = Some(v as u32),
                49,
                Outcome::Failed,
            ),
            (
                Check::HairTopPx,
                |m, v| m.hair_top_px = Some(v as u32),
                50,
                Outcome::Passed,
            ),
            (
                Check::HairTopPx,
                |m, v| m.hair_top_px = Some(v as u32),
                110,
                Outcome::Passed,
            ),
            (
                Check::HairTopPx,
                |m, v| m.hair_top_px = Some(v as u32),
                111,
                Outcome::Failed,
            ),
            (
                Check::EyeLinePx,
                |m, v| face(m).eye_line_px = v,
                199,
                Outcome::Failed,
            ),
            (
                Check::EyeLinePx,
                |m, v| face(m).eye_line_px = v,
                300,
                Outcome::Passed,
            ),
            (
                Check::FaceWidthPx,
                |m, v| face(m).face_width_px = v as u32,
                179,
                Outcome::Failed,
            ),
            (
                Check::FaceWidthPx,
                |m, v| face(m).face_width_px = v as u32,
                180,
                Outcome::Passed,
            ),
            (
                Check::FaceWidthPx,
                |m, v| face(m).face_width_px = v as u32,
                301,
                Outcome::Failed,
            ),
            (
                Check::CentreOffsetPx,
                |m, v| face(m).centre_offset_px = v,
                -24,
                Outcome::Passed,
            ),
            (
                Check::CentreOffsetPx,
                |m, v| face(m).centre_offset_px = v,
                25,
                Outcome::Failed,
            ),
            (
                Check::Quality,
                |m, v| m.quality = Some(v as u8),
                59,
                Outcome::Failed,
            ),
        ];
        for (check, set, value, expected) in cases {
            let mut m = good();
            set(&mut m, value);
            assert_eq!(outcome(&m, check), expected, "{check:?} {value}");
        }
        let mut m = good();
        m.quality = Some(60);
        assert_eq!(outcome(&m, Check::Quality), Outcome::Passed);
    }

    #[test]
    fn background_colour_within_tolerance_of_a_reference() {
        let mut m = good();
        for (rgb, expected) in [
            ([240, 240, 240], Outcome::Passed),
            // Exactly 24 from light grey, then 25.
            ([240, 240, 216], Outcome::Passed),
            ([240, 240, 215], Outcome::Failed),
            ([100, 197, 255], Outcome::Failed),
        ] {
            m.background = Some(Background {
                mean_rgb: rgb,
                spread: 0.0,
            });
            assert_eq!(outcome(&m, Check::BackgroundColour), expected, "{rgb:?}");
        }
        m.background = Some(Background {
            mean_rgb: [255, 255, 255],
            spread: 13.0,
        });
        assert_eq!(outcome(&m, Check::BackgroundUniformity), Outcome::Failed);
    }

    #[test]
    fn density_missing_or_aspect_only_fails_and_says_so() {
        for density in [
            Density::Missing,
            Density::AspectOnly,
            Density::Dpi { x: 300.0, y: 72.0 },
        ] {
            let m = Measurements { density, ..good() };
            assert_eq!(
                outcome(&m, Check::DensityDpi),
                Outcome::Failed,
                "{density:?}"
            );
        }
    }

    #[test]
    fn unmeasured_is_never_passed() {
        let mut m = good();
        m.face_count = Some(0);
        m.face = None;
        m.hair_top_px = None;
        for check in [
            Check::EyeLinePx,
            Check::FaceWidthPx,
            Check::CentreOffsetPx,
            Check::HairTopPx,
        ] {
            assert_eq!(outcome(&m, check), Outcome::NotMeasured, "{check:?}");
        }
        assert_eq!(outcome(&m, Check::FaceCount), Outcome::Failed);

        let broken = Measurements {
            format: Err("截断".into()),
            background: None,
            face_count: None,
            face: None,
            hair_top_px: None,
            quality: None,
            ..good()
        };
        let standards = Standards::builtin().expect("builtin");
        let v = verdict(&broken, standards.named("guangzhou").expect("guangzhou"));
        assert_eq!(v.overall, Outcome::Failed);
        for rule in &v.rules {
            let pixels = [
                Check::Format,
                Check::WidthPx,
                Check::HeightPx,
                Check::DensityDpi,
            ];
            let header = pixels.contains(&rule.check)
                || matches!(rule.check, Check::ColourBits | Check::FileBytes);
            if !header {
                assert_eq!(rule.outcome, Outcome::NotMeasured, "{rule:?}");
            }
        }
        let open = Measurements {
            face_count: None,
            face: None,
            ..good()
        };
        let v = verdict(&open, standards.named("guangzhou").expect("guangzhou"));
        assert_eq!(v.overall, Outcome::NotMeasured);
    }

    #[test]
    fn sites_follow_their_city_unless_named() {
        let standards = Standards::builtin().expect("builtin");
        let name = |code: &str, city: Option<&str>| {
            standards.for_site(code, city).map(|s| s.name.as_str())
        };
        assert_eq!(name("0102", Some("广州市")), Some("guangzhou"));
        assert_eq!(name("0201", Some("韶关市")), Some("shaoguan"));
        assert_eq!(name("9901", None), Some("guangzhou"));
        assert_eq!(name("0301", Some("深圳市")), None);
        // Every site of data/districts.toml has a standard.
        let schedule = crate::domain::schedule::Schedule::builtin().expect("schedule");
        for code in ["0101", "0102", "0112", "0201"] {
            let city = schedule.site(code).map(|s| s.city.as_str());
            assert!(standards.for_site(code, city).is_some(), "{code}");
        }
    }

    #[test]
    fn bad_values_are_refused_naming_the_key() {
        let base = |rule: &str| {
            format!(
                "[[standard]]\nname = \"x\"\ntitle = \"t\"\n[[standard.rule]]\n{rule}\nsource = \"seed 002\"\n"
            )
        };
        for (rule, key) in [
            (
                "check = \"file_bytes\"\nmin = 40\nmax = 20",
                "standard[0].rule[0].max",
            ),
            ("check = \"file_bytes\"", "standard[0].rule[0].min"),
            (
                "check = \"file_bytes\"\nmin = -1",
                "standard[0].rule[0].min",
            ),
            (
                "check = \"file_bytes\"\nmin = \"big\"",
                "standard[0].rule[0].min",
            ),
            ("check = \"width\"", "standard[0].rule[0].check"),
            ("check = \"format\"\nmax = 3", "standard[0].rule[0].max"),
            (
                "check = \"background_colour\"\ntolerance = 10",
                "standard[0].rule[0].colours",
            ),
            (
                "check = \"background_colour\"\ncolours = [[1,2,3]]",
                "standard[0].rule[0].tolerance",
            ),
            (
                "check = \"quality\"\nmin = 60\nlimit = 3",
                "standard[0].rule[0].limit",
            ),
        ] {
            let err = Standards::parse(&base(rule)).expect_err(rule);
            assert_eq!(err.key, key, "{rule}: {err}");
            assert!(err.to_string().contains("data/photo_standards.toml"));
        }
        let unknown = "[[standard]]\nname = \"x\"\ntitle = \"t\"\nrule = []\n[[site]]\ncode = \"0101\"\nstandard = \"y\"\n";
        assert_eq!(
            Standards::parse(unknown).expect_err("site").key,
            "site[0].standard"
        );
    }
}
