//! Messages with a word in bold, for HTML: the message and its values escaped, the bold values
//! in `<strong>`. The catalogue holds no markup, so a translation cannot break a page.

use super::{Arg, Lang};

/// Private-use characters that no message or value holds: where a bold value goes.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// `s` safe inside HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Lang {
    /// The message as HTML, each value named in `bold` in `<strong>`. For templates' `|safe`.
    pub fn html(&self, id: &str, args: &[(&str, Arg<'_>)], bold: &[&str]) -> String {
        let marks: Vec<(&str, &str, &str)> = bold
            .iter()
            .map(|name| (*name, "<strong>", "</strong>"))
            .collect();
        self.marked(id, args, &marks)
    }

    /// The message as HTML, each value named in `marks` between its opening and closing tags
    /// (which the caller writes, escaping what goes in them).
    pub fn marked(
        &self,
        id: &str,
        args: &[(&str, Arg<'_>)],
        marks: &[(&str, &str, &str)],
    ) -> String {
        let mark = |name: &str| {
            marks
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, o, c)| (*o, *c))
        };
        let markers: Vec<String> = (0..args.len())
            .map(|i| format!("{OPEN}{i}{CLOSE}"))
            .collect();
        let marked: Vec<(&str, Arg<'_>)> = args
            .iter()
            .enumerate()
            .map(|(i, (name, value))| {
                if mark(name).is_some() {
                    (*name, Arg::Text(markers[i].as_str()))
                } else {
                    (*name, *value)
                }
            })
            .collect();
        let mut html = escape(&self.with(id, &marked));
        for (i, (name, value)) in args.iter().enumerate() {
            if let Some((open, close)) = mark(name) {
                let value = match value {
                    Arg::Text(s) => escape(s),
                    Arg::Number(n) => n.to_string(),
                };
                html = html.replace(&markers[i], &format!("{open}{value}{close}"));
            }
        }
        html
    }

    /// [`Lang::html`] with one value, in bold (templates call this).
    pub fn bold(&self, id: &str, name: &str, value: &str) -> String {
        self.html(id, &[(name, Arg::Text(value))], &[name])
    }
}
