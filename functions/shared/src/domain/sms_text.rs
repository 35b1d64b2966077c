//! How many segments a text message costs (GSM 03.38 / 3GPP TS 23.038 and TS 23.040's
//! concatenation). A text is billed, and may arrive out of order or in part, per segment, and
//! API.md caps a message at 2 GSM-7 segments or 3 UCS-2 ones; the bodies in `texts` are tested
//! against this count.
//!
//! - A body whose every character is in the GSM 7-bit default alphabet (or its extension table)
//!   is sent in GSM-7: 160 septets in one message, 153 per segment once it is split (the other 7
//!   carry the concatenation header). An extension character (`€`, `[`, `{`, `~`, …) is an escape
//!   and a character: 2 septets, never split across two segments.
//! - Any other character sends the whole body in UCS-2 (UTF-16 in practice): 70 code units in
//!   one message, 67 per segment. A character outside the BMP (most emoji) is a surrogate pair:
//!   2 units, never split across two segments.

/// The GSM 7-bit default alphabet, less the escape (0x1B) that opens the extension table.
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table's characters: each is sent as the escape and itself, 2 septets.
const GSM7_EXTENSION: &str = "\u{c}^{}\\[~]|€";

const GSM7_SINGLE: usize = 160;
const GSM7_PER_SEGMENT: usize = 153;
const UCS2_SINGLE: usize = 70;
const UCS2_PER_SEGMENT: usize = 67;

/// The most segments a message may take (API.md, "Phones"): 2 in GSM-7 (306 characters), 3 in
/// UCS-2 (201 units).
pub const MAX_GSM7_SEGMENTS: usize = 2;
pub const MAX_UCS2_SEGMENTS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// What a body costs: its encoding, its length in that encoding's units (septets for GSM-7,
/// UTF-16 code units for UCS-2) and the segments it is sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    pub encoding: Encoding,
    pub units: usize,
    pub count: usize,
}

impl Segments {
    /// Whether the body is within API.md's cap for its encoding.
    pub fn within_limit(&self) -> bool {
        self.count
            <= match self.encoding {
                Encoding::Gsm7 => MAX_GSM7_SEGMENTS,
                Encoding::Ucs2 => MAX_UCS2_SEGMENTS,
            }
    }
}

/// Septets a character costs in GSM-7, or `None` when GSM-7 cannot carry it.
fn gsm7_septets(c: char) -> Option<usize> {
    if GSM7_BASIC.contains(c) {
        Some(1)
    } else if GSM7_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// GSM-7 when every character has a septet form, UCS-2 otherwise.
pub fn encoding_of(body: &str) -> Encoding {
    if body.chars().all(|c| gsm7_septets(c).is_some()) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

/// The segments `body` is sent in. An empty body is still one (empty) message.
pub fn segments(body: &str) -> Segments {
    let encoding = encoding_of(body);
    let (single, per_segment) = match encoding {
        Encoding::Gsm7 => (GSM7_SINGLE, GSM7_PER_SEGMENT),
        Encoding::Ucs2 => (UCS2_SINGLE, UCS2_PER_SEGMENT),
    };
    let cost = |c: char| match encoding {
        Encoding::Gsm7 => gsm7_septets(c).unwrap_or(1),
        Encoding::Ucs2 => c.len_utf16(),
    };
    let units = body.chars().map(cost).sum();
    if units <= single {
        return Segments {
            encoding,
            units,
            count: 1,
        };
    }
    // Filled character by character, so an escape pair or a surrogate pair that does not fit
    // in what is left of a segment starts the next one.
    let (mut count, mut filled) = (1, 0);
    for c in body.chars() {
        let c = cost(c);
        if filled + c > per_segment {
            count += 1;
            filled = 0;
        }
        filled += c;
    }
    Segments {
        encoding,
        units,
        count,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gsm(units: usize, count: usize) -> Segments {
        Segments {
            encoding: Encoding::Gsm7,
            units,
            count,
        }
    }

    fn ucs2(units: usize, count: usize) -> Segments {
        Segments {
            encoding: Encoding::Ucs2,
            units,
            count,
        }
    }

    #[test]
    fn the_alphabet_is_gsm_03_38s_128_less_the_escape_and_its_10_extensions() {
        assert_eq!(GSM7_BASIC.chars().count(), 127);
        assert_eq!(GSM7_EXTENSION.chars().count(), 10);
        let all: std::collections::HashSet<char> =
            GSM7_BASIC.chars().chain(GSM7_EXTENSION.chars()).collect();
        assert_eq!(all.len(), 137, "no character twice");
        assert_eq!(encoding_of(GSM7_BASIC), Encoding::Gsm7);
        assert_eq!(encoding_of(GSM7_EXTENSION), Encoding::Gsm7);
    }

    #[test]
    fn characters_outside_gsm_7_make_the_whole_body_ucs_2() {
        for c in ["á", "ç", "Ł", "ó", "`", "\t", "’", "…", "🔧", "ß̈"] {
            assert_eq!(encoding_of(&format!("Hello {c}")), Encoding::Ucs2, "{c:?}");
        }
        assert_eq!(encoding_of("Ça coûte 5€"), Encoding::Ucs2, "û is not GSM-7");
        assert_eq!(encoding_of("Ça va? 5€ [ok] ~ {x} ^ | \\"), Encoding::Gsm7);
    }

    #[test]
    fn one_gsm_message_holds_160_septets_and_a_split_one_153_per_segment() {
        assert_eq!(segments(""), gsm(0, 1));
        assert_eq!(segments(&"a".repeat(160)), gsm(160, 1));
        assert_eq!(segments(&"a".repeat(161)), gsm(161, 2));
        assert_eq!(segments(&"a".repeat(306)), gsm(306, 2));
        assert_eq!(segments(&"a".repeat(307)), gsm(307, 3));
        assert_eq!(segments(&"a".repeat(459)), gsm(459, 3));
        assert_eq!(segments(&"a".repeat(460)), gsm(460, 4));
    }

    #[test]
    fn an_extension_character_costs_two_septets_and_is_never_split() {
        assert_eq!(segments("€"), gsm(2, 1));
        assert_eq!(segments(&format!("{}€", "a".repeat(158))), gsm(160, 1));
        assert_eq!(segments(&format!("{}€", "a".repeat(159))), gsm(161, 2));
        // 151 + 2 fills the first segment exactly...
        assert_eq!(
            segments(&format!("{}€{}", "a".repeat(151), "a".repeat(153))),
            gsm(306, 2)
        );
        // ...one more before it and the escape would straddle the boundary: it moves on, and
        // the same 306 septets need a third segment.
        assert_eq!(
            segments(&format!("{}€{}", "a".repeat(152), "a".repeat(152))),
            gsm(306, 3)
        );
    }

    #[test]
    fn one_ucs_2_message_holds_70_units_and_a_split_one_67_per_segment() {
        assert_eq!(segments(&"Ł".repeat(70)), ucs2(70, 1));
        assert_eq!(segments(&"Ł".repeat(71)), ucs2(71, 2));
        assert_eq!(segments(&"Ł".repeat(134)), ucs2(134, 2));
        assert_eq!(segments(&"Ł".repeat(135)), ucs2(135, 3));
        assert_eq!(segments(&"Ł".repeat(201)), ucs2(201, 3));
        assert_eq!(segments(&"Ł".repeat(202)), ucs2(202, 4));
        // GSM characters in a UCS-2 body cost one unit each, extensions included.
        assert_eq!(segments(&format!("Ł{}€", "a".repeat(68))), ucs2(70, 1));
    }

    #[test]
    fn an_emoji_costs_two_units_and_its_surrogate_pair_is_never_split() {
        assert_eq!(segments("🔧"), ucs2(2, 1));
        assert_eq!(segments(&format!("{}🔧", "a".repeat(68))), ucs2(70, 1));
        assert_eq!(segments(&format!("{}🔧", "a".repeat(69))), ucs2(71, 2));
        assert_eq!(
            segments(&format!("{}🔧{}", "a".repeat(65), "a".repeat(67))),
            ucs2(134, 2)
        );
        assert_eq!(
            segments(&format!("{}🔧{}", "a".repeat(66), "a".repeat(66))),
            ucs2(134, 3)
        );
    }

    #[test]
    fn the_limit_is_two_gsm_or_three_ucs_2_segments() {
        assert!(segments(&"a".repeat(306)).within_limit());
        assert!(!segments(&"a".repeat(307)).within_limit());
        assert!(segments(&"Ł".repeat(201)).within_limit());
        assert!(!segments(&"Ł".repeat(202)).within_limit());
    }
}
