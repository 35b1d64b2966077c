### German (de): the pages a tech sees on a phone. Formal "Sie" throughout, never "du" (a
### company's onboarding pages for its employees). Short sentences; buttons say what happens,
### in German sentence case ("Passwort speichern").

## Shared by several pages

# Read by screen readers before a field's error, and the start of the page title after one.
error-prefix = Fehler:
# A page's title: "Anmelden · Northwind Plumbing".
page-title = { $title } · { $brand }
identifier-label = E-Mail-Adresse oder Mobilnummer
back-to-sign-in = Zurück zur Anmeldung
go-to-sign-in = Zur Anmeldung
send-new-link = Neuen Link senden

## Sign in

sign-in-title = Anmelden
sign-in-password = Passwort
sign-in-password-hint = Neu hier? Verwenden Sie das vorläufige Passwort, das Sie von Ihrem Administrator erhalten haben.
show-password = Passwort anzeigen
show-passwords = Passwörter anzeigen
sign-in-button = Anmelden
sign-in-forgot = Passwort vergessen oder neuen Einrichtungslink benötigt?
sign-in-failed = E-Mail-Adresse bzw. Mobilnummer und Passwort passen nicht zusammen. Prüfen Sie beides und versuchen Sie es erneut.

## Get a new link (forgot password)

forgot-title = Neuen Link anfordern
forgot-intro = Geben Sie die E-Mail-Adresse oder Mobilnummer Ihres Kontos ein. Wir senden Ihnen einen Link, mit dem Sie ein neues Passwort wählen können.
forgot-button = Link senden
forgot-sent-email-title = Prüfen Sie Ihre E-Mails
forgot-sent-text-title = Prüfen Sie Ihre SMS
# $identifier is shown in bold.
forgot-sent-email = Falls { $identifier } zu einem Konto gehört, haben wir einen Link an diese Adresse gesendet, mit dem Sie ein neues Passwort wählen können. Der Link ist { $lifetime } lang gültig.
forgot-sent-text = Falls { $identifier } zu einem Konto gehört, haben wir per SMS einen Link an diese Nummer gesendet, mit dem Sie ein neues Passwort wählen können. Der Link ist { $lifetime } lang gültig.
forgot-nothing-email = Nach ein paar Minuten noch nichts angekommen? Sehen Sie im Spam-Ordner nach oder fragen Sie Ihren Administrator.
forgot-nothing-text = Nach ein paar Minuten noch nichts angekommen? Fragen Sie Ihren Administrator.
forgot-temporary-still-works = Solange Sie noch kein eigenes Passwort gewählt haben, können Sie sich weiterhin mit dem vorläufigen Passwort von Ihrem Administrator anmelden.
forgot-too-many = Wir haben in letzter Zeit mehrere Links an diese Adresse gesendet. Suchen Sie in Ihren E-Mails (auch im Spam-Ordner) nach dem neuesten oder versuchen Sie es etwas später erneut.

## A link that doesn't open the form

link-missing-title = Dieser Link ist unvollständig
link-missing = Dem Link fehlt ein Teil seines Codes. Öffnen Sie ihn erneut aus der E-Mail oder kopieren Sie den ganzen Link in Ihren Browser. Sie können auch einen neuen Link anfordern.
link-invalid-title = Dieser Link funktioniert nicht
link-invalid = Wir erkennen diesen Link nicht. Vielleicht wurde er nur teilweise kopiert oder durch eine neuere E-Mail ersetzt. Verwenden Sie die neueste E-Mail oder fordern Sie einen neuen Link an.
link-expired-title = Dieser Link ist abgelaufen
link-expired = Links aus unseren E-Mails sind nur begrenzt gültig, und dieser ist abgelaufen. Fordern Sie einen neuen Link an und verwenden Sie ihn bald.
link-used-title = Dieser Link wurde bereits verwendet
link-used = Jeder Link funktioniert nur einmal, und mit diesem wurde bereits ein Passwort festgelegt. Melden Sie sich mit diesem Passwort an oder fordern Sie einen neuen Link an, falls Sie es vergessen haben.
link-sign-in-temporary = Mit dem vorläufigen Passwort anmelden
link-sign-in-temporary-hint = Das vorläufige Passwort haben Sie von Ihrem Administrator erhalten. Es gilt, bis Sie ein eigenes wählen.
link-sign-in = Anmelden
link-sign-in-used-hint = Sie melden sich jetzt mit dem Passwort an, das mit diesem Link festgelegt wurde.

## The setup and reset forms, and changing a password

setup-title = Konto einrichten
setup-intro = Wählen Sie das Passwort, mit dem Sie sich künftig anmelden. Sobald es festgelegt ist, sind Sie direkt angemeldet.
setup-intro-code = Geben Sie Ihre E-Mail-Adresse oder Mobilnummer und den 6-stelligen Code aus Ihrer Einladung (E-Mail oder SMS) ein. Wählen Sie dann das Passwort, mit dem Sie sich künftig anmelden. Sie sind danach direkt angemeldet.
setup-button = Passwort festlegen und anmelden
reset-title = Neues Passwort wählen
reset-intro = Wählen Sie ein neues Passwort. Sobald es festgelegt ist, sind Sie angemeldet und auf allen anderen Geräten abgemeldet.
reset-intro-code = Geben Sie Ihre E-Mail-Adresse oder Mobilnummer und den 6-stelligen Code aus der E-Mail oder SMS zum Zurücksetzen ein. Wählen Sie dann ein neues Passwort. Andere Geräte werden abgemeldet.
reset-save-button = Passwort speichern und anmelden
choose-title = Eigenes Passwort wählen
choose-intro = Sie haben sich mit dem vorläufigen Passwort von Ihrem Administrator angemeldet. Wählen Sie jetzt Ihr eigenes: Sie verwenden es ab sofort, und das vorläufige Passwort funktioniert dann nicht mehr.
choose-button = Passwort speichern
change-title = Passwort ändern
change-intro = Geben Sie Ihr aktuelles Passwort ein und wählen Sie dann ein neues. Andere Geräte werden abgemeldet.
change-button = Passwort ändern
# $account (bold) is the email address or mobile number of the account.
form-account = Konto: { $account }
code-label = 6-stelliger Code aus der E-Mail oder SMS
current-password-label = Aktuelles Passwort
new-password-label = Neues Passwort
password-rule-length = Mindestens { $min } Zeichen. Leerzeichen und beliebige Buchstaben sind erlaubt.
password-rule-words = Ein paar Wörter, die nichts miteinander zu tun haben, sind leicht zu merken und schwer zu erraten.
password-rule-context = Kein gängiges Passwort, nicht Ihre E-Mail-Adresse und nicht Ihr Firmenname.
confirmation-label = Passwort wiederholen
not-saved = Ihr Passwort wurde nicht gespeichert. Prüfen Sie den Hinweis unten und versuchen Sie es erneut.
not-changed = Ihr Passwort wurde nicht geändert. Prüfen Sie den Hinweis unten und versuchen Sie es erneut.

## What a form says about a field it refused

identifier-missing = Geben Sie Ihre E-Mail-Adresse oder Mobilnummer ein.
identifier-invalid = Das sieht nicht nach einer E-Mail-Adresse oder Mobilnummer aus. Prüfen Sie die Eingabe und versuchen Sie es erneut.
password-missing = Geben Sie Ihr Passwort ein.
code-invalid = Dieser Code stimmt nicht. Prüfen Sie ihn oder fordern Sie einen neuen an.
code-identifier-missing = Geben Sie die E-Mail-Adresse oder Mobilnummer ein, an die der Code gesendet wurde.
current-password-wrong = Das ist nicht Ihr aktuelles Passwort. Prüfen Sie es und versuchen Sie es erneut.
passwords-differ = Die beiden Passwörter stimmen nicht überein. Geben Sie in beiden Feldern dasselbe Passwort ein.
password-too-short = Verwenden Sie mindestens { $min } Zeichen. Ein paar Wörter, die nichts miteinander zu tun haben, ergeben ein gutes Passwort.
password-too-long = Verwenden Sie höchstens { $max } Zeichen.
password-control-character = Das Passwort enthält ein unsichtbares Steuerzeichen. Geben Sie es erneut ein.
password-uses-context = Verwenden Sie im Passwort weder Ihre E-Mail-Adresse noch Ihren Firmennamen.
password-breached = Dieses Passwort ist in einem Datenleck aufgetaucht, deshalb probieren Angreifer es als Erstes aus. Wählen Sie ein anderes.
password-guessable = Dieses Passwort ist zu leicht zu erraten. Fügen Sie weitere Wörter hinzu oder machen Sie es länger.
# The same, with why it is easy to guess ($hint is one of the password-hint- messages).
# The hints follow an opening parenthesis mid-sentence: lowercase unless they start with a noun.
password-guessable-because = Dieses Passwort ist zu leicht zu erraten ({ $hint }). Fügen Sie weitere Wörter hinzu oder machen Sie es länger.
password-hint-keyboard = Tastaturmuster sind leicht zu erraten
password-hint-repeats = wiederholte Buchstaben oder Wörter sind leicht zu erraten
password-hint-common = es ist ein sehr häufiges Passwort
password-hint-sequence = Folgen wie abc oder 123 sind leicht zu erraten
password-hint-dates = Datumsangaben und Jahreszahlen sind leicht zu erraten
password-hint-word = ein einzelnes Wort oder ein Name ist leicht zu erraten

## Error pages

error-not-found-title = Seite nicht gefunden
error-wait-title = Bitte warten Sie einen Moment
error-failed-title = Etwas ist schiefgelaufen
error-refused-title = Das hat nicht funktioniert
error-not-found = Hier gibt es nichts. Prüfen Sie die Adresse oder gehen Sie zur Anmeldung.
error-too-many = Zu viele Versuche. Warten Sie kurz und versuchen Sie es erneut.
error-internal = Bei uns ist etwas schiefgelaufen. Versuchen Sie es gleich noch einmal.
error-unavailable = Wir sind gerade ausgelastet. Versuchen Sie es gleich noch einmal.
error-disabled = Dieses Konto ist deaktiviert. Bitten Sie Ihren Administrator, es zu aktivieren.
error-sign-in-first = Melden Sie sich zuerst an.
error-forbidden = Mit diesem Konto ist das nicht möglich.
error-cross-site = Dieses Formular wurde von einer anderen Website gesendet und deshalb nicht angenommen. Öffnen Sie die Seite erneut und senden Sie das Formular von dort.
error-refused = Diese Anfrage wurde nicht angenommen. Gehen Sie zurück und versuchen Sie es erneut.

## The local server's signed-in page

signed-in-title = Sie sind angemeldet
# $account is shown in bold.
signed-in-as = Angemeldet als { $account }.
signed-in-as-at = Angemeldet als { $account } bei { $org }.
signed-in-temporary = Sie haben sich mit dem vorläufigen Passwort von Ihrem Administrator angemeldet. Wählen Sie jetzt Ihr eigenes.
signed-in-choose = Eigenes Passwort wählen
signed-in-next-time = Melden Sie sich beim nächsten Mal mit Ihrer E-Mail-Adresse oder Mobilnummer und Ihrem eigenen Passwort an.
signed-in-change = Passwort ändern
sign-out = Abmelden
sign-out-everywhere = Auf allen Geräten abmelden

## Passkeys (the setup, reset and sign-in pages' button, and the reset page's list)

passkey-button = Passkey verwenden
passkey-setup-hint = Melden Sie sich statt mit einem Passwort mit Ihrem Fingerabdruck, Ihrem Gesicht oder Ihrer Displaysperre an.
passkey-sign-in-hint = Melden Sie sich mit Ihrem Fingerabdruck, Ihrem Gesicht oder Ihrer Displaysperre an.
passkey-or-password = Oder wählen Sie ein Passwort:
passkey-or-sign-in = Oder melden Sie sich mit Ihrem Passwort an:
passkey-failed = Der Passkey hat nicht funktioniert. Versuchen Sie es erneut oder verwenden Sie ein Passwort.
passkey-cancelled = Es wurde kein Passkey verwendet. Versuchen Sie es erneut, wenn Sie bereit sind, oder verwenden Sie ein Passwort.
passkey-link-dead = Dieser Link funktioniert nicht mehr. Fordern Sie einen neuen an.
passkey-disabled = Dieses Konto ist deaktiviert. Bitten Sie Ihren Administrator, es zu aktivieren.
passkeys-on-account = Passkeys für dieses Konto
# $date: when it was added, as `date-time` writes it (with the year).
passkey-unnamed = Passkey, hinzugefügt am { $date }
passkey-named = { $name }, hinzugefügt am { $date }
