//! Stable sorting with one copy of the sort code in the app's download.
//!
//! Every `slice::sort_by` call with its own element type or comparator is a separate copy of
//! the standard library's sort (several KB of wasm each; 41 copies were 85 KB of the app's
//! wasm). These functions sort a list of positions by a comparator behind a `&dyn`, which
//! compiles to one sort for the whole program, then move the items into that order. The cost
//! is an indirect call per comparison and a vector of positions — nothing beside the work on
//! the items themselves (a 20,000-customer list sorts in about a millisecond). Short lists are
//! sorted by insertion and sorted ones are left alone, without allocating.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping equal items in their order (as `slice::sort_by`).
pub fn sort_by<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    if items.len() <= SHORT {
        insertion_sort(items, compare);
        return;
    }
    if items.is_sorted_by(|a, b| compare(a, b) != Ordering::Greater) {
        return;
    }
    let order = {
        let items = &*items;
        order_of(items.len(), &|a, b| compare(&items[a], &items[b]))
    };
    arrange(items, order);
}

/// Sorts `items` by the key `key` gives each, keeping equal keys in their order (as
/// `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` in their natural order (as `slice::sort`).
pub fn sort<T: Ord>(items: &mut [T]) {
    sort_by(items, T::cmp);
}

/// Lists this short are sorted in place by insertion (a few instructions of code, no
/// allocation: a customer's own purchase days, say).
const SHORT: usize = 16;

/// Stable insertion sort: each item moves left past the items greater than it.
fn insertion_sort<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    for end in 1..items.len() {
        let mut at = end;
        while at > 0 && compare(&items[at - 1], &items[at]) == Ordering::Greater {
            items.swap(at - 1, at);
            at -= 1;
        }
    }
}

/// The positions `0..len` in the order `compare` gives them (the one sort in the program).
fn order_of(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Moves the item at `order[i]` to position `i`, for every `i`, by swaps along each cycle of
/// the permutation (`order` is used up as the record of which positions are done).
fn arrange<T>(items: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..items.len() {
        let mut at = start;
        // Each swap brings the item that belongs at `at` there; the item first at `start`
        // travels along the cycle until the position it belongs to is reached.
        while order[at] != DONE {
            let from = order[at];
            order[at] = DONE;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

// proptest is a native dev-dependency only (its OS randomness does not build for wasm32).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same result as the standard library's stable sort, ties included (the payload
        /// tells equal keys apart).
        #[test]
        fn sorts_as_the_standard_stable_sort(items in prop::collection::vec((0u8..8, any::<u16>()), 0..200)) {
            let mut ours = items.clone();
            sort_by_key(&mut ours, |&(key, _)| key);
            let mut theirs = items.clone();
            theirs.sort_by_key(|&(key, _)| key);
            prop_assert_eq!(ours, theirs);
        }

        #[test]
        fn sorts_a_sub_slice_in_place_and_leaves_the_rest(items in prop::collection::vec(any::<i32>(), 1..100), cut in 0usize..100) {
            let cut = cut % items.len();
            let mut ours = items.clone();
            sort(&mut ours[cut..]);
            let mut theirs = items.clone();
            theirs[cut..].sort();
            prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn sorts_by_a_comparator_in_reverse() {
        let mut names = vec!["b", "c", "a"];
        sort_by(&mut names, |a, b| b.cmp(a));
        assert_eq!(names, ["c", "b", "a"]);
    }
}
