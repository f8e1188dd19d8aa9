//! Data table: the identities of the simulator's sample cards (one of each card type, a
//! 「长期」 card and an expired one). Only the data; [`super::simulator::SampleCard`] turns them
//! into text blocks.

use super::identity::{check_digit, CardDetails, CardKind, Date, Identity, Nation, Sex, Validity};

fn date(y: u16, m: u8, d: u8) -> Date {
    Date::new(y, m, d).unwrap_or(Date {
        year: y,
        month: m,
        day: d,
    })
}

fn with_check(first17: &str) -> String {
    format!("{first17}{}", check_digit(first17).unwrap_or('0'))
}

fn nation(code: u8) -> Nation {
    Nation::from_code(code).unwrap_or(Nation {
        code, name: "其他"
    })
}

/// The identity behind [`SampleCard::resident`].
pub fn sample_resident() -> Identity {
    Identity {
        kind: CardKind::Resident,
        name: "张伟".into(),
        sex: Sex::Male,
        birth: date(1985, 3, 12),
        id_number: with_check("11010119850312003"),
        id_number_valid: true,
        valid_from: date(2016, 5, 20),
        valid_until: Validity::Until(date(2036, 5, 20)),
        details: CardDetails::Resident {
            nation: nation(1),
            address: "北京市东城区景山前街4号".into(),
            issuer: "北京市公安局东城分局".into(),
        },
    }
}

/// The identity behind [`SampleCard::resident_long_term`].
pub fn sample_long_term() -> Identity {
    Identity {
        kind: CardKind::Resident,
        name: "马秀英".into(),
        sex: Sex::Female,
        birth: date(1960, 8, 8),
        id_number: with_check("64010419600808002"),
        id_number_valid: true,
        valid_from: date(2012, 1, 1),
        valid_until: Validity::LongTerm,
        details: CardDetails::Resident {
            nation: nation(3),
            address: "宁夏回族自治区银川市兴庆区解放西街2号".into(),
            issuer: "银川市公安局兴庆区分局".into(),
        },
    }
}

/// The identity behind [`SampleCard::expired`].
pub fn sample_expired() -> Identity {
    Identity {
        kind: CardKind::Resident,
        name: "李娜".into(),
        sex: Sex::Female,
        birth: date(1992, 11, 30),
        id_number: with_check("45010319921130004"),
        id_number_valid: true,
        valid_from: date(2010, 2, 1),
        valid_until: Validity::Until(date(2020, 2, 1)),
        details: CardDetails::Resident {
            nation: nation(8),
            address: "广西壮族自治区南宁市青秀区民族大道100号".into(),
            issuer: "南宁市公安局青秀分局".into(),
        },
    }
}

/// The identity behind [`SampleCard::foreign_permanent`] (2017 layout, legacy number).
pub fn sample_foreign_permanent() -> Identity {
    Identity {
        kind: CardKind::ForeignPermanent,
        name: "史密斯".into(),
        sex: Sex::Male,
        birth: date(1985, 3, 12),
        id_number: "USA110085031201".into(),
        id_number_valid: true,
        valid_from: date(2018, 6, 1),
        valid_until: Validity::Until(date(2033, 6, 1)),
        details: CardDetails::ForeignPermanent {
            name_en: "SMITH JOHN".into(),
            nationality: "USA".into(),
            card_version: "01".into(),
            authority_code: "1100".into(),
        },
    }
}

/// The identity behind [`SampleCard::hk_macao_taiwan`].
pub fn sample_hk_macao_taiwan() -> Identity {
    Identity {
        kind: CardKind::HkMacaoTaiwan,
        name: "陈大文".into(),
        sex: Sex::Male,
        birth: date(1990, 1, 1),
        id_number: with_check("81000019900101005"),
        id_number_valid: true,
        valid_from: date(2024, 7, 1),
        valid_until: Validity::Until(date(2029, 7, 1)),
        details: CardDetails::HkMacaoTaiwan {
            address: "广东省深圳市福田区福华三路1号".into(),
            issuer: "深圳市公安局".into(),
            pass_number: "H12345678".into(),
            issue_count: 1,
        },
    }
}

/// The identity behind [`SampleCard::foreign_permanent_2023`]: a 2023 card ('Y') of a holder
/// born 1980-01-01, Pakistani (numeric 586, accepted in province 31), renewed once, whose
/// earlier 2017 card is linked (an English name longer than 35 characters, so both of its
/// parts are used).
pub fn sample_foreign_permanent_2023() -> Identity {
    Identity {
        kind: CardKind::ForeignPermanent2023,
        name: "样本".into(),
        sex: Sex::Female,
        birth: date(1980, 1, 1),
        id_number: with_check("93158619800101002"),
        id_number_valid: true,
        valid_from: date(2024, 8, 8),
        valid_until: Validity::Until(date(2034, 8, 7)),
        details: CardDetails::ForeignPermanent2023 {
            name_en: "ZHENGJIAN-YANGBEN, MUHAMMAD ABDULLAH AL RASHID".into(),
            nationality: "PAK".into(),
            renewal_count: 1,
            previous_number: Some("PAK310180010126".into()),
        },
    }
}
