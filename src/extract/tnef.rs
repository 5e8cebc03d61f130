//! Outlook TNEF (`winmail.dat`, `application/ms-tnef`, MS-OXTNEF): every
//! attribute walked; attachment data opened as a member; MAPI property
//! lists read, strings in 8-bit and UTF-16LE, binary values opened as
//! members, compressed RTF bodies (MS-OXRTFCP) decompressed within the
//! budget.

use super::{Attachment, Budget, Exceeded, Piece, TNEF_MAGIC, member, rtf};

/// `attAttachData`: the bytes of an attachment.
const ATT_ATTACH_DATA: u16 = 0x800f;
/// `attMsgProps` and `attAttachment`: MAPI property lists.
const ATT_MAPI_PROPS: [u16; 2] = [0x9003, 0x9005];
/// `PR_RTF_COMPRESSED`.
const PR_RTF_COMPRESSED: u16 = 0x1009;

/// A little-endian reader over a byte slice that never reads past it.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_le_bytes([*b.first()?, *b.get(1)?]))
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes(b.try_into().ok()?))
    }

    /// Skips to the next multiple of four.
    fn align4(&mut self) {
        self.pos = self.pos.next_multiple_of(4).min(self.bytes.len());
    }
}

/// Gives the texts and attachments of the TNEF stream `bytes` to `sink`.
/// A damaged stream gives what comes before the damage.
pub(super) fn extract(
    bytes: &[u8],
    budget: &mut Budget,
    depth: usize,
    sink: &mut dyn FnMut(Piece<'_>),
) -> Result<(), Exceeded> {
    let mut c = Cursor { bytes, pos: 0 };
    if c.take(4) != Some(TNEF_MAGIC) || c.u16().is_none() {
        return Ok(());
    }
    while let Some(attr) = next_attribute(&mut c) {
        let (id, data) = attr;
        if id == ATT_ATTACH_DATA {
            let att = Attachment {
                bytes: data,
                content_type: "",
                name: "",
            };
            member(&att, budget, depth, sink)?;
        } else if ATT_MAPI_PROPS.contains(&id) {
            properties(data, budget, depth, sink)?;
        } else {
            sink(Piece::Text(data));
        }
    }
    Ok(())
}

/// The next attribute: level, id, length, data, checksum.
fn next_attribute<'a>(c: &mut Cursor<'a>) -> Option<(u16, &'a [u8])> {
    c.take(1)?;
    let id = c.u32()?;
    let len = usize::try_from(c.u32()?).ok()?;
    let data = c.take(len)?;
    c.u16()?;
    Some(((id & 0xffff) as u16, data))
}

/// A MAPI property list: count, then each property's type, id, optional
/// name, and values.
fn properties(
    data: &[u8],
    budget: &mut Budget,
    depth: usize,
    sink: &mut dyn FnMut(Piece<'_>),
) -> Result<(), Exceeded> {
    let mut c = Cursor {
        bytes: data,
        pos: 0,
    };
    let Some(count) = c.u32() else {
        return Ok(());
    };
    for _ in 0..count {
        let Some(()) = property(&mut c, budget, depth, sink)? else {
            break;
        };
    }
    Ok(())
}

/// One property; `Ok(None)` when the list cannot be read further.
fn property(
    c: &mut Cursor<'_>,
    budget: &mut Budget,
    depth: usize,
    sink: &mut dyn FnMut(Piece<'_>),
) -> Result<Option<()>, Exceeded> {
    let (Some(ptype), Some(pid)) = (c.u16(), c.u16()) else {
        return Ok(None);
    };
    if pid >= 0x8000 {
        // A named property: GUID, kind, then an id or a UTF-16LE name.
        let (Some(_), Some(kind)) = (c.take(16), c.u32()) else {
            return Ok(None);
        };
        let ok = if kind == 0 {
            c.u32().is_some()
        } else {
            let name = c.u32().and_then(|n| c.take(usize::try_from(n).ok()?));
            if let Some(name) = name {
                sink(Piece::Text(utf16le(name).as_bytes()));
            }
            c.align4();
            name.is_some()
        };
        if !ok {
            return Ok(None);
        }
    }
    let multi = ptype & 0x1000 != 0;
    let base = ptype & !0x1000;
    if let Some(size) = fixed_size(base) {
        let n = if multi { c.u32() } else { Some(1) };
        let skipped = n.and_then(|n| c.take(usize::try_from(n).ok()?.checked_mul(size)?));
        c.align4();
        return Ok(skipped.map(|_| ()));
    }
    if !matches!(base, 0x001e | 0x001f | 0x0102 | 0x000d) {
        return Ok(None);
    }
    let Some(n) = c.u32() else { return Ok(None) };
    for _ in 0..n {
        let Some(value) = c.u32().and_then(|l| c.take(usize::try_from(l).ok()?)) else {
            return Ok(None);
        };
        c.align4();
        match base {
            0x001e => sink(Piece::Text(value)),
            0x001f => sink(Piece::Text(utf16le(value).as_bytes())),
            0x0102 if pid == PR_RTF_COMPRESSED => {
                if let Some(raw) = decompress_rtf(value, budget)? {
                    sink(Piece::Text(rtf::text(&raw).as_bytes()));
                }
            }
            _ => {
                let data = if base == 0x000d {
                    value.get(16..).unwrap_or_default()
                } else {
                    value
                };
                let att = Attachment {
                    bytes: data,
                    content_type: "",
                    name: "",
                };
                member(&att, budget, depth, sink)?;
            }
        }
    }
    Ok(Some(()))
}

/// The size of one value of a fixed-size property type.
fn fixed_size(base: u16) -> Option<usize> {
    match base {
        0x0001..=0x0004 | 0x000a | 0x000b => Some(4),
        0x0005..=0x0007 | 0x0014 | 0x0040 => Some(8),
        0x0048 => Some(16),
        _ => None,
    }
}

/// UTF-16LE bytes as text (a trailing NUL dropped).
fn utf16le(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    String::from_utf16_lossy(&units)
        .trim_end_matches('\0')
        .to_owned()
}

/// The dictionary's initial text (MS-OXRTFCP 3.1.2.1).
const RTF_PREBUF: &[u8] = b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx";

/// A compressed RTF value (`LZFu`, or `MELA` stored) decompressed, every
/// byte charged to `budget`.
fn decompress_rtf(value: &[u8], budget: &mut Budget) -> Result<Option<Vec<u8>>, Exceeded> {
    let mut c = Cursor {
        bytes: value,
        pos: 0,
    };
    let (Some(_), Some(_), Some(kind), Some(_)) = (c.u32(), c.u32(), c.take(4), c.u32()) else {
        return Ok(None);
    };
    let body = value.get(16..).unwrap_or_default();
    if kind == b"MELA" {
        return Ok(Some(body.to_vec()));
    }
    if kind != b"LZFu" {
        return Ok(None);
    }
    let mut dict = [0u8; 4096];
    dict[..RTF_PREBUF.len()].copy_from_slice(RTF_PREBUF);
    let mut wpos = RTF_PREBUF.len();
    let mut out = Vec::new();
    let mut i = 0;
    'outer: while let Some(&flags) = body.get(i) {
        i += 1;
        for bit in 0..8 {
            if flags & (1 << bit) == 0 {
                let Some(&b) = body.get(i) else { break 'outer };
                i += 1;
                budget.charge(1)?;
                out.push(b);
                dict[wpos] = b;
                wpos = (wpos + 1) % 4096;
            } else {
                let (Some(&hi), Some(&lo)) = (body.get(i), body.get(i + 1)) else {
                    break 'outer;
                };
                i += 2;
                let v = u16::from_be_bytes([hi, lo]);
                let offset = usize::from(v >> 4);
                let len = usize::from(v & 0xf) + 2;
                if offset == wpos {
                    break 'outer;
                }
                budget.charge(len as u64)?;
                for k in 0..len {
                    let b = dict[(offset + k) % 4096];
                    out.push(b);
                    dict[wpos] = b;
                    wpos = (wpos + 1) % 4096;
                }
            }
        }
    }
    Ok(Some(out))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A TNEF attribute: level, id, length, data, checksum.
    pub(crate) fn attribute(level: u8, id: u32, data: &[u8]) -> Vec<u8> {
        let mut v = vec![level];
        v.extend_from_slice(&id.to_le_bytes());
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        let sum = data.iter().fold(0u16, |s, &b| s.wrapping_add(u16::from(b)));
        v.extend_from_slice(&sum.to_le_bytes());
        v
    }

    fn texts(bytes: &[u8]) -> String {
        let mut out = String::new();
        let mut budget = Budget::new(1 << 20);
        extract(bytes, &mut budget, 0, &mut |p| {
            if let Piece::Text(t) = p {
                out.push_str(&String::from_utf8_lossy(t));
                out.push('|');
            }
        })
        .unwrap();
        out
    }

    #[test]
    fn attributes_and_mapi_strings() {
        assert_eq!(RTF_PREBUF.len(), 207);
        let mut props = 2u32.to_le_bytes().to_vec();
        // PT_UNICODE PR_DISPLAY_NAME, one value.
        props.extend_from_slice(&0x001fu16.to_le_bytes());
        props.extend_from_slice(&0x3001u16.to_le_bytes());
        props.extend_from_slice(&1u32.to_le_bytes());
        let name: Vec<u8> = "Jane Doe\0"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        props.extend_from_slice(&(name.len() as u32).to_le_bytes());
        props.extend_from_slice(&name);
        props.resize(props.len().next_multiple_of(4), 0);
        // PT_LONG.
        props.extend_from_slice(&0x0003u16.to_le_bytes());
        props.extend_from_slice(&0x0e08u16.to_le_bytes());
        props.extend_from_slice(&7u32.to_le_bytes());
        let mut tnef = TNEF_MAGIC.to_vec();
        tnef.extend_from_slice(&1u16.to_le_bytes());
        tnef.extend(attribute(1, 0x0001_8004, b"Subject: hello\0"));
        tnef.extend(attribute(1, 0x0006_9003, &props));
        tnef.extend(attribute(2, 0x0006_800f, b"data of Jane Roe"));
        let t = texts(&tnef);
        assert!(t.contains("Jane Doe|"), "{t}");
        assert!(t.contains("data of Jane Roe"), "{t}");
        assert!(texts(&tnef[..tnef.len() - 5]).contains("Jane Doe"));
    }

    #[test]
    fn compressed_rtf() {
        // MS-OXRTFCP 4.1: "{\rtf1\ansi\ansicpg1252\pard hello world}\r\n".
        let sample: &[u8] = &[
            0x2d, 0x00, 0x00, 0x00, 0x2b, 0x00, 0x00, 0x00, 0x4c, 0x5a, 0x46, 0x75, 0xf1, 0xc5,
            0xc7, 0xa7, 0x03, 0x00, 0x0a, 0x00, 0x72, 0x63, 0x70, 0x67, 0x31, 0x32, 0x35, 0x42,
            0x32, 0x0a, 0xf3, 0x20, 0x68, 0x65, 0x6c, 0x09, 0x00, 0x20, 0x62, 0x77, 0x05, 0xb0,
            0x6c, 0x64, 0x7d, 0x0a, 0x80, 0x0f, 0xa0,
        ];
        let mut budget = Budget::new(1 << 20);
        let raw = decompress_rtf(sample, &mut budget).unwrap().unwrap();
        assert_eq!(raw, b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n");
    }
}
