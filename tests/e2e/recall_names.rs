//! Names as people and systems write them (the recall issue, section 2):
//! one table per variant family, each with positives and decoys, LF and
//! CRLF, through `scan --json`, `scrub` and `verify` (see
//! `support::family`). All people and addresses are fictional.

use crate::support::family::{Family, Line, check};

use Line::{Body, Header};

const JANE: &str = "[[subject]]\nid = \"REQ-N1\"\nnames = [\"Jane Doe\"]\n";

#[test]
fn inverted_with_a_comma() {
    check(&Family {
        name: "inverted",
        request: JANE,
        positives: &[
            (Header("X-cc: Doe, Jane"), "doe, jane"),
            (Header("X-cc: Sera, Sherri, DOE, Jane"), "doe, jane"),
            (Header("Cc: \"Doe, Jane\" <jd@corp.example>"), "doe, jane"),
            (Body("Doe,Jane wrote:"), "doe,jane"),
            (Body("signed: Doe, Jane Q."), "doe, jane q"),
            (Header("X-To: doe,   jane"), "doe, jane"),
        ],
        decoys: &[
            Header("X-cc: Doe, Janet"),
            Header("X-cc: Doeman, Jane"),
            Body("Doe, Janeway and others"),
            Body("Jane, Doe and Roe"),
            Body("John Doe; Jane Roe"),
            Body("Doe, Jan"),
        ],
    });
}

#[test]
fn inverted_display_names_without_a_comma() {
    check(&Family {
        name: "display",
        request: JANE,
        positives: &[
            (Header("To: Doe Jane <jd@corp.example>"), "doe jane"),
            (Header("To: \"Doe Jane\" <jd@corp.example>"), "doe jane"),
            (
                Header("Cc: Ann Poe <ann.poe@corp.example>, Doe Jane <jd@corp.example>"),
                "doe jane",
            ),
            (Header("X-To: DOE JANE"), "doe jane"),
            (Header("From: \"Doe Jane Q\" <jd@corp.example>"), "doe jane"),
        ],
        decoys: &[
            Body("we met Doe Jane yesterday"),
            Header("To: \"Doe Janet\" <jd@corp.example>"),
            Header("To: \"Doe Jane Smith\" <jd@corp.example>"),
            Header("To: Mr Doe Jane <jd@corp.example>"),
            Header("X-Note: Doe Jane rules"),
        ],
    });
}

#[test]
fn middle_names_and_initials() {
    check(&Family {
        name: "middle",
        request: JANE,
        positives: &[
            (Body("Jane Q. Doe"), "jane q. doe"),
            (Body("from Jane Quincy Doe today"), "jane quincy doe"),
            (Header("X-From: Jane Q Doe"), "jane q doe"),
            (Body("JANE Q. R. DOE"), "jane q. r. doe"),
            (Body("Jane Mary-Ann Doe, CEO"), "jane mary-ann doe"),
            (Header("X-cc: Doe, Jane Quincy"), "doe, jane"),
        ],
        decoys: &[
            Body("Jane and Doe went"),
            Body("Janet Q. Doe"),
            Body("Jane Q. Doeman"),
            Body("Jane Quincy Doering"),
            Body("Jane told Doe"),
            Body("Jane 7 Doe"),
        ],
    });
}

#[test]
fn lotus_notes_and_x400_forms() {
    check(&Family {
        name: "notes",
        request: JANE,
        positives: &[
            (Header("X-From: Jane Doe/HOU/ECT@ECT"), "jane doe"),
            (Header("X-To: CN=Jane Doe/OU=HOU/O=ECT@ECT"), "jane doe"),
            (Body("cc: Jane Q Doe/Corp/Enron@ENRON"), "jane q doe"),
            (Body("jane doe/na/enron@enron"), "jane doe"),
            (
                Header("X-cc: Ann Poe/HOU/ECT@ECT, Jane Doe/HOU/ECT@ECT"),
                "jane doe",
            ),
        ],
        decoys: &[
            Header("X-From: Janet Doe/HOU/ECT@ECT"),
            Header("X-To: CN=Jane Doeman/OU=HOU/O=ECT"),
            Body("JaneDoe/HOU/ECT@ECT"),
            Body("CN=MaryJane Doe/O=ECT"),
            Body("Jane Doe2/HOU/ECT"),
        ],
    });
}

#[test]
fn accents_either_way() {
    check(&Family {
        name: "accents",
        request: "[[subject]]\nid = \"REQ-N2\"\nnames = [\"Zoë Müller\"]\n",
        positives: &[
            (Body("Zoe Muller"), "zoe muller"),
            (Body("Zoe Mueller"), "zoe mueller"),
            (Body("ZOË MÜLLER"), "zoë müller"),
            (Body("Zoe\u{308} Mu\u{308}ller"), "zoe\u{308} mu\u{308}ller"),
            (Header("X-cc: Müller, Zoë"), "müller, zoë"),
            (Body("zoé mûller"), "zoé mûller"),
        ],
        decoys: &[
            Body("Zoe Mullerova"),
            Body("Zoey Muller"),
            Body("Chloe Muller"),
            Body("Zoe Mull"),
            Body("Zoë Möller"),
        ],
    });
}

#[test]
fn special_letters_and_transliteration() {
    check(&Family {
        name: "letters",
        request: "[[subject]]\nid = \"REQ-N3\"\nnames = [\"Søren Kjærgård\", \"Łucja Strauß\"]\n",
        positives: &[
            (Body("Soren Kjaergard"), "soren kjaergard"),
            (Body("Soeren Kjaergaard"), "soeren kjaergaard"),
            (Body("SØREN KJÆRGÅRD"), "søren kjærgård"),
            (Body("Lucja Strauss"), "lucja strauss"),
            (Body("ŁUCJA STRAUSS"), "łucja strauss"),
            (Header("X-cc: Strauss, Lucja"), "strauss, lucja"),
        ],
        decoys: &[
            Body("Soren Kjaer"),
            Body("Lucja Straus"),
            Body("Sorenx Kjaergard"),
            Body("Lucja Strausse"),
            Body("Kjaergard Holding"),
        ],
    });
}

#[test]
fn a_request_without_accents_finds_the_accented_form() {
    check(&Family {
        name: "reverse",
        request: "[[subject]]\nid = \"REQ-N4\"\nnames = [\"Karl Mueller\", \"Rene Lefevre\"]\n",
        positives: &[
            (Body("Karl Müller"), "karl müller"),
            (Body("Karl Muller"), "karl muller"),
            (Body("KARL MÜLLER"), "karl müller"),
            (Header("X-cc: Mueller, Karl"), "mueller, karl"),
            (Body("René Lefèvre"), "rené lefèvre"),
        ],
        decoys: &[
            Body("Karla Müller"),
            Body("Karl Müllers"),
            Body("Karl Mull"),
            Body("Carl Mueller"),
            Body("Rene Lefevres"),
        ],
    });
}

#[test]
fn terms_ignore_case_and_accents_not_word_order() {
    check(&Family {
        name: "terms",
        request: "[[subject]]\nid = \"REQ-N5\"\nterms = [\"Café Noir Project\", \"Øresund-7\"]\n",
        positives: &[
            (Body("CAFE NOIR PROJECT"), "cafe noir project"),
            (Body("café noir project"), "café noir project"),
            (Body("Cafe\u{301} Noir Project"), "cafe\u{301} noir project"),
            (Body("ref ORESUND-7."), "oresund-7"),
            (Header("X-Ref: øresund-7"), "øresund-7"),
        ],
        decoys: &[
            Body("Noir Café Project"),
            Body("Project, Café Noir"),
            Body("Cafes Noir Project"),
            Body("Oresund-70"),
            Body("XØresund-7"),
        ],
    });
}

#[test]
fn families_turn_off_in_the_matching_table() {
    check(&Family {
        name: "off",
        request: "[matching]\ninverted = false\nmiddle_names = false\naccents = false\n\
                  transliteration = false\n\n[[subject]]\nid = \"REQ-N6\"\n\
                  names = [\"Jane Doe\", \"Zoë Müller\"]\n",
        positives: &[
            (Body("Jane Doe"), "jane doe"),
            (Body("JANE DOE"), "jane doe"),
            (Body("Zoë Müller"), "zoë müller"),
            (Body("ZOË MÜLLER"), "zoë müller"),
            (Body("Jane Doe/HOU/ECT"), "jane doe"),
        ],
        decoys: &[
            Body("Doe, Jane"),
            Header("To: Doe Jane <jd@corp.example>"),
            Body("Jane Q. Doe"),
            Body("Zoe Muller"),
            Body("Zoe Mueller"),
        ],
    });
}

#[test]
fn joined_into_user_and_folder_names() {
    check(&Family {
        name: "joined",
        request: "[[subject]]\nid = \"REQ-N7\"\nemails = [\"jane.doe@corp.example\"]\n\
                  names = [\"Jane Doe\"]\n",
        positives: &[
            (
                Header("X-Folder: \\Jane_Doe_June2001\\Notes Folders\\Sent"),
                "jane_doe",
            ),
            (Body("write to jane_doe@other.example"), "jane_doe"),
            (Body("path /home/JANE_DOE/mail"), "jane_doe"),
            (Header("X-Origin: x_jane_doe"), "jane_doe"),
            (Body("user: Jane_Doe."), "jane_doe"),
        ],
        decoys: &[
            Body("mjane_doe was here"),
            Body("jane_doe2 logged in"),
            Body("jane_doeman"),
            Body("janet_doe@other.example"),
            Body("jane.doe@other.example"),
        ],
    });
}
