//! Enron-like text mail for the `text` profile: small messages (0.5-20 KB),
//! mostly plain English text, long Received chains, quoted replies and
//! signatures with other people's phones and addresses; about 10% in another
//! language and charset, some HTML and quoted-printable, 2% with one small
//! attachment; both planted subjects in about 1% of messages each.

use super::date;
use super::encode;
use super::intl;
use super::mail::{self, Generated, PLANTS, Plant};
use super::rng::Rng;
use super::text::{Cte, Person};

/// A language: its words, phrases and people (native spelling, ASCII spelling).
struct Lang {
    /// Words written between spaces, or (unspaced) pieces joined without them.
    words: &'static [&'static str],
    /// Written without spaces between words (Japanese).
    unspaced: bool,
    greetings: &'static [&'static str],
    closings: &'static [&'static str],
    subjects: &'static [&'static str],
    first: &'static [(&'static str, &'static str)],
    last: &'static [(&'static str, &'static str)],
    /// Phone number formats: `#` is a random digit 1-9, `d` any digit.
    phones: &'static [&'static str],
    /// Postal addresses of offices.
    streets: &'static [&'static str],
}

const EN: Lang = Lang {
    words: &[
        "the",
        "gas",
        "power",
        "deal",
        "desk",
        "trading",
        "schedule",
        "nominations",
        "pipeline",
        "contract",
        "we",
        "need",
        "to",
        "review",
        "before",
        "Friday",
        "thanks",
        "for",
        "your",
        "help",
        "on",
        "this",
        "curve",
        "price",
        "volume",
        "counterparty",
        "credit",
        "legal",
        "meeting",
        "tomorrow",
        "morning",
        "please",
        "let",
        "me",
        "know",
        "if",
        "you",
        "have",
        "any",
        "questions",
        "about",
        "the",
        "agreement",
        "and",
        "of",
        "in",
        "is",
        "it",
        "that",
        "with",
        "from",
        "storage",
        "capacity",
        "transport",
        "invoice",
        "settlement",
        "risk",
        "book",
        "position",
        "update",
        "call",
        "conference",
        "draft",
        "attached",
        "final",
        "version",
        "California",
        "Houston",
        "Portland",
        "market",
        "demand",
        "forecast",
        "weather",
        "could",
        "should",
        "would",
        "will",
        "think",
        "move",
        "ahead",
        "once",
        "signs",
        "off",
        "report",
        "numbers",
        "look",
        "good",
        "but",
        "there",
        "are",
        "still",
        "open",
        "issues",
        "around",
        "pricing",
        "support",
        "team",
        "group",
        "we're",
        "I'm",
    ],
    unspaced: false,
    greetings: &["Hi {},", "{},", "Hello {},", "Dear {},", "{} -"],
    closings: &[
        "Thanks,",
        "Regards,",
        "Best regards,",
        "Thanks again,",
        "Cheers,",
    ],
    subjects: &[
        "gas nominations for June",
        "California update",
        "deal pricing",
        "Q3 forecast",
        "meeting tomorrow",
        "storage contract draft",
        "credit approval",
        "conference call",
        "Houston office move",
        "weekly risk report",
        "counterparty list",
        "lunch?",
    ],
    first: &[
        ("John", "john"),
        ("Sally", "sally"),
        ("Mark", "mark"),
        ("Susan", "susan"),
        ("Kevin", "kevin"),
        ("Louise", "louise"),
        ("Greg", "greg"),
        ("Tana", "tana"),
        ("Vince", "vince"),
        ("Sara", "sara"),
        ("Phil", "phil"),
        ("Kate", "kate"),
        ("Jeff", "jeff"),
        ("Mary", "mary"),
    ],
    last: &[
        ("Arnold", "arnold"),
        ("Beck", "beck"),
        ("Taylor", "taylor"),
        ("Scott", "scott"),
        ("Presto", "presto"),
        ("Kitchen", "kitchen"),
        ("Whalley", "whalley"),
        ("Jones", "jones"),
        ("Kaminski", "kaminski"),
        ("Shackleton", "shackleton"),
        ("Allen", "allen"),
        ("Symes", "symes"),
        ("Dasovich", "dasovich"),
        ("Hain", "hain"),
    ],
    phones: &[
        "+1 713 853 #ddd",
        "(713) 345-#ddd",
        "713.646.#ddd",
        "+1 212 #dd #ddd",
        "+1 415 #dd-#ddd",
    ],
    streets: &[
        "1400 Smith Street, Houston, TX 77002",
        "121 SW Salmon Street, Portland, OR 97204",
        "40 Grosvenor Place, London SW1X 7EN",
    ],
};

const DE: Lang = Lang {
    words: &[
        "der",
        "die",
        "das",
        "und",
        "für",
        "über",
        "Grüße",
        "Besprechung",
        "nächste",
        "Woche",
        "bitte",
        "Rückmeldung",
        "Unterlagen",
        "Vertrag",
        "Änderungen",
        "schön",
        "möglich",
        "Büro",
        "Straße",
        "München",
        "Köln",
        "Termin",
        "heute",
        "morgen",
        "Angebot",
        "Kunde",
        "Lösung",
        "prüfen",
        "schicken",
        "danke",
        "wir",
        "Sie",
        "ist",
        "nicht",
        "noch",
        "auch",
    ],
    unspaced: false,
    greetings: &[
        "Hallo {},",
        "Liebe Grüße vorab, {},",
        "Sehr geehrte Damen und Herren,",
    ],
    closings: &["Viele Grüße", "Mit freundlichen Grüßen", "Beste Grüße"],
    subjects: &[
        "Besprechung nächste Woche",
        "Änderungen am Vertrag",
        "Grüße aus München",
    ],
    first: &[
        ("Jürgen", "juergen"),
        ("Käthe", "kaethe"),
        ("Günter", "guenter"),
        ("Jörg", "joerg"),
        ("Sabine", "sabine"),
        ("Uwe", "uwe"),
    ],
    last: &[
        ("Müller", "mueller"),
        ("Schäfer", "schaefer"),
        ("Weiß", "weiss"),
        ("Krüger", "krueger"),
        ("Hoffmann", "hoffmann"),
        ("Köhler", "koehler"),
    ],
    phones: &["+49 89 #ddd #ddd", "089 #ddd-#ddd", "+49 221 #dd #dd #dd"],
    streets: &[
        "Leopoldstraße 12, 80802 München",
        "Hohe Straße 7, 50667 Köln",
    ],
};

const FR: Lang = Lang {
    words: &[
        "le",
        "la",
        "les",
        "et",
        "pour",
        "réunion",
        "à",
        "été",
        "très",
        "déjà",
        "après",
        "prochaine",
        "semaine",
        "merci",
        "contrat",
        "élément",
        "problème",
        "première",
        "numéro",
        "reçu",
        "préparer",
        "dossier",
        "société",
        "équipe",
        "où",
        "ça",
        "nous",
    ],
    unspaced: false,
    greetings: &["Bonjour {},", "Cher {},", "Madame, Monsieur,"],
    closings: &["Cordialement,", "Bien à vous,", "Merci d'avance,"],
    subjects: &["Réunion de lundi", "Contrat à signer", "Dossier reçu"],
    first: &[
        ("François", "francois"),
        ("Hélène", "helene"),
        ("Jérôme", "jerome"),
        ("Céline", "celine"),
        ("Noël", "noel"),
    ],
    last: &[
        ("Lefèvre", "lefevre"),
        ("Dubois", "dubois"),
        ("Bérenger", "berenger"),
        ("Rousseau", "rousseau"),
        ("Gérard", "gerard"),
    ],
    phones: &["+33 4 #d #d #d #d", "04 #d #d #d #d"],
    streets: &[
        "12 rue de la République, 69002 Lyon",
        "8 quai Gailleton, 69002 Lyon",
    ],
};

const PL: Lang = Lang {
    words: &[
        "dzień",
        "dobry",
        "proszę",
        "umowa",
        "spotkanie",
        "przyszły",
        "tydzień",
        "dziękuję",
        "wysłać",
        "dokumenty",
        "zmiany",
        "będzie",
        "można",
        "także",
        "jeszcze",
        "żeby",
        "który",
        "źródło",
        "ścieżka",
        "łatwo",
        "oferta",
        "klient",
        "rozwiązanie",
        "i",
        "w",
        "na",
        "się",
    ],
    unspaced: false,
    greetings: &["Dzień dobry {},", "Cześć {},", "Szanowni Państwo,"],
    closings: &["Pozdrawiam,", "Z poważaniem,", "Dziękuję,"],
    subjects: &[
        "Spotkanie w przyszły tydzień",
        "Zmiany w umowie",
        "Oferta dla klienta",
    ],
    first: &[
        ("Łukasz", "lukasz"),
        ("Małgorzata", "malgorzata"),
        ("Wojciech", "wojciech"),
        ("Agnieszka", "agnieszka"),
    ],
    last: &[
        ("Wiśniewski", "wisniewski"),
        ("Kowalczyk", "kowalczyk"),
        ("Zieliński", "zielinski"),
        ("Wójcik", "wojcik"),
    ],
    phones: &["+48 22 #dd #d #d", "22 #dd #d #d"],
    streets: &["ul. Marszałkowska 104, 00-017 Warszawa"],
};

const CS: Lang = Lang {
    words: &[
        "dobrý",
        "den",
        "prosím",
        "smlouva",
        "schůzka",
        "příští",
        "týden",
        "děkuji",
        "poslat",
        "dokumenty",
        "změny",
        "bude",
        "možné",
        "také",
        "ještě",
        "řešení",
        "nabídka",
        "zákazník",
        "a",
        "v",
        "na",
        "se",
        "že",
        "už",
        "čas",
    ],
    unspaced: false,
    greetings: &["Dobrý den {},", "Ahoj {},", "Vážení,"],
    closings: &["S pozdravem,", "Děkuji,", "Hezký den,"],
    subjects: &[
        "Schůzka příští týden",
        "Změny ve smlouvě",
        "Nabídka pro zákazníka",
    ],
    first: &[
        ("Jiří", "jiri"),
        ("Kateřina", "katerina"),
        ("Tomáš", "tomas"),
        ("Lucie", "lucie"),
    ],
    last: &[
        ("Dvořák", "dvorak"),
        ("Novotná", "novotna"),
        ("Černý", "cerny"),
        ("Procházka", "prochazka"),
    ],
    phones: &["+420 2#d #dd #dd", "+420 6#d #dd #dd"],
    streets: &["Václavské náměstí 21, 110 00 Praha 1"],
};

const EL: Lang = Lang {
    words: &[
        "καλημέρα",
        "σας",
        "ευχαριστώ",
        "συνάντηση",
        "την",
        "επόμενη",
        "εβδομάδα",
        "σύμβαση",
        "παρακαλώ",
        "στείλτε",
        "έγγραφα",
        "αλλαγές",
        "είναι",
        "και",
        "για",
        "με",
        "στο",
        "πελάτης",
        "προσφορά",
        "λύση",
        "σήμερα",
        "αύριο",
    ],
    unspaced: false,
    greetings: &["Καλημέρα {},", "Αγαπητέ {},", "Γεια σου {},"],
    closings: &["Με εκτίμηση,", "Ευχαριστώ,", "Φιλικά,"],
    subjects: &["Συνάντηση την επόμενη εβδομάδα", "Αλλαγές στη σύμβαση"],
    first: &[
        ("Γιώργος", "giorgos"),
        ("Ελένη", "eleni"),
        ("Νίκος", "nikos"),
        ("Μαρία", "maria"),
    ],
    last: &[
        ("Παπαδόπουλος", "papadopoulos"),
        ("Οικονόμου", "oikonomou"),
        ("Γεωργίου", "georgiou"),
        ("Αλεξίου", "alexiou"),
    ],
    phones: &["+30 210 #dd #ddd", "210 #dd #ddd"],
    streets: &["Λεωφόρος Κηφισίας 44, 151 25 Μαρούσι"],
};

const RU: Lang = Lang {
    words: &[
        "добрый",
        "день",
        "спасибо",
        "встреча",
        "на",
        "следующей",
        "неделе",
        "договор",
        "пожалуйста",
        "отправьте",
        "документы",
        "изменения",
        "это",
        "и",
        "для",
        "с",
        "в",
        "клиент",
        "предложение",
        "решение",
        "сегодня",
        "завтра",
        "привет",
    ],
    unspaced: false,
    greetings: &["Добрый день, {}!", "Здравствуйте, {}!", "Привет, {}!"],
    closings: &["С уважением,", "Спасибо,", "Всего доброго,"],
    subjects: &[
        "Встреча в пятницу",
        "Изменения в договоре",
        "Предложение для клиента",
    ],
    first: &[
        ("Дмитрий", "dmitry"),
        ("Ольга", "olga"),
        ("Сергей", "sergey"),
        ("Анна", "anna"),
    ],
    last: &[
        ("Смирнов", "smirnov"),
        ("Кузнецова", "kuznetsova"),
        ("Попов", "popov"),
        ("Волкова", "volkova"),
    ],
    phones: &["+7 495 #dd-#d-#d", "+7 812 #dd-#d-#d"],
    streets: &["ул. Тверская, д. 7, Москва, 125009"],
};

const JA: Lang = Lang {
    words: &[
        "お世話になっております。",
        "会議",
        "の",
        "資料",
        "を",
        "確認",
        "して",
        "ください。",
        "来週",
        "予定",
        "報告書",
        "担当者",
        "契約",
        "送付",
        "添付",
        "修正",
        "本日",
        "明日",
        "打ち合わせ",
        "について",
        "よろしく",
        "お願いします。",
        "ご連絡",
        "返信",
        "変更",
        "日程",
        "調整",
        "可能",
        "以下",
        "内容",
        "ありがとうございます。",
        "営業部",
        "東京",
        "大阪",
    ],
    unspaced: true,
    greetings: &["{}様", "{}さん", "各位"],
    closings: &["よろしくお願いいたします。", "以上です。"],
    subjects: &["会議の議事録", "来週の打ち合わせ", "契約書の修正"],
    first: &[
        ("花子", "hanako"),
        ("太郎", "taro"),
        ("美咲", "misaki"),
        ("翔太", "shota"),
        ("直樹", "naoki"),
        ("由美", "yumi"),
    ],
    last: &[
        ("田中", "tanaka"),
        ("鈴木", "suzuki"),
        ("高橋", "takahashi"),
        ("渡辺", "watanabe"),
        ("伊藤", "ito"),
        ("山本", "yamamoto"),
    ],
    phones: &["+81 3-#ddd-#ddd", "03-#ddd-#ddd", "+81 6-#ddd-#ddd"],
    streets: &["東京都千代田区丸の内1-1-1", "大阪府大阪市北区梅田2-4-9"],
};

/// How a message body is written: language, charset, transfer encodings.
struct Variant {
    lang: &'static Lang,
    charset: &'static str,
    ctes: &'static [Cte],
}

/// English bodies in the labels English mail carries (ASCII text).
const ENGLISH: [Variant; 3] = [
    Variant {
        lang: &EN,
        charset: "us-ascii",
        ctes: &[Cte::SevenBit],
    },
    Variant {
        lang: &EN,
        charset: "iso-8859-1",
        ctes: &[Cte::QuotedPrintable, Cte::SevenBit],
    },
    Variant {
        lang: &EN,
        charset: "utf-8",
        ctes: &[Cte::SevenBit, Cte::QuotedPrintable],
    },
];

/// Non-ASCII bodies: languages in the charsets and encodings clients use.
const OTHER: [Variant; 13] = [
    Variant {
        lang: &DE,
        charset: "utf-8",
        ctes: &[Cte::EightBit, Cte::QuotedPrintable],
    },
    Variant {
        lang: &DE,
        charset: "iso-8859-1",
        ctes: &[Cte::QuotedPrintable, Cte::EightBit],
    },
    Variant {
        lang: &FR,
        charset: "utf-8",
        ctes: &[Cte::QuotedPrintable, Cte::Base64],
    },
    Variant {
        lang: &FR,
        charset: "windows-1252",
        ctes: &[Cte::QuotedPrintable, Cte::EightBit],
    },
    Variant {
        lang: &PL,
        charset: "iso-8859-2",
        ctes: &[Cte::QuotedPrintable],
    },
    Variant {
        lang: &CS,
        charset: "iso-8859-2",
        ctes: &[Cte::QuotedPrintable, Cte::EightBit],
    },
    Variant {
        lang: &EL,
        charset: "utf-8",
        ctes: &[Cte::Base64, Cte::EightBit],
    },
    Variant {
        lang: &RU,
        charset: "utf-8",
        ctes: &[Cte::EightBit, Cte::Base64],
    },
    Variant {
        lang: &RU,
        charset: "koi8-r",
        ctes: &[Cte::EightBit, Cte::Base64],
    },
    Variant {
        lang: &JA,
        charset: "utf-8",
        ctes: &[Cte::Base64, Cte::EightBit],
    },
    Variant {
        lang: &JA,
        charset: "iso-2022-jp",
        ctes: &[Cte::SevenBit],
    },
    Variant {
        lang: &JA,
        charset: "shift_jis",
        ctes: &[Cte::Base64, Cte::EightBit],
    },
    Variant {
        lang: &DE,
        charset: "windows-1252",
        ctes: &[Cte::QuotedPrintable],
    },
];

/// The bodies of body plants, in rotation: (variant, transfer encoding).
/// The ASCII subject's: UTF-8 8bit, UTF-8 QP, ISO-8859-1 QP, UTF-8 base64.
const ASCII_BODIES: [(&Variant, Cte); 4] = [
    (&OTHER[0], Cte::EightBit),
    (&ENGLISH[2], Cte::QuotedPrintable),
    (&OTHER[1], Cte::QuotedPrintable),
    (&OTHER[6], Cte::Base64),
];
/// The international subject's: every charset of the profile.
const INTL_BODIES: [(&Variant, Cte); 9] = [
    (&OTHER[0], Cte::EightBit),
    (&OTHER[9], Cte::Base64),
    (&OTHER[1], Cte::QuotedPrintable),
    (&OTHER[10], Cte::SevenBit),
    (&OTHER[4], Cte::QuotedPrintable),
    (&OTHER[11], Cte::Base64),
    (&OTHER[3], Cte::EightBit),
    (&OTHER[8], Cte::EightBit),
    (&OTHER[2], Cte::QuotedPrintable),
];

/// A small attachment's kind.
#[derive(Clone, Copy)]
enum Attachment {
    Text,
    Pdf,
    Zip,
}

/// The shape of one message.
struct Plan {
    /// Plants of the ASCII and the international subject.
    plants: [Option<Plant>; 2],
    variant: &'static Variant,
    cte: Cte,
    size: usize,
    html: bool,
    reply: bool,
    attachment: Option<Attachment>,
    near_miss: [bool; 2],
}

/// Generates Enron-like text messages.
pub struct TextGen {
    rng: Rng,
    /// Plants made so far, per subject (they index the rotations).
    planted: [usize; 2],
    /// Body plants made so far, per subject.
    bodies: [usize; 2],
}

/// The body plants.
fn is_body(plant: Plant) -> bool {
    matches!(
        plant,
        Plant::PlainBody | Plant::QpBody | Plant::Latin1QpBody | Plant::Base64Body
    )
}

impl TextGen {
    /// A generator drawing from `rng`.
    pub fn new(rng: Rng) -> Self {
        TextGen {
            rng,
            planted: [0; 2],
            bodies: [0; 2],
        }
    }

    /// Appends one message to `out`, lines ended by `eol`; `owner` is the
    /// mailbox owner, the sender when `sent`, else a recipient.
    pub fn message(
        &mut self,
        owner: &Person,
        sent: bool,
        time: u64,
        eol: &[u8],
        out: &mut Vec<u8>,
    ) -> Generated {
        let plan = self.plan();
        let lang = plan.variant.lang;
        let from = match plan.plants {
            [Some(Plant::Sender | Plant::EncodedSender), _] => mail::planted_person(),
            [_, Some(Plant::Sender | Plant::EncodedSender)] => intl::person(&mut self.rng),
            _ if sent => copy(owner),
            _ => self.person(lang),
        };
        let mut to = vec![if sent { self.person(lang) } else { copy(owner) }];
        for _ in 0..self.rng.below(3) {
            to.push(self.person(lang));
        }
        let mut cc: Vec<Person> = (0..self.rng.below(4).saturating_sub(1))
            .map(|_| self.person(lang))
            .collect();
        for (i, plant) in plan.plants.iter().enumerate() {
            let subject = |rng: &mut Rng| {
                if i == 0 {
                    mail::planted_person()
                } else {
                    intl::person(rng)
                }
            };
            match plant {
                Some(Plant::Recipient) => to.push(subject(&mut self.rng)),
                Some(Plant::Cc) => cc.push(subject(&mut self.rng)),
                _ => {}
            }
        }
        let start = out.len();
        self.headers(&plan, &from, &to, &cc, &owner.email, time, eol, out);
        let body_len = plan.size.saturating_sub(out.len() - start).max(200);
        self.body(&plan, &from, &to[0], time, body_len, eol, out);
        Generated {
            planted: plan.plants.map(|p| p.is_some()),
            sender: from.email,
        }
    }

    /// Draws the shape of the next message.
    fn plan(&mut self) -> Plan {
        let rng = &mut self.rng;
        let ascii = rng.percent(1).then(|| {
            self.planted[0] += 1;
            PLANTS[self.planted[0] % PLANTS.len()]
        });
        let intl = rng.percent(1).then(|| {
            self.planted[1] += 1;
            mail::intl_slot(ascii, PLANTS[(self.planted[1] + 5) % PLANTS.len()])
        });
        let plants = [ascii, intl];
        let (mut variant, mut cte) = if rng.percent(10) {
            let v = &OTHER[rng.index(OTHER.len())];
            (v, v.ctes[rng.index(v.ctes.len())])
        } else {
            let v = &ENGLISH[[0, 0, 0, 0, 0, 0, 1, 1, 2, 2][rng.index(10)]];
            (v, v.ctes[rng.index(v.ctes.len())])
        };
        for (i, plant) in plants.iter().enumerate() {
            if plant.is_some_and(is_body) {
                self.bodies[i] += 1;
                let list: &[(&Variant, Cte)] = if i == 0 { &ASCII_BODIES } else { &INTL_BODIES };
                (variant, cte) = list[self.bodies[i] % list.len()];
            }
        }
        let attachment_plant = plants
            .iter()
            .any(|p| matches!(p, Some(Plant::TextAttachment | Plant::AttachmentName)));
        let attachment = (rng.percent(2) || attachment_plant)
            .then(|| [Attachment::Text, Attachment::Pdf, Attachment::Zip][rng.index(3)]);
        Plan {
            plants,
            variant,
            cte,
            size: rng.log_size(500, 20 << 10, 2.6) as usize,
            html: rng.percent(15) || plants.contains(&Some(Plant::Html)),
            reply: rng.percent(45),
            attachment,
            near_miss: [rng.percent(2), rng.percent(2)],
        }
    }

    /// A correspondent writing in `lang` (English names for English).
    fn person(&mut self, lang: &Lang) -> Person {
        let rng = &mut self.rng;
        let (first, first_ascii) = lang.first[rng.index(lang.first.len())];
        let (last, last_ascii) = lang.last[rng.index(lang.last.len())];
        let domain = rng.pick(&[
            "enron.example",
            "corp.example",
            "mail.example.net",
            "example.co.uk",
            "firma.example.de",
            "societe.example.fr",
            "example.jp",
        ]);
        let local = match rng.below(3) {
            0 => format!("{}{last_ascii}", &first_ascii[..1]),
            _ => format!("{first_ascii}.{last_ascii}"),
        };
        let name = if lang.unspaced {
            format!("{last} {first}")
        } else {
            format!("{first} {last}")
        };
        Person {
            name,
            email: format!("{local}@{domain}"),
        }
    }

    /// The header section, MIME headers of the top level excluded.
    #[allow(clippy::too_many_arguments)]
    fn headers(
        &mut self,
        plan: &Plan,
        from: &Person,
        to: &[Person],
        cc: &[Person],
        owner: &str,
        time: u64,
        eol: &[u8],
        out: &mut Vec<u8>,
    ) {
        let rng = &mut self.rng;
        let fold = String::from_utf8_lossy(eol).into_owned() + "\t";
        let from_domain = from.email.rsplit('@').next().unwrap_or("example.org");
        let id = rng.next_u64();
        mail::header(
            out,
            eol,
            "Return-Path",
            format!("<{}>", from.email).as_bytes(),
        );
        let hops = rng.range(2, 6);
        for hop in (0..hops).rev() {
            let by = if hop == 0 {
                "mx1.corp.example".to_owned()
            } else {
                format!("relay{hop}.{from_domain}")
            };
            let received = format!(
                "from {host} ({host} [10.{}.{}.{}]){fold}by {by} (8.12.10/8.12.10) with ESMTP id {:012x}{fold}for <{owner}>; {}",
                rng.below(256),
                rng.below(256),
                rng.range(1, 254),
                rng.next_u64() >> 16,
                date::rfc5322(time + hop),
                host = format!("mail{}.{from_domain}", rng.below(40)),
            );
            mail::header(out, eol, "Received", received.as_bytes());
        }
        if rng.percent(30) {
            let ip = format!("[192.0.2.{}]", rng.range(1, 254));
            mail::header(out, eol, "X-Originating-IP", ip.as_bytes());
        }
        mail::header(out, eol, "Date", date::rfc5322(time).as_bytes());
        let charset = plan.variant.charset;
        let encoded_sender = plan.plants.contains(&Some(Plant::EncodedSender));
        mail::header(
            out,
            eol,
            "From",
            &display(rng, from, charset, encoded_sender),
        );
        let list = |rng: &mut Rng, people: &[Person]| {
            let mut line = Vec::new();
            for (i, person) in people.iter().enumerate() {
                if i > 0 {
                    line.extend_from_slice(b",");
                    line.extend_from_slice(fold.as_bytes());
                }
                line.extend(display(rng, person, charset, false));
            }
            line
        };
        let to_line = list(rng, to);
        mail::header(out, eol, "To", &to_line);
        if !cc.is_empty() {
            let cc_line = list(rng, cc);
            mail::header(out, eol, "Cc", &cc_line);
        }
        let subject = match plan.plants {
            [Some(Plant::EncodedSubject), _] => encode::word_b(
                "UTF-8",
                format!("Anfrage von {} – Grüße", mail::PLANTED_NAME).as_bytes(),
            ),
            [_, Some(Plant::EncodedSubject)] => intl::encoded_subject(rng),
            _ => {
                let lang = plan.variant.lang;
                let prefix = if plan.reply {
                    rng.pick(&["Re: ", "RE: ", "AW: "])
                } else {
                    rng.pick(&["", "", "", "FW: "])
                };
                let text = format!("{prefix}{}", rng.pick(lang.subjects));
                header_text(rng, &text, charset)
            }
        };
        mail::header(out, eol, "Subject", &subject);
        mail::header(
            out,
            eol,
            "Message-ID",
            format!("<{id:016x}.JavaMail.evans@{from_domain}>").as_bytes(),
        );
        if plan.reply {
            let parent = format!("<{:016x}.JavaMail.evans@{from_domain}>", rng.next_u64());
            mail::header(out, eol, "In-Reply-To", parent.as_bytes());
            mail::header(out, eol, "References", parent.as_bytes());
        }
        if rng.percent(50) {
            let mailer = rng.pick(&[
                "Microsoft Outlook 16.0",
                "Lotus Notes Release 5.0.8",
                "Thunderbird 115.3",
                "Apple Mail (2.3731)",
            ]);
            mail::header(out, eol, "X-Mailer", mailer.as_bytes());
        }
        mail::header(out, eol, "MIME-Version", b"1.0");
    }

    /// The MIME headers and body of about `len` bytes.
    #[allow(clippy::too_many_arguments)]
    fn body(
        &mut self,
        plan: &Plan,
        from: &Person,
        to: &Person,
        time: u64,
        len: usize,
        eol: &[u8],
        out: &mut Vec<u8>,
    ) {
        let variant = plan.variant;
        let text = self.text(plan, from, to, time, len);
        let (charset, bytes) = match intl::encode(variant.charset, &text) {
            Some(bytes) => (variant.charset, bytes),
            None => ("utf-8", text.clone().into_bytes()),
        };
        let cte = if plan.cte == Cte::SevenBit && !bytes.is_ascii() {
            Cte::EightBit
        } else {
            plan.cte
        };
        let html = plan.html.then(|| self.html(plan, &text, charset));
        let Some(kind) = plan.attachment else {
            return alternative(
                &mut self.rng,
                charset,
                cte,
                &bytes,
                html.as_deref(),
                eol,
                out,
            );
        };
        let boundary = format!("----=_NextPart_{:012x}", self.rng.next_u64() >> 16);
        mail::header(
            out,
            eol,
            "Content-Type",
            format!("multipart/mixed; boundary=\"{boundary}\"").as_bytes(),
        );
        out.extend_from_slice(eol);
        mail::line(out, eol, b"This is a multi-part message in MIME format.");
        mail::delimiter(out, eol, &boundary);
        alternative(
            &mut self.rng,
            charset,
            cte,
            &bytes,
            html.as_deref(),
            eol,
            out,
        );
        out.extend_from_slice(eol);
        mail::delimiter(out, eol, &boundary);
        self.attachment(plan, kind, eol, out);
        out.extend_from_slice(eol);
        mail::line(out, eol, format!("--{boundary}--").as_bytes());
    }

    /// The plain text: greeting, prose with the plants and near misses,
    /// other people's phones, closing, signature, and a quoted reply.
    fn text(&mut self, plan: &Plan, from: &Person, to: &Person, time: u64, len: usize) -> String {
        let lang = plan.variant.lang;
        let charset = plan.variant.charset;
        let rng = &mut self.rng;
        let mut out = String::with_capacity(len + 256);
        let first = |p: &Person| p.name.split(' ').next().unwrap_or("").to_owned();
        out.push_str(&rng.pick(lang.greetings).replace("{}", &first(to)));
        out.push_str("\n\n");
        let quote_len = if plan.reply {
            len * rng.range(20, 50) as usize / 100
        } else {
            0
        };
        let prose_end = len.saturating_sub(quote_len + 320).max(out.len() + 60);
        let mut sentences: Vec<String> = Vec::new();
        match plan.plants[0] {
            Some(p) if is_body(p) => sentences.push(rng.pick(mail::MENTIONS).to_owned()),
            _ => {}
        }
        match plan.plants[1] {
            Some(p) if is_body(p) => sentences.push(intl::mention_text(rng, charset).to_owned()),
            _ => {}
        }
        if plan.near_miss[0] {
            sentences.push(rng.pick(mail::NEAR_MISSES).to_owned());
        }
        if plan.near_miss[1] {
            sentences.push(intl::near_miss_text(rng, charset).to_owned());
        }
        if rng.percent(30) {
            let other = person_in(rng, lang);
            sentences.push(format!("{} {}", other.name, phone(rng, lang)));
        }
        let mut paragraph = Vec::new();
        while out.len() < prose_end || !sentences.is_empty() {
            if !sentences.is_empty() && rng.percent(30) {
                paragraph.push(sentences.swap_remove(0));
            } else {
                paragraph.push(sentence(rng, lang));
            }
            if paragraph.len() >= rng.range(2, 5) as usize {
                wrap(&paragraph, lang.unspaced, "", &mut out);
                out.push('\n');
                paragraph.clear();
            }
        }
        if !paragraph.is_empty() {
            wrap(&paragraph, lang.unspaced, "", &mut out);
            out.push('\n');
        }
        out.push_str(rng.pick(lang.closings));
        out.push('\n');
        out.push_str(&first(from));
        out.push_str("\n\n");
        signature(rng, lang, from, &mut out);
        if plan.reply {
            let quoted = person_in(rng, lang);
            out.push('\n');
            if rng.percent(50) {
                out.push_str(&format!(
                    "On {}, {} <{}> wrote:\n",
                    date::rfc5322(time.saturating_sub(rng.range(600, 600_000))),
                    quoted.name,
                    quoted.email
                ));
            } else {
                out.push_str(&format!(
                    "-----Original Message-----\nFrom: {}\nSent: {}\nTo: {}\nSubject: {}\n\n",
                    quoted.name,
                    date::rfc5322(time.saturating_sub(rng.range(600, 600_000))),
                    first(to),
                    rng.pick(lang.subjects)
                ));
            }
            let end = out.len() + quote_len;
            let mut depth = "> ".to_owned();
            while out.len() < end {
                let paragraph: Vec<String> =
                    (0..rng.range(1, 4)).map(|_| sentence(rng, lang)).collect();
                wrap(&paragraph, lang.unspaced, &depth, &mut out);
                out.push_str(depth.trim_end());
                out.push('\n');
                if rng.percent(20) {
                    depth.insert(0, '>');
                }
            }
        }
        out
    }

    /// An HTML rendering of `text`, with the HTML plants.
    fn html(&mut self, plan: &Plan, text: &str, charset: &str) -> Vec<u8> {
        let mut html = String::from(
            "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=",
        );
        html.push_str(charset);
        html.push_str("\"></head><body>\n<p>");
        for line in text.lines() {
            if line.is_empty() {
                html.push_str("</p>\n<p>");
            } else {
                html.push_str(
                    &line
                        .replace('&', "&amp;")
                        .replace('<', "&lt;")
                        .replace('>', "&gt;"),
                );
                html.push_str("<br>\n");
            }
        }
        if plan.plants[0] == Some(Plant::Html) {
            html.push_str(&format!(
                "<p>Contact <a href=\"mailto:{}\">{}</a>.</p>\n",
                mail::PLANTED_EMAIL,
                mail::PLANTED_NAME
            ));
        }
        if plan.plants[1] == Some(Plant::Html) {
            html.push_str(intl::HTML);
        }
        html.push_str("</p>\n</body></html>\n");
        intl::encode(charset, &html).unwrap_or_else(|| html.into_bytes())
    }

    /// A small base64 attachment of `kind`, with the attachment plants.
    fn attachment(&mut self, plan: &Plan, kind: Attachment, eol: &[u8], out: &mut Vec<u8>) {
        let rng = &mut self.rng;
        let mention = match plan.plants {
            [Some(Plant::TextAttachment), _] => Some(rng.pick(mail::MENTIONS)),
            [_, Some(Plant::TextAttachment)] => Some(match kind {
                Attachment::Pdf => intl::mention_text(rng, "us-ascii"),
                _ => intl::mention_text(rng, "utf-8"),
            }),
            _ => None,
        };
        let stem = match plan.plants {
            [Some(Plant::AttachmentName), _] => mail::PLANTED_TERM,
            [_, Some(Plant::AttachmentName)] => rng.pick(intl::FILE_STEMS),
            _ => rng.pick(&["notes", "minutes", "Q3 forecast", "Übersicht", "議事録"]),
        };
        let mut lines: Vec<String> = (0..rng.range(8, 60)).map(|_| sentence(rng, &EN)).collect();
        if let Some(mention) = mention {
            let at = rng.index(lines.len());
            lines.insert(at, mention.to_owned());
        }
        let (mime, ext, data) = match kind {
            Attachment::Text => (
                "text/plain",
                "txt",
                (lines.join("\r\n") + "\r\n").into_bytes(),
            ),
            Attachment::Pdf => ("application/pdf", "pdf", pdf(&lines)),
            Attachment::Zip => {
                let text = lines.join("\r\n") + "\r\n";
                ("application/zip", "zip", zip("notes.txt", text.as_bytes()))
            }
        };
        mail::attachment_headers(out, eol, mime, &format!("{stem}.{ext}"));
        out.extend_from_slice(eol);
        encode::base64_lines(&data, eol, out);
    }
}

/// A copy of `person`.
fn copy(person: &Person) -> Person {
    Person {
        name: person.name.clone(),
        email: person.email.clone(),
    }
}

/// A person of `lang` (for the phones and quotes of others).
fn person_in(rng: &mut Rng, lang: &Lang) -> Person {
    let (first, first_ascii) = lang.first[rng.index(lang.first.len())];
    let (last, last_ascii) = lang.last[rng.index(lang.last.len())];
    Person {
        name: format!("{first} {last}"),
        email: format!("{first_ascii}.{last_ascii}@example.org"),
    }
}

/// A phone number in one of `lang`'s formats.
fn phone(rng: &mut Rng, lang: &Lang) -> String {
    rng.pick(lang.phones)
        .chars()
        .map(|c| match c {
            '#' => char::from(b'1' + rng.below(9) as u8),
            'd' => char::from(b'0' + rng.below(10) as u8),
            other => other,
        })
        .collect()
}

/// A signature: name, title, company, street address, phones, address.
fn signature(rng: &mut Rng, lang: &Lang, from: &Person, out: &mut String) {
    out.push_str("-- \n");
    out.push_str(&from.name);
    out.push('\n');
    out.push_str(rng.pick(&[
        "Manager, Gas Trading",
        "Vice President, Regulatory Affairs",
        "Senior Analyst",
        "Counsel",
        "Director",
    ]));
    out.push('\n');
    out.push_str(rng.pick(&[
        "Northwind Energy Services",
        "Contoso Gas & Power",
        "Fabrikam Trading",
    ]));
    out.push('\n');
    out.push_str(rng.pick(lang.streets));
    out.push('\n');
    out.push_str(&format!("Phone: {}\n", phone(rng, lang)));
    if rng.percent(50) {
        out.push_str(&format!("Mobile: {}\n", phone(rng, lang)));
    }
    out.push_str(&format!("Email: {}\n", from.email));
}

/// Joins the words of an unspaced sentence: [`wrap`] may break a line
/// there, and drops it.
const JOIN: char = '\u{1}';

/// A sentence of 5 to 14 words (pieces) of `lang`.
fn sentence(rng: &mut Rng, lang: &Lang) -> String {
    let count = rng.range(5, 14);
    let words: Vec<&str> = (0..count).map(|_| rng.pick(lang.words)).collect();
    if lang.unspaced {
        let mut s = words.join(&JOIN.to_string());
        if !s.ends_with('。') {
            s.push('。');
        }
        return s;
    }
    let mut s = words.join(" ");
    if let Some(first) = s.chars().next() {
        s = first.to_uppercase().chain(s.chars().skip(1)).collect();
    }
    s.push('.');
    s
}

/// Appends `sentences` as lines of at most 72 characters (36 unspaced),
/// each begun by `prefix`, broken only at spaces and [`JOIN`]s (so a
/// planted sentence is never cut inside an identifier).
fn wrap(sentences: &[String], unspaced: bool, prefix: &str, out: &mut String) {
    let width = if unspaced { 36 } else { 72 };
    let mut column = 0;
    out.push_str(prefix);
    for (s_i, sentence) in sentences.iter().enumerate() {
        for (w_i, word) in sentence.split(' ').enumerate() {
            for (p_i, piece) in word.split(JOIN).enumerate() {
                let glue = if p_i == 0 && (w_i > 0 || (s_i > 0 && !unspaced)) {
                    " "
                } else {
                    ""
                };
                let chars = piece.chars().count();
                if column > 0 && column + glue.len() + chars > width {
                    out.push('\n');
                    out.push_str(prefix);
                    column = 0;
                } else {
                    out.push_str(glue);
                    column += glue.len();
                }
                out.push_str(piece);
                column += chars;
            }
        }
    }
    out.push('\n');
}

/// An address with its display name, RFC 2047 encoded in the message's
/// charset (or UTF-8) when not ASCII or when `force_encoded`.
fn display(rng: &mut Rng, person: &Person, charset: &str, force_encoded: bool) -> Vec<u8> {
    let mut out = if person.name.is_ascii() && !force_encoded {
        if person.name.contains(',') || rng.percent(20) {
            format!("\"{}\"", person.name).into_bytes()
        } else {
            person.name.clone().into_bytes()
        }
    } else {
        header_text(rng, &person.name, charset)
    };
    out.extend_from_slice(format!(" <{}>", person.email).as_bytes());
    out
}

/// A header text: as is when ASCII, else an RFC 2047 word in `charset`
/// when it fits (else UTF-8), B or Q.
fn header_text(rng: &mut Rng, text: &str, charset: &str) -> Vec<u8> {
    if text.is_ascii() {
        return text.as_bytes().to_vec();
    }
    let (label, bytes) = match intl::encode(charset, text).filter(|_| charset != "us-ascii") {
        Some(bytes) => (charset.to_ascii_uppercase(), bytes),
        None => ("UTF-8".to_owned(), text.as_bytes().to_vec()),
    };
    if label.starts_with("ISO-2022") || rng.percent(50) {
        encode::word_b(&label, &bytes)
    } else {
        encode::word_q(&label, &bytes)
    }
}

/// Writes a text/plain part, or a multipart/alternative of it and `html`.
fn alternative(
    rng: &mut Rng,
    charset: &str,
    cte: Cte,
    text: &[u8],
    html: Option<&[u8]>,
    eol: &[u8],
    out: &mut Vec<u8>,
) {
    let Some(html) = html else {
        return mail::text_part(out, eol, "text/plain", charset, cte, text);
    };
    let boundary = format!("----=_Alt_{:012x}", rng.next_u64() >> 16);
    mail::header(
        out,
        eol,
        "Content-Type",
        format!("multipart/alternative; boundary=\"{boundary}\"").as_bytes(),
    );
    out.extend_from_slice(eol);
    mail::delimiter(out, eol, &boundary);
    mail::text_part(out, eol, "text/plain", charset, cte, text);
    out.extend_from_slice(eol);
    mail::delimiter(out, eol, &boundary);
    let html_cte = match cte {
        Cte::SevenBit | Cte::QuotedPrintable => cte,
        _ => Cte::QuotedPrintable,
    };
    mail::text_part(out, eol, "text/html", charset, html_cte, html);
    out.extend_from_slice(eol);
    mail::line(out, eol, format!("--{boundary}--").as_bytes());
}

/// A one-page PDF whose content stream shows `lines` (ASCII is kept,
/// anything else becomes `?`), with a correct cross-reference table.
fn pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 10 Tf 12 TL 56 780 Td\n");
    for line in lines {
        let escaped: String = line
            .chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() {
                    c
                } else {
                    '?'
                }
            })
            .collect::<String>()
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        content.push_str(&format!("({escaped}) Tj T*\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A zip archive holding `data` as the one stored (uncompressed) entry `name`.
fn zip(name: &str, data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(data);
    let (crc, size, name_len) = (crc.sum(), data.len() as u32, name.len() as u16);
    // Fixed DOS time 2019-06-01 12:00, version 2.0, no flags, stored.
    let common = |out: &mut Vec<u8>| {
        for v in [20u16, 0, 0, 0x6000, 0x4ec1] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
    };
    let mut out = b"PK\x03\x04".to_vec();
    common(&mut out);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(data);
    let central = out.len() as u32;
    out.extend_from_slice(b"PK\x01\x02");
    out.extend_from_slice(&20u16.to_le_bytes());
    common(&mut out);
    for v in [0u16, 0, 0] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    let central_len = out.len() as u32 - central;
    out.extend_from_slice(b"PK\x05\x06");
    for v in [0u16, 0, 1, 1] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&central_len.to_le_bytes());
    out.extend_from_slice(&central.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}
