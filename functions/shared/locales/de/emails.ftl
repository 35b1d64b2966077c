### German (de): the emails. Formal "Sie" throughout, never "du" (a company's onboarding emails
### to its employees). Buttons use German sentence case, as German buttons normally do
### ("Konto einrichten", not title case). Dates come from date-time ("Montag, 14. Dezember 2026
### um 17:00 Uhr UTC") and read after "am" and "bis".

## Shared by every email with a link

email-button-fallback = Die Schaltfläche funktioniert nicht? Kopieren Sie diesen Link in Ihren Browser:
email-link-lifetime = Dieser Link ist { $lifetime } lang gültig (bis { $expires }) und funktioniert nur einmal.
# $page is a link; the code follows on its own line.
email-code-intro = Sind Sie an einem anderen Gerät, oder funktioniert die Schaltfläche nicht? Rufen Sie { $page } auf und geben Sie diesen Code ein:
# The plain-text part: the code on the same line.
email-code-intro-inline = Sind Sie an einem anderen Gerät, oder funktioniert die Schaltfläche nicht? Rufen Sie { $page } auf und geben Sie den Code { $code } ein.
email-code-note = Der Code ist so lange gültig wie der Link und funktioniert nur aus der neuesten E-Mail.

## Welcome (the invite) and its reminder

welcome-subject = Richten Sie Ihr Konto bei { $org } ein
welcome-subject-no-org = Richten Sie Ihr Konto ein
reminder-subject = Erinnerung: Richten Sie Ihr Konto bei { $org } ein
reminder-subject-no-org = Erinnerung: Richten Sie Ihr Konto ein
# The line a mail client shows under the subject in the inbox.
welcome-preheader = Wählen Sie Ihr Passwort, um die Einrichtung abzuschließen. Der Link ist { $lifetime } lang gültig.
welcome-heading = Willkommen, { $name }
welcome-heading-no-name = Willkommen
welcome-inviter = { $org } hat Sie zum Team hinzugefügt.
welcome-inviter-no-org = Ihr Administrator hat Sie zum Team hinzugefügt.
reminder-inviter = { $org } hat Sie zum Team hinzugefügt, und Ihre Einladung wartet noch auf Sie. Dieser Link ersetzt den aus der ersten E-Mail.
reminder-inviter-no-org = Ihr Administrator hat Sie zum Team hinzugefügt, und Ihre Einladung wartet noch auf Sie. Dieser Link ersetzt den aus der ersten E-Mail.
welcome-finish = Wählen Sie Ihr Passwort, um die Einrichtung Ihres Kontos abzuschließen.
welcome-button = Konto einrichten
# The plain-text part's line before the link.
welcome-link-intro = Konto einrichten:
welcome-temporary = Der Link funktioniert bei Ihnen nicht? Mit dem vorläufigen Passwort von Ihrem Administrator können Sie sich weiterhin anmelden, bis Sie ein eigenes wählen.
welcome-footer = Diese E-Mail wurde an { $to } gesendet, weil ein Administrator Sie zu seinem Team hinzugefügt hat. Niemand aus dem Team wird Sie jemals nach Ihrem Passwort fragen.

## Reset (forgot password)

reset-subject = Neues Passwort wählen
reset-preheader = Der Link ist { $lifetime } lang gültig und funktioniert nur einmal.
reset-heading = Neues Passwort wählen
reset-asked = Jemand hat einen Link angefordert, um ein neues Passwort für { $account } zu wählen.
reset-asked-org = Jemand hat einen Link angefordert, um ein neues Passwort für { $account } bei { $org } zu wählen.
reset-button = Neues Passwort wählen
reset-link-intro = Neues Passwort wählen:
reset-ignore = Sie haben das nicht angefordert? Dann ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.
reset-footer = Diese E-Mail wurde an { $to } gesendet, weil jemand ein neues Passwort angefordert hat. Falls Sie das nicht waren, können Sie sie ignorieren.

## Your password was changed

changed-subject = Ihr Passwort wurde geändert
changed-preheader = Falls Sie das nicht waren, setzen Sie Ihr Passwort jetzt zurück.
changed-heading = Ihr Passwort wurde geändert
changed-when = Das Passwort für { $account } wurde am { $when } geändert. Alle anderen Geräte, die angemeldet waren, wurden abgemeldet.
changed-when-org = Das Passwort für { $account } bei { $org } wurde am { $when } geändert. Alle anderen Geräte, die angemeldet waren, wurden abgemeldet.
changed-if-you = Wenn Sie das selbst waren, müssen Sie nichts weiter tun.
# "If it wasn't you" is bold in the HTML part; the email puts ", " between it and the next
# message, so no comma here.
changed-if-not-you = Falls Sie das nicht waren
changed-if-not-you-then = wählen Sie jetzt ein neues Passwort und informieren Sie Ihren Administrator:
changed-button = Passwort zurücksetzen
changed-footer = Diese E-Mail wurde an { $to } gesendet, weil das Passwort dieses Kontos geändert wurde. Wir senden sie bei jeder Änderung, damit Sie Bescheid wissen.

## The email or mobile number on an account was changed

contact-subject = Die E-Mail-Adresse oder Mobilnummer Ihres Kontos wurde geändert
contact-heading = Die E-Mail-Adresse oder Mobilnummer Ihres Kontos wurde geändert
contact-when = Die E-Mail-Adresse oder Mobilnummer Ihres Kontos wurde am { $when } geändert. Alle Geräte, die angemeldet waren, wurden abgemeldet.
contact-when-org = Die E-Mail-Adresse oder Mobilnummer Ihres Kontos bei { $org } wurde am { $when } geändert. Alle Geräte, die angemeldet waren, wurden abgemeldet.
contact-if-told = Wenn Ihr Administrator Sie darüber informiert hat, müssen Sie nichts weiter tun.
# "If you didn't expect it" is bold in the HTML part; the email puts ", " after it.
contact-if-not-expected = Falls Sie damit nicht gerechnet haben
contact-if-not-expected-then = wenden Sie sich jetzt an Ihren Administrator.
contact-preheader = Falls Sie damit nicht gerechnet haben, wenden Sie sich an Ihren Administrator.
contact-footer = Diese E-Mail wurde an { $to } gesendet, weil die Kontaktdaten des zugehörigen Kontos geändert wurden. Wir senden sie bei jeder Änderung, damit Sie Bescheid wissen.

## A passkey was added to an account

passkey-subject = Ihrem Konto wurde ein Passkey hinzugefügt
passkey-heading = Ihrem Konto wurde ein Passkey hinzugefügt
passkey-when = Ihrem Konto wurde am { $when } ein Passkey hinzugefügt. Mit diesem Passkey kann man sich ab sofort bei Ihrem Konto anmelden.
passkey-when-org = Ihrem Konto bei { $org } wurde am { $when } ein Passkey hinzugefügt. Mit diesem Passkey kann man sich ab sofort bei Ihrem Konto anmelden.
passkey-if-told = Wenn Sie ihn selbst hinzugefügt haben, müssen Sie nichts weiter tun.
# "If you didn't add it" is bold in the HTML part; the email puts ", " after it.
passkey-if-not-expected = Falls Sie ihn nicht hinzugefügt haben
passkey-if-not-expected-then = wenden Sie sich jetzt an Ihren Administrator.
passkey-preheader = Falls Sie ihn nicht hinzugefügt haben, wenden Sie sich an Ihren Administrator.
passkey-footer = Diese E-Mail wurde an { $to } gesendet, weil dem zugehörigen Konto ein Passkey hinzugefügt wurde. Wir senden sie bei jedem neuen Passkey, damit Sie Bescheid wissen.
