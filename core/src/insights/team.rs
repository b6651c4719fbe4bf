//! The shop's profile and its staff, as the views keep them: read from the few Shop and
//! Device records field by field, and written to the views' image by hand (serde's generic
//! code for two small records would cost the app's download more than these lines).

use crate::book::{Book, RecordState};
use crate::codec::DecodeError;
use crate::codec::bytes::{Reader, Writer};
use crate::codec::image::{get_id, get_text, put_id, put_text};
use crate::domain::{Device, Role, Shop};
use crate::id::Id;
use crate::op::RecordKind;

/// The shop's profile and its staff.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Team {
    /// The shop's profile (name, time zone, currency).
    pub shop: Shop,
    /// Every device of the shop with its staff member, in id order (revoked ones included).
    pub devices: Vec<(Id, Device)>,
}

impl Team {
    /// The shop record and the device records of `book`.
    pub fn of(book: &Book) -> Team {
        Team {
            shop: book
                .records(RecordKind::Shop)
                .find(|(_, state)| state.deleted.is_none())
                .map(|(_, state)| Shop {
                    name: text(state, "name"),
                    time_zone: text(state, "time_zone"),
                    currency: text(state, "currency"),
                })
                .unwrap_or_default(),
            devices: book
                .records(RecordKind::Device)
                .filter(|(_, state)| state.deleted.is_none())
                .map(|(id, state)| {
                    let device = Device {
                        display_name: text(state, "display_name"),
                        role: if text(state, "role") == "owner" {
                            Role::Owner
                        } else {
                            Role::Clerk
                        },
                        revoked: state
                            .fields
                            .get("revoked")
                            .is_some_and(|r| r.value.as_bool() == Some(true)),
                    };
                    (id.clone(), device)
                })
                .collect(),
        }
    }

    /// The staff members who work the day's list: devices not revoked, in id order.
    pub fn working(&self) -> impl Iterator<Item = &Id> + '_ {
        self.devices
            .iter()
            .filter(|(_, d)| !d.revoked)
            .map(|(id, _)| id)
    }

    /// The display name of a device's staff member.
    pub fn name_of(&self, device: &str) -> Option<&str> {
        self.devices
            .iter()
            .find(|(id, _)| id.as_str() == device)
            .map(|(_, d)| d.display_name.as_str())
    }

    /// Writes the team to the views' image.
    pub(crate) fn write_image(&self, w: &mut Writer) {
        for text in [&self.shop.name, &self.shop.time_zone, &self.shop.currency] {
            put_text(w, text);
        }
        w.len_prefix(self.devices.len());
        for (id, d) in &self.devices {
            put_id(w, id.as_str());
            put_text(w, &d.display_name);
            w.u8(u8::from(d.role == Role::Owner) | u8::from(d.revoked) << 1);
        }
    }

    /// Reads what [`Team::write_image`] wrote.
    pub(crate) fn read_image(r: &mut Reader<'_>) -> Result<Team, DecodeError> {
        let shop = Shop {
            name: get_text(r)?,
            time_zone: get_text(r)?,
            currency: get_text(r)?,
        };
        let devices = (0..r.len_prefix()?)
            .map(|_| {
                let id = get_id(r)?;
                let display_name = get_text(r)?;
                let flags = r.u8()?;
                let role = if flags & 1 != 0 {
                    Role::Owner
                } else {
                    Role::Clerk
                };
                let device = Device {
                    display_name,
                    role,
                    revoked: flags & 2 != 0,
                };
                Ok((id, device))
            })
            .collect::<Result<_, DecodeError>>()?;
        Ok(Team { shop, devices })
    }
}

/// A text field of a record ("" when absent or not text).
fn text(state: &RecordState, field: &str) -> String {
    state
        .fields
        .get(field)
        .and_then(|r| r.value.as_str())
        .unwrap_or_default()
        .to_owned()
}
