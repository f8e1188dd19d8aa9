//! The pickup slip (领取凭证, H2/F2) on the receipt printer: one per handed-over result, with
//! the case number as QR code; a locker code printed big.

use yichuang_drivers::escpos::{BusinessSlip, SlipTime};

use super::{mask, wording, HandoverInput, Relation};
use crate::domain::intake::Party;

/// What one slip says.
pub struct PickupSlip<'a> {
    pub hall_name: &'a str,
    pub case_no: &'a str,
    pub item_name: &'a str,
    pub person: &'a Party,
    pub relation: Relation,
    pub input: &'a HandoverInput,
    pub at: SlipTime,
    pub clerk_name: &'a str,
}

impl PickupSlip<'_> {
    pub fn build(&self) -> BusinessSlip {
        let mut fields = vec![
            (wording::CASE_NO.to_owned(), self.case_no.to_owned()),
            (wording::ITEM.to_owned(), self.item_name.to_owned()),
            (
                wording::PERSON.to_owned(),
                mask(&self.person.name, &self.person.id_number),
            ),
            (
                wording::RELATION.to_owned(),
                wording::relation(self.relation).to_owned(),
            ),
            (
                wording::METHOD.to_owned(),
                wording::method(self.input.method).to_owned(),
            ),
        ];
        if let Some(t) = &self.input.tracking_no {
            fields.push((wording::TRACKING_NO.to_owned(), t.clone()));
        }
        fields.push((wording::PICKED_AT.to_owned(), self.at.to_string()));
        fields.push((wording::CLERK.to_owned(), self.clerk_name.to_owned()));
        BusinessSlip {
            hall_name: self.hall_name.to_owned(),
            title: wording::PICKUP_TITLE.to_owned(),
            big: self
                .input
                .locker_code
                .as_ref()
                .map(|c| format!("{} {c}", wording::LOCKER_CODE)),
            fields,
            qr: Some(self.case_no.to_owned()),
            footer: wording::FOOTER.map(String::from).to_vec(),
        }
    }
}
