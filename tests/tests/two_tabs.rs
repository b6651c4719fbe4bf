//! Two tabs of one device (docs/product.md, "Roles"): a clerk's phone (360×740, English) has joined the shop;
//! the app is opened again in a second tab of the same browser (and, in a second round, in a
//! second window). One tab at a time owns the device's book (Web Locks): the second shows
//! "Huike is open in another tab or window…", shows no book and sends nothing to the sync
//! server — not even when **Sync now** is tapped in it — while the first edits, records a
//! purchase and syncs as usual, with no 409 from two writers of one stream, no error, nothing
//! left pending. When the first tab closes, the second carries on by itself: it opens the book
//! (with the edits made in the first) and syncs. Each tab talks to the worker through a proxy
//! of its own, so the test sees which tab sent what. Screenshots of both tabs in target/e2e/.

use std::time::Duration;

use fantoccini::Client;
use huike_core::domain::Role;
use huike_tests::api::Api;
use huike_tests::browser::{Page, Screen, run_sessions};
use huike_tests::proxy::{Proxy, Route, Seen, describe};
use huike_tests::steps::{self, EN as W};
use huike_tests::{app_url, worker_url};

const BANNER: &str = "Huike is open in another tab or window. Close it and this page carries on.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_tab_waits_while_the_first_syncs_then_carries_on() {
    for second in [Second::Tab, Second::Window] {
        run_sessions(
            &[Screen::phone("phone")],
            Duration::from_secs(600),
            |clients| async move { scenario(&clients[0], second).await },
        )
        .await;
    }
}

/// Where the app is opened the second time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Second {
    /// A new tab of the same window.
    Tab,
    /// A new window of the same browser.
    Window,
}

/// Requests that read or write the shop's book (not the device list).
fn syncs(seen: &[Seen]) -> Vec<&Seen> {
    seen.iter()
        .filter(|s| s.is(Route::PUSH) || s.is(Route::PULL) || s.path.starts_with("/v1/snapshot"))
        .collect()
}

async fn scenario(client: &Client, second_kind: Second) {
    let (app, worker) = (app_url(), worker_url());
    let upstream = worker.trim_start_matches("http://").to_owned();
    let first_net = Proxy::start(&upstream).await.expect("proxy");
    let second_net = Proxy::start(&upstream).await.expect("proxy");
    let (first_name, second_name) = match second_kind {
        Second::Tab => ("tab1", "tab2"),
        Second::Window => ("window1", "window2"),
    };
    let first = Page {
        client,
        name: first_name,
    };
    let second = Page {
        client,
        name: second_name,
    };
    let long = Duration::from_secs(60);

    // The shop exists; the clerk joins on the phone and adds 张三.
    let api = Api::new();
    let owner = api.create_shop("两个标签页的店").await;
    let invite = api.invite(&owner.token, Role::Clerk).await;
    steps::join(&first, W, &app, &first_net.url(), &invite.code, "小李").await;
    steps::add_customer(&first, W, "张三", "138 0013 8000").await;
    steps::sync_clean(&first, W, long).await;
    first.screenshot("two-tabs-01-first-tab-synced").await;
    let tab1 = client.window().await.expect("the first tab");

    // The same app in a second tab (or window) of the same browser: it waits for the first.
    let tab2 = client
        .new_window(second_kind == Second::Tab)
        .await
        .expect("a second tab or window")
        .handle;
    client
        .switch_to_window(tab2.clone())
        .await
        .expect("switch to the second tab");
    client
        .goto(&format!("{app}/?lang=en&server={}", second_net.url()))
        .await
        .expect("open the app in the second tab");
    second.sees_at(ELSEWHERE, BANNER).await;
    second.follow(W.customers).await;
    second.gone(&steps::row("张三")).await;
    second.screenshot("two-tabs-02-second-tab-waits").await;

    // Meanwhile the first tab edits and records a purchase, and syncs: no conflict.
    client
        .switch_to_window(tab1.clone())
        .await
        .expect("back to the first tab");
    steps::open_customer(&first, W, "张三").await;
    first.click(W.edit).await;
    first.fill(W.save, W.notes, "两个标签页：第一个").await;
    first.click(W.save).await;
    first.sees_at(steps::NOTES, "两个标签页：第一个").await;
    steps::record_purchase(&first, W, "88", "¥88.00").await;
    first.follow(W.settings).await;
    assert_ne!(
        first.text_at(steps::PENDING).await.trim(),
        "0",
        "the edits wait for the server"
    );
    steps::sync_clean(&first, W, long).await;
    first.screenshot("two-tabs-03-first-tab-edits-synced").await;

    // The second tab tries too: it still waits and sends nothing.
    client
        .switch_to_window(tab2.clone())
        .await
        .expect("to the second tab");
    second.follow(W.settings).await;
    second.click(W.sync_now).await;
    second.sees_at(ELSEWHERE, BANNER).await;
    second.screenshot("two-tabs-04-second-tab-sync-now").await;
    let first_seen = first_net.seen();
    let conflicts: Vec<_> = first_seen
        .iter()
        .filter(|s| s.upstream == Some(409))
        .collect();
    assert!(
        conflicts.is_empty(),
        "the first tab met conflicts:\n{}",
        describe(&first_seen)
    );
    assert!(
        first_seen
            .iter()
            .any(|s| s.is(Route::PUSH) && s.upstream == Some(201)),
        "the first tab pushed its edits:\n{}",
        describe(&first_seen)
    );
    let second_seen = second_net.seen();
    assert!(
        syncs(&second_seen).is_empty(),
        "the waiting tab synced:\n{}",
        describe(&second_seen)
    );

    // The first tab closes: the second opens the book, shows the edits and syncs.
    client
        .switch_to_window(tab1)
        .await
        .expect("to the first tab");
    client.close_window().await.expect("close the first tab");
    client
        .switch_to_window(tab2)
        .await
        .expect("to the second tab");
    second.gone(ELSEWHERE).await;
    steps::open_customer(&second, W, "张三").await;
    second.sees_at(steps::NOTES, "两个标签页：第一个").await;
    second
        .sees_at(&format!("({})[1]", steps::ENTRY_AMOUNTS), "¥88.00")
        .await;
    second.screenshot("two-tabs-05-second-tab-carries-on").await;
    steps::sync_clean(&second, W, long).await;
    let second_seen = second_net
        .wait_until("a pull from the second tab", long, |seen| {
            seen.iter()
                .any(|s| s.is(Route::PULL) && s.answered == Some(200))
        })
        .await;
    assert!(
        second_seen.iter().all(|s| s.upstream != Some(409)),
        "the second tab met conflicts:\n{}",
        describe(&second_seen)
    );
    second.screenshot("two-tabs-06-second-tab-synced").await;

    // What the tabs sent reached the shop once: the owner's pull holds the purchase once.
    let contents = huike_tests::api::Device::new(&api, &owner).contents().await;
    let purchases: Vec<_> = contents
        .appended()
        .into_iter()
        .filter(|(_, _, e)| matches!(e, Some(huike_core::domain::Entry::Purchase(_))))
        .collect();
    assert_eq!(purchases.len(), 1, "one purchase was recorded");
}

/// The "open in another tab" banner.
const ELSEWHERE: &str = steps::ELSEWHERE_BANNER;
