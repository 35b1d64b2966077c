### Brazilian Portuguese (pt-BR): the text messages. Register: "você" (the normal register of
### Brazilian apps), never "tu" or "o senhor". A text is short by contract: at most 2 GSM-7
### segments (306 characters), or 3 UCS-2 segments (201) when a character outside GSM-7 makes
### the whole text UCS-2. The company name (up to 30 characters), the link and the autofill line
### follow these first lines, so each stays as short as it can while reading naturally (SMS
### style: "vence 30 dez", as on Brazilian bill reminders). The invite, reminder and reset lines
### use only GSM-7 characters (é and à are GSM-7); a Polish or similar company name makes the
### text UCS-2, and the worst case still fits 201 units.

# $expires: "30 set 10:00 UTC".
text-invite = Junte-se à { $org } até { $expires }:
text-invite-no-org = Configure sua conta até { $expires }:
text-reminder = { $org }: convite vence { $expires }:
text-reminder-no-org = Lembrete: seu convite vence { $expires }:
# $lifetime: "30 minutos".
text-reset = { $org }: redefinir senha ({ $lifetime }):
text-reset-no-org = Redefina sua senha em até { $lifetime }:
text-contact-changed = { $org }: o e-mail ou celular da sua conta foi alterado. Se você não esperava por isso, fale com seu administrador.
text-contact-changed-no-org = O e-mail ou celular da sua conta foi alterado. Se você não esperava por isso, fale com seu administrador.
text-passkey-added = { $org }: uma chave de acesso foi adicionada à sua conta. Se você não adicionou a chave, fale com seu administrador.
text-passkey-added-no-org = Uma chave de acesso foi adicionada à sua conta. Se você não adicionou a chave, fale com seu administrador.
