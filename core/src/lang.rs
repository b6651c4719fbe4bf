//! The languages Huike speaks: 简体中文 (the default) and English. Core's own texts (follow-up
//! reasons, composed messages) take a [`Lang`]; so does the app, for all of its strings.

use serde::{Deserialize, Serialize};

/// A language of the app and of its messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    /// Simplified Chinese.
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Reads `zh`, `zh-CN`, `en`, `en-US`, … (anything else is `None`).
    pub fn parse(code: &str) -> Option<Lang> {
        let c = code.to_ascii_lowercase();
        if c.starts_with("zh") {
            Some(Lang::ZhCn)
        } else if c.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The BCP 47 tag, as `<html lang>` takes it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Lang;

    #[test]
    fn tags_are_read_loosely_and_written_exactly() {
        assert_eq!(Lang::parse("zh"), Some(Lang::ZhCn));
        assert_eq!(Lang::parse("EN-us"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::ZhCn.tag(), "zh-CN");
        assert_eq!(serde_json::to_string(&Lang::En).unwrap(), "\"en\"");
    }
}
