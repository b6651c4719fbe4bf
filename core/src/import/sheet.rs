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

/// A GB18030 decoder fed a file a piece at a time: the text of the next `bytes` (a character
/// cut between two pieces is finished by the next piece), `None` once they are not GB18030
/// text; `last` for the file's last piece.
pub type Gb18030 = Box<dyn FnMut(&[u8], bool) -> Option<String>>;

/// GB18030 as encoding_rs decodes it; the app passes the browser's own decoder instead, whose
/// tables cost it no download.
pub fn gb18030() -> Gb18030 {
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    Box::new(move |bytes, last| {
        let room = decoder.max_utf8_buffer_length_without_replacement(bytes.len())?;
        let mut text = String::with_capacity(room);
        let (result, _) = decoder.decode_to_string_without_replacement(bytes, &mut text, last);
        matches!(result, encoding_rs::DecoderResult::InputEmpty).then_some(text)
    })
}

/// Reads a CSV file (see the module doc) in one go.
pub fn read(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let mut reader = SheetReader::new(bytes.to_vec(), gb18030())?;
    while !reader.step(usize::MAX)?.finished() {}
    Ok(reader.finish())
}

/// Bytes of a GB18030 file decoded at a time.
const GB18030_PIECE: usize = 64 * 1024;

/// The text the CSV reader reads: the file itself (UTF-8, after a byte-order mark), or the file
/// decoded as GB18030 a piece at a time as the reader asks for more.
enum Source {
    Utf8 {
        file: std::io::Cursor<Vec<u8>>,
        /// Where the text starts (after a byte-order mark).
        offset: usize,
    },
    Gb18030 {
        file: Vec<u8>,
        /// Where the text starts, and how far it is decoded.
        offset: usize,
        decoded: usize,
        decode: Gb18030,
        /// The text decoded so far, and how much of it the reader has read.
        text: Vec<u8>,
        read: usize,
        /// The file is not GB18030 text.
        failed: bool,
    },
}

impl Source {
    /// The text so far (all of it, for UTF-8).
    fn text(&self) -> &[u8] {
        match self {
            Source::Utf8 { file, offset } => file.get_ref().get(*offset..).unwrap_or_default(),
            Source::Gb18030 { text, .. } => text,
        }
    }

    /// How far the file is decoded, and its size, in bytes after a byte-order mark.
    fn extent(&self, read: u64) -> (usize, usize) {
        match self {
            Source::Utf8 { file, offset } => {
                let total = file.get_ref().len().saturating_sub(*offset);
                (usize::try_from(read).unwrap_or(total), total)
            }
            Source::Gb18030 {
                file,
                offset,
                decoded,
                ..
            } => (
                decoded.saturating_sub(*offset),
                file.len().saturating_sub(*offset),
            ),
        }
    }

    /// Whether the file turned out not to be GB18030 text.
    fn failed(&self) -> bool {
        matches!(self, Source::Gb18030 { failed: true, .. })
    }
}

impl std::io::Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Utf8 { file, .. } => file.read(buf),
            Source::Gb18030 {
                file,
                decoded,
                decode,
                text,
                read,
                failed,
                ..
            } => {
                while *read == text.len() && *decoded < file.len() {
                    let end = decoded.saturating_add(GB18030_PIECE).min(file.len());
                    let piece = file.get(*decoded..end).unwrap_or_default();
                    let Some(more) = decode(piece, end == file.len()) else {
                        *failed = true;
                        return Err(std::io::Error::other("not GB18030 text"));
                    };
                    text.extend_from_slice(more.as_bytes());
                    *decoded = end;
                }
                let n = buf.len().min(text.len() - *read);
                buf[..n].copy_from_slice(&text[*read..*read + n]);
                *read += n;
                Ok(n)
            }
        }
    }
}

/// Reads a CSV file a number of lines at a time (a large file's reading is cut into steps,
/// so a page can paint between them): [`SheetReader::new`], [`SheetReader::step`] until it
/// has finished, then [`SheetReader::finish`]. The sheet is the same whatever the steps.
///
/// The file is read as UTF-8 (each record checked as it is read, so no step checks the whole
/// file) until a record is not UTF-8: then it is read again from its start as GB18030, decoded
/// a piece at a time as the lines are read (in such a file that is usually at once: its
/// Chinese headers are not UTF-8).
pub struct SheetReader {
    reader: csv::Reader<Source>,
    /// The GB18030 decoder, until it is used.
    gb18030: Option<Gb18030>,
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

/// The delimiter of a file (from its text's start): a tab when the first line has tabs and no
/// comma, else a comma. (In GB18030 a tab, a comma or a line end is never part of another
/// character: the undecoded file tells.)
fn delimiter(text: &[u8]) -> u8 {
    let first_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    if first_line.contains(&b'\t') && !first_line.contains(&b',') {
        b'\t'
    } else {
        b','
    }
}

/// A CSV reader of `source`.
fn csv_reader(source: Source, delimiter: u8) -> csv::Reader<Source> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(source)
}

impl SheetReader {
    /// Starts reading `bytes` (UTF-8 with or without a byte-order mark, else GB18030 as
    /// `gb18030` decodes it) with its headers.
    pub fn new(bytes: Vec<u8>, gb18030: Gb18030) -> Result<SheetReader, SheetError> {
        let offset = if bytes.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let size = bytes.len() - offset;
        let delimiter = delimiter(&bytes[offset..]);
        let mut file = std::io::Cursor::new(bytes);
        file.set_position(offset as u64);
        let mut reader = SheetReader {
            reader: csv_reader(Source::Utf8 { file, offset }, delimiter),
            gb18030: Some(gb18030),
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
        reader.sheet.cells.reserve(size);
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
        let (done, total) = self.reader.get_ref().extent(self.reader.position().byte());
        Progress {
            done: if self.finished {
                total
            } else {
                done.min(total.saturating_sub(1))
            },
            total,
        }
    }

    /// The sheet, once [`SheetReader::step`] has read the whole file (the rows read so far,
    /// before).
    pub fn finish(self) -> Sheet {
        self.sheet
    }

    /// Reads the next record (false at the end); at the first record that is not UTF-8, starts
    /// again from the top of the file as GB18030.
    fn next_record(&mut self) -> Result<bool, SheetError> {
        loop {
            match self.reader.read_record(&mut self.record) {
                Ok(more) => return Ok(more),
                Err(_) if self.reader.get_ref().failed() => return Err(SheetError::NotText),
                Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
                    let Some(decode) = self.gb18030.take() else {
                        return Err(SheetError::NotText);
                    };
                    let empty = Source::Utf8 {
                        file: std::io::Cursor::new(Vec::new()),
                        offset: 0,
                    };
                    let Source::Utf8 { file, offset } =
                        std::mem::replace(self.reader.get_mut(), empty)
                    else {
                        return Err(SheetError::NotText);
                    };
                    let file = file.into_inner();
                    let delimiter = delimiter(file.get(offset..).unwrap_or_default());
                    let source = Source::Gb18030 {
                        // Two bytes of GBK are three of UTF-8.
                        text: Vec::with_capacity(file.len().saturating_mul(3) / 2),
                        file,
                        offset,
                        decoded: offset,
                        decode,
                        read: 0,
                        failed: false,
                    };
                    self.reader = csv_reader(source, delimiter);
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
        let bytes = self.reader.get_ref().text();
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
        let mut reader = SheetReader::new(bytes.to_vec(), gb18030())?;
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
    fn a_large_gbk_file_is_decoded_a_piece_at_a_time() {
        let mut text = String::from("姓名,备注\r\n");
        for i in 0..20_000 {
            text += &format!("顾客{i},喜欢奶粉{i}\r\n");
        }
        let (gbk, _, _) = encoding_rs::GB18030.encode(&text);
        assert!(
            gbk.len() > 4 * GB18030_PIECE,
            "characters cut between pieces"
        );
        let sheet = read_in_steps(&gbk, 7).unwrap();
        assert_eq!((sheet.encoding, sheet.len()), (Encoding::Gb18030, 20_000));
        assert_eq!(
            sheet.row(19_999).cells().collect::<Vec<_>>(),
            ["顾客19999", "喜欢奶粉19999"]
        );
        assert_eq!(sheet.line(19_999), 20_001);
        assert_eq!(read(&gbk).unwrap(), sheet);
        // Bytes that are not GB18030 near the end: not text, however the file is read.
        let mut bad = gbk.into_owned();
        let at = bad.len() - 10;
        bad[at..at + 2].copy_from_slice(&[0xFF, 0xFF]);
        assert_eq!(read(&bad), Err(SheetError::NotText));
        assert_eq!(read_in_steps(&bad, 100), Err(SheetError::NotText));
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
            let gbk = encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(text);
            let encoding = match (std::str::from_utf8(text), gbk) {
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
