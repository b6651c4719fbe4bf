//! The shop's data out, as CSV that opens in Excel with Chinese intact (issue 10, SPEC §3
//! Import / export): UTF-8 with a byte-order mark, CRLF line ends, and every cell that a
//! spreadsheet would run as a formula (`=…`, `+…`, `-…`, `@…`, a leading tab or CR) neutralised
//! with a leading apostrophe. Customers come with their class, stage, P(alive) and CLV from the
//! day's analysis; purchases and contacts with their customer's name. Owner only (SPEC §5): the
//! caller checks the role.

use crate::book::Book;
use crate::domain::{Customer, Entry, key_of};
use crate::id::Id;
use crate::insights::Today;
use crate::lang::Lang;
use crate::op::RecordKind;

/// A cell made safe from formula injection: text a spreadsheet would evaluate gets a leading
/// apostrophe (negative numbers such as `-35.00` stay numbers).
pub fn neutralise(cell: &str) -> String {
    let risky = cell.starts_with(['=', '+', '@', '\t', '\r'])
        || (cell.starts_with('-') && cell[1..].parse::<f64>().is_err());
    if risky {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// A CSV file: BOM, the header, the rows, CRLF, each cell neutralised.
pub fn csv_file(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    // Writing into memory cannot fail; a row of another length is written as it is.
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(row.iter().map(|c| neutralise(c)));
    }
    writer.into_inner().unwrap_or_default()
}

/// Every customer with their grades as of the day's analysis.
pub fn customers(book: &Book, today: &Today, lang: Lang) -> Vec<u8> {
    let zh = lang == Lang::ZhCn;
    let header: &[&str] = if zh {
        &[
            "编号",
            "姓名",
            "手机号",
            "微信",
            "生日",
            "标签",
            "来源",
            "RFM分类",
            "生命周期",
            "仍活跃概率",
            "12个月预计价值",
            "建档日期",
        ]
    } else {
        &[
            "ID",
            "Name",
            "Phone",
            "WeChat",
            "Birthday",
            "Tags",
            "Source",
            "RFM class",
            "Lifecycle",
            "P(alive)",
            "12-month CLV",
            "Added",
        ]
    };
    let pick = |z: &'static str, e: &'static str| if zh { z } else { e };
    let rows = book
        .records(RecordKind::Customer)
        .filter(|(_, s)| s.deleted.is_none())
        .filter_map(|(id, s)| Some((id, s.decode::<Customer>().ok()?)))
        .map(|(id, c)| {
            let index = today.analysis.index_of(id);
            let segment = index.map(|i| &today.analysis.segments[i]);
            let prospect = index.and_then(|i| today.outlook.get(i));
            vec![
                id.to_string(),
                c.name.clone(),
                c.phones.join(" / "),
                c.wechat.clone(),
                c.birthday.map(|d| d.to_string()).unwrap_or_default(),
                c.tags.iter().cloned().collect::<Vec<_>>().join(" "),
                c.source.map(crate::domain::source_key).unwrap_or_default(),
                segment
                    .and_then(|s| s.class)
                    .map(|k| pick(k.zh(), k.en()).to_owned())
                    .unwrap_or_default(),
                segment
                    .map(|s| pick(s.lifecycle.stage.zh(), s.lifecycle.stage.en()).to_owned())
                    .unwrap_or_default(),
                prospect
                    .map(|p| format!("{:.3}", p.p_alive))
                    .unwrap_or_default(),
                prospect.map(|p| p.clv.to_string()).unwrap_or_default(),
                c.created_at
                    .map(|t| t.date().to_string())
                    .unwrap_or_default(),
            ]
        });
    csv_file(header, rows)
}

/// Every purchase (sales, refunds, adjustments) with its customer's name.
pub fn purchases(book: &Book, lang: Lang) -> Vec<u8> {
    let header: &[&str] = if lang == Lang::ZhCn {
        &["单号", "顾客编号", "顾客", "时间", "金额", "商品", "类型"]
    } else {
        &[
            "Entry",
            "Customer ID",
            "Customer",
            "Time",
            "Amount",
            "Items",
            "Kind",
        ]
    };
    let rows = book.decoded_entries().filter_map(|(id, e)| {
        let Entry::Purchase(p) = e else { return None };
        let items = p
            .items
            .iter()
            .map(|l| {
                let what = if l.product.is_empty() {
                    &l.category
                } else {
                    &l.product
                };
                format!("{what}×{}", l.quantity)
            })
            .collect::<Vec<_>>()
            .join(" ");
        let kind = key_of(&p.kind);
        Some(vec![
            id.to_string(),
            p.customer.to_string(),
            name_of(book, &p.customer),
            p.at.to_string(),
            p.total.to_string(),
            items,
            kind,
        ])
    });
    csv_file(header, rows)
}

/// Every contact with its customer's name.
pub fn contacts(book: &Book, lang: Lang) -> Vec<u8> {
    let header: &[&str] = if lang == Lang::ZhCn {
        &[
            "编号",
            "顾客编号",
            "顾客",
            "时间",
            "目的",
            "结果",
            "下次回访",
            "备注",
        ]
    } else {
        &[
            "Entry",
            "Customer ID",
            "Customer",
            "Time",
            "Purpose",
            "Outcome",
            "Next follow-up",
            "Note",
        ]
    };
    let rows = book.decoded_entries().filter_map(|(id, e)| {
        let Entry::Contact(c) = e else { return None };
        Some(vec![
            id.to_string(),
            c.customer.to_string(),
            name_of(book, &c.customer),
            c.at.to_string(),
            key_of(&c.purpose),
            key_of(&c.outcome),
            c.next_follow_up.map(|d| d.to_string()).unwrap_or_default(),
            c.note.clone(),
        ])
    });
    csv_file(header, rows)
}

fn name_of(book: &Book, customer: &Id) -> String {
    book.get::<Customer>(customer)
        .map(|c| c.name)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+86 138"), "'+86 138");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("-cmd"), "'-cmd");
        assert_eq!(neutralise("-35.00"), "-35.00");
        assert_eq!(neutralise("张三"), "张三");
    }

    #[test]
    fn a_file_opens_in_excel_with_chinese_intact() {
        let bytes = csv_file(
            &["姓名", "备注"],
            [
                vec!["张三".into(), "=1+1".into()],
                vec!["李梅".into(), "a,b\nc".into()],
            ],
        );
        assert!(
            bytes.starts_with(b"\xEF\xBB\xBF\xE5\xA7\x93\xE5\x90\x8D"),
            "BOM then 姓名"
        );
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\r\n张三,'=1+1\r\n"));
        // Read back by the importer: the same cells.
        let sheet = crate::import::sheet::read(&bytes).unwrap();
        assert_eq!(sheet.headers, ["姓名", "备注"]);
        assert_eq!(sheet.len(), 2);
        assert_eq!(sheet.row(1).cell(1), "a,b\nc");
    }

    #[test]
    fn a_shop_s_customers_purchases_and_contacts() {
        let params = crate::synth::Params::new(2, 300, 2_000);
        let book = params.book();
        let views = crate::insights::Insights::read(&book);
        let today = views.today(params.as_of, None);
        let sheet = crate::import::sheet::read(&customers(&book, &today, Lang::ZhCn)).unwrap();
        assert_eq!(sheet.len(), views.roster().len(), "one row per customer");
        assert_eq!(sheet.headers[7], "RFM分类");
        let graded = sheet.rows().filter(|r| !r.cell(7).is_empty()).count();
        assert_eq!(graded, today.analysis.buyers());
        assert!(
            sheet.rows().any(|r| !r.cell(9).is_empty()),
            "P(alive) for buyers"
        );
        let sales = crate::import::sheet::read(&purchases(&book, Lang::En)).unwrap();
        let expected = book
            .decoded_entries()
            .filter(|(_, e)| matches!(e, Entry::Purchase(_)))
            .count();
        assert_eq!(sales.len(), expected);
        assert!(
            sales.rows().all(|r| !r.cell(2).is_empty()),
            "every purchase names its customer"
        );
        let talks = crate::import::sheet::read(&contacts(&book, Lang::En)).unwrap();
        assert_eq!(talks.headers[4], "Purpose");
    }
}
