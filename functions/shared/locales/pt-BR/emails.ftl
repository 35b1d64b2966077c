### Brazilian Portuguese (pt-BR): the emails. Register: "você" throughout (the normal register
### of Brazilian apps and workplace messages), never "tu" or "o senhor". Buttons use normal
### Brazilian sentence case in the infinitive ("Configurar sua conta"), not English title case.
### "Boas-vindas" is the gender-neutral welcome.

## Shared by every email with a link

email-button-fallback = O botão não funciona? Copie este link e cole no navegador:
email-link-lifetime = Este link vale por { $lifetime }, até { $expires }, e só pode ser usado uma vez.
# $page is a link; the code follows on its own line.
email-code-intro = Está em outro dispositivo ou o botão não abre? Acesse { $page } e digite:
# The plain-text part: the code on the same line.
email-code-intro-inline = Está em outro dispositivo ou o botão não abre? Acesse { $page } e digite { $code }.
email-code-note = O código vale pelo mesmo tempo que o link, e só o código do e-mail mais recente funciona.

## Welcome (the invite) and its reminder

welcome-subject = Configure sua conta na { $org }
welcome-subject-no-org = Configure sua conta
reminder-subject = Lembrete: configure sua conta na { $org }
reminder-subject-no-org = Lembrete: configure sua conta
# The line a mail client shows under the subject in the inbox.
welcome-preheader = Escolha sua senha para concluir a configuração. O link vale por { $lifetime }.
welcome-heading = Boas-vindas, { $name }
welcome-heading-no-name = Boas-vindas
welcome-inviter = { $org } adicionou você à equipe.
welcome-inviter-no-org = Seu administrador adicionou você à equipe.
reminder-inviter = { $org } adicionou você à equipe, e seu convite ainda está pendente. Este link substitui o do primeiro e-mail.
reminder-inviter-no-org = Seu administrador adicionou você à equipe, e seu convite ainda está pendente. Este link substitui o do primeiro e-mail.
welcome-finish = Escolha sua senha para concluir a configuração da sua conta.
welcome-button = Configurar sua conta
# The plain-text part's line before the link.
welcome-link-intro = Configure sua conta:
welcome-temporary = Não consegue usar o link? A senha temporária que seu administrador passou para você continua funcionando até você escolher sua própria senha.
welcome-footer = Este e-mail foi enviado para { $to } porque um administrador adicionou você à equipe. Ninguém da equipe jamais vai pedir sua senha.

## Reset (forgot password)

reset-subject = Escolha uma nova senha
reset-preheader = O link vale por { $lifetime } e só pode ser usado uma vez.
reset-heading = Escolha uma nova senha
reset-asked = Alguém pediu um link para escolher uma nova senha para { $account }.
reset-asked-org = Alguém pediu um link para escolher uma nova senha para { $account } na { $org }.
reset-button = Escolher nova senha
reset-link-intro = Escolha uma nova senha:
reset-ignore = Não foi você que pediu? Ignore este e-mail: sua senha continua a mesma.
reset-footer = Este e-mail foi enviado para { $to } porque alguém pediu uma nova senha. Se não foi você, pode ignorá-lo.

## Your password was changed

changed-subject = Sua senha foi alterada
changed-preheader = Se não foi você, redefina sua senha agora.
changed-heading = Sua senha foi alterada
changed-when = A senha de { $account } foi alterada em { $when }. Todos os outros dispositivos foram desconectados.
changed-when-org = A senha de { $account } na { $org } foi alterada em { $when }. Todos os outros dispositivos foram desconectados.
changed-if-you = Se foi você, não precisa fazer mais nada.
# "If it wasn't you" is bold in the HTML part; a comma joins it to the next message.
changed-if-not-you = Se não foi você
changed-if-not-you-then = escolha uma nova senha agora e avise seu administrador:
changed-button = Redefinir minha senha
changed-footer = Este e-mail foi enviado para { $to } porque a senha da conta foi alterada. Enviamos este aviso toda vez, para você ficar sabendo.

## The email or mobile number on an account was changed

contact-subject = O e-mail ou celular da sua conta foi alterado
contact-heading = O e-mail ou celular da sua conta foi alterado
contact-when = O e-mail ou número de celular da sua conta foi alterado em { $when }. Todos os dispositivos foram desconectados.
contact-when-org = O e-mail ou número de celular da sua conta na { $org } foi alterado em { $when }. Todos os dispositivos foram desconectados.
contact-if-told = Se seu administrador avisou você sobre isso, não precisa fazer mais nada.
# "If you didn't expect it" is bold in the HTML part; a comma joins it to the next message.
contact-if-not-expected = Se você não esperava por isso
contact-if-not-expected-then = fale com seu administrador agora.
contact-preheader = Se você não esperava por isso, fale com seu administrador.
contact-footer = Este e-mail foi enviado para { $to } porque os dados de contato da conta foram alterados. Enviamos este aviso toda vez, para você ficar sabendo.

## A passkey was added to an account

passkey-subject = Uma chave de acesso foi adicionada à sua conta
passkey-heading = Uma chave de acesso foi adicionada à sua conta
passkey-when = Uma chave de acesso foi adicionada à sua conta em { $when }. A partir de agora, ela pode ser usada para entrar na sua conta.
passkey-when-org = Uma chave de acesso foi adicionada à sua conta na { $org } em { $when }. A partir de agora, ela pode ser usada para entrar na sua conta.
passkey-if-told = Se você adicionou a chave, não precisa fazer mais nada.
# "If you didn't add it" is bold in the HTML part; a comma joins it to the next message.
passkey-if-not-expected = Se você não adicionou a chave
passkey-if-not-expected-then = fale com seu administrador agora.
passkey-preheader = Se você não adicionou a chave, fale com seu administrador.
passkey-footer = Este e-mail foi enviado para { $to } porque uma chave de acesso foi adicionada à conta. Enviamos este aviso toda vez, para você ficar sabendo.
