//! Unit tests of [`super`]: text blocks of the three card types, dates, nations and ID
//! numbers.

use super::*;

#[test]
fn c1_check_digit_known_numbers() {
    // The GB 11643 textbook example.
    assert_eq!(check_digit("11010519491231002"), Some('X'));
    assert_eq!(
        validate_id_number("11010519491231002X"),
        Ok(IdNumberKind::Resident)
    );
    assert_eq!(
        validate_id_number("11010519491231002x"),
        Ok(IdNumberKind::Resident)
    );
    assert_eq!(check_digit("44052418800101001"), Some('4'));
    assert_eq!(
        validate_id_number("440524188001010014"),
        Ok(IdNumberKind::Resident)
    );
    assert_eq!(
        validate_id_number("440524188001010015"),
        Err(IdNumberError::BadCheckDigit {
            expected: '4',
            found: '5'
        })
    );
    assert_eq!(check_digit("1101051949123100"), None);
    assert_eq!(check_digit("1101051949123100A"), None);
}

#[test]
fn c1_check_digit_rejects_bad_shapes() {
    assert_eq!(validate_id_number(""), Err(IdNumberError::Length(0)));
    assert_eq!(
        validate_id_number("11010519491331002X"),
        Err(IdNumberError::BadBirthDate)
    );
    assert_eq!(
        validate_id_number("1101051949123100XX"),
        Err(IdNumberError::BadCharacter(16))
    );
    assert_eq!(
        validate_id_number("usa110085031201"),
        Err(IdNumberError::BadCharacter(0))
    );
    assert!(validate_id_number("张三李四王五赵六钱七孙八周九吴十郑甲乙").is_err());
}

#[test]
fn c1_check_digit_other_schemes() {
    let hk = format!(
        "81000019900101123{}",
        check_digit("81000019900101123").unwrap()
    );
    assert_eq!(validate_id_number(&hk), Ok(IdNumberKind::HkMacaoTaiwan));
    // 2023 PR: 9 + province 11 + nationality 840 + birth + seq + check.
    let pr = format!(
        "91184019800101001{}",
        check_digit("91184019800101001").unwrap()
    );
    assert_eq!(
        validate_id_number(&pr),
        Ok(IdNumberKind::ForeignPermanent2023)
    );
    assert_eq!(
        validate_id_number("USA110085031201"),
        Ok(IdNumberKind::ForeignPermanentLegacy)
    );
}

#[test]
fn c1_dates_and_validity() {
    assert_eq!(Date::parse_compact("20240229"), Date::new(2024, 2, 29));
    assert!(Date::parse_compact("20230229").is_none());
    assert!(Date::parse_compact("2023-1-1").is_none());
    assert!(Date::parse_compact("２０２３０１０１").is_none());
    let d = Date::new(2030, 1, 31).unwrap();
    assert_eq!(d.to_string(), "2030-01-31");
    assert_eq!(d.to_compact(), "20300131");
    assert_eq!(Validity::parse("x", "长期"), Ok(Validity::LongTerm));
    assert!(Validity::parse("x", "永久").is_err());
}

#[test]
fn c1_nation_table_has_56_nations_plus_two() {
    assert_eq!(Nation::all().count(), 58);
    assert_eq!(Nation::all().filter(|n| n.code <= 56).count(), 56);
    assert_eq!(
        Nation::parse("01").map(|n| n.display_name()),
        Some("汉族".into())
    );
    assert_eq!(Nation::parse("56").map(|n| n.name), Some("基诺"));
    assert_eq!(
        Nation::parse("98").map(|n| n.display_name()),
        Some("外国血统中国籍人士".into())
    );
    assert!(Nation::parse("57").is_none());
    assert!(Nation::parse("1").is_none());
    assert!(Nation::parse("+1").is_none());
    assert_eq!(Sex::from_code("2").map(Sex::name), Some("女"));
    assert!(Sex::from_code("3").is_none());
}

#[test]
fn c1_ucs2_fields_trim_and_survive_garbage() {
    let f = encode_ucs2_field("长期", 16);
    assert_eq!(f.len(), 16);
    assert_eq!(decode_ucs2(&f).trim(), "长期");
    // Lone surrogate and odd length never panic.
    assert_eq!(decode_ucs2(&[0x00, 0xD8, 0x41]), "\u{FFFD}");
    assert!(parse_text(&[0xFF; 256]).is_err());
    assert_eq!(parse_text(&[0; 10]), Err(IdentityError::TextLength(10)));
}

/// A block built field by field at the documented offsets, independent of the simulator.
fn block(fields: &[(usize, usize, &str)]) -> Vec<u8> {
    let mut b = encode_ucs2_field("", TEXT_LEN);
    for &(offset, len, s) in fields {
        b.splice(offset..offset + len, encode_ucs2_field(s, len));
    }
    b
}

#[test]
fn c1_resident_block_parses() {
    let b = block(&[
        (0, 30, "王小明"),
        (30, 2, "1"),
        (32, 4, "05"),
        (36, 16, "20000229"),
        (52, 70, "新疆维吾尔自治区乌鲁木齐市天山区1号"),
        (122, 36, "65010220000229001X"),
        (158, 30, "乌鲁木齐市公安局天山区分局"),
        (188, 16, "20180101"),
        (204, 16, "20280101"),
    ]);
    let id = parse_text(&b).unwrap();
    assert_eq!(id.kind, CardKind::Resident);
    assert_eq!(id.name, "王小明");
    assert_eq!(id.sex, Sex::Male);
    assert_eq!(id.birth, Date::new(2000, 2, 29).unwrap());
    assert_eq!(
        id.valid_until,
        Validity::Until(Date::new(2028, 1, 1).unwrap())
    );
    assert_eq!(
        validate_id_number(&id.id_number).is_ok(),
        id.id_number_valid
    );
    match id.details {
        CardDetails::Resident { nation, .. } => assert_eq!(nation.name, "维吾尔"),
        other => panic!("{other:?}"),
    }
    assert!(!id.is_expired(Date::new(2028, 1, 1).unwrap()));
    assert!(id.is_expired(Date::new(2028, 1, 2).unwrap()));
}

#[test]
fn c1_foreign_permanent_block_parses_and_falls_back_to_the_english_name() {
    let b = block(&[
        (0, 120, "MUELLER ANNA"),
        (120, 2, "2"),
        (122, 30, "DEU310089101501"),
        (152, 6, "DEU"),
        (188, 16, "20190301"),
        (204, 16, "20290301"),
        (220, 16, "19891015"),
        (236, 4, "01"),
        (240, 8, "3100"),
        (248, 2, "I"),
    ]);
    let id = parse_text(&b).unwrap();
    assert_eq!(id.kind, CardKind::ForeignPermanent);
    assert_eq!(id.name, "");
    assert_eq!(id.display_name(), "MUELLER ANNA");
    assert_eq!(id.sex, Sex::Female);
    assert_eq!(id.birth, Date::new(1989, 10, 15).unwrap());
    assert!(id.id_number_valid);
}

#[test]
fn c1_hk_macao_taiwan_block_parses_with_long_term_validity() {
    let number = format!(
        "83000019750505002{}",
        check_digit("83000019750505002").unwrap()
    );
    let b = block(&[
        (0, 30, "林美玲"),
        (30, 2, "2"),
        (36, 16, "19750505"),
        (52, 70, "福建省厦门市思明区1号"),
        (122, 36, &number),
        (158, 30, "厦门市公安局"),
        (188, 16, "20200101"),
        (204, 16, "长期"),
        (220, 18, "T0123456"),
        (238, 4, "03"),
        (248, 2, "J"),
    ]);
    let id = parse_text(&b).unwrap();
    assert_eq!(id.kind, CardKind::HkMacaoTaiwan);
    assert_eq!(id.valid_until, Validity::LongTerm);
    assert!(!id.is_expired(Date::new(2100, 1, 1).unwrap()));
    assert_eq!(
        validate_id_number(&id.id_number),
        Ok(IdNumberKind::HkMacaoTaiwan)
    );
    match id.details {
        CardDetails::HkMacaoTaiwan {
            pass_number,
            issue_count,
            ..
        } => {
            assert_eq!(pass_number, "T0123456");
            assert_eq!(issue_count, 3);
        }
        other => panic!("{other:?}"),
    }
}

/// A 2023 permanent-residence card's text block, field by field as the published layout
/// places them (see `parse_foreign_2023`).
fn block_2023(name_en_head: &str, name_en_tail: &str, link: &str, number: &str) -> Vec<u8> {
    block(&[
        (0, 30, "证件样本"),
        (30, 2, "2"),
        (32, 4, "00"),
        (36, 16, "19800101"),
        (52, 70, name_en_head),
        (122, 36, number),
        (188, 16, "20230808"),
        (204, 16, "20330807"),
        (220, 22, name_en_tail),
        (242, 6, "PAK"),
        (248, 2, "Y"),
        (250, 6, link),
    ])
}

#[test]
fn i16_2023_permanent_residence_block_decodes_with_its_fields() {
    let number = format!(
        "93158619800101002{}",
        check_digit("93158619800101002").unwrap()
    );
    assert_eq!(
        number, "931586198001010028",
        "the sample number of the rules"
    );
    let id = parse_text(&block_2023("ZHENGJIAN, YANGBEN", "", "", &number)).unwrap();
    assert_eq!(id.kind, CardKind::ForeignPermanent2023);
    assert_eq!(id.kind.marker(), 'Y');
    assert_eq!(id.name, "证件样本");
    assert_eq!(id.sex, Sex::Female);
    assert_eq!(id.birth, Date::new(1980, 1, 1).unwrap());
    assert_eq!(id.id_number, number);
    assert!(id.id_number_valid);
    assert_eq!(id.valid_from, Date::new(2023, 8, 8).unwrap());
    assert_eq!(
        id.valid_until,
        Validity::Until(Date::new(2033, 8, 7).unwrap())
    );
    assert_eq!(
        id.details,
        CardDetails::ForeignPermanent2023 {
            name_en: "ZHENGJIAN, YANGBEN".into(),
            nationality: "PAK".into(),
            renewal_count: 0,
            previous_number: None,
        }
    );
    // No Chinese name: the English one is shown.
    let mut b = block_2023("ZHENGJIAN, YANGBEN", "", "", &number);
    b.splice(0..30, encode_ucs2_field("", 30));
    assert_eq!(parse_text(&b).unwrap().display_name(), "ZHENGJIAN, YANGBEN");
}

#[test]
fn i16_2023_card_joins_a_long_english_name_and_derives_the_earlier_number() {
    let number = format!(
        "93158619800101002{}",
        check_digit("93158619800101002").unwrap()
    );
    // 46 characters cut after the 35th; the 36th is a space, which must survive the join.
    let (head, tail) = ("ABCDEFGHIJ ABCDEFGHIJ ABCDEFGHIJ AB", " CDEFGHIJ K");
    assert_eq!((head.chars().count(), tail.chars().count()), (35, 11));
    let id = parse_text(&block_2023(head, tail, "012", &number)).unwrap();
    match &id.details {
        CardDetails::ForeignPermanent2023 {
            name_en,
            previous_number,
            ..
        } => {
            assert_eq!(name_en, "ABCDEFGHIJ ABCDEFGHIJ ABCDEFGHIJ AB CDEFGHIJ K");
            // PAK · 31 (province) · 01 (link) · 800101 (birth) · 2 (link) · check.
            assert_eq!(previous_number.as_deref(), Some("PAK310180010126"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        previous_number(&number, "PAK", "012"),
        Some("PAK310180010126".into())
    );
    assert_eq!(previous_number(&number, "PAK", ""), None);
}

#[test]
fn i16_2023_card_with_an_odd_link_or_a_resident_number_is_caught() {
    let number = format!(
        "93158619800101002{}",
        check_digit("93158619800101002").unwrap()
    );
    // A link not shaped like the sample's: the card is read, without an earlier number.
    match parse_text(&block_2023("A B", "", "0X2", &number))
        .unwrap()
        .details
    {
        CardDetails::ForeignPermanent2023 {
            previous_number, ..
        } => assert_eq!(previous_number, None),
        other => panic!("{other:?}"),
    }
    let mut renewals = block_2023("A B", "", "", &number);
    renewals.splice(32..36, encode_ucs2_field("?1", 4));
    assert!(matches!(
        parse_text(&renewals),
        Err(IdentityError::InvalidField { field, .. }) if field == "换证次数"
    ));
    // A resident's number on a 'Y' card is flagged, not silently taken for a foreigner's.
    let resident = parse_text(&block_2023("A B", "", "", "11010519491231002X")).unwrap();
    assert!(!resident.id_number_valid);
}

#[test]
fn c1_bad_blocks_are_typed_errors() {
    assert!(matches!(
        parse_text(&block(&[(248, 2, "Z")])),
        Err(IdentityError::UnknownCardType(t)) if t == "Z"
    ));
    let base = [
        (30, 2, "1"),
        (32, 4, "01"),
        (36, 16, "19900101"),
        (188, 16, "20200101"),
        (204, 16, "20300101"),
    ];
    assert!(parse_text(&block(&base)).is_ok());
    let mut bad_nation = base;
    bad_nation[1] = (32, 4, "99");
    assert!(matches!(
        parse_text(&block(&bad_nation)),
        Err(IdentityError::InvalidField {
            field: "民族", ..
        })
    ));
    let mut bad_sex = base;
    bad_sex[0] = (30, 2, "5");
    assert!(matches!(
        parse_text(&block(&bad_sex)),
        Err(IdentityError::InvalidField {
            field: "性别", ..
        })
    ));
    let mut bad_date = base;
    bad_date[4] = (204, 16, "2030-1-1");
    assert!(parse_text(&block(&bad_date)).is_err());
}

struct FakeDecoder;
impl PhotoDecoder for FakeDecoder {
    fn decode(&self, wlt: &[u8]) -> Result<DecodedPhoto, String> {
        if wlt.len() != WLT_LEN {
            return Err("bad size".into());
        }
        Ok(DecodedPhoto {
            width: PHOTO_WIDTH,
            height: PHOTO_HEIGHT,
            bgr: vec![0; 38_556],
        })
    }
}

#[test]
fn c1_photo_without_decoder_is_none_for_the_placeholder() {
    let photo = WltPhoto(vec![0; WLT_LEN]);
    assert!(photo.decode(None).is_none());
    let decoded = photo.decode(Some(&FakeDecoder)).unwrap();
    assert_eq!(decoded.bgr.len(), 102 * 126 * 3);
    assert!(WltPhoto(vec![0; 3]).decode(Some(&FakeDecoder)).is_none());
}
