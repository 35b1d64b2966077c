### English (en): the emails. The button says what it does in title case ("Set Up Your
### Account"), as the product has always called it.

## Shared by every email with a link

email-button-fallback = Button not working? Copy this link into your browser:
email-link-lifetime = This link works for { $lifetime }, until { $expires }, and only once.
# $page is a link; the code follows on its own line.
email-code-intro = On another device, or the button won't open? Go to { $page } and enter:
# The plain-text part: the code on the same line.
email-code-intro-inline = On another device, or the button won't open? Go to { $page } and enter { $code }.
email-code-note = The code works as long as the link, and only from the newest email.

## Welcome (the invite) and its reminder

welcome-subject = Set up your { $org } account
welcome-subject-no-org = Set up your account
reminder-subject = Reminder: set up your { $org } account
reminder-subject-no-org = Reminder: set up your account
# The line a mail client shows under the subject in the inbox.
welcome-preheader = Choose your password to finish setting up. The link works for { $lifetime }.
welcome-heading = Welcome, { $name }
welcome-heading-no-name = Welcome
welcome-inviter = { $org } has added you to their team.
welcome-inviter-no-org = Your admin has added you to their team.
reminder-inviter = { $org } added you to their team, and your invite is still waiting. This link replaces the one in the first email.
reminder-inviter-no-org = Your admin added you to their team, and your invite is still waiting. This link replaces the one in the first email.
welcome-finish = Choose your password to finish setting up your account.
welcome-button = Set Up Your Account
# The plain-text part's line before the link.
welcome-link-intro = Set up your account:
welcome-temporary = Can't use the link? The temporary password your admin gave you still signs you in until you choose your own.
welcome-footer = This email was sent to { $to } because an admin added you to their team. Nobody from the team will ever ask you for your password.

## Reset (forgot password)

reset-subject = Choose a new password
reset-preheader = The link works for { $lifetime }, and only once.
reset-heading = Choose a new password
reset-asked = Someone asked for a link to choose a new password for { $account }.
reset-asked-org = Someone asked for a link to choose a new password for { $account } at { $org }.
reset-button = Choose a New Password
reset-link-intro = Choose a new password:
reset-ignore = Didn't ask for this? Ignore this email: your password stays as it is.
reset-footer = This email was sent to { $to } because someone asked for a new password. If it wasn't you, you can ignore it.

## Your password was changed

changed-subject = Your password was changed
changed-preheader = If it wasn't you, reset your password now.
changed-heading = Your password was changed
changed-when = The password for { $account } was changed on { $when }. Every other device that was signed in has been signed out.
changed-when-org = The password for { $account } at { $org } was changed on { $when }. Every other device that was signed in has been signed out.
changed-if-you = If you did this, there is nothing more to do.
# "If it wasn't you" is bold in the HTML part.
changed-if-not-you = If it wasn't you
changed-if-not-you-then = choose a new password now and tell your admin:
changed-button = Reset My Password
changed-footer = This email was sent to { $to } because its password was changed. We send it every time, so you know.

## The email or mobile number on an account was changed

contact-subject = The email or mobile number on your account was changed
contact-heading = The email or mobile number on your account was changed
contact-when = The email address or mobile number on your account was changed on { $when }. Every device that was signed in has been signed out.
contact-when-org = The email address or mobile number on your account at { $org } was changed on { $when }. Every device that was signed in has been signed out.
contact-if-told = If your admin told you about this, there is nothing more to do.
# "If you didn't expect it" is bold in the HTML part.
contact-if-not-expected = If you didn't expect it
contact-if-not-expected-then = contact your admin now.
contact-preheader = If you didn't expect this, contact your admin.
contact-footer = This email was sent to { $to } because the contact details of its account changed. We send it every time, so you know.

## A passkey was added to an account

passkey-subject = A passkey was added to your account
passkey-heading = A passkey was added to your account
passkey-when = A passkey was added to your account on { $when }. It can sign in to your account from now on.
passkey-when-org = A passkey was added to your account at { $org } on { $when }. It can sign in to your account from now on.
passkey-if-told = If you added it, there is nothing more to do.
# "If you didn't add it" is bold in the HTML part.
passkey-if-not-expected = If you didn't add it
passkey-if-not-expected-then = contact your admin now.
passkey-preheader = If you didn't add it, contact your admin.
passkey-footer = This email was sent to { $to } because a passkey was added to its account. We send it every time, so you know.
