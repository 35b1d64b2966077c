### English (en): the pages a tech sees on a phone. Short sentences; buttons say what happens.

## Shared by several pages

# Read by screen readers before a field's error, and the start of the page title after one.
error-prefix = Error:
# A page's title: "Sign in · Northwind Plumbing".
page-title = { $title } · { $brand }
identifier-label = Email or mobile number
back-to-sign-in = Back to sign in
go-to-sign-in = Go to sign in
send-new-link = Send me a new link

## Sign in

sign-in-title = Sign in
sign-in-password = Password
sign-in-password-hint = New here? Use the temporary password your admin gave you.
show-password = Show password
show-passwords = Show passwords
sign-in-button = Sign in
sign-in-forgot = Forgot your password, or need a new setup link?
sign-in-failed = That email or mobile number and password don't match. Check both and try again.

## Get a new link (forgot password)

forgot-title = Get a new link
forgot-intro = Enter the email or mobile number your account uses. We'll send you a link to choose a new password.
forgot-button = Send me a link
forgot-sent-email-title = Check your email
forgot-sent-text-title = Check your messages
# $identifier is shown in bold.
forgot-sent-email = If an account uses { $identifier }, we've sent it a link to choose a new password. The link works for { $lifetime }.
forgot-sent-text = If an account uses { $identifier }, we've sent it a link to choose a new password by text message. The link works for { $lifetime }.
forgot-nothing-email = Nothing there after a few minutes? Look in spam, or ask your admin.
forgot-nothing-text = Nothing there after a few minutes? Ask your admin.
forgot-temporary-still-works = If you haven't chosen your own password yet, the temporary password your admin gave you still signs you in.
forgot-too-many = We've sent several links to this address recently. Check your email (and spam) for the newest one, or try again in a little while.

## A link that doesn't open the form

link-missing-title = This link is incomplete
link-missing = The link is missing part of its code. Open it again from the email, or copy the whole link into your browser. You can also get a new link.
link-invalid-title = This link doesn't work
link-invalid = We don't recognise this link. It may have been copied only in part, or a newer email replaced it. Use the newest email, or get a new link.
link-expired-title = This link has expired
link-expired = Links from our emails work for a limited time, and this one has run out. Get a new link and use it soon.
link-used-title = This link has already been used
link-used = Each link works once, and this one has already set a password. Sign in with that password, or get a new link if you've forgotten it.
link-sign-in-temporary = Sign in with the temporary password
link-sign-in-temporary-hint = The temporary password is the one your admin gave you. It works until you choose your own.
link-sign-in = Sign in
link-sign-in-used-hint = The password chosen with this link is the one that signs you in now.

## The setup and reset forms, and changing a password

setup-title = Set up your account
setup-intro = Choose the password you'll use to sign in. Once it's set, you're signed in straight away.
setup-intro-code = Enter your email address or mobile number and the 6-digit code from your invite (email or text message), then choose the password you'll use to sign in. You're signed in straight away.
setup-button = Set password and sign in
reset-title = Choose a new password
reset-intro = Choose a new password. Once it's set, you're signed in and other devices are signed out.
reset-intro-code = Enter your email address or mobile number and the 6-digit code from the reset email or text message, then choose a new password. Other devices are signed out.
reset-save-button = Save password and sign in
choose-title = Choose your password
choose-intro = You signed in with the temporary password your admin gave you. Choose your own now: you'll use it from now on, and the temporary one stops working.
choose-button = Save password
change-title = Change your password
change-intro = Enter your current password, then choose a new one. Other devices are signed out.
change-button = Change password
# $account (bold) is the email address or mobile number of the account.
form-account = Account: { $account }
code-label = 6-digit code from the email or text message
current-password-label = Current password
new-password-label = New password
password-rule-length = At least { $min } characters. Spaces and any letters are fine.
password-rule-words = A few unrelated words are easy to remember and hard to guess.
password-rule-context = Not a common password, your email address or your company's name.
confirmation-label = Type it again
not-saved = Your password wasn't saved. Check the message below and try again.
not-changed = Your password wasn't changed. Check the message below and try again.

## What a form says about a field it refused

identifier-missing = Enter your email address or mobile number.
identifier-invalid = That doesn't look like an email address or a mobile number. Check it and try again.
password-missing = Enter your password.
code-invalid = That code doesn't match. Check it, or ask for a new one.
code-identifier-missing = Enter the email address or mobile number the code was sent to.
current-password-wrong = That isn't your current password. Check it and try again.
passwords-differ = The two passwords don't match. Type the same password in both boxes.
password-too-short = Use at least { $min } characters. A few unrelated words make a good password.
password-too-long = Use at most { $max } characters.
password-control-character = The password has an invisible control character in it. Type it again.
password-uses-context = Don't use your email address or your company's name in the password.
password-breached = This password has appeared in a data breach, so attackers try it first. Choose a different one.
password-guessable = That password is too easy to guess. Add more words or make it longer.
# The same, with why it is easy to guess ($hint is one of the password-hint- messages).
password-guessable-because = That password is too easy to guess ({ $hint }). Add more words or make it longer.
password-hint-keyboard = keyboard patterns are easy to guess
password-hint-repeats = repeated letters or words are easy to guess
password-hint-common = it is a very common password
password-hint-sequence = sequences like abc or 123 are easy to guess
password-hint-dates = dates and years are easy to guess
password-hint-word = a single word or name is easy to guess

## Error pages

error-not-found-title = Page not found
error-wait-title = Please wait a moment
error-failed-title = Something went wrong
error-refused-title = That didn't work
error-not-found = There is nothing here. Check the address, or go to sign in.
error-too-many = Too many attempts. Wait a little and try again.
error-internal = Something went wrong on our side. Try again in a moment.
error-unavailable = We're busy right now. Try again in a moment.
error-disabled = This account is disabled. Ask your admin to enable it.
error-sign-in-first = Sign in first.
error-forbidden = You can't do this with this account.
error-cross-site = This form was sent from another site, so it was not accepted. Open the page again and send it from there.
error-refused = That request wasn't accepted. Go back and try again.

## The local server's signed-in page

signed-in-title = You're signed in
# $account is shown in bold.
signed-in-as = Signed in as { $account }.
signed-in-as-at = Signed in as { $account } at { $org }.
signed-in-temporary = You signed in with the temporary password your admin gave you. Choose your own now.
signed-in-choose = Choose your password
signed-in-next-time = Next time, sign in with your email or mobile number and your own password.
signed-in-change = Change your password
sign-out = Sign out
sign-out-everywhere = Sign out on every device

## Passkeys (the setup, reset and sign-in pages' button, and the reset page's list)

passkey-button = Use a passkey
passkey-setup-hint = Sign in with your fingerprint, face or screen lock instead of a password.
passkey-sign-in-hint = Sign in with your fingerprint, face or screen lock.
passkey-or-password = Or choose a password:
passkey-or-sign-in = Or sign in with your password:
passkey-failed = The passkey didn't work. Try again, or use a password.
passkey-cancelled = No passkey was used. Try again when you're ready, or use a password.
passkey-link-dead = This link no longer works. Ask for a new one.
passkey-disabled = This account is disabled. Ask your admin to enable it.
passkeys-on-account = Passkeys on this account
# $date: when it was added, as `date-time` writes it, e.g. "Monday 14 December 2026 at 17:00 UTC".
passkey-unnamed = Passkey added { $date }
passkey-named = { $name }, added { $date }
