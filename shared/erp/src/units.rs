//! Units of measure: what channels send (`EA`, `KG`, UN/ECE Rec 20 codes) mapped to the
//! symbols of Tryton's standard units (`product.uom.symbol`).

/// Aliases (upper case) and the Tryton unit symbol they stand for.
const ALIASES: &[(&[&str], &str)] = &[
    (
        &[
            "EA", "EACH", "PC", "PCE", "PCS", "PIECE", "PIECES", "UNIT", "UNITS", "U", "C62",
        ],
        "u",
    ),
    (&["KG", "KGM", "KILOGRAM", "KILOGRAMS"], "kg"),
    (&["G", "GRM", "GRAM", "GRAMS"], "g"),
    (&["LB", "LBR", "LBS", "POUND", "POUNDS"], "lb"),
    (&["OZ", "ONZ", "OUNCE", "OUNCES"], "oz"),
    (&["L", "LTR", "LITER", "LITRE", "LITERS", "LITRES"], "l"),
    (&["GAL", "GLL", "GALLON", "GALLONS"], "gal"),
    (&["M", "MTR", "METER", "METRE", "METERS", "METRES"], "m"),
    (&["CM", "CMT"], "cm"),
    (&["MM", "MMT"], "mm"),
    (&["KM", "KMT"], "km"),
    (&["FT", "FOT", "FOOT", "FEET"], "ft"),
    (&["IN", "INH", "INCH", "INCHES"], "in"),
    (&["YD", "YRD", "YARD", "YARDS"], "yd"),
    (&["MI", "SMI", "MILE", "MILES"], "mi"),
    (&["H", "HR", "HUR", "HOUR", "HOURS"], "h"),
    (&["MIN", "MINUTE", "MINUTES"], "min"),
    (&["D", "DAY", "DAYS"], "d"),
];

/// The Tryton unit symbol for a channel's unit of measure (case-insensitive), e.g. `EA`, `EACH`,
/// `PC`, `PCE`, `UNIT` → `"u"`, `KG` → `"kg"`. `None` for anything not in the table.
pub fn tryton_unit_symbol(uom: &str) -> Option<&'static str> {
    let wanted = uom.trim().to_ascii_uppercase();
    ALIASES
        .iter()
        .find(|(aliases, _)| aliases.contains(&wanted.as_str()))
        .map(|(_, symbol)| *symbol)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_common_aliases() {
        for each in ["EA", "each", "PC", "PCE", "Unit", " ea "] {
            assert_eq!(tryton_unit_symbol(each), Some("u"), "{each}");
        }
        assert_eq!(tryton_unit_symbol("KG"), Some("kg"));
        assert_eq!(tryton_unit_symbol("kgm"), Some("kg"));
        assert_eq!(tryton_unit_symbol("LB"), Some("lb"));
        assert_eq!(tryton_unit_symbol("BOX"), None);
        assert_eq!(tryton_unit_symbol(""), None);
    }
}
