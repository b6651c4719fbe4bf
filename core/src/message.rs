//! Message templates and their rendering for one customer (docs/segmentation.md, "Messages"). The app never sends on
//! its own: it composes a message the clerk sends from their own phone.
//!
//! Placeholders: `{称呼}` / `{salutation}`, `{name}`, `{child}`, `{child_age}`, `{last_item}`,
//! `{days_since}`, `{points}`, `{shop}`. A placeholder with no value is never sent blank:
//! [`render`] leaves it visible in the text, lists it in [`Rendered::missing`] and offers the
//! template's fallback text when that renders completely. Text in braces that is not a
//! placeholder (a typo such as `{nmae}`) is left as it is and listed in [`Rendered::unknown`];
//! such a message is not ready to send either.
//!
//! Salutation ([`salutation`]): a Chinese personal name (1–4 Han characters starting with a
//! known surname, compound surnames such as 欧阳, 司马, 诸葛 included) with a known gender gives
//! surname + 女士 / 先生 (李女士, 欧阳先生) in Chinese and Ms / Mr + surname in English (for a
//! Latin name, the surname is its last word: Ms Smith). With the gender unknown the full name is
//! used (李梅), since guessing 女士 or 先生 wrong is worse than being a little formal. A name that
//! looks like a nickname (小李, 阿芳, 老王, 豆豆妈, 乐乐, …) is used as written, as is any name that
//! is not a recognisable personal name.

use crate::agenda::Reason;
use crate::date::days_between;
use crate::domain::{Child, Customer, Gender, Purpose, Template};
use crate::id::Id;
use crate::lang::Lang;
use crate::segment::history::History;
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A placeholder a template may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Placeholder {
    /// `{称呼}` / `{salutation}`: 李女士, 王先生.
    Salutation,
    /// `{name}`: the customer's name.
    Name,
    /// `{child}`: the child's nickname.
    Child,
    /// `{child_age}`: the child's age, or the milestone or birthday being reached.
    ChildAge,
    /// `{last_item}`: what the customer bought last (for a re-buy: the category).
    LastItem,
    /// `{days_since}`: days since the last purchase.
    DaysSince,
    /// `{points}`: the points balance.
    Points,
    /// `{shop}`: the shop's name.
    Shop,
}

impl Placeholder {
    /// Every placeholder.
    pub const ALL: [Placeholder; 8] = [
        Placeholder::Salutation,
        Placeholder::Name,
        Placeholder::Child,
        Placeholder::ChildAge,
        Placeholder::LastItem,
        Placeholder::DaysSince,
        Placeholder::Points,
        Placeholder::Shop,
    ];

    /// The placeholder's name as written in braces (`{salutation}` is also `{称呼}`).
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Salutation => "salutation",
            Placeholder::Name => "name",
            Placeholder::Child => "child",
            Placeholder::ChildAge => "child_age",
            Placeholder::LastItem => "last_item",
            Placeholder::DaysSince => "days_since",
            Placeholder::Points => "points",
            Placeholder::Shop => "shop",
        }
    }

    /// The placeholder written as `name` between braces, if any.
    pub fn parse(name: &str) -> Option<Placeholder> {
        if name == "称呼" {
            return Some(Placeholder::Salutation);
        }
        Placeholder::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The values of the placeholders for one customer (`None`: no value).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Values {
    /// `{称呼}` / `{salutation}`.
    pub salutation: Option<String>,
    /// `{name}`.
    pub name: Option<String>,
    /// `{child}`.
    pub child: Option<String>,
    /// `{child_age}`.
    pub child_age: Option<String>,
    /// `{last_item}`.
    pub last_item: Option<String>,
    /// `{days_since}`.
    pub days_since: Option<String>,
    /// `{points}`.
    pub points: Option<String>,
    /// `{shop}`.
    pub shop: Option<String>,
}

impl Values {
    /// The value of one placeholder.
    pub fn get(&self, p: Placeholder) -> Option<&str> {
        let v = match p {
            Placeholder::Salutation => &self.salutation,
            Placeholder::Name => &self.name,
            Placeholder::Child => &self.child,
            Placeholder::ChildAge => &self.child_age,
            Placeholder::LastItem => &self.last_item,
            Placeholder::DaysSince => &self.days_since,
            Placeholder::Points => &self.points,
            Placeholder::Shop => &self.shop,
        };
        v.as_deref().filter(|s| !s.trim().is_empty())
    }

    /// The values for a customer (at `index` in the analysis's `history`) as of `today`, for
    /// the agenda reason being answered (if any).
    ///
    /// The child is the reason's child, else the most recently born child; a child without a
    /// nickname is 宝宝 / "your little one". The child's age is the milestone or birthday the
    /// reason is about, else their age today (none before birth). The last item of a re-buy is
    /// its category. Points have a value once the customer has any points entry.
    pub fn for_customer(
        customer: &Customer,
        history: &History,
        index: usize,
        reason: Option<&Reason>,
        shop: &str,
        today: NaiveDate,
        lang: Lang,
    ) -> Values {
        let facts = &history.customers[index];
        let child_index = reason
            .and_then(Reason::child)
            .or_else(|| youngest(&customer.children));
        let child = child_index.and_then(|i| customer.children.get(i));
        let child_age = match reason {
            Some(Reason::ChildMilestone { milestone, .. }) => Some(
                match lang {
                    Lang::ZhCn => milestone.zh(),
                    Lang::En => milestone.en(),
                }
                .to_owned(),
            ),
            Some(Reason::ChildBirthday { age, .. }) => Some(years(*age, lang)),
            _ => child
                .and_then(|c| c.birthday)
                .and_then(|born| age_text(born, today, lang)),
        };
        let last_item = match reason {
            Some(Reason::Rebuy { category, .. }) => Some(category.clone()),
            _ => history.last_item(index).map(str::to_owned),
        };
        Values {
            salutation: salutation(&customer.name, customer.gender, lang),
            name: Some(customer.name.trim().to_owned()).filter(|n| !n.is_empty()),
            child: child.map(|c| match (c.nickname.trim(), lang) {
                ("", Lang::ZhCn) => "宝宝".to_owned(),
                ("", Lang::En) => "your little one".to_owned(),
                (nick, _) => nick.to_owned(),
            }),
            child_age,
            last_item,
            days_since: facts
                .last_purchase
                .map(|d| days_between(d, today).to_string()),
            points: facts.points.map(|p| p.to_string()),
            shop: Some(shop.trim().to_owned()).filter(|s| !s.is_empty()),
        }
    }
}

/// The most recently born child (the youngest is the one the shop plans around).
fn youngest(children: &[Child]) -> Option<usize> {
    children
        .iter()
        .enumerate()
        .filter(|(_, c)| c.birthday.is_some())
        .max_by_key(|(_, c)| c.birthday)
        .map(|(i, _)| i)
}

fn years(n: u32, lang: Lang) -> String {
    match (lang, n) {
        (Lang::ZhCn, _) => format!("{n}岁"),
        (Lang::En, 1) => "1 year old".to_owned(),
        (Lang::En, _) => format!("{n} years old"),
    }
}

/// A child's age on `today`: days under a month, months under a year, then years (and
/// months under three): 12天, 5个月, 1岁3个月, 4岁 / "12 days old", "1 year 3 months old".
pub fn age_text(born: NaiveDate, today: NaiveDate, lang: Lang) -> Option<String> {
    if today < born {
        return None;
    }
    let calendar = (today.year() - born.year()) * 12 + today.month() as i32 - born.month() as i32;
    // One less when the day of month is not reached yet (born.checked_add_months clamps to month end).
    let months = (0..=calendar.max(0) as u32)
        .rev()
        .find(|&m| {
            born.checked_add_months(Months::new(m))
                .is_some_and(|d| d <= today)
        })
        .unwrap_or(0);
    let (y, m) = (months / 12, months % 12);
    let plural = |n: u32, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    Some(match lang {
        Lang::ZhCn if months == 0 => format!("{}天", days_between(born, today)),
        Lang::ZhCn if y == 0 => format!("{m}个月"),
        Lang::ZhCn if m == 0 || y >= 3 => format!("{y}岁"),
        Lang::ZhCn => format!("{y}岁{m}个月"),
        Lang::En if months == 0 => {
            format!("{} old", plural(days_between(born, today) as u32, "day"))
        }
        Lang::En if y == 0 => format!("{} old", plural(m, "month")),
        Lang::En if m == 0 || y >= 3 => format!("{} old", plural(y, "year")),
        Lang::En => format!("{} {} old", plural(y, "year"), plural(m, "month")),
    })
}

/// Compound surnames (复姓) recognised before single ones.
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "轩辕", "令狐", "独孤", "南宫", "西门", "百里", "呼延", "端木", "澹台", "公冶", "申屠",
    "太史", "钟离", "闻人", "赫连", "万俟", "司空", "淳于", "拓跋", "东郭", "左丘", "公羊", "第五",
    "谷梁", "羊舌", "微生", "梁丘", "仲孙", "巫马", "公西", "漆雕", "乐正", "公良", "段干", "东门",
    "亓官", "司寇", "颛孙", "鲜于", "闾丘", "完颜", "纳兰", "歐陽", "司馬", "諸葛", "東方", "尉遲",
    "長孫", "軒轅", "令狐", "獨孤", "南宮", "鍾離",
];

/// Single-character surnames: the 百家姓 and other common ones, with a few traditional forms.
const SURNAMES: &str = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范\
彭郎鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄和穆萧尹姚邵湛\
汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍\
虞万支柯昝管卢莫经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段\
富巫乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖\
卓蔺屠蒙池乔阴郁胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾\
鱼容向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰\
巢关蒯相查后荆红游竺权逯盖益桓公付闫覃岳帅缑亢况有琴归海晋楚法汝鄢涂钦商牟佘佴伯赏墨哈谯笪年爱阳佟言福仝邸代揭区练冼\
麦粟敬辜植原卿战过信招苟母芦户矫丛衣谌兰占门饶綦\
陳張黃劉楊趙吳鄭謝許蘇葉羅蔣鄧馮韓盧潘鍾蕭錢孫聶龔陸嚴魏顧賴";

/// Endings that make a name a form of address or nickname (王姐, 豆豆妈, 李老师) rather than a
/// full name. Nicknames starting with 小, 阿 or 老 need no rule: those are not surnames.
const NICKNAME_SUFFIXES: &[&str] = &[
    "妈", "爸", "姐", "哥", "宝", "姨", "叔", "奶", "爷", "嫂", "婶", "总", "老师", "先生", "女士",
    "小姐", "太太",
];

fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
}

/// The surname of a Chinese personal name (1–4 Han characters, a known surname first, not a
/// nickname); `None` otherwise.
pub fn chinese_surname(name: &str) -> Option<&str> {
    let name = name.trim();
    let chars: Vec<char> = name.chars().collect();
    if chars.is_empty() || chars.len() > 4 || !chars.iter().all(|&c| is_han(c)) {
        return None;
    }
    let nickname = NICKNAME_SUFFIXES
        .iter()
        .any(|s| name.ends_with(s) && name != *s && chars.len() > 1)
        || (chars.len() >= 2 && chars[0] == chars[1]);
    if nickname {
        return None;
    }
    if let Some(compound) = COMPOUND_SURNAMES.iter().find(|s| name.starts_with(*s)) {
        return Some(&name[..compound.len()]);
    }
    let first = chars[0];
    SURNAMES.contains(first).then(|| &name[..first.len_utf8()])
}

/// How to address a customer (see the module doc): 李女士 / Ms Li-style when the name and gender
/// allow it, else the name as written; `None` for a blank name.
pub fn salutation(name: &str, gender: Option<Gender>, lang: Lang) -> Option<String> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let Some(gender) = gender else {
        return Some(name.to_owned());
    };
    if let Some(surname) = chinese_surname(name) {
        return Some(match (lang, gender) {
            (Lang::ZhCn, Gender::Female) => format!("{surname}女士"),
            (Lang::ZhCn, Gender::Male) => format!("{surname}先生"),
            (Lang::En, Gender::Female) => format!("Ms {surname}"),
            (Lang::En, Gender::Male) => format!("Mr {surname}"),
        });
    }
    let latin = name
        .chars()
        .all(|c| c.is_alphabetic() || c == ' ' || c == '-' || c == '\'' || c == '.')
        && !name.chars().any(is_han);
    match (lang, latin, name.split_whitespace().last()) {
        (Lang::En, true, Some(last)) if name.contains(' ') => Some(match gender {
            Gender::Female => format!("Ms {last}"),
            Gender::Male => format!("Mr {last}"),
        }),
        _ => Some(name.to_owned()),
    }
}

/// A template filled in for one customer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    /// The text with every known value filled in; placeholders without a value stay visible.
    pub text: String,
    /// Placeholders without a value, in order of first use.
    pub missing: Vec<Placeholder>,
    /// Brace-enclosed names that are not placeholders, in order of first use.
    pub unknown: Vec<String>,
    /// The template's fallback, filled in, when the text is incomplete and the fallback is not.
    pub fallback: Option<String>,
}

impl Rendered {
    /// True when every placeholder had a value and none was unknown.
    pub fn is_complete(&self) -> bool {
        self.missing.is_empty() && self.unknown.is_empty()
    }

    /// The text the clerk can send as is: the message when complete, else the fallback if any.
    pub fn sendable(&self) -> Option<&str> {
        if self.is_complete() {
            Some(&self.text)
        } else {
            self.fallback.as_deref()
        }
    }
}

/// Fills a text's placeholders: the filled text, the placeholders without a value and the
/// brace-enclosed names that are not placeholders.
pub fn fill(text: &str, values: &Values) -> (String, Vec<Placeholder>, Vec<String>) {
    let mut out = String::with_capacity(text.len() + 16);
    let (mut missing, mut unknown) = (Vec::new(), Vec::new());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after
            .find(['}', '{'])
            .filter(|&i| after.as_bytes()[i] == b'}');
        let Some(close) = close else {
            out.push('{');
            rest = after;
            continue;
        };
        let name = &after[..close];
        match Placeholder::parse(name.trim()) {
            Some(p) => match values.get(p) {
                Some(v) => out.push_str(v),
                None => {
                    if !missing.contains(&p) {
                        missing.push(p);
                    }
                    out.push_str(&rest[open..open + close + 2]);
                }
            },
            None => {
                if !name.is_empty() && !unknown.iter().any(|u| u == name) {
                    unknown.push(name.to_owned());
                }
                out.push_str(&rest[open..open + close + 2]);
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    (out, missing, unknown)
}

/// Renders a template for one customer (see the module doc).
pub fn render(template: &Template, values: &Values) -> Rendered {
    let (text, missing, unknown) = fill(&template.text, values);
    let complete = missing.is_empty() && unknown.is_empty();
    let fallback = (!complete && !template.fallback.trim().is_empty())
        .then(|| fill(&template.fallback, values))
        .and_then(|(f, m, u)| (m.is_empty() && u.is_empty()).then_some(f));
    Rendered {
        text,
        missing,
        unknown,
        fallback,
    }
}

/// The purpose of the message for an agenda item: that of its highest-priority reason.
pub fn purpose_for(reasons: &[Reason]) -> Purpose {
    reasons.first().map_or(Purpose::Other, Reason::purpose)
}

/// The template to offer for a purpose: the first of that purpose that renders completely for
/// these values, else the first of that purpose.
pub fn choose<'a>(
    templates: &'a [Template],
    purpose: Purpose,
    values: &Values,
) -> Option<&'a Template> {
    let mut of_purpose = templates.iter().filter(|t| t.purpose == purpose);
    let first = of_purpose.clone().next();
    of_purpose
        .find(|t| render(t, values).is_complete())
        .or(first)
}

/// A message composed for one customer on today's list.
#[derive(Clone, Debug, PartialEq)]
pub struct Composed {
    /// The purpose it answers (logged with the contact).
    pub purpose: Purpose,
    /// The template used: the shop's record id, or `builtin:<language>:<n>` for the n-th
    /// built-in template (recorded on the contact).
    pub template: Id,
    /// The message.
    pub rendered: Rendered,
}

/// A message for one customer on today's list, answering their top reason: the first template
/// of that purpose that renders completely, the shop's own (`shop_templates`, with their record
/// ids) before the built-in ones, filled in for them (the first of the purpose, incomplete,
/// when none is).
#[allow(
    clippy::too_many_arguments,
    reason = "each is one independent input of the message"
)]
pub fn compose(
    shop_templates: &[(Id, Template)],
    customer: &Customer,
    history: &History,
    index: usize,
    reasons: &[Reason],
    shop: &str,
    today: NaiveDate,
    lang: Lang,
) -> Option<Composed> {
    let purpose = purpose_for(reasons);
    let values = Values::for_customer(customer, history, index, reasons.first(), shop, today, lang);
    let built_in = default_templates(lang);
    let all: Vec<Template> = shop_templates
        .iter()
        .map(|(_, t)| t.clone())
        .chain(built_in)
        .collect();
    let id_of = |at: usize| match shop_templates.get(at) {
        Some((id, _)) => Some(id.clone()),
        None => Id::parse(&format!(
            "builtin:{}:{}",
            lang.tag(),
            at - shop_templates.len()
        ))
        .ok(),
    };
    // A campaign's own template first, when it names one this device has.
    let campaign_template = match reasons.first() {
        Some(Reason::Campaign {
            template: Some(wanted),
            ..
        }) => (0..all.len()).find(|&at| id_of(at).as_ref() == Some(wanted)),
        _ => None,
    };
    let at = match campaign_template {
        Some(at) => at,
        None => {
            let template = choose(&all, purpose, &values)?;
            all.iter().position(|t| std::ptr::eq(t, template))?
        }
    };
    Some(Composed {
        purpose,
        template: id_of(at)?,
        rendered: render(all.get(at)?, &values),
    })
}

/// The built-in templates, one or more per purpose, in the order [`choose`] tries them.
pub fn default_templates(lang: Lang) -> Vec<Template> {
    let table: &[(Purpose, &str, &str, &str)] = match lang {
        Lang::ZhCn => ZH_TEMPLATES,
        Lang::En => EN_TEMPLATES,
    };
    table
        .iter()
        .map(|&(purpose, name, text, fallback)| Template {
            purpose,
            name: name.to_owned(),
            text: text.to_owned(),
            fallback: fallback.to_owned(),
        })
        .collect()
}

const ZH_TEMPLATES: &[(Purpose, &str, &str, &str)] = &[
    (
        Purpose::Birthday,
        "生日祝福",
        "{称呼}您好！您的生日就快到啦，{shop}全体小伙伴提前祝您生日快乐、天天开心！生日当月到店有专属小礼物，记得来坐坐呀～",
        "您好！您的生日就快到啦，提前祝您生日快乐、天天开心！生日当月到店有专属小礼物，记得来坐坐呀～",
    ),
    (
        Purpose::ChildMilestone,
        "宝宝成长节点",
        "{称呼}您好！{child}{child_age}快到啦，真替您高兴！店里给宝宝准备了一份成长小礼物，有空带{child}来店里领哦～",
        "您好！宝宝的成长节点快到啦，真替您高兴！店里给宝宝准备了一份成长小礼物，有空来店里领哦～",
    ),
    (
        Purpose::ChildMilestone,
        "预产期关怀",
        "{称呼}您好！算算日子宝宝快和您见面啦，待产包都准备齐了吗？还缺什么随时跟我说，我帮您配好，家里人来取或者送过去都可以～",
        "您好！算算日子宝宝快和您见面啦，待产包都准备齐了吗？还缺什么随时跟我说，我帮您配好～",
    ),
    (
        Purpose::Rebuy,
        "复购提醒",
        "{称呼}您好！您上次带的{last_item}算算也快用完了吧？需要的话提前跟我说一声，我先帮您留好货，到店直接拿就行～",
        "您好！您上次带的东西算算也快用完了吧？需要的话提前跟我说一声，我先帮您留好货～",
    ),
    (
        Purpose::NewProduct,
        "新品推荐",
        "{称呼}您好！店里新到了一批好物，我第一个就想到您了，有空来看看，喜欢的话我先给您留着～",
        "您好！店里新到了一批好物，有空来看看，喜欢的话我先给您留着～",
    ),
    (
        Purpose::EventInvite,
        "活动邀约",
        "{称呼}您好！{shop}这周末有个老顾客专场活动，名额不多，特意先来邀请您，方便的话带上家人朋友一起来玩呀～",
        "您好！店里这周末有个老顾客专场活动，名额不多，特意先来邀请您，方便的话带上家人朋友一起来玩呀～",
    ),
    (
        Purpose::Points,
        "积分与权益",
        "{称呼}您好！您在{shop}的积分有{points}分啦，还有会员福利可以领，下次到店记得找我帮您兑换哦～",
        "您好！您在店里有会员福利可以领取，下次到店记得找我帮您兑换哦～",
    ),
    (
        Purpose::Reactivation,
        "老顾客唤醒",
        "{称呼}您好！好久没见您了，上次来店里已经是{days_since}天前啦。最近店里上了不少新品，还给老顾客准备了回店小礼，有空来坐坐呀～",
        "您好！好久没见您了，最近店里上了不少新品，还给老顾客准备了回店小礼，有空来坐坐呀～",
    ),
    (
        Purpose::AfterSale,
        "售后关怀",
        "{称呼}您好！您上次带走的{last_item}用着还习惯吗？有任何问题随时找我，我们一定帮您处理好～",
        "您好！您上次在店里买的东西用着还习惯吗？有任何问题随时找我，我们一定帮您处理好～",
    ),
    (
        Purpose::ComplaintFollowUp,
        "投诉回访",
        "{称呼}您好！上次的事给您添麻烦了，真的很抱歉。想跟您确认一下现在处理好了吗？还有哪里不满意请直接告诉我，我们一定负责到底。",
        "您好！上次的事给您添麻烦了，真的很抱歉。想跟您确认一下现在处理好了吗？还有哪里不满意请直接告诉我，我们一定负责到底。",
    ),
    (
        Purpose::HolidayGreeting,
        "节日问候",
        "{称呼}您好！节日快乐！{shop}全体小伙伴祝您和家人平安喜乐、万事顺意～",
        "您好！节日快乐！祝您和家人平安喜乐、万事顺意～",
    ),
    (
        Purpose::Other,
        "日常问候",
        "{称呼}您好！有段时间没跟您聊了，最近一切都好吗？店里到了些新品，有空来坐坐，给您留了小礼物～",
        "您好！有段时间没跟您聊了，最近一切都好吗？店里到了些新品，有空来坐坐～",
    ),
];

const EN_TEMPLATES: &[(Purpose, &str, &str, &str)] = &[
    (
        Purpose::Birthday,
        "Birthday wishes",
        "Hi {salutation}, your birthday is coming up! Everyone at {shop} wishes you a very happy birthday. There's a little gift waiting for you in store this month — do drop by!",
        "Hi! Your birthday is coming up — we wish you a very happy birthday. There's a little gift waiting for you in store this month — do drop by!",
    ),
    (
        Purpose::ChildMilestone,
        "Child milestone",
        "Hi {salutation}, {child} will soon be {child_age} — congratulations! We've set aside a little gift for the occasion; bring {child} by to pick it up any time.",
        "Hi! Your little one has a big day coming up — congratulations! We've set aside a little gift for the occasion; drop by to pick it up any time.",
    ),
    (
        Purpose::ChildMilestone,
        "Due date care",
        "Hi {salutation}, your baby will be here any day now! Is your hospital bag all set? If anything is missing, just tell me and I'll get it ready for you or your family to collect.",
        "Hi! Your baby will be here any day now! If anything is missing from your hospital bag, just tell me and I'll get it ready for you.",
    ),
    (
        Purpose::Rebuy,
        "Time to restock",
        "Hi {salutation}, you're probably running low on the {last_item} by now. Let me know and I'll put some aside for you to pick up.",
        "Hi! You're probably running low on what you bought last time. Let me know and I'll put some aside for you.",
    ),
    (
        Purpose::NewProduct,
        "New arrivals",
        "Hi {salutation}, some lovely new things just arrived and I thought of you straight away. Come and have a look — I can keep one aside for you.",
        "Hi! Some lovely new things just arrived. Come and have a look — I can keep one aside for you.",
    ),
    (
        Purpose::EventInvite,
        "Event invitation",
        "Hi {salutation}, {shop} is holding a small event for our regulars this weekend and places are limited, so you're among the first we're inviting. Family and friends are welcome too!",
        "Hi! We're holding a small event for our regulars this weekend and places are limited, so you're among the first we're inviting. Family and friends are welcome too!",
    ),
    (
        Purpose::Points,
        "Points and rewards",
        "Hi {salutation}, you have {points} points at {shop} and member rewards to collect. Ask me next time you're in and I'll redeem them for you.",
        "Hi! You have member rewards to collect. Ask me next time you're in and I'll redeem them for you.",
    ),
    (
        Purpose::Reactivation,
        "We miss you",
        "Hi {salutation}, it's been {days_since} days since we last saw you! We have lots of new things in and a little welcome-back gift for you — do drop by.",
        "Hi! It's been a while since we last saw you. We have lots of new things in and a little welcome-back gift for you — do drop by.",
    ),
    (
        Purpose::AfterSale,
        "After-sale care",
        "Hi {salutation}, how are you getting on with the {last_item}? If anything isn't right, just tell me and we'll sort it out.",
        "Hi! How are you getting on with your recent purchase? If anything isn't right, just tell me and we'll sort it out.",
    ),
    (
        Purpose::ComplaintFollowUp,
        "Complaint follow-up",
        "Hi {salutation}, I'm so sorry for the trouble last time. I wanted to check that everything has been put right — if not, please tell me and we'll see it through.",
        "Hi! I'm so sorry for the trouble last time. I wanted to check that everything has been put right — if not, please tell me and we'll see it through.",
    ),
    (
        Purpose::HolidayGreeting,
        "Holiday greetings",
        "Hi {salutation}, happy holidays! Everyone at {shop} wishes you and your family all the best.",
        "Hi! Happy holidays — we wish you and your family all the best.",
    ),
    (
        Purpose::Other,
        "Keeping in touch",
        "Hi {salutation}, it's been a little while — how are you doing? We have some new things in store and a small gift for you next time you drop by.",
        "Hi! It's been a little while — how are you doing? We have some new things in store; do drop by.",
    ),
];
