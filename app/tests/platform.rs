//! The shop's calendar (headless Chromium): dates and times are the shop's time zone's, not
//! the device's, once the shop's zone is known; an unknown zone falls back to the device's.
#![cfg(target_arch = "wasm32")]

use huike_app::platform::{local_now, set_time_zone, today};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_day_is_the_shop_s_day_in_its_time_zone() {
    // UTC+14 and UTC−11 are always 25 hours apart: a whole calendar day, whatever the hour.
    set_time_zone("Pacific/Kiritimati");
    let east = local_now();
    set_time_zone("Pacific/Pago_Pago");
    let west = local_now();
    let hours = east.signed_duration_since(west).num_minutes() as f64 / 60.0;
    assert!(
        (hours - 25.0).abs() < 0.1,
        "{east} against {west}: {hours} h"
    );
    assert_eq!(today(), west.date());
    set_time_zone("Asia/Shanghai");
    let shanghai = local_now();
    let from_west = shanghai.signed_duration_since(west).num_minutes();
    assert!(
        (from_west - 19 * 60).abs() <= 1,
        "{shanghai} against {west}"
    );
}

#[wasm_bindgen_test]
fn an_unknown_zone_falls_back_to_the_device_s_clock() {
    set_time_zone("");
    let device = local_now();
    set_time_zone("Mars/Olympus_Mons");
    let fallback = local_now();
    assert!(fallback.signed_duration_since(device).num_seconds().abs() <= 2);
    set_time_zone("");
}
