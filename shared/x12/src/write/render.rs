//! Turning segments into text: sanitising values and laying out the fixed-width ISA.

use chrono::NaiveDateTime;

use super::envelope::PartnerId;
use crate::delimiters::Delimiters;

/// Control numbers are at most nine digits.
const CONTROL_MODULUS: u32 = 1_000_000_000;

/// A segment to write: id and simple elements.
pub(crate) struct Out {
    pub id: &'static str,
    pub elements: Vec<String>,
}

/// Builds an [`Out`] from anything displayable.
macro_rules! seg {
    ($id:literal $(, $e:expr)* $(,)?) => {
        crate::write::render::Out { id: $id, elements: vec![$($e.to_string()),*] }
    };
}
pub(crate) use seg;

/// A transaction set to write; ST and SE are added around `body`.
pub(crate) struct SetOut {
    pub id: &'static str,
    /// ST03, the implementation convention reference (`005010X231A1` for a 999); empty for none.
    pub convention: &'static str,
    pub body: Vec<Out>,
}

/// A functional group to write.
pub(crate) struct GroupOut {
    pub functional_id: &'static str,
    pub application_sender: String,
    pub application_receiver: String,
    pub control: u32,
    pub version: String,
    pub sets: Vec<SetOut>,
}

/// The ISA fields that vary.
pub(crate) struct IsaOut<'a> {
    pub sender: &'a PartnerId,
    pub receiver: &'a PartnerId,
    pub version: &'a str,
    pub control: u32,
    pub usage: &'a str,
    pub now: NaiveDateTime,
}

/// A control number as GS06 writes it (1 to 9 digits).
pub(crate) fn control(n: u32) -> u32 {
    n % CONTROL_MODULUS
}

/// Writes a whole interchange. `d` must suit `isa.version` (see [`Delimiters::for_version`]).
pub(crate) fn interchange(d: &Delimiters, isa: &IsaOut<'_>, groups: &[GroupOut]) -> String {
    interchange_with(d, isa, &[], groups)
}

/// Writes a whole interchange with `before_groups` (TA1 segments) between the ISA and the
/// first group, where X12 places interchange acknowledgments.
pub(crate) fn interchange_with(
    d: &Delimiters,
    isa: &IsaOut<'_>,
    before_groups: &[Out],
    groups: &[GroupOut],
) -> String {
    let mut w = Writer {
        d: *d,
        text: String::new(),
    };
    w.isa(isa);
    for segment in before_groups {
        w.segment(segment);
    }
    for group in groups {
        let group_control = control(group.control);
        w.segment(&seg!(
            "GS",
            group.functional_id,
            group.application_sender,
            group.application_receiver,
            // GS04 is YYMMDD before 004010, CCYYMMDD from it.
            isa.now.format(crate::version::date_format(&group.version)),
            isa.now.format("%H%M"),
            group_control,
            "X",
            group.version
        ));
        for (s, set) in group.sets.iter().enumerate() {
            // Unique within the group, which is all X12 asks of ST02.
            let set_control = format!("{:04}", s.saturating_add(1));
            // ST03 (the implementation convention) is written only when there is one.
            w.segment(&seg!("ST", set.id, set_control, set.convention));
            for segment in &set.body {
                w.segment(segment);
            }
            w.segment(&seg!("SE", set.body.len().saturating_add(2), set_control));
        }
        w.segment(&seg!("GE", group.sets.len(), group_control));
    }
    w.segment(&seg!(
        "IEA",
        groups.len(),
        format!("{:09}", control(isa.control))
    ));
    w.text
}

/// A decimal as the X12 `R` type writes it: no exponent, no trailing zeros.
pub(crate) fn number(d: rust_decimal::Decimal) -> String {
    d.normalize().to_string()
}

/// The N1 loop of `party` (N1, N3 per two address lines, N4), or nothing when the party has
/// neither a name nor an id: N1 needs N102 or N103/N104, and an id without its qualifier would
/// break the N103/N104 pairing, so such an id is left out.
pub(crate) fn party(party: &crate::documents::Party) -> Vec<Out> {
    let id = if party.id_qualifier.trim().is_empty() || party.id.trim().is_empty() {
        ("", "")
    } else {
        (party.id_qualifier.as_str(), party.id.as_str())
    };
    if party.name.trim().is_empty() && id.1.is_empty() {
        return Vec::new();
    }
    let mut out = vec![seg!("N1", party.entity, party.name, id.0, id.1)];
    let lines: Vec<&String> = party
        .address_lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
    for pair in lines.chunks(2) {
        out.push(seg!(
            "N3",
            pair[0],
            pair.get(1).map(|l| l.as_str()).unwrap_or("")
        ));
    }
    if !party.city.trim().is_empty() {
        out.push(seg!(
            "N4",
            party.city,
            party.state,
            party.postal_code,
            party.country
        ));
    }
    out
}

/// One interchange holding one group with one set, in `envelope`'s terms: what every document
/// Switchyard starts (855, 846, 856, 810) looks like.
pub(crate) fn single_set(
    envelope: &super::envelope::OutboundEnvelope,
    functional_id: &'static str,
    set_id: &'static str,
    body: Vec<Out>,
) -> String {
    let d = envelope
        .delimiters
        .for_version(&envelope.interchange_version);
    interchange(
        &d,
        &IsaOut {
            sender: &envelope.ours,
            receiver: &envelope.partner,
            version: &envelope.interchange_version,
            control: envelope.control.interchange,
            usage: if envelope.test { "T" } else { "P" },
            now: envelope.now,
        },
        &[GroupOut {
            functional_id,
            application_sender: envelope.application_sender.clone(),
            application_receiver: envelope.application_receiver.clone(),
            control: envelope.control.group,
            version: envelope.group_version.clone(),
            sets: vec![SetOut {
                id: set_id,
                convention: "",
                body,
            }],
        }],
    )
}

struct Writer {
    d: Delimiters,
    text: String,
}

impl Writer {
    fn isa(&mut self, isa: &IsaOut<'_>) {
        let d = self.d;
        let isa11 = d.repetition.map_or('U', char::from);
        let fields = [
            "00".to_string(),
            fixed("", 10, &d),
            "00".to_string(),
            fixed("", 10, &d),
            fixed(&isa.sender.qualifier, 2, &d),
            fixed(&isa.sender.id, 15, &d),
            fixed(&isa.receiver.qualifier, 2, &d),
            fixed(&isa.receiver.id, 15, &d),
            isa.now.format("%y%m%d").to_string(),
            isa.now.format("%H%M").to_string(),
            isa11.to_string(),
            fixed(isa.version, 5, &d),
            format!("{:09}", control(isa.control)),
            "0".to_string(),
            fixed(isa.usage, 1, &d),
            char::from(d.component).to_string(),
        ];
        self.text.push_str("ISA");
        for f in fields {
            self.text.push(char::from(d.element));
            self.text.push_str(&f);
        }
        self.text.push(char::from(d.segment));
    }

    fn segment(&mut self, segment: &Out) {
        // Trailing empty elements are not written, as X12 requires.
        let used = segment
            .elements
            .iter()
            .rposition(|e| !clean(e, &self.d).trim().is_empty())
            .map_or(0, |i| i + 1);
        self.text.push_str(segment.id);
        for e in segment.elements.iter().take(used) {
            self.text.push(char::from(self.d.element));
            self.text.push_str(&clean(e, &self.d));
        }
        self.text.push(char::from(self.d.segment));
    }
}

/// `value` with every delimiter and control character replaced by a space, so data can never
/// end an element or a segment.
pub(crate) fn clean(value: &str, d: &Delimiters) -> String {
    value
        .chars()
        .map(|c| {
            let structural = u8::try_from(c).is_ok_and(|b| d.is_delimiter(b));
            if structural || c.is_control() { ' ' } else { c }
        })
        .collect()
}

/// An ISA field: printable ASCII only, cut or space-padded to exactly `width` bytes.
fn fixed(value: &str, width: usize, d: &Delimiters) -> String {
    let mut out: String = clean(value, d)
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { ' ' })
        .take(width)
        .collect();
    while out.len() < width {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_and_line_breaks_in_data_become_spaces() {
        let d = Delimiters::default_outbound();
        assert_eq!(clean("A*B~C>D^E\r\nF", &d), "A B C D E  F");
        assert_eq!(clean("Müller", &d), "Müller");
    }

    #[test]
    fn isa_fields_are_exactly_their_width() {
        let d = Delimiters::default_outbound();
        assert_eq!(fixed("ACME", 15, &d), "ACME           ");
        assert_eq!(fixed("A-VERY-LONG-SENDER-ID", 15, &d), "A-VERY-LONG-SEN");
        assert_eq!(fixed("Zoë", 5, &d), "Zo   ");
    }

    #[test]
    fn control_numbers_wrap_at_nine_digits() {
        assert_eq!(control(1_000_000_007), 7);
        assert_eq!(control(42), 42);
    }
}
