### English (en): the text messages. A text is short by contract: at most 2 GSM-7 segments (306
### characters), or 3 UCS-2 segments (201) when a character outside GSM-7 makes the whole text
### UCS-2. The company name (up to 30 characters), the link and the autofill line follow these
### first lines, so each stays as short as it can while reading naturally; the tests count every
### locale's segments with the longest name, link and date.

# $expires: "30 Sep 10:00 UTC".
text-invite = Join { $org } by { $expires }:
text-invite-no-org = Set up your account by { $expires }:
text-reminder = { $org } invite ends { $expires }:
text-reminder-no-org = Reminder: your invite ends { $expires }:
# $lifetime: "30 minutes".
text-reset = { $org } password reset ({ $lifetime }):
text-reset-no-org = Reset your password within { $lifetime }:
text-contact-changed = { $org }: The email or mobile number on your account was changed. If you didn't expect this, contact your admin.
text-contact-changed-no-org = The email or mobile number on your account was changed. If you didn't expect this, contact your admin.
text-passkey-added = { $org }: A passkey was added to your account. If you didn't add it, contact your admin.
text-passkey-added-no-org = A passkey was added to your account. If you didn't add it, contact your admin.
