//! The fonts a printed page may use: the CJK font shipped in data/fonts (Noto Sans CJK SC,
//! SIL OFL) and, optionally, a system font configured as a fallback for rarer characters.
//!
//! Every character is looked up before anything is drawn: a character that no font has is an
//! error naming it, because a silently missing glyph on a state document is the worst outcome.
//! Each document embeds only the glyphs it uses (a subset made here with allsorts).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Arc, OnceLock};

use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use allsorts::tables::cmap::Cmap;
use allsorts::tables::{FontTableProvider, HeadTable, HheaTable, HmtxTable, MaxpTable};
use allsorts::tag;
use sha2::{Digest, Sha256};

use crate::strings;

/// The shipped font: Noto Sans CJK SC Regular, reduced to the glyphs its Chinese cmap reaches
/// (see data/fonts/OFL.txt).
static SHIPPED_FONT: &[u8] = include_bytes!("../../data/fonts/NotoSansCJKsc-Regular.otf");
/// PostScript name of the shipped font, as the PDF names it.
const SHIPPED_NAME: &str = "NotoSansCJKsc-Regular";

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("{}", strings::print_font_unreadable(path))]
    Unreadable { path: String },
    #[error("{}", strings::print_missing_glyph(*ch, field))]
    MissingGlyph { ch: char, field: String },
    #[error("{}", strings::print_font_subset(detail))]
    Subset { detail: String },
}

/// One font face: the bytes, which glyph draws each character, and how wide each glyph is.
#[derive(Debug)]
pub struct Face {
    name: String,
    bytes: Arc<[u8]>,
    glyphs: HashMap<u32, u16>,
    advances: Vec<u16>,
    units_per_em: f32,
}

impl Face {
    /// Reads the cmap and advance widths of face 0 of an OpenType/TrueType file or collection.
    pub fn parse(name: &str, bytes: Arc<[u8]>) -> Option<Self> {
        let scope = ReadScope::new(&bytes);
        let data = scope.read::<FontData<'_>>().ok()?;
        let provider = data.table_provider(0).ok()?;
        let head = read_table::<HeadTable>(&provider, tag::HEAD)?;
        let maxp = read_table::<MaxpTable>(&provider, tag::MAXP)?;
        let hhea = read_table::<HheaTable>(&provider, tag::HHEA)?;
        let cmap_data = provider.read_table_data(tag::CMAP).ok()?;
        let cmap = ReadScope::new(&cmap_data).read::<Cmap<'_>>().ok()?;
        let (_, subtable) = allsorts::font::read_cmap_subtable(&cmap).ok()??;
        let mut glyphs = HashMap::new();
        subtable
            .mappings_fn(|cp, gid| {
                glyphs.insert(cp, gid);
            })
            .ok()?;
        let hmtx_data = provider.read_table_data(tag::HMTX).ok()?;
        let hmtx = ReadScope::new(&hmtx_data)
            .read_dep::<HmtxTable<'_>>((
                usize::from(maxp.num_glyphs),
                usize::from(hhea.num_h_metrics),
            ))
            .ok()?;
        let advances = (0..maxp.num_glyphs)
            .map(|gid| hmtx.horizontal_advance(gid).unwrap_or(0))
            .collect();
        drop(provider);
        Some(Face {
            name: name.to_owned(),
            glyphs,
            advances,
            units_per_em: f32::from(head.units_per_em.max(1)),
            bytes: bytes.clone(),
        })
    }

    pub fn has(&self, ch: char) -> bool {
        self.glyphs.get(&u32::from(ch)).is_some_and(|gid| *gid != 0)
    }

    /// Advance width of `ch` in ems (0 for a character the face lacks).
    pub fn advance_em(&self, ch: char) -> f32 {
        let gid = self.glyphs.get(&u32::from(ch)).copied().unwrap_or(0);
        let units = self.advances.get(usize::from(gid)).copied().unwrap_or(0);
        f32::from(units) / self.units_per_em
    }

    /// A standalone font holding only the glyphs of `chars` (plus .notdef), ready to embed,
    /// named with the PDF subset tag so readers (and `pdffonts`) see it is a subset.
    pub fn subset(&self, chars: &BTreeSet<char>) -> Result<printpdf::ParsedFont, FontError> {
        let subset_error = |detail: String| FontError::Subset { detail };
        let mut ids: Vec<u16> = chars
            .iter()
            .filter_map(|ch| self.glyphs.get(&u32::from(*ch)).copied())
            .filter(|gid| *gid != 0)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.insert(0, 0);
        let scope = ReadScope::new(&self.bytes);
        let data = scope
            .read::<FontData<'_>>()
            .map_err(|e| subset_error(e.to_string()))?;
        let provider = data
            .table_provider(0)
            .map_err(|e| subset_error(e.to_string()))?;
        let bytes = subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
            .map_err(|e| subset_error(e.to_string()))?;
        let mut warnings = Vec::new();
        let mut font = printpdf::ParsedFont::from_bytes(&bytes, 0, &mut warnings)
            .ok_or_else(|| subset_error(format!("{warnings:?}")))?;
        font.font_name = Some(format!("{}+{}", subset_tag(&ids), self.name));
        Ok(font)
    }
}

fn read_table<T>(provider: &impl FontTableProvider, table: u32) -> Option<T>
where
    T: for<'a> allsorts::binary::read::ReadBinary<HostType<'a> = T>,
{
    let data = provider.read_table_data(table).ok()?;
    ReadScope::new(&data).read::<T>().ok()
}

/// The six capital letters PDF puts before a subset font's name (ISO 32000-1 9.6.4), derived
/// from the glyphs kept so the same subset always gets the same tag.
fn subset_tag(ids: &[u16]) -> String {
    let mut hash = Sha256::new();
    for id in ids {
        hash.update(id.to_be_bytes());
    }
    hash.finalize()
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

/// The faces a document draws with, in order of preference.
#[derive(Debug, Clone)]
pub struct Fonts {
    faces: Vec<Arc<Face>>,
}

/// Which face draws a run of text.
pub type FaceIndex = usize;

impl Fonts {
    /// The shipped font alone.
    pub fn shipped() -> Self {
        Fonts {
            faces: vec![shipped_face()],
        }
    }

    /// The shipped font, then the configured fallback (a TrueType/OpenType file).
    pub fn with_fallback(path: &Path) -> Result<Self, FontError> {
        let unreadable = || FontError::Unreadable {
            path: path.display().to_string(),
        };
        let bytes: Arc<[u8]> = std::fs::read(path).map_err(|_| unreadable())?.into();
        let name = path
            .file_stem()
            .map(|s| {
                s.to_string_lossy()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "")
            })
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Fallback".to_owned());
        let face = Face::parse(&name, bytes).ok_or_else(unreadable)?;
        let mut fonts = Fonts::shipped();
        fonts.faces.push(Arc::new(face));
        Ok(fonts)
    }

    pub fn faces(&self) -> &[Arc<Face>] {
        &self.faces
    }

    /// Splits `text` into runs, each drawn by the first face that has its characters; a
    /// character no face has is an error naming it and the field it belongs to. Spaces and
    /// other whitespace go with the run they are in.
    pub fn runs(&self, text: &str, field: &str) -> Result<Vec<(FaceIndex, String)>, FontError> {
        let mut runs: Vec<(FaceIndex, String)> = Vec::new();
        for ch in text.chars() {
            let face = match self.faces.iter().position(|f| f.has(ch)) {
                Some(i) => i,
                None if ch.is_whitespace() => runs.last().map_or(0, |r| r.0),
                None => {
                    return Err(FontError::MissingGlyph {
                        ch,
                        field: field.to_owned(),
                    });
                }
            };
            match runs.last_mut() {
                Some((f, run)) if *f == face => run.push(ch),
                _ => runs.push((face, ch.to_string())),
            }
        }
        Ok(runs)
    }

    /// Width of a run in points at `size` points.
    pub fn run_width_pt(&self, face: FaceIndex, text: &str, size: f32) -> f32 {
        self.faces.get(face).map_or(0.0, |f| {
            text.chars().map(|c| f.advance_em(c)).sum::<f32>() * size
        })
    }
}

/// The shipped face is parsed once per process (a few milliseconds for 44,810 characters).
fn shipped_face() -> Arc<Face> {
    static FACE: OnceLock<Arc<Face>> = OnceLock::new();
    FACE.get_or_init(|| {
        // The file is compiled in and checked by the tests, so it always parses; an empty face
        // (every character reported missing) is the safe outcome if it ever did not.
        Arc::new(
            Face::parse(SHIPPED_NAME, Arc::from(SHIPPED_FONT)).unwrap_or_else(|| Face {
                name: SHIPPED_NAME.to_owned(),
                bytes: Arc::from(SHIPPED_FONT),
                glyphs: HashMap::new(),
                advances: Vec::new(),
                units_per_em: 1000.0,
            }),
        )
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_font_has_all_of_gb2312_hanzi_and_the_rare_name_characters() {
        let fonts = Fonts::shipped();
        let face = &fonts.faces()[0];
        let mut checked = 0;
        // GB 2312 rows 16–87 are the 6,763 hanzi; decode each two-byte code through GB 18030.
        for row in 0xB0u8..=0xF7 {
            for cell in 0xA1u8..=0xFE {
                let bytes = [row, cell];
                let (text, _, bad) = encoding_rs::GB18030.decode(&bytes);
                let ch = text.chars().next().filter(|_| !bad);
                // Codes GB 2312 leaves empty decode to private-use characters: not hanzi.
                let private_use = |c: &char| ('\u{E000}'..='\u{F8FF}').contains(c);
                if let Some(ch) = ch.filter(|c| !c.is_ascii() && !private_use(c)) {
                    assert!(face.has(ch), "{ch} U+{:04X}", u32::from(ch));
                    checked += 1;
                }
            }
        }
        assert!(checked >= 6763, "{checked}");
        for ch in "喆堃淼焱垚".chars() {
            assert!(face.has(ch));
        }
    }

    #[test]
    fn a_character_no_font_has_is_named_with_its_field() {
        let err = Fonts::shipped().runs("演示\u{E000}", "name").unwrap_err();
        match err {
            FontError::MissingGlyph { ch, field } => {
                assert_eq!((ch, field.as_str()), ('\u{E000}', "name"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn subset_keeps_only_the_glyphs_used_and_is_tagged() {
        let face = shipped_face();
        let chars: BTreeSet<char> = "毕业生登记表".chars().collect();
        let font = face.subset(&chars).expect("subset");
        // Every character drawn maps to a glyph of the subset; other code points may share those
        // glyphs (radical and compatibility forms), but no glyph beyond them is kept.
        for ch in &chars {
            assert!(
                font.codepoint_to_glyph.contains_key(&u32::from(*ch)),
                "{ch}"
            );
        }
        let glyphs: BTreeSet<u16> = font
            .codepoint_to_glyph
            .values()
            .copied()
            .filter(|gid| *gid != 0)
            .collect();
        assert_eq!(glyphs.len(), chars.len());
        let name = font.font_name.unwrap_or_default();
        assert!(name.ends_with("+NotoSansCJKsc-Regular"), "{name}");
        assert!(name[..6].chars().all(|c| c.is_ascii_uppercase()));
        assert!(
            font.original_bytes.len() < 60_000,
            "{}",
            font.original_bytes.len()
        );
    }
}
