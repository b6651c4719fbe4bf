//! Many ids in one text: one allocation instead of one per id, read in order.

use serde::{Deserialize, Serialize};

/// Ids one after another in one text, and where each ends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdList {
    text: String,
    ends: Vec<u32>,
}

impl IdList {
    /// An empty list with room for `ids` ids of `bytes` bytes in all.
    pub fn with_capacity(ids: usize, bytes: usize) -> IdList {
        IdList {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(ids),
        }
    }

    /// A list from ids laid end to end in `text` and where each ends, in order.
    pub fn from_parts(text: String, ends: Vec<u32>) -> IdList {
        debug_assert!(
            ends.is_sorted() && ends.last().is_none_or(|&end| end as usize == text.len())
        );
        IdList { text, ends }
    }

    /// Appends an id.
    pub fn push(&mut self, id: &str) {
        self.text.push_str(id);
        self.ends.push(self.text.len() as u32);
    }

    /// The `i`-th id.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Number of bytes of all ids together.
    pub fn bytes(&self) -> usize {
        self.text.len()
    }

    /// True without ids.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The position of `id` among the ids at positions `range`.
    pub fn position_in(&self, range: std::ops::Range<usize>, id: &str) -> Option<usize> {
        range.into_iter().find(|&i| self.get(i) == id)
    }

    /// The position of `id` in a list sorted by id (binary search).
    pub fn search_sorted(&self, id: &str) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.get(mid).cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::IdList;

    #[test]
    fn ids_come_back_as_pushed_and_are_found() {
        let mut list = IdList::with_capacity(3, 8);
        for id in ["a", "bc", "def"] {
            list.push(id);
        }
        assert_eq!(
            (list.len(), list.get(0), list.get(1), list.get(2)),
            (3, "a", "bc", "def")
        );
        assert_eq!(list.search_sorted("bc"), Some(1));
        assert_eq!(list.search_sorted("b"), None);
        assert_eq!(list.position_in(1..3, "def"), Some(2));
        assert_eq!(list.position_in(0..2, "def"), None);
        assert!(IdList::default().is_empty());
    }
}
