//! Writes the page model as a PDF with printpdf: A4 pages, fonts subset-embedded, the photo
//! JPEG embedded byte-for-byte (DCTDecode, no re-encoding, as the photo standard asks) and the
//! QR drawn as filled rectangles.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use printpdf::{
    Color, CurTransMat, DictItem, ExternalStream, ExternalXObject, FontId, LinePoint, Mm, Op,
    PaintMode, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing,
    Pt, Rect, Rgb, TextItem, WindingOrder, XObjectId, XObjectTransform,
};

use super::fonts::{FaceIndex, FontError, Fonts};
use super::layout::{Item, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, Page};
use crate::strings;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error(transparent)]
    Font(#[from] FontError),
    #[error("{}", strings::PRINT_BAD_PHOTO)]
    BadPhoto,
}

/// Renders pages to PDF bytes. `title` goes into the document information: never personal data.
pub fn render(pages: &[Page], fonts: &Fonts, title: &str) -> Result<Vec<u8>, PdfError> {
    let mut doc = PdfDocument::new(title);
    let font_ids = embed_fonts(&mut doc, pages, fonts)?;
    let mut photos: Vec<(Arc<[u8]>, XObjectId)> = Vec::new();
    let mut pdf_pages = Vec::with_capacity(pages.len());
    for page in pages {
        let mut ops = Vec::with_capacity(page.items.len() * 4);
        let mut line_width = None;
        for item in &page.items {
            match item {
                Item::Text {
                    x,
                    baseline,
                    size,
                    runs,
                } => {
                    for run in runs {
                        let Some(font) = font_ids.get(&run.face) else {
                            continue;
                        };
                        text_ops(&mut ops, font, *size, (x + run.dx, *baseline), &run.text);
                    }
                }
                Item::Rect { x, y, w, h, line } => {
                    set_line_width(&mut ops, &mut line_width, *line);
                    ops.push(Op::DrawRectangle {
                        rectangle: Rect {
                            x: mm_pt(*x),
                            y: mm_pt(PAGE_HEIGHT_MM - y - h),
                            width: mm_pt(*w),
                            height: mm_pt(*h),
                            mode: Some(PaintMode::Stroke),
                            winding_order: None,
                        },
                    });
                }
                Item::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    line,
                } => {
                    set_line_width(&mut ops, &mut line_width, *line);
                    ops.push(Op::DrawLine {
                        line: printpdf::Line {
                            points: vec![point(*x1, *y1), point(*x2, *y2)],
                            is_closed: false,
                        },
                    });
                }
                Item::Photo { x, y, w, h, jpeg } => {
                    let id = match photos.iter().find(|(p, _)| Arc::ptr_eq(p, jpeg)) {
                        Some((_, id)) => id.clone(),
                        None => {
                            let id = doc.add_xobject(&jpeg_xobject(jpeg)?);
                            photos.push((jpeg.clone(), id.clone()));
                            id
                        }
                    };
                    photo_ops(&mut ops, id, (*x, *y, *w, *h));
                }
                Item::Qr { x, y, module, runs } => qr_ops(&mut ops, (*x, *y), *module, runs),
            }
        }
        pdf_pages.push(PdfPage::new(Mm(PAGE_WIDTH_MM), Mm(PAGE_HEIGHT_MM), ops));
    }
    doc.with_pages(pdf_pages);
    let mut warnings = Vec::new();
    Ok(doc.save(&PdfSaveOptions::default(), &mut warnings))
}

fn mm_pt(mm: f32) -> Pt {
    Mm(mm).into()
}

/// A point given from the top-left corner, as PDF's bottom-left coordinates.
fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point {
            x: mm_pt(x),
            y: mm_pt(PAGE_HEIGHT_MM - y),
        },
        bezier: false,
    }
}

/// Each face used gets a subset holding exactly the characters drawn with it.
fn embed_fonts(
    doc: &mut PdfDocument,
    pages: &[Page],
    fonts: &Fonts,
) -> Result<BTreeMap<FaceIndex, FontId>, FontError> {
    let mut used: BTreeMap<FaceIndex, BTreeSet<char>> = BTreeMap::new();
    for item in pages.iter().flat_map(|p| &p.items) {
        if let Item::Text { runs, .. } = item {
            for run in runs {
                used.entry(run.face).or_default().extend(run.text.chars());
            }
        }
    }
    let mut ids = BTreeMap::new();
    for (face, chars) in used {
        if let Some(f) = fonts.faces().get(face) {
            ids.insert(face, doc.add_font(&f.subset(&chars)?));
        }
    }
    Ok(ids)
}

fn text_ops(ops: &mut Vec<Op>, font: &FontId, size: f32, (x, baseline): (f32, f32), text: &str) {
    // One text object per run: BT resets the text position, so each run is placed absolutely.
    ops.extend([
        Op::StartTextSection,
        Op::SetFont {
            font: PdfFontHandle::External(font.clone()),
            size: Pt(size),
        },
        Op::SetTextCursor {
            pos: point(x, baseline).p,
        },
        Op::ShowText {
            items: vec![TextItem::Text(text.to_owned())],
        },
        Op::EndTextSection,
    ]);
}

fn set_line_width(ops: &mut Vec<Op>, current: &mut Option<f32>, width: f32) {
    if *current != Some(width) {
        ops.push(Op::SetOutlineThickness { pt: mm_pt(width) });
        *current = Some(width);
    }
}

fn photo_ops(ops: &mut Vec<Op>, id: XObjectId, (x, y, w, h): (f32, f32, f32, f32)) {
    // An image is drawn into the unit square; this matrix maps that square onto the photo box.
    let matrix = [
        mm_pt(w).0,
        0.0,
        0.0,
        mm_pt(h).0,
        mm_pt(x).0,
        mm_pt(PAGE_HEIGHT_MM - y - h).0,
    ];
    ops.extend([
        Op::SaveGraphicsState,
        Op::SetTransformationMatrix {
            matrix: CurTransMat::Raw(matrix),
        },
        Op::UseXobject {
            id,
            transform: XObjectTransform {
                no_auto_scale: true,
                ..XObjectTransform::default()
            },
        },
        Op::RestoreGraphicsState,
    ]);
}

fn qr_ops(ops: &mut Vec<Op>, (x, y): (f32, f32), module: f32, runs: &[(u16, u16, u16)]) {
    let rings = runs
        .iter()
        .map(|&(row, col, len)| {
            let left = x + f32::from(col) * module;
            let right = left + f32::from(len) * module;
            let top = y + f32::from(row) * module;
            let bottom = top + module;
            PolygonRing {
                points: vec![
                    point(left, top),
                    point(right, top),
                    point(right, bottom),
                    point(left, bottom),
                ],
            }
        })
        .collect();
    ops.extend([
        Op::SaveGraphicsState,
        Op::SetFillColor {
            col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)),
        },
        Op::DrawPolygon {
            polygon: Polygon {
                rings,
                mode: PaintMode::Fill,
                winding_order: WindingOrder::NonZero,
            },
        },
        Op::RestoreGraphicsState,
    ]);
}

/// The JPEG as an image XObject whose stream is the file itself, filter DCTDecode.
fn jpeg_xobject(jpeg: &[u8]) -> Result<ExternalXObject, PdfError> {
    let info = jpeg_info(jpeg).ok_or(PdfError::BadPhoto)?;
    let color_space = match info.components {
        1 => "DeviceGray",
        3 => "DeviceRGB",
        4 => "DeviceCMYK",
        _ => return Err(PdfError::BadPhoto),
    };
    let name = |s: &str| DictItem::Name(s.as_bytes().to_vec());
    let dict = BTreeMap::from([
        ("Type".to_owned(), name("XObject")),
        ("Subtype".to_owned(), name("Image")),
        ("Width".to_owned(), DictItem::Int(i64::from(info.width))),
        ("Height".to_owned(), DictItem::Int(i64::from(info.height))),
        ("ColorSpace".to_owned(), name(color_space)),
        (
            "BitsPerComponent".to_owned(),
            DictItem::Int(i64::from(info.precision)),
        ),
        ("Filter".to_owned(), name("DCTDecode")),
    ]);
    Ok(ExternalXObject {
        stream: ExternalStream {
            dict,
            content: jpeg.to_vec(),
            compress: false,
        },
        width: None,
        height: None,
        dpi: None,
    })
}

#[derive(Debug, PartialEq)]
struct JpegInfo {
    width: u16,
    height: u16,
    components: u8,
    precision: u8,
}

/// Reads the frame header (SOFn) of a JPEG without decoding it.
fn jpeg_info(jpeg: &[u8]) -> Option<JpegInfo> {
    if jpeg.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut at = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while *jpeg.get(at)? == 0xFF && *jpeg.get(at + 1)? == 0xFF {
            at += 1;
        }
        if *jpeg.get(at)? != 0xFF {
            return None;
        }
        let marker = *jpeg.get(at + 1)?;
        let len = usize::from(u16::from_be_bytes([*jpeg.get(at + 2)?, *jpeg.get(at + 3)?]));
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            let seg = jpeg.get(at + 4..at + 2 + len)?;
            return Some(JpegInfo {
                precision: *seg.first()?,
                height: u16::from_be_bytes([*seg.get(1)?, *seg.get(2)?]),
                width: u16::from_be_bytes([*seg.get(3)?, *seg.get(4)?]),
                components: *seg.get(5)?,
            });
        }
        if len < 2 {
            return None;
        }
        at += 2 + len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_frame_header_is_read_and_garbage_is_refused() {
        let photo = crate::demo::photo::demo_photo(7).expect("demo photo");
        let info = jpeg_info(&photo).expect("demo photo is a JPEG");
        assert_eq!((info.width, info.height, info.components), (480, 640, 3));
        assert_eq!(jpeg_info(b"not a jpeg"), None);
        assert_eq!(jpeg_info(&photo[..20]), None);
        assert!(jpeg_xobject(b"\xFF\xD8\xFF").is_err());
    }
}
