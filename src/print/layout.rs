//! Form definitions (forms/*.toml) and the page model they lay out to.
//!
//! Pure: a form definition plus a candidate's data gives pages of positioned text runs, boxes,
//! lines, the photo and the QR modules, in millimetres from the top-left corner of an A4 page.
//! A new form is a new TOML file: nothing here knows what a registration form looks like.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::fonts::{FaceIndex, FontError, Fonts};
use crate::strings;

pub const PAGE_WIDTH_MM: f32 = 210.0;
pub const PAGE_HEIGHT_MM: f32 = 297.0;
const PT_PER_MM: f32 = 72.0 / 25.4;
/// A text that does not fit its box is drawn smaller, but never below this share of its size;
/// beyond that it is an error rather than unreadable or cut off.
const MIN_SHRINK: f32 = 0.6;
/// Room left between a box's edge and text aligned to it.
const PADDING_MM: f32 = 1.5;

/// A problem with a form definition: names the form and the key.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("{}", strings::print_form_invalid(form, detail))]
    Invalid { form: String, detail: String },
}

/// A problem laying out one candidate's data on a form.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error("{}", strings::print_unknown_key(key))]
    UnknownKey { key: String },
    #[error("{}", strings::print_table_overflow(table, *rows, *have))]
    TableOverflow {
        table: String,
        rows: usize,
        have: usize,
    },
    #[error("{}", strings::print_text_too_long(field))]
    TooLong { field: String },
    #[error("{}", strings::PRINT_NO_PHOTO)]
    NoPhoto,
    #[error("{}", strings::print_qr_too_long(field))]
    QrTooLong { field: String },
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    Left,
    #[default]
    Center,
    Right,
}

fn default_size() -> f32 {
    10.5
}
fn default_line() -> f32 {
    0.3
}

/// A whole form: what `forms/NAME.toml` holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDef {
    /// Short English name, used in job names (never personal data).
    pub name: String,
    /// Printed on both sides of the sheet.
    pub duplex: bool,
    /// Where the layout comes from (seed sections).
    pub source: String,
    pub pages: Vec<PageDef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageDef {
    #[serde(default)]
    pub texts: Vec<TextDef>,
    #[serde(default)]
    pub rows: Vec<RowDef>,
    #[serde(default)]
    pub boxes: Vec<BoxDef>,
    #[serde(default)]
    pub lines: Vec<LineDef>,
    #[serde(default)]
    pub tables: Vec<TableDef>,
    #[serde(default)]
    pub photos: Vec<PhotoDef>,
    #[serde(default)]
    pub qrs: Vec<QrDef>,
}

/// Free text; `{key}` is replaced by the data's value for `key`. With `w`, the text is aligned
/// within `x..x+w` and shrunk to fit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextDef {
    pub x: f32,
    /// Baseline, from the top of the page.
    pub y: f32,
    #[serde(default)]
    pub w: Option<f32>,
    pub text: String,
    #[serde(default = "default_size")]
    pub size: f32,
    #[serde(default = "Align::left")]
    pub align: Align,
}

impl Align {
    fn left() -> Self {
        Align::Left
    }
}

/// A row of boxed cells, left to right from `x`: the grids of personal data.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowDef {
    pub x: f32,
    pub y: f32,
    pub h: f32,
    #[serde(default = "default_size")]
    pub size: f32,
    pub cells: Vec<CellDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellDef {
    pub w: f32,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub align: Align,
}

/// A frame, with an optional title in its top-left corner.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoxDef {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default = "default_size")]
    pub size: f32,
    #[serde(default = "default_line")]
    pub line: f32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineDef {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
    #[serde(default = "default_line")]
    pub line: f32,
}

/// A table bound to a list of the data (`bind`), with a fixed number of rows: the rows are
/// drawn even when empty (a form has a fixed shape), and more entries than rows is an error.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    pub x: f32,
    pub y: f32,
    pub bind: String,
    pub rows: usize,
    pub header_h: f32,
    pub row_h: f32,
    #[serde(default = "default_size")]
    pub size: f32,
    pub columns: Vec<ColumnDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    pub title: String,
    pub w: f32,
    pub key: String,
    #[serde(default)]
    pub align: Align,
}

/// The candidate's photo, at the photo standard's 3:4 ratio (checked when the form loads).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoDef {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

/// A QR code of the text (with `{key}` replaced), `size` millimetres square including the quiet
/// zone of four modules the QR standard asks for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrDef {
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub text: String,
}

impl FormDef {
    /// Reads and checks a form definition; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, FormError> {
        let invalid = |detail: String| FormError::Invalid {
            form: origin.to_owned(),
            detail,
        };
        let form: FormDef = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        form.check().map_err(invalid)?;
        Ok(form)
    }

    /// The forms shipped in forms/.
    pub fn builtin(name: &str) -> Result<Self, FormError> {
        let text = match name {
            "registration-form" => include_str!("../../forms/registration-form.toml"),
            "receipt" => include_str!("../../forms/receipt.toml"),
            _ => {
                return Err(FormError::Invalid {
                    form: name.to_owned(),
                    detail: strings::PRINT_NO_SUCH_FORM.to_owned(),
                });
            }
        };
        Self::from_toml(text, &format!("forms/{name}.toml"))
    }

    /// Shape checks serde cannot make: everything on the page, photo at 3:4, tables with columns.
    fn check(&self) -> Result<(), String> {
        if self.pages.is_empty() {
            return Err("pages: 至少要有一页".to_owned());
        }
        for (p, page) in self.pages.iter().enumerate() {
            let at = |kind: &str, i: usize| format!("pages[{p}].{kind}[{i}]");
            let mut rects: Vec<(String, f32, f32, f32, f32)> = Vec::new();
            for (i, b) in page.boxes.iter().enumerate() {
                rects.push((at("boxes", i), b.x, b.y, b.w, b.h));
            }
            for (i, r) in page.rows.iter().enumerate() {
                rects.push((
                    at("rows", i),
                    r.x,
                    r.y,
                    r.cells.iter().map(|c| c.w).sum(),
                    r.h,
                ));
            }
            for (i, t) in page.tables.iter().enumerate() {
                if t.columns.is_empty() {
                    return Err(format!("{}.columns: 表格至少要有一列", at("tables", i)));
                }
                let w = t.columns.iter().map(|c| c.w).sum();
                let h = t.header_h + t.row_h * t.rows as f32;
                rects.push((at("tables", i), t.x, t.y, w, h));
            }
            for (i, ph) in page.photos.iter().enumerate() {
                if (ph.w / ph.h - 0.75).abs() > 0.005 {
                    return Err(format!("{}: 照片框应为宽:高 = 3:4", at("photos", i)));
                }
                rects.push((at("photos", i), ph.x, ph.y, ph.w, ph.h));
            }
            for (i, q) in page.qrs.iter().enumerate() {
                rects.push((at("qrs", i), q.x, q.y, q.size, q.size));
            }
            for (name, x, y, w, h) in rects {
                let on_page = x >= 0.0
                    && y >= 0.0
                    && w > 0.0
                    && h > 0.0
                    && x + w <= PAGE_WIDTH_MM
                    && y + h <= PAGE_HEIGHT_MM;
                if !on_page {
                    return Err(format!("{name}: 超出 A4 纸面（210×297 毫米）或尺寸不为正"));
                }
            }
        }
        Ok(())
    }
}

/// What a form is filled with: single values, lists for tables, and the photo.
#[derive(Debug, Clone, Default)]
pub struct FormData {
    pub fields: BTreeMap<String, String>,
    pub lists: BTreeMap<String, Vec<BTreeMap<String, String>>>,
    pub photo: Option<Arc<[u8]>>,
}

/// One page of the page model, in millimetres from the top-left corner.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text in runs of one face each; `x` and `baseline` place the first run, `size` in points.
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        runs: Vec<Run>,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        line: f32,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        line: f32,
    },
    Photo {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        jpeg: Arc<[u8]>,
    },
    /// Dark modules as horizontal runs `(row, first column, length)`, `module` mm each.
    Qr {
        x: f32,
        y: f32,
        module: f32,
        runs: Vec<(u16, u16, u16)>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub face: FaceIndex,
    /// Offset from the item's `x`, in millimetres.
    pub dx: f32,
    pub text: String,
}

/// Lays out one copy of `form` filled with `data`.
pub fn layout(form: &FormDef, data: &FormData, fonts: &Fonts) -> Result<Vec<Page>, LayoutError> {
    form.pages
        .iter()
        .map(|page| {
            let mut out = Page::default();
            let mut ctx = Ctx {
                data,
                fonts,
                items: &mut out.items,
            };
            ctx.page(page)?;
            Ok(out)
        })
        .collect()
}

struct Ctx<'a> {
    data: &'a FormData,
    fonts: &'a Fonts,
    items: &'a mut Vec<Item>,
}

/// Where a text goes: a box to align it in, or a point to start it at.
struct Slot {
    x: f32,
    baseline: f32,
    w: Option<f32>,
    align: Align,
}

impl Ctx<'_> {
    fn page(&mut self, page: &PageDef) -> Result<(), LayoutError> {
        for b in &page.boxes {
            self.rect(b.x, b.y, b.w, b.h, b.line);
            if let Some(title) = &b.title {
                let slot = Slot {
                    x: b.x + PADDING_MM,
                    baseline: b.y + PADDING_MM + b.size / PT_PER_MM,
                    w: None,
                    align: Align::Left,
                };
                self.text(&self.fill(title)?, "title", b.size, slot)?;
            }
        }
        for l in &page.lines {
            self.items.push(Item::Line {
                x1: l.x1,
                y1: l.y1,
                x2: l.x2,
                y2: l.y2,
                line: l.line,
            });
        }
        for t in &page.texts {
            let slot = Slot {
                x: t.x,
                baseline: t.y,
                w: t.w,
                align: t.align,
            };
            self.text(&self.fill(&t.text)?, &t.text, t.size, slot)?;
        }
        for row in &page.rows {
            self.row(row)?;
        }
        for table in &page.tables {
            self.table(table)?;
        }
        for ph in &page.photos {
            let jpeg = self.data.photo.clone().ok_or(LayoutError::NoPhoto)?;
            self.items.push(Item::Photo {
                x: ph.x,
                y: ph.y,
                w: ph.w,
                h: ph.h,
                jpeg,
            });
        }
        for q in &page.qrs {
            self.qr(q)?;
        }
        Ok(())
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, line: f32) {
        self.items.push(Item::Rect { x, y, w, h, line });
    }

    /// Replaces each `{key}` by the data's value; a key the data lacks is an error (a typo in a
    /// form must not print a blank).
    fn fill(&self, template: &str) -> Result<String, LayoutError> {
        fill_template(template, &self.data.fields)
    }

    fn row(&mut self, row: &RowDef) -> Result<(), LayoutError> {
        let mut x = row.x;
        for cell in &row.cells {
            self.rect(x, row.y, cell.w, row.h, default_line());
            let text = self.fill(&cell.text)?;
            self.cell_text(
                &text,
                &cell.text,
                row.size,
                (x, row.y, cell.w, row.h),
                cell.align,
            )?;
            x += cell.w;
        }
        Ok(())
    }

    fn table(&mut self, table: &TableDef) -> Result<(), LayoutError> {
        let empty = Vec::new();
        let entries = self.data.lists.get(&table.bind).unwrap_or(&empty);
        if entries.len() > table.rows {
            return Err(LayoutError::TableOverflow {
                table: table.bind.clone(),
                rows: table.rows,
                have: entries.len(),
            });
        }
        let mut x = table.x;
        for col in &table.columns {
            let cell = (x, table.y, col.w, table.header_h);
            self.rect(cell.0, cell.1, cell.2, cell.3, default_line());
            self.cell_text(&col.title, &col.title, table.size, cell, Align::Center)?;
            x += col.w;
        }
        for r in 0..table.rows {
            let y = table.y + table.header_h + table.row_h * r as f32;
            let mut x = table.x;
            for col in &table.columns {
                let cell = (x, y, col.w, table.row_h);
                self.rect(cell.0, cell.1, cell.2, cell.3, default_line());
                if let Some(entry) = entries.get(r) {
                    let value = entry.get(&col.key).ok_or_else(|| LayoutError::UnknownKey {
                        key: format!("{}.{}", table.bind, col.key),
                    })?;
                    let field = format!("{}[{}].{}", table.bind, r + 1, col.key);
                    self.cell_text(value, &field, table.size, cell, col.align)?;
                }
                x += col.w;
            }
        }
        Ok(())
    }

    /// Text inside a box, vertically centred.
    fn cell_text(
        &mut self,
        text: &str,
        field: &str,
        size: f32,
        (x, y, w, h): (f32, f32, f32, f32),
        align: Align,
    ) -> Result<(), LayoutError> {
        let slot = Slot {
            x: x + PADDING_MM,
            // CJK glyphs sit about 0.36 em below the middle of their em box.
            baseline: y + h / 2.0 + 0.36 * size / PT_PER_MM,
            w: Some(w - 2.0 * PADDING_MM),
            align,
        };
        self.text(text, field, size, slot)
    }

    fn text(&mut self, text: &str, field: &str, size: f32, slot: Slot) -> Result<(), LayoutError> {
        if text.is_empty() {
            return Ok(());
        }
        let runs = self.fonts.runs(text, field)?;
        let width_pt = |size: f32| -> f32 {
            runs.iter()
                .map(|(f, t)| self.fonts.run_width_pt(*f, t, size))
                .sum()
        };
        let mut size = size;
        if let Some(w) = slot.w {
            let natural = width_pt(size) / PT_PER_MM;
            if natural > w {
                let scale = w / natural;
                if scale < MIN_SHRINK {
                    return Err(LayoutError::TooLong {
                        field: field.to_owned(),
                    });
                }
                size *= scale;
            }
        }
        let width = width_pt(size) / PT_PER_MM;
        let x = match (slot.align, slot.w) {
            (Align::Center, Some(w)) => slot.x + (w - width) / 2.0,
            (Align::Right, Some(w)) => slot.x + w - width,
            _ => slot.x,
        };
        let mut dx = 0.0;
        let mut placed = Vec::with_capacity(runs.len());
        for (face, text) in runs {
            let run_w = self.fonts.run_width_pt(face, &text, size) / PT_PER_MM;
            placed.push(Run { face, dx, text });
            dx += run_w;
        }
        self.items.push(Item::Text {
            x,
            baseline: slot.baseline,
            size,
            runs: placed,
        });
        Ok(())
    }

    fn qr(&mut self, q: &QrDef) -> Result<(), LayoutError> {
        let text = self.fill(&q.text)?;
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .map_err(|_| LayoutError::QrTooLong {
                field: q.text.clone(),
            })?;
        let width = code.width();
        let colors = code.to_colors();
        let module = q.size / (width + 8) as f32;
        self.items.push(Item::Qr {
            x: q.x + 4.0 * module,
            y: q.y + 4.0 * module,
            module,
            runs: dark_runs(&colors, width),
        });
        Ok(())
    }
}

/// Replaces each `{key}` in `template` by `fields[key]`.
pub fn fill_template(
    template: &str,
    fields: &BTreeMap<String, String>,
) -> Result<String, LayoutError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after.find('}').ok_or_else(|| LayoutError::UnknownKey {
            key: rest[start..].to_owned(),
        })?;
        let key = &after[..end];
        let value = fields.get(key).ok_or_else(|| LayoutError::UnknownKey {
            key: key.to_owned(),
        })?;
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Dark modules merged into horizontal runs, so a QR is a few hundred rectangles, not thousands.
fn dark_runs(colors: &[qrcode::Color], width: usize) -> Vec<(u16, u16, u16)> {
    let mut runs = Vec::new();
    for (row, line) in colors.chunks(width).enumerate() {
        let mut col = 0;
        while col < line.len() {
            if line[col] == qrcode::Color::Dark {
                let start = col;
                while col < line.len() && line[col] == qrcode::Color::Dark {
                    col += 1;
                }
                // A QR is at most 177 modules wide, so these fit in u16.
                runs.push((row as u16, start as u16, (col - start) as u16));
            } else {
                col += 1;
            }
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn templates_fill_known_keys_and_refuse_unknown_ones() {
        let f = fields(&[("name", "演示甲")]);
        assert_eq!(
            fill_template("姓名：{name}", &f).ok(),
            Some("姓名：演示甲".to_owned())
        );
        assert!(matches!(
            fill_template("{nmae}", &f),
            Err(LayoutError::UnknownKey { key }) if key == "nmae"
        ));
        assert!(fill_template("{name", &f).is_err());
    }

    #[test]
    fn a_photo_box_that_is_not_three_by_four_is_refused() {
        let text = r#"
            name = "x"
            duplex = false
            source = "test"
            [[pages]]
            [[pages.photos]]
            x = 10.0
            y = 10.0
            w = 30.0
            h = 30.0
        "#;
        let err = FormDef::from_toml(text, "x.toml").unwrap_err().to_string();
        assert!(
            err.contains("pages[0].photos[0]") && err.contains("3:4"),
            "{err}"
        );
    }

    #[test]
    fn a_box_off_the_page_and_an_unknown_key_are_refused() {
        let off = "name = \"x\"\nduplex = false\nsource = \"t\"\n[[pages]]\n[[pages.boxes]]\nx = 200.0\ny = 0.0\nw = 20.0\nh = 5.0\n";
        let err = FormDef::from_toml(off, "x.toml").unwrap_err().to_string();
        assert!(err.contains("pages[0].boxes[0]"), "{err}");
        let typo = "name = \"x\"\nduplex = false\nsource = \"t\"\ncolour = 1\n[[pages]]\n";
        let err = FormDef::from_toml(typo, "x.toml").unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn a_table_with_more_entries_than_rows_is_an_error_not_a_cut() {
        let text = "name = \"x\"\nduplex = false\nsource = \"t\"\n[[pages]]\n[[pages.tables]]\nx = 10.0\ny = 10.0\nbind = \"courses\"\nrows = 1\nheader_h = 6.0\nrow_h = 5.0\ncolumns = [{ title = \"课程\", w = 40.0, key = \"name\" }]\n";
        let form = FormDef::from_toml(text, "x.toml").expect("form");
        let mut data = FormData::default();
        let row = fields(&[("name", "英语")]);
        data.lists.insert("courses".into(), vec![row.clone(), row]);
        let err = layout(&form, &data, &Fonts::shipped()).unwrap_err();
        assert!(matches!(
            err,
            LayoutError::TableOverflow {
                rows: 1,
                have: 2,
                ..
            }
        ));
    }

    #[test]
    fn long_text_shrinks_to_its_box_and_too_long_text_is_an_error() {
        let text = "name = \"x\"\nduplex = false\nsource = \"t\"\n[[pages]]\n[[pages.rows]]\nx = 10.0\ny = 10.0\nh = 8.0\ncells = [{ w = 30.0, text = \"{v}\" }]\n";
        let form = FormDef::from_toml(text, "x.toml").expect("form");
        let mut data = FormData::default();
        data.fields
            .insert("v".into(), "一二三四五六七八九十".into());
        let pages = layout(&form, &data, &Fonts::shipped()).expect("fits when shrunk");
        let size = pages[0].items.iter().find_map(|i| match i {
            Item::Text { size, .. } => Some(*size),
            _ => None,
        });
        assert!(
            size.is_some_and(|s| (10.5 * MIN_SHRINK..10.5).contains(&s)),
            "{size:?}"
        );
        data.fields
            .insert("v".into(), "一二三四五六七八九十".repeat(2));
        assert!(matches!(
            layout(&form, &data, &Fonts::shipped()),
            Err(LayoutError::TooLong { .. })
        ));
    }
}
