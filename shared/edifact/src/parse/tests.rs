use super::*;
use crate::error::SyntaxErrorCode as C;

const CLEAN: &str = "UNA:+.? 'UNB+UNOC:3+5412345000013:14+8712345000016:14+240105:1030+IC0001++ORDERS'\nUNH+M1+ORDERS:D:96A:UN:EAN008'BGM+220+PO-1+9'UNT+3+M1'\nUNH+M2+ORDERS:D:96A:UN'BGM+220+PO-2+9'UNT+3+M2'\nUNZ+2+IC0001'";

fn codes(errors: &[SyntaxError]) -> Vec<&'static str> {
    errors.iter().map(|e| e.code().code()).collect()
}

#[test]
fn reads_the_header_and_messages_of_a_clean_interchange() {
    let ic = parse_interchange(CLEAN.as_bytes()).unwrap();
    assert!(ic.is_clean(), "{:?}", ic.errors);
    assert!(ic.has_una);
    let h = &ic.header;
    assert_eq!(
        (h.syntax.identifier.as_str(), h.syntax.version),
        ("UNOC", 3)
    );
    assert_eq!(
        (h.sender.id.as_str(), h.sender.qualifier.as_str()),
        ("5412345000013", "14")
    );
    assert_eq!(h.recipient.id, "8712345000016");
    assert_eq!((h.date.as_str(), h.time.as_str()), ("240105", "1030"));
    assert_eq!(h.control_reference, "IC0001");
    assert_eq!(h.application_reference, "ORDERS");
    assert!(!h.test && !h.ack_requested);
    assert_eq!(ic.messages.len(), 2);
    let m = &ic.messages[0];
    assert_eq!(m.reference, "M1");
    assert_eq!(m.identifier.message_type, "ORDERS");
    assert_eq!(m.identifier.release, "96A");
    assert_eq!(m.identifier.association, "EAN008");
    assert_eq!(m.header_position, 2);
    assert_eq!(m.segments[0].tag, "BGM");
    assert_eq!(ic.declared_count, Some(2));
}

#[test]
fn without_una_the_default_delimiters_apply() {
    let text = CLEAN.strip_prefix("UNA:+.? '").unwrap();
    let ic = parse_interchange(text.as_bytes()).unwrap();
    assert!(ic.is_clean());
    assert!(!ic.has_una);
    assert_eq!(ic.delimiters, Delimiters::default());
}

#[test]
fn una_delimiters_and_release_are_honoured() {
    let text = "UNA|^,# ~UNB^UNOC|3^S|ZZZ^R|ZZZ^240105|1030^7~UNH^1^ORDERS|D|96A|UN~FTX^AAI^^^a#^b#|c##~UNT^3^1~UNZ^1^7~";
    let ic = parse_interchange(text.as_bytes()).unwrap();
    assert!(ic.is_clean(), "{:?}", ic.errors);
    assert_eq!(ic.delimiters.decimal, ',');
    assert_eq!(ic.messages[0].segments[0].element(4), "a^b|c#");
}

#[test]
fn syntax_version_4_has_a_repetition_separator_and_eight_digit_dates() {
    let text = "UNB+UNOY:4+S:ZZZ+R:ZZZ+20240105:1030+9'UNH+1+ORDERS:D:01B:UN'FTX+AAI+++x*y'UNT+3+1'UNZ+1+9'";
    let ic = parse_interchange(text.as_bytes()).unwrap();
    assert!(ic.is_clean(), "{:?}", ic.errors);
    assert_eq!(
        ic.messages[0].segments[0]
            .get(4)
            .unwrap()
            .repetitions()
            .len(),
        2
    );
    let v3 = text
        .replace("UNOY:4", "UNOC:3")
        .replace("20240105", "240105");
    let ic = parse_interchange(v3.as_bytes()).unwrap();
    assert_eq!(
        ic.messages[0].segments[0].element(4),
        "x*y",
        "before version 4 * is data"
    );
}

#[test]
fn counts_and_references_are_checked_at_every_level() {
    let text = "UNB+UNOC:3+S:ZZZ+R:ZZZ+240105:1030+9'UNG+ORDERS+S:ZZZ+R:ZZZ+240105:1030+G1+UN+D:96A'UNH+1+ORDERS:D:96A:UN'BGM+220+A'UNT+4+2'UNE+2+G9'UNZ+3+8'";
    let ic = parse_interchange(text.as_bytes()).unwrap();
    let m = &ic.groups[0].messages[0];
    assert_eq!(codes(&m.errors), vec!["29", "28"]);
    let unt = m.errors[0].location().unwrap();
    assert_eq!(
        (unt.tag.as_str(), unt.position, unt.element),
        ("UNT", 3, Some(1))
    );
    assert_eq!(codes(&ic.groups[0].errors), vec!["29", "28"]);
    assert_eq!(codes(&ic.errors), vec!["29", "28"]);
    assert!(ic.errors[0].to_string().contains("groups"));
}

#[test]
fn missing_trailers_duplicates_strays_and_mixing_are_recorded() {
    let text = "UNB+UNOC:3+S:ZZZ+R:ZZZ+240105:1030+9'DTM+137:20240105:102'UNH+1+ORDERS:D:96A:UN'BGM+220+A'UNH+1+ORDERS:D:96A'UNT+2+1'UNG+ORDERS+S+R+240105:1030+G1'UNZ+2+9'XYZ'";
    let ic = parse_interchange(text.as_bytes()).unwrap();
    assert_eq!(codes(&ic.messages[0].errors), vec!["13"]);
    assert!(ic.messages[0].errors[0].to_string().contains("UNT"));
    assert_eq!(codes(&ic.messages[1].errors), vec!["26", "13"]);
    assert_eq!(codes(&ic.groups[0].errors), vec!["13", "32"]);
    assert_eq!(
        ic.errors.iter().map(SyntaxError::code).collect::<Vec<_>>(),
        vec![
            C::OutsideMessage,
            C::GroupsAndMessagesMixed,
            C::OutsideMessage,
            C::ControlCountMismatch
        ]
    );
}

#[test]
fn unreadable_interchanges_are_typed_errors() {
    let cases: Vec<(&[u8], &str)> = vec![
        (b"   ", "13"),
        (b"ISA*00*", "13"),
        (b"UNA:+", "20"),
        (b"UNA::.? 'UNB+UNOC:3'", "20"),
        (b"UNB+UNOC:5+S+R+240105:1030+1'UNZ+0+1'", "2"),
        (b"UNB+UNOX:3+S+R+240105:1030+1'UNZ+0+1'", "2"),
        (b"UNB+UNOA:3+S+R+240105:1030+1'UNH+1+\xe9'UNZ+0+1'", "21"),
        (b"UNB+UNOY:4+S+R+20240105:1030+1'UNH+1+\xff'UNZ+0+1'", "21"),
        (b"UNB+UNOC:3++R+240105:1030+1'UNZ+0+1'", "13"),
        (b"UNB+UNOC:3+S+R+240105:1030+1'UNH+1+ORDERS:D:96A:UN'", "13"),
        (b"UNB+UNOC:3+S+R+240105:1030+1'UNZ+0+1", "13"),
    ];
    for (raw, code) in cases {
        let e = parse_interchange(raw).unwrap_err();
        assert_eq!(
            e.code().code(),
            code,
            "{:?}: {e}",
            String::from_utf8_lossy(raw)
        );
    }
    let e = parse_interchange(b"UNB+UNOC:3+S+R+240105:1030+1'UNZ+0+1").unwrap_err();
    assert!(
        matches!(e, SyntaxError::Unterminated { ref at } if at.tag == "UNZ" && at.position == 2)
    );
}

#[test]
fn latin_1_is_decoded_for_unoc() {
    let text = b"UNB+UNOC:3+S+R+240105:1030+1'UNH+1+ORDERS:D:96A:UN'NAD+DP++++Stra\xdfe 1'UNT+3+1'UNZ+1+1'";
    let ic = parse_interchange(text).unwrap();
    assert_eq!(ic.messages[0].segments[0].element(5), "Straße 1");
}

#[test]
fn limits_are_enforced_before_allocating() {
    let limits = Limits {
        max_bytes: 10,
        ..Limits::default()
    };
    assert!(matches!(
        parse_interchange_with(CLEAN.as_bytes(), &limits),
        Err(SyntaxError::TooLarge { .. })
    ));
    let bomb = format!(
        "UNB+UNOY:4+S+R+20240105:1030+1'UNH+1+ORDERS:D:01B:UN'FTX+{}'UNT+3+1'UNZ+1+1'",
        "x*".repeat(10_000)
    );
    assert_eq!(
        parse_interchange(bomb.as_bytes())
            .unwrap_err()
            .code()
            .code(),
        "35"
    );
}

#[test]
fn the_header_alone_can_be_read_to_address_a_rejection() {
    let (d, h) =
        read_header(b"UNB+UNOC:3+S:14+R:14+240105:1030+77'UNH+1+ORDERS:D:96A:UN'BGM").unwrap();
    assert_eq!(
        (h.sender.id.as_str(), h.control_reference.as_str()),
        ("S", "77")
    );
    assert_eq!(d, Delimiters::default());
    assert!(read_header(b"UNB+UNOC:3").is_err());
}

#[test]
fn the_recipient_password_is_kept_but_never_shown() {
    let text = "UNB+UNOC:3+S+R+240105:1030+1+S3CRET:AA'UNH+1+ORDERS:D:96A:UN'UNT+2+1'UNZ+1+1'";
    let ic = parse_interchange(text.as_bytes()).unwrap();
    assert_eq!(ic.header.recipient_reference, "S3CRET");
    assert!(!format!("{:?}", ic.header).contains("S3CRET"));
    assert!(!format!("{ic:?}").contains("S3CRET"));
    assert!(!serde_json::to_string(&ic).unwrap().contains("S3CRET"));
}
