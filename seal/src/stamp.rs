//! [`stamp`]: puts a department's seal on a PDF as an incremental update of the original
//! bytes (which stay untouched, so earlier signatures stay valid): a signature field merged
//! with its widget on the chosen page showing the seal, and a signature dictionary
//! (`/Adobe.PPKLite`, `/adbe.pkcs7.detached`) whose `/ByteRange` covers the whole new file
//! except its `/Contents`, a detached CMS made by the seal key.
//!
//! The document is read with lopdf (classic and stream cross-reference tables, object
//! streams); the update is written here with a classic cross-reference section whose
//! trailer's `/Prev` points at the previous one.

use std::collections::BTreeMap;

use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream};
use yichuang_pki::PkiError;

use crate::appearance::{seal_content, SealAppearance};
use crate::cms::{assemble, digest, signed_attributes};
use crate::pdfobj::{self, text_string};
use crate::scan::{check_file, find_signatures};
use crate::signer::SealSigner;

/// Width of each `/ByteRange` number in the placeholder (files up to 10 GB).
const RANGE_DIGITS: usize = 10;
/// Object numbers the update needs: six new objects (font descriptor, CID font, font,
/// appearance, signature, widget).
const NEW_OBJECTS: u32 = 6;

/// Why stamping failed: the document, or the key.
#[derive(Debug, thiserror::Error)]
pub enum StampError<E> {
    #[error(transparent)]
    Document(PkiError),
    #[error("the seal key refused to sign")]
    Signer(E),
}

fn bad(detail: impl std::fmt::Display) -> PkiError {
    PkiError::DocumentMalformed {
        detail: detail.to_string(),
    }
}

/// Runs lopdf on the untrusted document with a panic guard: lopdf is a general PDF reader,
/// neither fuzzed by its authors nor promising not to panic on hostile input, so a panic in
/// it becomes [`PkiError::DocumentMalformed`] instead of taking the workstation down. Only
/// lopdf's own work runs inside (this crate's code is checked for bounds itself and
/// fuzzed without the guard's help: `fuzz/fuzz_targets/pdf_stamp.rs`).
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, PkiError>) -> Result<T, PkiError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(bad(format!(
            "the PDF reader failed on the document ({what})"
        )))
    })
}

/// The page's `/MediaBox`, inherited through `/Parent`; A4 when none is found.
fn media_box(doc: &Document, page: ObjectId) -> [f32; 4] {
    let mut id = page;
    for _ in 0..32 {
        let Ok(dict) = doc.get_dictionary(id) else {
            break;
        };
        if let Ok(b) = dict
            .get(b"MediaBox")
            .and_then(|o| doc.dereference(o))
            .and_then(|(_, o)| o.as_array())
        {
            let v: Vec<f32> = b.iter().filter_map(|n| n.as_float().ok()).collect();
            if let [x0, y0, x1, y1] = v[..] {
                return [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)];
            }
        }
        match dict.get(b"Parent").and_then(Object::as_reference) {
            Ok(parent) => id = parent,
            Err(_) => break,
        }
    }
    [0.0, 0.0, 595.0, 842.0]
}

/// Adds `item` to the array at `key` of `dict`: in place when direct, in the referenced
/// array object (recorded in `updated`) when indirect, a new array when missing.
fn push_to_array(
    doc: &Document,
    dict: &mut Dictionary,
    key: &[u8],
    item: Object,
    updated: &mut BTreeMap<ObjectId, Object>,
) -> Result<(), PkiError> {
    match dict.get(key) {
        Ok(Object::Reference(id)) => {
            let id = *id;
            let current = match updated.get(&id) {
                Some(o) => o.clone(),
                None => doc.get_object(id).map_err(bad)?.clone(),
            };
            let mut items = current.as_array().map_err(bad)?.clone();
            items.push(item);
            updated.insert(id, Object::Array(items));
        }
        Ok(Object::Array(items)) => {
            let mut items = items.clone();
            items.push(item);
            dict.set(key, Object::Array(items));
        }
        Ok(_) => {
            return Err(bad(format!(
                "/{} is not an array",
                String::from_utf8_lossy(key)
            )))
        }
        Err(_) => dict.set(key, Object::Array(vec![item])),
    }
    Ok(())
}

/// Stamps `pdf` with the seal of `signer` as `appearance` says; `signing_time` (Unix
/// seconds) is the signed signingTime and the `/M` date. Returns the stamped file: the
/// original bytes followed by the update.
pub fn stamp<S: SealSigner>(
    pdf: &[u8],
    appearance: &SealAppearance,
    signer: &mut S,
    signing_time: i64,
) -> Result<Vec<u8>, StampError<S::Error>> {
    let certificates = signer.certificates();
    let algorithm = signer.algorithm();
    let (mut out, ranges, certs_len) =
        prepare(pdf, appearance, &certificates, signing_time).map_err(StampError::Document)?;
    let (contents_start, contents_end) = ranges;
    let lost = || StampError::Document(bad("placeholder lost"));
    if contents_start + 2 > contents_end || contents_end > out.len() {
        return Err(lost());
    }
    let tail = out.len() - contents_end;
    let range_text = format!("0 {contents_start} {contents_end} {tail}");
    let br_at = out[..contents_start]
        .windows(b"/ByteRange [".len())
        .rposition(|w| w == b"/ByteRange [")
        .map(|p| p + b"/ByteRange [".len())
        .ok_or_else(lost)?;
    let width = 3 * RANGE_DIGITS + 4;
    if range_text.len() > width {
        return Err(StampError::Document(bad(
            "document too large for the byte range",
        )));
    }
    out.get_mut(br_at..br_at + width)
        .ok_or_else(lost)?
        .copy_from_slice(format!("{range_text:<width$}").as_bytes());
    let document_digest = digest(algorithm, &[&out[..contents_start], &out[contents_end..]]);
    let (attrs, attrs_der) = signed_attributes(algorithm, &document_digest, signing_time)
        .map_err(StampError::Document)?;
    let signature = signer.sign(&attrs_der).map_err(StampError::Signer)?;
    let cms =
        assemble(algorithm, &certificates, attrs, &signature).map_err(StampError::Document)?;
    let room = (contents_end - contents_start - 2) / 2;
    if cms.len() > room {
        return Err(StampError::Document(bad(format!(
            "signature of {} bytes does not fit the {room} reserved ({certs_len} of certificates)",
            cms.len()
        ))));
    }
    let hex: String = cms.iter().map(|b| format!("{b:02X}")).collect();
    out.get_mut(contents_start + 1..contents_start + 1 + hex.len())
        .ok_or_else(lost)?
        .copy_from_slice(hex.as_bytes());
    Ok(out)
}

/// Everything but the signature: the update with placeholders. Returns the file, the
/// offsets of `/Contents`'s `<` and one past its `>`, and the certificates' size.
#[allow(clippy::type_complexity)]
fn prepare(
    pdf: &[u8],
    appearance: &SealAppearance,
    certificates: &[Vec<u8>],
    signing_time: i64,
) -> Result<(Vec<u8>, (usize, usize), usize), PkiError> {
    check_file(pdf)?;
    let (doc, pages) = guarded("reading", || {
        let doc = Document::load_mem(pdf).map_err(bad)?;
        let pages = doc.get_pages();
        Ok((doc, pages))
    })?;
    if doc.trailer.has(b"Encrypt") {
        return Err(bad("encrypted PDFs cannot be stamped"));
    }
    let page_id = match appearance.page {
        None => pages.values().next_back().copied(),
        Some(i) => pages.values().nth(i).copied(),
    }
    .ok_or_else(|| bad(format!("no page {:?}", appearance.page)))?;
    let root_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(bad)?;
    let size = doc
        .trailer
        .get(b"Size")
        .and_then(Object::as_i64)
        .unwrap_or(0);
    // The new objects are numbered from the trailer's /Size (or past the highest number
    // read); the last of them must stay a valid object number.
    let highest = doc.objects.keys().next_back().map_or(0, |id| id.0);
    let first = u32::try_from(size)
        .unwrap_or(0)
        .max(doc.max_id.max(highest).saturating_add(1));
    if first > u32::MAX - NEW_OBJECTS {
        return Err(bad("object numbers exhausted"));
    }
    let mut next = first;
    let mut new_id = || {
        next += 1;
        (next - 1, 0u16)
    };

    let size_pt = if appearance.size.is_finite() && appearance.size > 10.0 {
        appearance.size
    } else {
        119.0
    };
    let mb = media_box(&doc, page_id);
    let (x, y) = appearance
        .position
        .unwrap_or((mb[2] - 72.0 - size_pt, mb[1] + 72.0));
    let rect = vec![
        Object::Real(x),
        Object::Real(y),
        Object::Real(x + size_pt),
        Object::Real(y + size_pt),
    ];

    let mut objects: BTreeMap<ObjectId, Object> = BTreeMap::new();
    let (descriptor_id, cid_id, font_id, ap_id, sig_id, widget_id) =
        (new_id(), new_id(), new_id(), new_id(), new_id(), new_id());
    objects.insert(
        descriptor_id,
        Object::Dictionary(dictionary! {
            "Type" => "FontDescriptor", "FontName" => "STSong-Light", "Flags" => 6,
            "FontBBox" => vec![(-25).into(), (-254).into(), 1000.into(), 880.into()],
            "ItalicAngle" => 0, "Ascent" => 880, "Descent" => -120, "CapHeight" => 880,
            "StemV" => 93,
        }),
    );
    objects.insert(
        cid_id,
        Object::Dictionary(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType0", "BaseFont" => "STSong-Light",
            "CIDSystemInfo" => dictionary! {
                "Registry" => Object::string_literal("Adobe"),
                "Ordering" => Object::string_literal("GB1"),
                "Supplement" => 2,
            },
            "FontDescriptor" => descriptor_id, "DW" => 1000,
        }),
    );
    objects.insert(
        font_id,
        Object::Dictionary(dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "STSong-Light",
            "Encoding" => "UniGB-UCS2-H", "DescendantFonts" => vec![Object::Reference(cid_id)],
        }),
    );
    objects.insert(
        ap_id,
        Object::Stream(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Form",
                "BBox" => vec![0.into(), 0.into(), Object::Real(size_pt), Object::Real(size_pt)],
                "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
            },
            seal_content(&appearance.department, &appearance.caption, size_pt),
        )),
    );
    let field_number = find_signatures(pdf).len() + 1;
    objects.insert(
        widget_id,
        Object::Dictionary(dictionary! {
            "Type" => "Annot", "Subtype" => "Widget", "FT" => "Sig",
            "T" => Object::string_literal(format!("Seal{field_number}")),
            "V" => sig_id, "Rect" => rect, "F" => 132, "P" => page_id,
            "AP" => dictionary! { "N" => ap_id },
        }),
    );

    let mut updated: BTreeMap<ObjectId, Object> = BTreeMap::new();
    let mut page = doc.get_dictionary(page_id).map_err(bad)?.clone();
    push_to_array(&doc, &mut page, b"Annots", widget_id.into(), &mut updated)?;
    updated.insert(page_id, Object::Dictionary(page));
    let mut catalog = doc.get_dictionary(root_id).map_err(bad)?.clone();
    match catalog.get(b"AcroForm") {
        Ok(Object::Reference(form_id)) => {
            let form_id = *form_id;
            let mut form = doc.get_dictionary(form_id).map_err(bad)?.clone();
            push_to_array(&doc, &mut form, b"Fields", widget_id.into(), &mut updated)?;
            form.set("SigFlags", 3);
            updated.insert(form_id, Object::Dictionary(form));
        }
        Ok(Object::Dictionary(form)) => {
            let mut form = form.clone();
            push_to_array(&doc, &mut form, b"Fields", widget_id.into(), &mut updated)?;
            form.set("SigFlags", 3);
            catalog.set("AcroForm", form);
            updated.insert(root_id, Object::Dictionary(catalog));
        }
        Ok(_) => return Err(bad("/AcroForm is neither a dictionary nor a reference")),
        Err(_) => {
            catalog.set(
                "AcroForm",
                dictionary! { "Fields" => vec![widget_id.into()], "SigFlags" => 3 },
            );
            updated.insert(root_id, Object::Dictionary(catalog));
        }
    }
    // A page or form updated twice keeps its last version.
    for (id, o) in updated {
        objects.insert(id, o);
    }

    let mut out = pdf.to_vec();
    if out.last() != Some(&b'\n') {
        out.push(b'\n');
    }
    let mut offsets = BTreeMap::new();
    let mut contents = (0, 0);
    let certs_len: usize = certificates.iter().map(Vec::len).sum();
    for (&(id, gen), o) in &objects {
        offsets.insert(id, (out.len(), gen));
        out.extend_from_slice(format!("{id} {gen} obj\n").as_bytes());
        pdfobj::object(&mut out, o);
        out.extend_from_slice(b"\nendobj\n");
    }
    // The signature dictionary, by hand: the placeholders' offsets are needed.
    offsets.insert(sig_id.0, (out.len(), 0));
    out.extend_from_slice(
        format!(
            "{} 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/adbe.pkcs7.detached/Name ",
            sig_id.0
        )
        .as_bytes(),
    );
    let signer_name = certificates
        .first()
        .and_then(|der| yichuang_pki::Cert::from_der(der).ok())
        .map(|c| c.subject_cn())
        .unwrap_or_default();
    text_string(&mut out, &signer_name);
    if let Some(reason) = &appearance.reason {
        out.extend_from_slice(b"/Reason ");
        text_string(&mut out, reason);
    }
    out.extend_from_slice(format!("/M({})", crate::time::pdf_date(signing_time)).as_bytes());
    out.extend_from_slice(b"/ByteRange [");
    out.extend_from_slice(format!("{:<w$}", "0", w = 3 * RANGE_DIGITS + 4).as_bytes());
    out.extend_from_slice(b"]/Contents ");
    contents.0 = out.len();
    out.push(b'<');
    out.resize(out.len() + 2 * (certs_len + 2048), b'0');
    out.push(b'>');
    contents.1 = out.len();
    out.extend_from_slice(b">>\nendobj\n");

    let xref_at = out.len();
    out.extend_from_slice(b"xref\n");
    let ids: Vec<u32> = offsets.keys().copied().collect();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i + 1;
        while j < ids.len() && Some(ids[j]) == ids[j - 1].checked_add(1) {
            j += 1;
        }
        out.extend_from_slice(format!("{} {}\n", ids[i], j - i).as_bytes());
        for id in &ids[i..j] {
            let (offset, gen) = offsets[id];
            out.extend_from_slice(format!("{offset:010} {gen:05} n\r\n").as_bytes());
        }
        i = j;
    }
    let mut trailer = dictionary! {
        "Size" => i64::from(next),
        "Root" => root_id,
        "Prev" => doc.xref_start as i64,
    };
    for key in [&b"Info"[..], b"ID"] {
        if let Ok(v) = doc.trailer.get(key) {
            trailer.set(key, v.clone());
        }
    }
    out.extend_from_slice(b"trailer\n");
    pdfobj::dictionary(&mut out, &trailer);
    out.extend_from_slice(format!("\nstartxref\n{xref_at}\n%%EOF\n").as_bytes());
    Ok((out, contents, certs_len))
}
