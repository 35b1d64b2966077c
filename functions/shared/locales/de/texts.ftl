### German (de): the text messages, formal "Sie" as in every German file (a company writing to
### its employees). A text is short by contract: at most 2 GSM-7 segments (306 characters), or
### 3 UCS-2 segments (201) when a character outside GSM-7 makes the whole text UCS-2 (German
### ä ö ü ß are GSM-7, but a company name such as "Łódź" is not). The company name (up to 30
### characters), the link and the autofill line follow these first lines, so the lines with
### { $org } keep to about 16 characters of wording beside the date; the tests count every
### locale's segments with the longest name, link and date. No typographic dashes or quotes here
### (not GSM-7).

# $expires: "30.9. 10:00 UTC".
text-invite = { $org } beitreten bis { $expires }
text-invite-no-org = Richten Sie Ihr Konto bis { $expires } ein:
# No room for "Erinnerung" beside the company name; "Einladung bis" says what the link is.
text-reminder = { $org }: Einladung bis { $expires }
text-reminder-no-org = Erinnerung: Ihre Einladung gilt bis { $expires }:
# $lifetime: "30 Minuten".
text-reset = Neues Passwort für { $org } ({ $lifetime }):
text-reset-no-org = Wählen Sie ein neues Passwort (Link { $lifetime } gültig):
text-contact-changed = { $org }: Die E-Mail-Adresse oder Mobilnummer Ihres Kontos wurde geändert. Falls Sie damit nicht gerechnet haben, wenden Sie sich an Ihren Administrator.
text-contact-changed-no-org = Die E-Mail-Adresse oder Mobilnummer Ihres Kontos wurde geändert. Falls Sie damit nicht gerechnet haben, wenden Sie sich an Ihren Administrator.
text-passkey-added = { $org }: Ihrem Konto wurde ein Passkey hinzugefügt. Falls Sie ihn nicht hinzugefügt haben, wenden Sie sich an Ihren Administrator.
text-passkey-added-no-org = Ihrem Konto wurde ein Passkey hinzugefügt. Falls Sie ihn nicht hinzugefügt haben, wenden Sie sich an Ihren Administrator.
