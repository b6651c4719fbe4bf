//! The words a synthetic mother-and-baby shop is made of: names, places, tags, products.
//! Weights are relative frequencies (integers, so generation needs no floating point).

/// Common single-character surnames with rough relative frequencies (the top of the national
/// list, plus polyphonic surnames that search must read correctly).
pub(super) const SURNAMES: &[(&str, u32)] = &[
    ("王", 720),
    ("李", 710),
    ("张", 690),
    ("刘", 540),
    ("陈", 460),
    ("杨", 310),
    ("黄", 250),
    ("赵", 230),
    ("吴", 210),
    ("周", 200),
    ("徐", 150),
    ("孙", 140),
    ("马", 130),
    ("朱", 130),
    ("胡", 120),
    ("郭", 120),
    ("何", 110),
    ("高", 110),
    ("林", 110),
    ("罗", 100),
    ("郑", 90),
    ("梁", 90),
    ("谢", 80),
    ("宋", 70),
    ("唐", 70),
    ("许", 70),
    ("韩", 60),
    ("冯", 60),
    ("邓", 60),
    ("曹", 60),
    ("彭", 50),
    ("曾", 50),
    ("肖", 50),
    ("田", 50),
    ("董", 50),
    ("袁", 40),
    ("潘", 40),
    ("于", 40),
    ("蒋", 40),
    ("蔡", 40),
    ("余", 40),
    ("杜", 40),
    ("叶", 40),
    ("程", 40),
    ("苏", 30),
    ("魏", 30),
    ("吕", 30),
    ("丁", 30),
    ("任", 30),
    ("沈", 30),
    ("姚", 30),
    ("卢", 30),
    ("姜", 30),
    ("崔", 30),
    ("钟", 30),
    ("谭", 30),
    ("陆", 30),
    ("汪", 30),
    ("范", 30),
    ("金", 30),
    ("石", 30),
    ("廖", 20),
    ("贾", 20),
    ("夏", 20),
    ("韦", 20),
    ("方", 20),
    ("白", 20),
    ("邹", 20),
    ("孟", 20),
    ("熊", 20),
    ("秦", 20),
    ("邱", 20),
    ("江", 20),
    ("尹", 20),
    ("薛", 20),
    ("段", 20),
    ("雷", 20),
    ("侯", 20),
    ("龙", 20),
    ("史", 20),
    ("黎", 20),
    ("贺", 20),
    ("顾", 20),
    ("毛", 20),
    ("郝", 20),
    ("龚", 20),
    ("邵", 20),
    ("万", 10),
    ("钱", 10),
    ("严", 10),
    ("覃", 10),
    ("武", 10),
    ("戴", 10),
    ("莫", 10),
    ("孔", 10),
    ("单", 5),
    ("解", 5),
    ("仇", 5),
    ("朴", 5),
    ("区", 5),
    ("查", 5),
    ("翟", 5),
    ("缪", 5),
];

/// Compound surnames (rare, so one name in a few hundred).
pub(super) const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙",
];

/// Characters common in women's given names.
pub(super) const GIVEN_FEMALE: &[&str] = &[
    "丽", "静", "敏", "燕", "艳", "娟", "霞", "芳", "娜", "婷", "雪", "慧", "玲", "倩", "颖", "琳",
    "欣", "悦", "佳", "怡", "梦", "晨", "雨", "思", "可", "馨", "蕾", "洁", "琴", "萍", "红", "梅",
    "兰", "月", "晓", "云", "莉", "薇", "媛", "瑶", "璐", "露", "楠", "蓉", "丹", "青", "秀", "英",
    "华", "婉",
];

/// Characters common in men's given names.
pub(super) const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "峰", "建", "国",
    "志", "文",
];

/// Children's pet names (小名); a customer is sometimes recorded as `朵朵妈妈`.
pub(super) const CHILD_NICKNAMES: &[&str] = &[
    "朵朵", "豆豆", "果果", "乐乐", "糖糖", "米粒", "小宝", "大宝", "二宝", "团团", "圆圆", "安安",
    "宁宁", "悠悠", "笑笑", "多多", "可可", "贝贝", "妞妞", "皮皮", "壮壮", "甜甜", "晨晨", "浩浩",
    "一一", "小满", "芒果", "橙子", "饺子", "包子", "小鱼", "星星",
];

/// Mainland mobile number prefixes (China Mobile, Unicom, Telecom).
pub(super) const PHONE_PREFIXES: &[u32] = &[
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
    166, 170, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 191, 193,
    195, 198, 199,
];

/// Residential compounds near the shop.
pub(super) const AREAS: &[&str] = &[
    "阳光花园",
    "翠苑一区",
    "翠苑二区",
    "金色家园",
    "锦绣江南",
    "万科城",
    "保利香槟国际",
    "龙湖天街",
    "世纪新城",
    "幸福里",
    "和平小区",
    "绿城桂花园",
    "滨江花园",
    "东方名苑",
    "新天地",
    "学府雅苑",
];

/// Occupations.
pub(super) const OCCUPATIONS: &[&str] = &[
    "教师",
    "护士",
    "会计",
    "全职妈妈",
    "公务员",
    "个体户",
    "销售",
    "工程师",
    "设计师",
    "文员",
    "医生",
    "银行职员",
    "自由职业",
];

/// Tags a mother-and-baby shop puts on customers.
pub(super) const TAGS: &[&str] = &[
    "二胎",
    "宝宝过敏",
    "只买进口",
    "价格敏感",
    "爱参加活动",
    "会员",
    "团购群",
    "需要送货",
    "爷爷奶奶带娃",
    "早产宝宝",
    "母乳喂养",
    "混合喂养",
    "高端",
    "VIP群",
    "宝妈群",
];

/// Free-text notes.
pub(super) const NOTES: &[&str] = &[
    "周末来得多",
    "喜欢打折活动",
    "宝宝对牛奶蛋白过敏，只买深度水解",
    "老公常来代买",
    "对价格比较敏感，先推荐活动款",
    "住得近，可以送货上门",
    "喜欢在微信上下单",
];

/// Communication styles.
pub(super) const STYLES: &[&str] = &[
    "爽快",
    "爱比价",
    "话少，直接说重点",
    "喜欢聊育儿",
    "谨慎，需要多介绍",
];

/// Appearance notes.
pub(super) const APPEARANCES: &[&str] =
    &["短发戴眼镜", "个子高，常推蓝色推车", "常背双肩包", "长卷发"];

/// Relations of people who may come along (连带资源).
pub(super) const RELATIONS: &[&str] = &["老公", "婆婆", "妈妈", "闺蜜", "姐姐"];

/// One product the shop sells.
#[derive(Clone, Copy, Debug)]
pub(super) struct Product {
    /// Name.
    pub name: &'static str,
    /// Unit price in fen.
    pub price: i64,
}

/// A product category: its products, how often it is bought (weight), the usual quantity
/// range and its re-buy cycle in days (0 = not a consumable).
#[derive(Clone, Copy, Debug)]
pub(super) struct Category {
    /// Category name, as the shop writes it.
    pub name: &'static str,
    /// Relative frequency among line items.
    pub weight: u32,
    /// Largest usual quantity of one line.
    pub max_quantity: u32,
    /// Re-buy cycle in days (0 when the shop sets none).
    pub rebuy_days: u32,
    /// Products.
    pub products: &'static [Product],
}

const fn p(name: &'static str, yuan: i64) -> Product {
    Product {
        name,
        price: yuan * 100,
    }
}

/// The shop's catalogue.
pub(super) const CATALOG: &[Category] = &[
    Category {
        name: "奶粉",
        weight: 30,
        max_quantity: 4,
        rebuy_days: 30,
        products: &[
            p("飞鹤星飞帆3段", 268),
            p("爱他美卓萃2段", 338),
            p("君乐宝至臻1段", 198),
            p("a2至初3段", 358),
            p("美赞臣蓝臻", 318),
        ],
    },
    Category {
        name: "纸尿裤",
        weight: 25,
        max_quantity: 3,
        rebuy_days: 20,
        products: &[
            p("帮宝适一级帮L码", 139),
            p("花王妙而舒M码", 129),
            p("好奇心钻装XL码", 149),
            p("大王光羽拉拉裤", 119),
        ],
    },
    Category {
        name: "辅食",
        weight: 12,
        max_quantity: 3,
        rebuy_days: 30,
        products: &[
            p("高铁米粉", 58),
            p("果泥", 12),
            p("磨牙棒", 29),
            p("宝宝面条", 26),
        ],
    },
    Category {
        name: "洗护",
        weight: 10,
        max_quantity: 2,
        rebuy_days: 45,
        products: &[
            p("婴儿润肤乳", 49),
            p("洗发沐浴二合一", 59),
            p("护臀膏", 39),
            p("湿巾80抽×6", 45),
        ],
    },
    Category {
        name: "童装",
        weight: 8,
        max_quantity: 2,
        rebuy_days: 0,
        products: &[
            p("纯棉连体衣", 89),
            p("婴儿外套", 199),
            p("爬服三件套", 129),
            p("儿童羽绒服", 399),
        ],
    },
    Category {
        name: "玩具",
        weight: 7,
        max_quantity: 2,
        rebuy_days: 0,
        products: &[
            p("布书", 39),
            p("积木桶", 129),
            p("音乐健身架", 299),
            p("洗澡玩具", 49),
        ],
    },
    Category {
        name: "营养品",
        weight: 6,
        max_quantity: 2,
        rebuy_days: 60,
        products: &[
            p("DHA藻油", 199),
            p("益生菌", 168),
            p("维D滴剂", 88),
            p("乳钙", 128),
        ],
    },
    Category {
        name: "用品",
        weight: 2,
        max_quantity: 1,
        rebuy_days: 0,
        products: &[
            p("玻璃奶瓶", 128),
            p("电动吸奶器", 599),
            p("婴儿推车", 1299),
            p("安全座椅", 1599),
        ],
    },
];
