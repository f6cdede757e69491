use super::*;
use crate::error::{envelope_codes, set_codes};

const PO_4010: &[u8] = include_bytes!("../../tests/fixtures/850_crlf_00401.x12");
const TWO_GROUPS_5010: &[u8] = include_bytes!("../../tests/fixtures/850_two_groups_00501.x12");
const LF_TERMINATED: &[u8] = include_bytes!("../../tests/fixtures/850_lf_terminator.x12");

fn text(raw: &[u8]) -> String {
    String::from_utf8(raw.to_vec()).unwrap()
}

/// The fixture with one substring replaced; panics when the substring is absent so a test can
/// never silently check the unmodified fixture.
fn with(raw: &[u8], from: &str, to: &str) -> Vec<u8> {
    let t = text(raw);
    assert!(t.contains(from), "fixture lacks {from:?}");
    t.replacen(from, to, 1).into_bytes()
}

fn set_codes_of(ic: &Interchange) -> Vec<String> {
    ic.groups
        .iter()
        .flat_map(|g| &g.transaction_sets)
        .flat_map(|s| s.errors.iter().map(|e| e.code.clone()))
        .collect()
}

fn group_codes_of(ic: &Interchange) -> Vec<String> {
    ic.groups
        .iter()
        .flat_map(|g| g.errors.iter().map(|e| e.code.clone()))
        .collect()
}

#[test]
fn reads_the_header_and_delimiters_of_a_4010_interchange() {
    let ic = parse_interchange(PO_4010).unwrap();
    assert_eq!(ic.delimiters.element, b'*');
    assert_eq!(ic.delimiters.component, b'>');
    assert_eq!(ic.delimiters.segment, b'~');
    assert_eq!(
        ic.delimiters.repetition, None,
        "00401 has no repetition separator"
    );
    let h = &ic.header;
    assert_eq!(h.sender_qualifier, "ZZ");
    assert_eq!(h.sender_id, "ACMEBUYER");
    assert_eq!(h.receiver_id, "SWITCHYARD");
    assert_eq!(h.control_number, "000000101");
    assert_eq!(h.version, "00401");
    assert_eq!((h.date.as_str(), h.time.as_str()), ("240105", "1030"));
    assert!(!h.ack_requested);
    assert_eq!(h.usage_indicator, "P");
    assert!(ic.is_clean(), "{ic:#?}");
    let group = &ic.groups[0];
    assert_eq!(group.functional_id, "PO");
    assert_eq!(group.control_number, "2001");
    assert_eq!(group.version, "004010");
    assert_eq!(group.declared_set_count, Some(1));
    let set = &group.transaction_sets[0];
    assert_eq!(
        (set.id.as_str(), set.control_number.as_str()),
        ("850", "0001")
    );
    assert_eq!(set.segments.first().unwrap().id(), "BEG", "ST is not kept");
    assert_eq!(set.segments.last().unwrap().id(), "CTT", "SE is not kept");
    assert_eq!(set.segments.len(), 18);
}

#[test]
fn reads_several_groups_and_sets_with_a_repetition_separator() {
    let ic = parse_interchange(TWO_GROUPS_5010).unwrap();
    assert!(ic.is_clean(), "{ic:#?}");
    assert_eq!(ic.delimiters.repetition, Some(b'^'));
    assert_eq!(ic.delimiters.component, b':');
    let counts: Vec<usize> = ic.groups.iter().map(|g| g.transaction_sets.len()).collect();
    assert_eq!(counts, vec![2, 1]);
    let controls: Vec<&str> = ic
        .groups
        .iter()
        .flat_map(|g| &g.transaction_sets)
        .map(|s| s.control_number.as_str())
        .collect();
    assert_eq!(controls, vec!["1001", "1002", "2001"]);
}

#[test]
fn a_line_feed_can_be_the_segment_terminator() {
    let ic = parse_interchange(LF_TERMINATED).unwrap();
    assert_eq!(ic.delimiters.segment, b'\n');
    assert!(ic.is_clean(), "{ic:#?}");
    assert_eq!(
        ic.groups[0].transaction_sets[0].segments[0].element(3),
        "G-9"
    );
}

#[test]
fn repetitions_split_only_from_00402() {
    let ic = parse_interchange(&with(TWO_GROUPS_5010, "N3*12 Market St", "N3*A^B")).unwrap();
    let n3 = &ic.groups[0].transaction_sets[0].segments[2];
    assert_eq!(n3.id(), "N3");
    assert_eq!(n3.element(1), "A");
    assert_eq!(n3.get(1).unwrap().repetitions().len(), 2);
    let ic = parse_interchange(&with(PO_4010, "N3*PO Box 900", "N3*A^B")).unwrap();
    let n3 = &ic.groups[0].transaction_sets[0].segments[7];
    assert_eq!(n3.element(1), "A^B");
}

#[test]
fn tolerates_a_byte_order_mark_and_leading_whitespace() {
    let mut raw = vec![0xEF, 0xBB, 0xBF, b'\r', b'\n', b' '];
    raw.extend_from_slice(PO_4010);
    let ic = parse_interchange(&raw).unwrap();
    assert!(ic.is_clean());
    assert_eq!(ic.groups.len(), 1);
}

#[test]
fn fatal_errors_explain_themselves() {
    assert_eq!(parse_interchange(b"  \n"), Err(InterchangeError::Empty));
    assert!(matches!(
        parse_interchange(b"GS*PO*A*B~"),
        Err(InterchangeError::NotIsa { found }) if found == "GS*"
    ));
    assert_eq!(
        parse_interchange(&PO_4010[..80]),
        Err(InterchangeError::TooShort { len: 80 })
    );
    let shifted = with(PO_4010, "ACMEBUYER      ", "ACMEBUYER     ");
    assert!(matches!(
        parse_interchange(&shifted),
        Err(InterchangeError::IsaLayout {
            position: 50,
            element: 6,
            ..
        })
    ));
    let bad_control = with(PO_4010, "000000101", "00000010A");
    let err = parse_interchange(&bad_control).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ISA13 must be 9 digits (found \"00000010A\")"
    );
    let same_delims = with(PO_4010, "*P*>~", "*P*~~");
    assert!(matches!(
        parse_interchange(&same_delims),
        Err(InterchangeError::Delimiters { .. })
    ));
    let letter = with(PO_4010, "*P*>~", "*P*A~");
    assert!(matches!(
        parse_interchange(&letter),
        Err(InterchangeError::Delimiters { .. })
    ));
    let t = text(PO_4010);
    let truncated = &t[..t.find("IEA").unwrap()];
    assert_eq!(
        parse_interchange(truncated.as_bytes()),
        Err(InterchangeError::MissingIea)
    );
}

#[test]
fn a_5010_interchange_needs_a_real_repetition_separator() {
    let raw = with(TWO_GROUPS_5010, "*^*00501*", "*U*00501*");
    assert!(matches!(
        parse_interchange(&raw),
        Err(InterchangeError::Delimiters { .. })
    ));
}

#[test]
fn a_wrong_segment_count_is_code_4() {
    let ic = parse_interchange(&with(PO_4010, "SE*20*0001", "SE*19*0001")).unwrap();
    assert_eq!(set_codes_of(&ic), vec![set_codes::SEGMENT_COUNT_MISMATCH]);
    let reason = &ic.groups[0].transaction_sets[0].errors[0].reason;
    assert!(
        reason.contains("\"19\"") && reason.contains("has 20"),
        "{reason}"
    );
    assert!(ic.errors.is_empty() && group_codes_of(&ic).is_empty());
}

#[test]
fn mismatched_set_control_numbers_are_code_3() {
    let ic = parse_interchange(&with(PO_4010, "SE*20*0001", "SE*20*0002")).unwrap();
    assert_eq!(set_codes_of(&ic), vec![set_codes::CONTROL_MISMATCH]);
}

#[test]
fn a_missing_se_is_code_2_and_the_next_set_still_parses() {
    let raw = with(TWO_GROUPS_5010, "SE*9*1001~\n", "");
    let ic = parse_interchange(&raw).unwrap();
    let sets = &ic.groups[0].transaction_sets;
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0].errors[0].code, set_codes::TRAILER_MISSING);
    assert!(sets[1].errors.is_empty());
    assert_eq!(sets[1].control_number, "1002");
}

#[test]
fn invalid_st_ids_and_control_numbers_are_codes_6_and_7() {
    let raw = with(PO_4010, "ST*850*0001", "ST*85X*01");
    let raw = String::from_utf8(raw)
        .unwrap()
        .replace("SE*20*0001", "SE*20*01");
    let ic = parse_interchange(raw.as_bytes()).unwrap();
    assert_eq!(
        set_codes_of(&ic),
        vec![set_codes::INVALID_SET_ID, set_codes::INVALID_CONTROL_NUMBER]
    );
}

#[test]
fn a_wrong_group_count_is_code_5_and_a_control_mismatch_code_4() {
    let ic = parse_interchange(&with(PO_4010, "GE*1*2001", "GE*2*2001")).unwrap();
    assert_eq!(
        group_codes_of(&ic),
        vec![envelope_codes::GROUP_COUNT_MISMATCH]
    );
    assert_eq!(ic.groups[0].declared_set_count, Some(2));
    let ic = parse_interchange(&with(PO_4010, "GE*1*2001", "GE*1*2002")).unwrap();
    assert_eq!(
        group_codes_of(&ic),
        vec![envelope_codes::GROUP_CONTROL_MISMATCH]
    );
}

#[test]
fn a_missing_ge_is_code_3() {
    let raw = with(TWO_GROUPS_5010, "GE*2*11~\n", "");
    let ic = parse_interchange(&raw).unwrap();
    assert_eq!(ic.groups.len(), 2);
    assert_eq!(
        group_codes_of(&ic),
        vec![envelope_codes::GROUP_TRAILER_MISSING]
    );
    assert_eq!(ic.groups[0].transaction_sets.len(), 2);
}

#[test]
fn iea_mismatches_are_recorded_on_the_interchange() {
    let ic = parse_interchange(&with(PO_4010, "IEA*1*000000101", "IEA*1*000000102")).unwrap();
    let codes: Vec<&str> = ic.errors.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, vec![envelope_codes::INTERCHANGE_CONTROL_MISMATCH]);
    let ic = parse_interchange(&with(PO_4010, "IEA*1*000000101", "IEA*3*000000101")).unwrap();
    let codes: Vec<&str> = ic.errors.iter().map(|e| e.code.as_str()).collect();
    assert_eq!(codes, vec![envelope_codes::INTERCHANGE_COUNT_MISMATCH]);
    assert!(ic.errors[0].reason.contains("IEA01"));
}

#[test]
fn stray_segments_are_reported_once_per_run() {
    let raw = with(PO_4010, "ST*850*0001", "XX*1~\r\nYY*2~\r\nST*850*0001");
    let ic = parse_interchange(&raw).unwrap();
    assert_eq!(ic.errors.len(), 1);
    assert_eq!(ic.errors[0].code, envelope_codes::INVALID_CONTROL_STRUCTURE);
    assert!(ic.errors[0].reason.contains("XX"));
    assert!(ic.groups[0].transaction_sets[0].errors.is_empty());
}

#[test]
fn content_after_iea_is_reported() {
    let mut raw = PO_4010.to_vec();
    raw.extend_from_slice(b"GS*PO*X*Y~");
    let ic = parse_interchange(&raw).unwrap();
    assert_eq!(ic.errors.len(), 1);
    assert!(ic.errors[0].reason.contains("after the IEA"));
}

#[test]
fn a_carriage_return_terminator_followed_by_line_feeds_is_read() {
    let raw = text(PO_4010).replace("~\r\n", "\r\n");
    let ic = parse_interchange(raw.as_bytes()).unwrap();
    assert_eq!(ic.delimiters.segment, b'\r');
    assert!(ic.is_clean(), "{ic:#?}");
    assert_eq!(ic.groups[0].transaction_sets[0].segments.len(), 18);
}

const PO_3040: &[u8] = include_bytes!("../../tests/fixtures/850_00401_003040_ack_requested.x12");
const TA1_ONLY: &[u8] = include_bytes!("../../tests/fixtures/ta1_received.x12");
const ACK_997: &[u8] = include_bytes!("../../tests/fixtures/997_received.x12");

#[test]
fn a_caret_in_isa11_of_00401_is_the_standards_identifier_and_a_caret_in_data_is_data() {
    let ic = parse_interchange(PO_3040).unwrap();
    assert!(ic.is_clean(), "{ic:#?}");
    assert_eq!(
        ic.delimiters.repetition, None,
        "ISA11 of 00401 is not a separator"
    );
    let n3 = &ic.groups[0].transaction_sets[0].segments[4];
    assert_eq!(n3.id(), "N3");
    assert_eq!(n3.element(2), "Dock^7");
    assert_eq!(n3.get(2).unwrap().repetitions().len(), 1);
    assert!(ic.header.ack_requested, "ISA14 1 asks for a TA1");
}

#[test]
fn every_set_carries_its_group_version() {
    let ic = parse_interchange(PO_3040).unwrap();
    let set = &ic.groups[0].transaction_sets[0];
    assert_eq!(set.version, "003040");
    assert!(set.has_short_dates());
    let ic = parse_interchange(TWO_GROUPS_5010).unwrap();
    assert_eq!(ic.groups[1].transaction_sets[0].version, "005010");
    assert!(!ic.groups[1].transaction_sets[0].has_short_dates());
}

#[test]
fn ta1_segments_before_the_first_group_are_interchange_acknowledgments() {
    let ic = parse_interchange(TA1_ONLY).unwrap();
    assert!(ic.is_clean(), "a TA1 is not a stray segment: {ic:#?}");
    assert_eq!(ic.interchange_acks.len(), 1);
    assert_eq!(ic.interchange_acks[0].element(1), "000000042");
    assert!(ic.groups.is_empty());
    assert!(ic.is_acknowledgment_only());
    assert!(parse_interchange(ACK_997).unwrap().is_acknowledgment_only());
    assert!(!parse_interchange(PO_4010).unwrap().is_acknowledgment_only());
    // A TA1 after a group has begun is out of place.
    let late = with(
        PO_4010,
        "GE*1*2001~",
        "GE*1*2001~\r\nTA1*000000042*240105*1407*A*000~",
    );
    let ic = parse_interchange(&late).unwrap();
    assert!(ic.interchange_acks.is_empty());
    assert_eq!(ic.errors[0].code, envelope_codes::INVALID_CONTROL_STRUCTURE);
}

#[test]
fn fatal_errors_carry_their_ta1_note_code() {
    let code = |raw: &[u8]| parse_interchange(raw).unwrap_err().note_code();
    let t = text(PO_4010);
    assert_eq!(code(&t.as_bytes()[..t.find("IEA").unwrap()]), "023");
    assert_eq!(code(&PO_4010[..80]), "023");
    assert_eq!(code(b"GS*PO*A*B~"), "022");
    assert_eq!(code(&with(PO_4010, "000000101", "00000010A")), "018");
    assert_eq!(
        code(&with(PO_4010, "ACMEBUYER      ", "ACMEBUYER     ")),
        "006",
        "a short ISA06 moves the separator that ends it"
    );
    assert_eq!(
        code(&with(PO_4010, "*240105*1030*", "*241305*1030*")),
        "014"
    );
    assert_eq!(
        code(&with(PO_4010, "*240105*1030*", "*240105*2460*")),
        "015"
    );
    assert_eq!(code(&with(PO_4010, "ISA*00*", "ISA*05*")), "010");
    assert_eq!(code(&with(PO_4010, "*00401*", "*0040A*")), "017");
    assert_eq!(code(&with(PO_4010, "*0*P*", "*2*P*")), "019");
    assert_eq!(code(&with(PO_4010, "*0*P*", "*0*X*")), "020");
    assert_eq!(code(&with(PO_4010, "*P*>~", "*P*A~")), "027");
    assert_eq!(
        code(&with(TWO_GROUPS_5010, "*^*00501*", "*U*00501*")),
        "016"
    );
}

#[test]
fn a_refused_interchange_still_names_its_sender_when_the_isa_can_be_split() {
    let t = text(PO_4010);
    let truncated = &t[..t.find("IEA").unwrap()];
    let h = salvage_header(truncated.as_bytes()).unwrap();
    assert_eq!(
        (h.sender_qualifier.as_str(), h.sender_id.as_str()),
        ("ZZ", "ACMEBUYER")
    );
    assert_eq!(
        (h.receiver_id.as_str(), h.control_number.as_str()),
        ("SWITCHYARD", "000000101")
    );
    assert_eq!(
        (h.date.as_str(), h.time.as_str(), h.version.as_str()),
        ("240105", "1030", "00401")
    );
    let shifted = with(PO_4010, "ACMEBUYER      ", "ACMEBUYER     ");
    assert_eq!(salvage_header(&shifted).unwrap().sender_id, "ACMEBUYER");
    assert_eq!(salvage_header(b"GS*PO*A*B~"), None);
    assert_eq!(salvage_header(b"ISA*00*"), None, "no sender to answer");
    assert_eq!(salvage_header(b""), None);
}

#[test]
fn an_unterminated_last_segment_is_a_truncated_interchange() {
    let t = text(PO_4010);
    let cut = t.trim_end().trim_end_matches('~');
    let err = parse_interchange(cut.as_bytes()).unwrap_err();
    assert!(
        matches!(err, InterchangeError::Unterminated { ref tag, .. } if tag == "IEA"),
        "{err:?}"
    );
    assert_eq!(err.note_code(), crate::error::ta1_codes::PREMATURE_END);
}

#[test]
fn control_characters_in_the_data_are_refused_with_their_segment() {
    let raw = with(PO_4010, "BEG*", "BEG\u{7}*");
    let err = parse_interchange(&raw).unwrap_err();
    assert!(
        matches!(err, InterchangeError::ControlCharacter { byte: 7, .. }),
        "{err:?}"
    );
    assert_eq!(err.note_code(), crate::error::ta1_codes::INVALID_CONTENT);
}

#[test]
fn element_and_repetition_bombs_are_refused_before_they_are_split() {
    let many = format!("REF*ZZ*{}~BEG*", vec!["1"; 150].join("*"));
    let err = parse_interchange(&with(PO_4010, "BEG*", &many)).unwrap_err();
    assert!(
        matches!(err, InterchangeError::TooLarge { limit: 99, .. }),
        "{err:?}"
    );
    let repeated = format!("REF*ZZ*{}~BEG*", vec!["1"; 150].join(">"));
    let err = parse_interchange(&with(PO_4010, "BEG*", &repeated)).unwrap_err();
    assert!(
        matches!(err, InterchangeError::TooLarge { limit: 99, .. }),
        "{err:?}"
    );
    let long = format!("REF*ZZ*{}~BEG*", "X".repeat(9000));
    let err = parse_interchange(&with(PO_4010, "BEG*", &long)).unwrap_err();
    assert!(matches!(err, InterchangeError::TooLarge { .. }), "{err:?}");
    // Well inside the bounds, the same segment reads.
    let fine = format!("REF*ZZ*{}~BEG*", vec!["1"; 20].join("*"));
    assert!(parse_interchange(&with(PO_4010, "BEG*", &fine)).is_ok());
}

// Found by fuzzing (fuzz/ x12_interchange): a GS without a GS06 (or with junk in it) was read as
// a clean group when the GE02 matched it, so the 997 accepted a group it could not even name.
#[test]
fn a_group_without_a_well_formed_gs06_is_refused_with_ak905_code_6() {
    let unnumbered = with(PO_4010, "*1030*2001*X*", "*1030**X*");
    let unnumbered = String::from_utf8(unnumbered)
        .unwrap()
        .replace("GE*1*2001~", "GE*1*~");
    let ic = parse_interchange(unnumbered.as_bytes()).unwrap();
    assert_eq!(
        group_codes_of(&ic),
        vec![envelope_codes::GROUP_CONTROL_SYNTAX]
    );
    assert!(!ic.is_clean());

    for bad in ["A2001", "1234567890"] {
        let ic = parse_interchange(&with(PO_4010, "*2001*X*", &format!("*{bad}*X*"))).unwrap();
        assert!(
            group_codes_of(&ic).contains(&envelope_codes::GROUP_CONTROL_SYNTAX.to_string()),
            "{bad}"
        );
    }
    // A well-formed one is not.
    assert!(parse_interchange(PO_4010).unwrap().is_clean());
}

#[test]
fn an_owned_interchange_parses_as_a_borrowed_one() {
    let mut bom_and_padding = b"\xEF\xBB\xBF \r\n".to_vec();
    bom_and_padding.extend_from_slice(PO_4010);
    let not_utf8 = with(PO_4010, "Acme DC 4", "Acme DC \u{FFFD}");
    let not_utf8: Vec<u8> = String::from_utf8(not_utf8)
        .unwrap()
        .replace('\u{FFFD}', "\u{1}")
        .into_bytes()
        .into_iter()
        .map(|b| if b == 1 { 0xE9 } else { b })
        .collect();
    for raw in [
        PO_4010.to_vec(),
        TWO_GROUPS_5010.to_vec(),
        LF_TERMINATED.to_vec(),
        bom_and_padding,
        not_utf8,
        with(PO_4010, "IEA*1", "XXX*1"),
    ] {
        let borrowed = parse_interchange(&raw);
        let owned = parse_interchange_owned(raw.clone());
        assert_eq!(
            format!("{owned:?}"),
            format!("{borrowed:?}"),
            "{}",
            String::from_utf8_lossy(&raw)
        );
        if let Ok(ic) = owned {
            // Values read from the shared text, not only equal by Debug.
            let set = &ic.groups[0].transaction_sets[0];
            assert_eq!(set.segments[0].id(), "BEG");
        }
    }
}
