//! A spreadsheet saved as CSV, read as text whatever its encoding: UTF-8 with or without a
//! byte-order mark, or GB18030 (which covers GBK and GB2312) as Chinese Excel saves it;
//! comma- or tab-separated. The first line holds the headers; every row gets one cell per
//! header (missing cells are empty, extra ones are kept apart so nothing is silently lost).

use super::Progress;

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
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (with or without a byte-order mark).
    #[default]
    Utf8,
    /// GB18030 / GBK / GB2312.
    Gb18030,
}

/// A sheet: headers and rows of text. The cells are kept in one text, so a sheet of 200,000
/// rows is a few allocations (made and freed in no time), not one per cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sheet {
    /// How the file was encoded.
    pub encoding: Encoding,
    /// The first line's cells.
    pub headers: Vec<String>,
    /// Each row's line in the file (1-based, the headers' being 1), as a spreadsheet numbers it.
    pub lines: Vec<usize>,
    /// Lines (1-based, the headers' being 1) that had more cells than headers.
    pub overlong: Vec<usize>,
    /// Every row's cells, one after another (one cell per header; blank lines left out).
    cells: String,
    /// Where each cell ends in `cells`.
    ends: Vec<usize>,
}

impl Sheet {
    /// How many rows (blank lines left out).
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Row `r` (0-based; a row past the end has only empty cells).
    pub fn row(&self, r: usize) -> Row<'_> {
        let width = self.headers.len();
        let from = r.saturating_mul(width);
        let ends = self
            .ends
            .get(from..from.saturating_add(width))
            .unwrap_or_default();
        let start = from
            .checked_sub(1)
            .and_then(|i| self.ends.get(i))
            .copied()
            .unwrap_or(0);
        Row {
            cells: &self.cells,
            start,
            ends,
        }
    }

    /// Every row, in file order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = Row<'_>> {
        (0..self.len()).map(|r| self.row(r))
    }

    /// Row `r`'s line in the file (as a spreadsheet numbers it).
    pub fn line(&self, r: usize) -> usize {
        self.lines.get(r).copied().unwrap_or(r + 2)
    }
}

/// One row of a [`Sheet`]: a cell per header.
#[derive(Clone, Copy, Debug)]
pub struct Row<'s> {
    cells: &'s str,
    /// Where the row's first cell starts.
    start: usize,
    /// Where each of its cells ends.
    ends: &'s [usize],
}

impl<'s> Row<'s> {
    /// Cell `i` (the header's position), trimmed; empty when there is none.
    pub fn cell(&self, i: usize) -> &'s str {
        let Some(&end) = self.ends.get(i) else {
            return "";
        };
        let start = match i.checked_sub(1) {
            Some(before) => self.ends.get(before).copied().unwrap_or(end),
            None => self.start,
        };
        self.cells.get(start..end).unwrap_or_default()
    }

    /// Its cells, one per header.
    pub fn cells(&self) -> impl ExactSizeIterator<Item = &'s str> + '_ {
        (0..self.ends.len()).map(|i| self.cell(i))
    }
}

/// GB18030 text as encoding_rs decodes it (`None` when the bytes are not); the app passes the
/// browser's own decoder instead, whose tables cost it no download.
pub fn gb18030(bytes: &[u8]) -> Option<String> {
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    (!had_errors).then(|| text.into_owned())
}

/// Reads a CSV file (see the module doc) in one go.
pub fn read(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let mut reader = SheetReader::new(bytes.to_vec(), gb18030)?;
    while !reader.step(usize::MAX)?.finished() {}
    Ok(reader.finish())
}

/// Reads a CSV file a number of lines at a time (a large file's reading is cut into steps,
/// so a page can paint between them): [`SheetReader::new`], [`SheetReader::step`] until it
/// has finished, then [`SheetReader::finish`]. The sheet is the same whatever the steps.
///
/// The file is read as UTF-8 (each record checked as it is read, so no step checks the whole
/// file) until a record is not UTF-8: then the whole file is decoded as GB18030 and read again
/// from its start (at once, as Chinese headers are not UTF-8 in such a file).
pub struct SheetReader {
    reader: csv::Reader<std::io::Cursor<Vec<u8>>>,
    /// Where the text starts in the reader's bytes (after a byte-order mark).
    offset: usize,
    gb18030: fn(&[u8]) -> Option<String>,
    record: csv::StringRecord,
    /// Whether the headers are read (the first record).
    headers_read: bool,
    sheet: Sheet,
    /// Lines are counted from the records' byte offsets (csv's own line count lags after a
    /// CRLF): the newlines before `counted_to`.
    counted_to: usize,
    newlines: usize,
    finished: bool,
}

/// A CSV reader of `bytes` from `offset`: tab-separated when the first line has tabs and no
/// comma.
fn csv_reader(bytes: Vec<u8>, offset: usize) -> csv::Reader<std::io::Cursor<Vec<u8>>> {
    let first_line = bytes
        .get(offset..)
        .unwrap_or_default()
        .split(|&b| b == b'\n')
        .next()
        .unwrap_or_default();
    let delimiter = if first_line.contains(&b'\t') && !first_line.contains(&b',') {
        b'\t'
    } else {
        b','
    };
    let mut cursor = std::io::Cursor::new(bytes);
    cursor.set_position(offset as u64);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(cursor)
}

impl SheetReader {
    /// Starts reading `bytes` (UTF-8 with or without a byte-order mark, else GB18030 as
    /// `gb18030` decodes it: `None` when the bytes are not GB18030 text) with its headers.
    pub fn new(
        bytes: Vec<u8>,
        gb18030: fn(&[u8]) -> Option<String>,
    ) -> Result<SheetReader, SheetError> {
        let offset = if bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let mut reader = SheetReader {
            reader: csv_reader(bytes, offset),
            offset,
            gb18030,
            record: csv::StringRecord::new(),
            headers_read: false,
            sheet: Sheet::default(),
            counted_to: 0,
            newlines: 0,
            finished: false,
        };
        if !reader.next_record()? {
            return Err(SheetError::Empty);
        }
        reader.take_record()?;
        // The cells are at most the text: room for them at once (no step copies them all).
        let room = reader.text().len();
        reader.sheet.cells.reserve(room);
        Ok(reader)
    }

    /// Reads up to `lines` more lines of the file; how far the file is read, in bytes.
    pub fn step(&mut self, lines: usize) -> Result<Progress, SheetError> {
        for _ in 0..lines {
            if self.finished {
                break;
            }
            if self.next_record()? {
                self.take_record()?;
            } else {
                self.finished = true;
            }
        }
        Ok(self.progress())
    }

    /// How far the file is read, in bytes.
    pub fn progress(&self) -> Progress {
        let total = self.text().len();
        let done = if self.finished {
            total
        } else {
            usize::try_from(self.reader.position().byte())
                .unwrap_or(total)
                .min(total.saturating_sub(1))
        };
        Progress { done, total }
    }

    /// The sheet, once [`SheetReader::step`] has read the whole file (the rows read so far,
    /// before).
    pub fn finish(self) -> Sheet {
        self.sheet
    }

    /// The text being read.
    fn text(&self) -> &[u8] {
        self.reader
            .get_ref()
            .get_ref()
            .get(self.offset..)
            .unwrap_or_default()
    }

    /// Reads the next record (false at the end); at the first record that is not UTF-8, starts
    /// again from the top of the file decoded as GB18030.
    fn next_record(&mut self) -> Result<bool, SheetError> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(more) => return Ok(more),
                Err(e)
                    if self.sheet.encoding == Encoding::Utf8
                        && matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) =>
                {
                    let empty = csv_reader(Vec::new(), 0);
                    let bytes = std::mem::replace(&mut self.reader, empty)
                        .into_inner()
                        .into_inner();
                    let text = bytes
                        .get(self.offset..)
                        .and_then(self.gb18030)
                        .ok_or(SheetError::NotText)?;
                    self.reader = csv_reader(text.into_bytes(), 0);
                    self.offset = 0;
                    self.headers_read = false;
                    self.sheet = Sheet {
                        encoding: Encoding::Gb18030,
                        ..Sheet::default()
                    };
                    (self.counted_to, self.newlines) = (0, 0);
                }
                Err(e) => return Err(broken(&e)),
            }
        }
    }

    /// Takes the record just read: the headers first, then the rows (a blank line is left
    /// out).
    fn take_record(&mut self) -> Result<(), SheetError> {
        let record = &self.record;
        if !self.headers_read {
            self.sheet.headers = record.iter().map(|c| c.trim().to_owned()).collect();
            if self.sheet.headers.iter().all(String::is_empty) {
                return Err(SheetError::Empty);
            }
            self.headers_read = true;
            return Ok(());
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            return Ok(());
        }
        let bytes = self
            .reader
            .get_ref()
            .get_ref()
            .get(self.offset..)
            .unwrap_or_default();
        let mut start = record
            .position()
            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX))
            .min(bytes.len());
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if start > self.counted_to {
            self.newlines += bytes[self.counted_to..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.counted_to = start;
        }
        let line = self.newlines + 1;
        let sheet = &mut self.sheet;
        let width = sheet.headers.len();
        if record.len() > width && record.iter().skip(width).any(|c| !c.trim().is_empty()) {
            sheet.overlong.push(line);
        }
        for i in 0..width {
            sheet.cells.push_str(record.get(i).map_or("", str::trim));
            sheet.ends.push(sheet.cells.len());
        }
        sheet.lines.push(line);
        Ok(())
    }
}

fn broken(e: &csv::Error) -> SheetError {
    SheetError::Broken {
        line: e.position().map_or(0, |p| p.line()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row's cells.
    pub(super) fn cells(sheet: &Sheet) -> Vec<Vec<String>> {
        sheet
            .rows()
            .map(|r| r.cells().map(str::to_owned).collect())
            .collect()
    }

    /// `bytes` read `lines` lines a step.
    pub(super) fn read_in_steps(bytes: &[u8], lines: usize) -> Result<Sheet, SheetError> {
        let mut reader = SheetReader::new(bytes.to_vec(), gb18030)?;
        let mut last = reader.progress();
        loop {
            let now = reader.step(lines)?;
            // (Read again from the top as GB18030, the file is another text.)
            assert!(now.done >= last.done || now.total != last.total);
            last = now;
            if now.finished() {
                return Ok(reader.finish());
            }
        }
    }

    #[test]
    fn utf8_with_a_bom_and_quoted_cells() {
        let file = "\u{FEFF}姓名,手机号,备注\r\n张三,13800138000,\"喜欢A2奶粉,周末来\"\r\n李梅,139 1234 5678\r\n";
        let sheet = read(file.as_bytes()).unwrap();
        assert_eq!(sheet.encoding, Encoding::Utf8);
        assert_eq!(sheet.headers, ["姓名", "手机号", "备注"]);
        assert_eq!(
            cells(&sheet),
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
        assert_eq!(sheet.row(0).cell(0), "王芳");
    }

    #[test]
    fn tabs_extra_cells_and_bad_files() {
        let sheet = read("name\tphone\nA\t1\tlost?\n\n".as_bytes()).unwrap();
        assert_eq!(sheet.headers, ["name", "phone"]);
        assert_eq!(cells(&sheet), [vec!["A".to_owned(), "1".into()]]);
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

    #[test]
    fn a_row_past_the_end_or_a_cell_past_the_headers_is_empty() {
        let sheet = read("a,b\n1,2\n".as_bytes()).unwrap();
        assert_eq!((sheet.len(), sheet.row(0).cell(1)), (1, "2"));
        assert_eq!(sheet.row(0).cell(2), "");
        assert_eq!(sheet.row(1).cell(0), "");
        assert_eq!(sheet.row(usize::MAX).cells().count(), 0);
        assert_eq!(sheet.line(0), 2);
    }

    #[test]
    fn any_steps_read_the_same_sheet() {
        // Quoted cells over several lines, CRLF and LF, blank lines, extra and missing cells.
        let file = "\u{FEFF}姓名,手机号,备注\r\n张三,138,\"一\r\n二\"\r\n\r\n李梅\n王芳,139,x,多出来\n,,\n赵敏,137,\"a,\"\"b\"\"\"\r\n";
        let whole = read(file.as_bytes()).unwrap();
        assert_eq!(whole.lines, [2, 5, 6, 8]);
        assert_eq!(whole.overlong, [6]);
        assert_eq!(whole.row(0).cell(2), "一\r\n二");
        assert_eq!(whole.row(3).cell(2), "a,\"b\"");
        for lines in [1, 2, 3, 1000] {
            assert_eq!(read_in_steps(file.as_bytes(), lines).unwrap(), whole);
        }
        let (gbk, _, _) =
            encoding_rs::GB18030.encode("姓名,手机号\r\n王芳,13700001111\r\n李梅,1\r\n");
        assert_eq!(read_in_steps(&gbk, 1).unwrap(), read(&gbk).unwrap());
        assert_eq!(read_in_steps(b"", 1), Err(SheetError::Empty));
    }

    #[test]
    fn gbk_found_late_reads_the_file_again_from_its_top() {
        let (late, _, _) =
            encoding_rs::GB18030.encode("name,phone\r\nA,1\r\n\r\nB,2\r\n王芳,3\r\n");
        let sheet = read_in_steps(&late, 1).unwrap();
        assert_eq!(sheet.encoding, Encoding::Gb18030);
        assert_eq!(sheet.headers, ["name", "phone"]);
        assert_eq!(cells(&sheet)[2], ["王芳", "3"]);
        assert_eq!(sheet.lines, [2, 4, 5]);
        assert_eq!(read(&late).unwrap(), sheet);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_bytes_make_the_reader_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            // The encoding is the whole file's, though records are checked one at a time.
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            let encoding = match (std::str::from_utf8(text), gb18030(text)) {
                (Ok(_), _) => Some(Encoding::Utf8),
                (Err(_), Some(_)) => Some(Encoding::Gb18030),
                (Err(_), None) => None,
            };
            match read(&bytes) {
                Ok(sheet) => {
                    prop_assert!(sheet.rows().all(|r| r.cells().len() == sheet.headers.len()));
                    prop_assert_eq!(Some(sheet.encoding), encoding);
                    prop_assert_eq!(tests::read_in_steps(&bytes, 1), Ok(sheet));
                }
                Err(SheetError::NotText) => prop_assert_eq!(encoding, None),
                Err(e) => prop_assert_eq!(tests::read_in_steps(&bytes, 1), Err(e)),
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
            prop_assert_eq!(tests::cells(&sheet), expected);
        }
    }
}
