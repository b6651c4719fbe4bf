//! A spreadsheet saved as CSV, read as text whatever its encoding: UTF-8 with or without a
//! byte-order mark, or GB18030 (which covers GBK and GB2312) as Chinese Excel saves it;
//! comma- or tab-separated. The first line holds the headers; every row gets one cell per
//! header (missing cells are empty, extra ones are kept apart so nothing is silently lost).

/// Why a file cannot be read as a sheet.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    /// The bytes are neither UTF-8 nor GB18030 text.
    #[error("the file is not text in UTF-8 or GB18030/GBK (is it an .xlsx? save it as CSV)")]
    NotText,
    /// No header line.
    #[error("the file is empty")]
    Empty,
    /// The CSV itself is broken (an unclosed quote, …), at this line.
    #[error("the file is not valid CSV near line {line}")]
    Broken {
        /// The 1-based line.
        line: u64,
    },
}

/// The text encodings a sheet can come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (with or without a byte-order mark).
    Utf8,
    /// GB18030 / GBK / GB2312.
    Gb18030,
}

/// A sheet: headers and rows of text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet {
    /// How the file was encoded.
    pub encoding: Encoding,
    /// The first line's cells.
    pub headers: Vec<String>,
    /// The other lines, one cell per header (blank lines left out).
    pub rows: Vec<Vec<String>>,
    /// Each row's line in the file (1-based, the headers' being 1), as a spreadsheet numbers it.
    pub lines: Vec<usize>,
    /// Lines (1-based, the headers' being 1) that had more cells than headers.
    pub overlong: Vec<usize>,
}

/// The bytes as text: UTF-8 when they are (a byte-order mark dropped), else GB18030.
pub fn decode(bytes: &[u8]) -> Result<(String, Encoding), SheetError> {
    decode_with(bytes, gb18030)
}

/// GB18030 text as encoding_rs decodes it (`None` when the bytes are not).
fn gb18030(bytes: &[u8]) -> Option<String> {
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// [`decode`] with another GB18030 decoder (`None` when the bytes are not GB18030 text): the
/// app passes the browser's own, whose tables cost it no download.
pub fn decode_with(
    bytes: &[u8],
    gb18030: fn(&[u8]) -> Option<String>,
) -> Result<(String, Encoding), SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok((text.to_owned(), Encoding::Utf8));
    }
    let text = gb18030(bytes).ok_or(SheetError::NotText)?;
    Ok((text, Encoding::Gb18030))
}

/// Reads a CSV file (see the module doc).
pub fn read(bytes: &[u8]) -> Result<Sheet, SheetError> {
    read_with(bytes, gb18030)
}

/// [`read`] with another GB18030 decoder (see [`decode_with`]).
pub fn read_with(bytes: &[u8], gb18030: fn(&[u8]) -> Option<String>) -> Result<Sheet, SheetError> {
    let (text, encoding) = decode_with(bytes, gb18030)?;
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(|c| c.trim().to_owned()).collect(),
        Some(Err(e)) => return Err(broken(&e)),
        None => return Err(SheetError::Empty),
    };
    if headers.iter().all(String::is_empty) {
        return Err(SheetError::Empty);
    }
    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut overlong = Vec::new();
    // Lines are counted from the records' byte offsets (csv's own line count lags after a
    // CRLF): newlines before the record's first character, plus one.
    let bytes = text.as_bytes();
    let (mut counted_to, mut newlines) = (0usize, 0usize);
    for record in records {
        let record = record.map_err(|e| broken(&e))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut start = record
            .position()
            .map_or(0, |p| p.byte() as usize)
            .min(bytes.len());
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > counted_to {
            newlines += bytes[counted_to..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            counted_to = start;
        }
        let line = newlines + 1;
        if record.len() > headers.len()
            && record
                .iter()
                .skip(headers.len())
                .any(|c| !c.trim().is_empty())
        {
            overlong.push(line);
        }
        let mut cells: Vec<String> = record
            .iter()
            .take(headers.len())
            .map(|c| c.trim().to_owned())
            .collect();
        cells.resize(headers.len(), String::new());
        rows.push(cells);
        lines.push(line);
    }
    Ok(Sheet {
        encoding,
        headers,
        rows,
        lines,
        overlong,
    })
}

fn broken(e: &csv::Error) -> SheetError {
    SheetError::Broken {
        line: e.position().map_or(0, |p| p.line()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_a_bom_and_quoted_cells() {
        let file = "\u{FEFF}姓名,手机号,备注\r\n张三,13800138000,\"喜欢A2奶粉,周末来\"\r\n李梅,139 1234 5678\r\n";
        let sheet = read(file.as_bytes()).unwrap();
        assert_eq!(sheet.encoding, Encoding::Utf8);
        assert_eq!(sheet.headers, ["姓名", "手机号", "备注"]);
        assert_eq!(
            sheet.rows,
            [
                vec![
                    "张三".to_owned(),
                    "13800138000".into(),
                    "喜欢A2奶粉,周末来".into()
                ],
                vec!["李梅".to_owned(), "139 1234 5678".into(), String::new()],
            ]
        );
        assert!(sheet.overlong.is_empty());
        assert_eq!(sheet.lines, [2, 3]);
    }

    #[test]
    fn gbk_as_chinese_excel_saves_it() {
        let text = "姓名,手机号\r\n王芳,13700001111\r\n";
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        let sheet = read(&bytes).unwrap();
        assert_eq!(sheet.encoding, Encoding::Gb18030);
        assert_eq!(sheet.headers, ["姓名", "手机号"]);
        assert_eq!(sheet.rows[0][0], "王芳");
    }

    #[test]
    fn tabs_extra_cells_and_bad_files() {
        let sheet = read("name\tphone\nA\t1\tlost?\n\n".as_bytes()).unwrap();
        assert_eq!(sheet.headers, ["name", "phone"]);
        assert_eq!(sheet.rows, [vec!["A".to_owned(), "1".into()]]);
        assert_eq!(
            sheet.overlong,
            [2],
            "the extra cell is reported, not dropped silently"
        );
        assert_eq!(read(b""), Err(SheetError::Empty));
        assert_eq!(
            read(b"PK\x03\x04\xff\xfe\x00\x81"),
            Err(SheetError::NotText)
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_bytes_make_the_reader_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let Ok(sheet) = read(&bytes) {
                prop_assert!(sheet.rows.iter().all(|r| r.len() == sheet.headers.len()));
            }
        }

        #[test]
        fn cells_written_as_csv_read_back(cells in proptest::collection::vec(proptest::collection::vec("[^\\x00\\r\\n]{0,12}", 3), 1..6)) {
            let mut writer = csv::Writer::from_writer(Vec::new());
            writer.write_record(["a", "b", "c"]).unwrap();
            for row in &cells {
                writer.write_record(row).unwrap();
            }
            let bytes = writer.into_inner().unwrap();
            let sheet = read(&bytes).unwrap();
            let expected: Vec<Vec<String>> = cells
                .iter()
                .map(|r| r.iter().map(|c| c.trim().to_owned()).collect())
                .filter(|r: &Vec<String>| r.iter().any(|c| !c.is_empty()))
                .collect();
            prop_assert_eq!(sheet.rows, expected);
        }
    }
}
