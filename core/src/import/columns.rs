//! Which column of a spreadsheet holds what: the usual Chinese and English headers
//! recognised (姓名 / 名字 / 顾客, 手机 / 手机号 / 电话, 生日, 性别, 标签, 来源, 介绍人, 备注,
//! 微信; 日期 / 时间, 金额 / 实付, 商品 / 品类, 数量, 订单号 …), each field given to at most one
//! column, the user free to change the mapping afterwards.

/// What a column can hold, for customers and for purchases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// The customer's name.
    Name,
    /// A phone number.
    Phone,
    /// The customer's id in the other system (or ours), to match re-imports.
    CustomerId,
    /// Birthday.
    Birthday,
    /// Gender.
    Gender,
    /// Tags.
    Tags,
    /// Source channel.
    Source,
    /// Who introduced them.
    Referrer,
    /// Notes.
    Notes,
    /// WeChat id.
    Wechat,
    /// A purchase's date (and time).
    Date,
    /// A purchase's amount.
    Amount,
    /// What was bought (product or category).
    Item,
    /// How many.
    Quantity,
    /// An order number, to match re-imports.
    Order,
}

/// Headers, lowercased and without spaces, and the field each names. Longer names first where
/// one contains another (手机号 before 手机).
const NAMES: &[(&str, Field)] = &[
    ("姓名", Field::Name),
    ("名字", Field::Name),
    ("顾客姓名", Field::Name),
    ("客户姓名", Field::Name),
    ("会员姓名", Field::Name),
    ("顾客", Field::Name),
    ("客户", Field::Name),
    ("name", Field::Name),
    ("customer", Field::Name),
    ("customername", Field::Name),
    ("手机号码", Field::Phone),
    ("手机号", Field::Phone),
    ("手机", Field::Phone),
    ("电话", Field::Phone),
    ("联系电话", Field::Phone),
    ("phone", Field::Phone),
    ("mobile", Field::Phone),
    ("tel", Field::Phone),
    ("编号", Field::CustomerId),
    ("会员号", Field::CustomerId),
    ("会员编号", Field::CustomerId),
    ("顾客编号", Field::CustomerId),
    ("客户编号", Field::CustomerId),
    ("id", Field::CustomerId),
    ("customerid", Field::CustomerId),
    ("生日", Field::Birthday),
    ("出生日期", Field::Birthday),
    ("birthday", Field::Birthday),
    ("性别", Field::Gender),
    ("gender", Field::Gender),
    ("sex", Field::Gender),
    ("标签", Field::Tags),
    ("tags", Field::Tags),
    ("tag", Field::Tags),
    ("来源", Field::Source),
    ("渠道", Field::Source),
    ("source", Field::Source),
    ("channel", Field::Source),
    ("介绍人", Field::Referrer),
    ("推荐人", Field::Referrer),
    ("referrer", Field::Referrer),
    ("referredby", Field::Referrer),
    ("备注", Field::Notes),
    ("notes", Field::Notes),
    ("note", Field::Notes),
    ("remark", Field::Notes),
    ("微信", Field::Wechat),
    ("微信号", Field::Wechat),
    ("wechat", Field::Wechat),
    ("日期", Field::Date),
    ("时间", Field::Date),
    ("消费日期", Field::Date),
    ("消费时间", Field::Date),
    ("下单时间", Field::Date),
    ("date", Field::Date),
    ("time", Field::Date),
    ("datetime", Field::Date),
    ("金额", Field::Amount),
    ("实付", Field::Amount),
    ("实付金额", Field::Amount),
    ("消费金额", Field::Amount),
    ("amount", Field::Amount),
    ("total", Field::Amount),
    ("paid", Field::Amount),
    ("商品", Field::Item),
    ("品类", Field::Item),
    ("商品名称", Field::Item),
    ("item", Field::Item),
    ("product", Field::Item),
    ("category", Field::Item),
    ("数量", Field::Quantity),
    ("quantity", Field::Quantity),
    ("qty", Field::Quantity),
    ("订单号", Field::Order),
    ("单号", Field::Order),
    ("订单编号", Field::Order),
    ("order", Field::Order),
    ("orderno", Field::Order),
    ("orderid", Field::Order),
];

/// A header as compared: lowercased, without spaces, BOM, `*` marks and bracketed notes
/// (`手机号（必填）` → `手机号`).
fn key(header: &str) -> String {
    let mut out = String::new();
    let mut depth = 0u32;
    for c in header.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            '\u{FEFF}' | '*' | '_' | '-' | ':' | '：' => {}
            c if c.is_whitespace() => {}
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// The field a header names, if it is one of the usual ones.
pub fn recognise(header: &str) -> Option<Field> {
    let k = key(header);
    NAMES.iter().find(|(name, _)| *name == k).map(|&(_, f)| f)
}

/// A field for each column (`None`: not imported), from the headers; a field named by two
/// columns goes to the first.
pub fn map_headers<S: AsRef<str>>(headers: &[S]) -> Vec<Option<Field>> {
    let mut taken = Vec::new();
    headers
        .iter()
        .map(|h| {
            let field = recognise(h.as_ref()).filter(|f| !taken.contains(f))?;
            taken.push(field);
            Some(field)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_english_headers_are_recognised() {
        let headers = [
            "\u{FEFF}姓名",
            "手机号（必填）",
            "生日",
            "性别",
            "标签",
            "来源",
            "介绍人",
            "备注",
            "微信",
            "Customer ID",
            "身高",
        ];
        assert_eq!(
            map_headers(&headers),
            [
                Some(Field::Name),
                Some(Field::Phone),
                Some(Field::Birthday),
                Some(Field::Gender),
                Some(Field::Tags),
                Some(Field::Source),
                Some(Field::Referrer),
                Some(Field::Notes),
                Some(Field::Wechat),
                Some(Field::CustomerId),
                None,
            ]
        );
        let purchases = ["日期", "手机", "实付", "商品", "数量", "订单号"];
        assert_eq!(
            map_headers(&purchases),
            [
                Some(Field::Date),
                Some(Field::Phone),
                Some(Field::Amount),
                Some(Field::Item),
                Some(Field::Quantity),
                Some(Field::Order),
            ]
        );
        assert_eq!(recognise(" Phone "), Some(Field::Phone));
        assert_eq!(recognise("*金额"), Some(Field::Amount));
    }

    #[test]
    fn a_field_goes_to_its_first_column_only() {
        assert_eq!(
            map_headers(&["电话", "手机", "名字"]),
            [Some(Field::Phone), None, Some(Field::Name)]
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn no_header_makes_the_mapper_panic(headers in proptest::collection::vec("\\PC{0,30}", 0..12)) {
            let mapped = map_headers(&headers);
            prop_assert_eq!(mapped.len(), headers.len());
            let fields: Vec<Field> = mapped.into_iter().flatten().collect();
            let mut unique = fields.clone();
            unique.sort();
            unique.dedup();
            prop_assert_eq!(unique.len(), fields.len(), "each field at most once");
        }
    }
}
