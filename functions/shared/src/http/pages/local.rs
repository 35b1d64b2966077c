//! The local server's own pages: `/app` (signed in) and `/_dev/mail` (the outbox).

use askama::Template;

use super::{render, Chrome};
use crate::i18n::{Arg, Lang};

#[derive(Template)]
#[template(path = "signed_in.html")]
struct AppPage {
    chrome: Chrome,
    /// "Signed in as {account} at {org}.", the account in bold (HTML).
    signed_in_as: String,
    temporary_password: bool,
}

/// One row of the local server's outbox page.
pub struct MailRow {
    pub date: String,
    pub to: String,
    pub subject: String,
    pub file_name: String,
    /// What the mailbox simulator reports for it: `delivered`, `bounced (permanent)` or
    /// `complained`.
    pub status: String,
}

/// A text message in the local outbox, as `/_dev/mail` lists it (its whole body: a text is short).
pub struct TextRow {
    pub date: String,
    pub to: String,
    pub body: String,
    /// What the simulator reports for it: `delivered` or `bounced (permanent)`.
    pub status: String,
}

#[derive(Template)]
#[template(path = "mailbox.html")]
struct MailboxPage<'a> {
    chrome: Chrome,
    rows: &'a [MailRow],
    texts: &'a [TextRow],
}

/// The local server's `/_dev/mail` page: a developer's tool, written in English (no tech ever
/// sees it), in the chrome of `DEFAULT_LOCALE`'s English.
pub fn mailbox(rows: &[MailRow], texts: &[TextRow]) -> String {
    render(MailboxPage {
        chrome: Chrome {
            wide: true,
            ..Chrome::new(Lang::english(), None, false)
        },
        rows,
        texts,
    })
}

/// The local server's `/app`, in `t`. `temporary_password`: signed in with the admin's
/// temporary password, so the page points to choosing one's own.
pub fn signed_in(
    t: Lang,
    account: &str,
    org_name: Option<&str>,
    temporary_password: bool,
) -> String {
    let bold = [("account", "<strong id=\"signed-in-email\">", "</strong>")];
    let signed_in_as = match org_name {
        Some(org) => t.marked(
            "signed-in-as-at",
            &[("account", Arg::Text(account)), ("org", Arg::Text(org))],
            &bold,
        ),
        None => t.marked("signed-in-as", &[("account", Arg::Text(account))], &bold),
    };
    render(AppPage {
        chrome: Chrome::new(t, org_name, false),
        signed_in_as,
        temporary_password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_in_page_points_a_temporary_password_to_choosing_one() {
        let temporary = signed_in(Lang::english(), "ana@example.com", Some("Northwind"), true);
        // Choosing one's own password happens here now (issue 14), not through an emailed link.
        assert!(
            temporary.contains("temporary password") && temporary.contains("href=\"/password\"")
        );
        let own = signed_in(Lang::english(), "ana@example.com", Some("Northwind"), false);
        assert!(!own.contains("temporary password"));
        for page in [&temporary, &own] {
            assert!(page.contains("action=\"/logout\""));
            assert!(page.contains("name=\"everywhere\" value=\"1\""));
        }
    }
}
