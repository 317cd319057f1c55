//! Small, valid `.twb` / `.twbx` files written on the fly, so the quick start and the tests need
//! no binary fixtures.
//!
//! A `.twbx` is a zip archive holding a `.twb` (the workbook XML) and optional extra files. The
//! archive written here stores its entries uncompressed, with the `.twb` first, and can be padded
//! with an extra file to reach a given size (to exercise chunked publishing).
//!
//! ```
//! let bytes = tsc_e2e::twbx::twbx_bytes("Sales", &["Overview", "By Region"], 1024);
//! assert_eq!(&bytes[..4], b"PK\x03\x04");
//! assert!(bytes.len() > 1024);
//! ```

use std::io;
use std::path::Path;

/// The workbook XML of a `.twb` with one empty worksheet per name in `sheets`.
///
/// Names are XML-escaped. The document follows the shape Tableau Desktop writes for empty sheets.
pub fn twb_xml(sheets: &[&str]) -> String {
    let mut worksheets = String::new();
    let mut windows = String::new();
    for name in sheets {
        let name = escape(name);
        worksheets.push_str(&format!(
            "    <worksheet name='{name}'>\n      <table>\n        <view>\n          <datasources />\n          <aggregation value='true' />\n        </view>\n        <style />\n        <panes>\n          <pane selection-relaxation-option='selection-relaxation-allow'>\n            <view>\n              <breakdown value='auto' />\n            </view>\n            <mark class='Automatic' />\n          </pane>\n        </panes>\n        <rows />\n        <cols />\n      </table>\n    </worksheet>\n"
        ));
        windows.push_str(&format!(
            "    <window class='worksheet' name='{name}'>\n      <cards>\n        <edge name='left'>\n          <strip size='160'>\n            <card type='pages' />\n            <card type='filters' />\n            <card type='marks' />\n          </strip>\n        </edge>\n      </cards>\n    </window>\n"
        ));
    }
    format!(
        "<?xml version='1.0' encoding='utf-8' ?>\n<workbook source-build='2024.2.0 (20242.24.0716.1944)' source-platform='win' version='18.1' xmlns:user='http://www.tableausoftware.com/xml/user'>\n  <preferences>\n    <preference name='ui.encoding.shelf.height' value='24' />\n  </preferences>\n  <datasources />\n  <worksheets>\n{worksheets}  </worksheets>\n  <windows source-height='30'>\n{windows}  </windows>\n</workbook>\n"
    )
}

/// A `.twbx` archive: `<name>.twb` with `sheets`, plus `Data/padding.bin` of `padding` bytes
/// when `padding > 0` (deterministic, incompressible-looking bytes).
pub fn twbx_bytes(name: &str, sheets: &[&str], padding: usize) -> Vec<u8> {
    let mut zip = ZipWriter::default();
    zip.add(&format!("{name}.twb"), twb_xml(sheets).as_bytes());
    if padding > 0 {
        zip.add("Data/padding.bin", &pseudo_random_bytes(padding));
    }
    zip.finish()
}

/// Writes [`twbx_bytes`] to `path` (the workbook is named after the file's stem) and returns its
/// size in bytes.
pub fn write_twbx(path: &Path, sheets: &[&str], padding: usize) -> io::Result<u64> {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("workbook");
    let bytes = twbx_bytes(name, sheets, padding);
    std::fs::write(path, &bytes)?;
    Ok(bytes.len() as u64)
}

/// Writes a plain `.twb` (workbook XML only) to `path` and returns its size in bytes.
pub fn write_twb(path: &Path, sheets: &[&str]) -> io::Result<u64> {
    let xml = twb_xml(sheets);
    std::fs::write(path, xml.as_bytes())?;
    Ok(xml.len() as u64)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

/// `n` bytes from a xorshift generator with a fixed seed.
fn pseudo_random_bytes(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(n);
    out
}

/// A minimal zip writer: stored (uncompressed) entries, no zip64 (entries below 4 GiB).
#[derive(Default)]
struct ZipWriter {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

/// 00:00:00 on 1 January 2024 in MS-DOS time and date.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = ((2024 - 1980) << 9) | (1 << 5) | 1;

impl ZipWriter {
    fn add(&mut self, name: &str, data: &[u8]) {
        let crc = crc32(data);
        let size = data.len() as u32;
        let offset = self.out.len() as u32;
        let name = name.as_bytes();
        // Local file header.
        self.out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        self.out.extend_from_slice(&0u16.to_le_bytes()); // flags
        self.out.extend_from_slice(&0u16.to_le_bytes()); // method: stored
        self.out.extend_from_slice(&DOS_TIME.to_le_bytes());
        self.out.extend_from_slice(&DOS_DATE.to_le_bytes());
        self.out.extend_from_slice(&crc.to_le_bytes());
        self.out.extend_from_slice(&size.to_le_bytes()); // compressed
        self.out.extend_from_slice(&size.to_le_bytes()); // uncompressed
        self.out
            .extend_from_slice(&(name.len() as u16).to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes()); // extra length
        self.out.extend_from_slice(name);
        self.out.extend_from_slice(data);
        // Central directory entry.
        let c = &mut self.central;
        c.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        c.extend_from_slice(&20u16.to_le_bytes()); // version made by
        c.extend_from_slice(&20u16.to_le_bytes()); // version needed
        c.extend_from_slice(&0u16.to_le_bytes()); // flags
        c.extend_from_slice(&0u16.to_le_bytes()); // method
        c.extend_from_slice(&DOS_TIME.to_le_bytes());
        c.extend_from_slice(&DOS_DATE.to_le_bytes());
        c.extend_from_slice(&crc.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
        c.extend_from_slice(&(name.len() as u16).to_le_bytes());
        c.extend_from_slice(&0u16.to_le_bytes()); // extra
        c.extend_from_slice(&0u16.to_le_bytes()); // comment
        c.extend_from_slice(&0u16.to_le_bytes()); // disk
        c.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
        c.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        c.extend_from_slice(&offset.to_le_bytes());
        c.extend_from_slice(name);
        self.entries += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        let cd_offset = self.out.len() as u32;
        let cd_size = self.central.len() as u32;
        self.out.extend_from_slice(&self.central);
        self.out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes()); // this disk
        self.out.extend_from_slice(&0u16.to_le_bytes()); // disk with the directory
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&self.entries.to_le_bytes());
        self.out.extend_from_slice(&cd_size.to_le_bytes());
        self.out.extend_from_slice(&cd_offset.to_le_bytes());
        self.out.extend_from_slice(&0u16.to_le_bytes()); // comment length
        self.out
    }
}

/// CRC-32 (IEEE 802.3, as zip uses it).
fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc = TABLE[((crc ^ b as u32) & 0xFF) as usize] ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn archive_has_the_twb_first_and_a_valid_end_record() {
        let z = twbx_bytes("Sales", &["A & B"], 10);
        assert_eq!(&z[..4], b"PK\x03\x04");
        let name_len = u16::from_le_bytes([z[26], z[27]]) as usize;
        assert_eq!(&z[30..30 + name_len], b"Sales.twb");
        let eocd = &z[z.len() - 22..];
        assert_eq!(&eocd[..4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([eocd[10], eocd[11]]), 2);
        let text = String::from_utf8_lossy(&z);
        assert!(text.contains("<worksheet name='A &amp; B'>"));
    }
}
