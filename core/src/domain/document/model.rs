//! The document model: what a notice says, not where it goes on the page.

/// Horizontal placement of a paragraph, cell or QR code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// One A4 document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    /// The PDF's title (metadata); shown on the page only through a [`Block::Title`].
    pub title: String,
    /// Running header at the top of every page (e.g. the hall's name), if any.
    pub header: Option<String>,
    /// Running footer text at the bottom left of every page; the page number
    /// 「第 n 页 共 m 页」 is always printed at the bottom centre.
    pub footer: Option<String>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The document's name, large and centred (e.g. 「受理通知书」).
    Title(String),
    /// A section heading.
    Heading(String),
    Paragraph(Paragraph),
    /// Label–value lines without borders (申请人：张三). Long values wrap under themselves.
    KeyValues(Vec<KeyValue>),
    /// A bordered table with a header row that repeats after a page break.
    Table(Table),
    /// A QR code drawn as vector rectangles, with an optional caption under it.
    Qr(QrBlock),
    /// Lines to sign on, e.g. 「申请人（签字）：」, each followed by a rule and a date.
    Signatures(Vec<String>),
    /// The issuing body and the date at the right, where the seal goes (盖章).
    Seal {
        issuer: String,
        date: String,
    },
    /// Vertical space in millimetres.
    Space(f32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    pub text: String,
    /// Font size in points.
    pub size: f32,
    pub align: Align,
    /// Indent the first line by two characters (the usual Chinese paragraph).
    pub indent: bool,
}

impl Paragraph {
    /// A body paragraph: 12 pt, left, first line indented.
    pub fn body(text: impl Into<String>) -> Paragraph {
        Paragraph {
            text: text.into(),
            size: 12.0,
            align: Align::Left,
            indent: true,
        }
    }

    /// A line without indent (salutations, small print).
    pub fn plain(text: impl Into<String>, size: f32) -> Paragraph {
        Paragraph {
            text: text.into(),
            size,
            align: Align::Left,
            indent: false,
        }
    }
}

impl From<Paragraph> for Block {
    fn from(p: Paragraph) -> Block {
        Block::Paragraph(p)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

impl KeyValue {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> KeyValue {
        KeyValue {
            key: key.into(),
            value: value.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    /// Relative width: columns share the text width in proportion to these.
    pub weight: f32,
    pub align: Align,
}

impl Column {
    pub fn new(title: impl Into<String>, weight: f32) -> Column {
        Column {
            title: title.into(),
            weight,
            align: Align::Left,
        }
    }

    pub fn centered(mut self) -> Column {
        self.align = Align::Center;
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    /// Every row has one cell per column; cells wrap within their column.
    pub rows: Vec<Vec<String>>,
    /// Font size in points.
    pub size: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QrBlock {
    pub data: String,
    pub caption: Option<String>,
    /// Side of the code including its quiet zone, in millimetres.
    pub size_mm: f32,
    pub align: Align,
}
