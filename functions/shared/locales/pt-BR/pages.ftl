### Brazilian Portuguese (pt-BR): the pages a tech sees on a phone. Register: "você" throughout
### (the normal register of Brazilian apps), never "tu" or "o senhor". Short sentences; buttons
### say what happens, in the infinitive ("Salvar senha"); page titles in the imperative.
### Gender-neutral wording where the reader is concerned ("Você entrou", not "conectado").

## Shared by several pages

# Read by screen readers before a field's error, and the start of the page title after one.
error-prefix = Erro:
# A page's title: "Entrar · Northwind Plumbing".
page-title = { $title } · { $brand }
identifier-label = E-mail ou número de celular
back-to-sign-in = Voltar para o login
go-to-sign-in = Ir para o login
send-new-link = Enviar um novo link

## Sign in

sign-in-title = Entrar
sign-in-password = Senha
sign-in-password-hint = Primeiro acesso? Use a senha temporária que seu administrador passou para você.
show-password = Mostrar senha
show-passwords = Mostrar senhas
sign-in-button = Entrar
sign-in-forgot = Esqueceu sua senha ou precisa de um novo link de configuração?
sign-in-failed = O e-mail ou número de celular e a senha não correspondem. Confira os dois e tente novamente.

## Get a new link (forgot password)

forgot-title = Receber um novo link
forgot-intro = Informe o e-mail ou número de celular da sua conta. Vamos enviar um link para você escolher uma nova senha.
forgot-button = Enviar link
forgot-sent-email-title = Confira seu e-mail
forgot-sent-text-title = Confira suas mensagens
# $identifier is shown in bold.
forgot-sent-email = Se { $identifier } pertencer a uma conta, enviamos para esse endereço um link para escolher uma nova senha. O link vale por { $lifetime }.
forgot-sent-text = Se { $identifier } pertencer a uma conta, enviamos um SMS para esse número com um link para escolher uma nova senha. O link vale por { $lifetime }.
forgot-nothing-email = Nada chegou depois de alguns minutos? Veja na pasta de spam ou fale com seu administrador.
forgot-nothing-text = Nada chegou depois de alguns minutos? Fale com seu administrador.
forgot-temporary-still-works = Se você ainda não escolheu sua própria senha, a senha temporária que seu administrador passou para você continua funcionando para entrar.
forgot-too-many = Enviamos vários links para este endereço recentemente. Procure o mais recente no seu e-mail (e no spam) ou tente novamente daqui a pouco.

## A link that doesn't open the form

link-missing-title = Este link está incompleto
link-missing = Falta uma parte do código neste link. Abra o link novamente pelo e-mail ou copie o link inteiro no navegador. Você também pode pedir um novo link.
link-invalid-title = Este link não funciona
link-invalid = Não reconhecemos este link. Talvez ele tenha sido copiado só em parte, ou um e-mail mais recente o substituiu. Use o e-mail mais recente ou peça um novo link.
link-expired-title = Este link expirou
link-expired = Os links dos nossos e-mails valem por tempo limitado, e o prazo deste acabou. Peça um novo link e use-o logo.
link-used-title = Este link já foi usado
link-used = Cada link funciona uma única vez, e este já foi usado para definir uma senha. Entre com essa senha ou peça um novo link se você a esqueceu.
link-sign-in-temporary = Entrar com a senha temporária
link-sign-in-temporary-hint = A senha temporária é a que seu administrador passou para você. Ela funciona até você escolher sua própria senha.
link-sign-in = Entrar
link-sign-in-used-hint = Agora você entra com a senha escolhida por este link.

## The setup and reset forms, and changing a password

setup-title = Configure sua conta
setup-intro = Escolha a senha que você vai usar para entrar. Assim que ela for definida, você entra na hora.
setup-intro-code = Informe seu e-mail ou número de celular e o código de 6 dígitos do convite (por e-mail ou SMS). Depois, escolha a senha que você vai usar para entrar. Você entra na hora.
setup-button = Definir senha e entrar
reset-title = Escolha uma nova senha
reset-intro = Escolha uma nova senha. Assim que ela for definida, você entra na hora e os outros dispositivos são desconectados.
reset-intro-code = Informe seu e-mail ou número de celular e o código de 6 dígitos do e-mail ou SMS de redefinição. Depois, escolha uma nova senha. Os outros dispositivos são desconectados.
reset-save-button = Salvar senha e entrar
choose-title = Escolha sua senha
choose-intro = Você entrou com a senha temporária que seu administrador passou para você. Escolha sua própria senha agora: é ela que você vai usar daqui em diante, e a temporária deixa de funcionar.
choose-button = Salvar senha
change-title = Altere sua senha
change-intro = Digite sua senha atual e depois escolha uma nova. Os outros dispositivos são desconectados.
change-button = Alterar senha
# $account (bold) is the email address or mobile number of the account.
form-account = Conta: { $account }
code-label = Código de 6 dígitos do e-mail ou SMS
current-password-label = Senha atual
new-password-label = Nova senha
password-rule-length = Pelo menos { $min } caracteres. Pode usar espaços e qualquer letra.
password-rule-words = Algumas palavras sem relação entre si são fáceis de lembrar e difíceis de adivinhar.
password-rule-context = Não pode ser uma senha comum, seu e-mail nem o nome da sua empresa.
confirmation-label = Digite a senha de novo
not-saved = Sua senha não foi salva. Veja a mensagem abaixo e tente novamente.
not-changed = Sua senha não foi alterada. Veja a mensagem abaixo e tente novamente.

## What a form says about a field it refused

identifier-missing = Informe seu e-mail ou número de celular.
identifier-invalid = Isso não parece um e-mail nem um número de celular. Confira e tente novamente.
password-missing = Digite sua senha.
code-invalid = Esse código está incorreto. Confira o código ou peça um novo.
code-identifier-missing = Informe o e-mail ou número de celular para o qual o código foi enviado.
current-password-wrong = Essa não é sua senha atual. Confira e tente novamente.
passwords-differ = As duas senhas não são iguais. Digite a mesma senha nos dois campos.
password-too-short = Use pelo menos { $min } caracteres. Algumas palavras sem relação entre si formam uma boa senha.
password-too-long = Use no máximo { $max } caracteres.
password-control-character = A senha tem um caractere de controle invisível. Digite a senha novamente.
password-uses-context = Não use seu e-mail nem o nome da sua empresa na senha.
password-breached = Esta senha apareceu em um vazamento de dados, por isso é uma das primeiras que os invasores testam. Escolha outra.
password-guessable = Essa senha é fácil demais de adivinhar. Acrescente mais palavras ou deixe a senha mais longa.
# The same, with why it is easy to guess ($hint is one of the password-hint- messages).
password-guessable-because = Essa senha é fácil demais de adivinhar ({ $hint }). Acrescente mais palavras ou deixe a senha mais longa.
password-hint-keyboard = sequências do teclado são fáceis de adivinhar
password-hint-repeats = letras ou palavras repetidas são fáceis de adivinhar
password-hint-common = é uma senha muito comum
password-hint-sequence = sequências como abc ou 123 são fáceis de adivinhar
password-hint-dates = datas e anos são fáceis de adivinhar
password-hint-word = uma única palavra ou nome é fácil de adivinhar

## Error pages

error-not-found-title = Página não encontrada
error-wait-title = Aguarde um momento
error-failed-title = Algo deu errado
error-refused-title = Não deu certo
error-not-found = Não há nada aqui. Confira o endereço ou vá para o login.
error-too-many = Muitas tentativas. Aguarde um pouco e tente novamente.
error-internal = Algo deu errado do nosso lado. Tente novamente em instantes.
error-unavailable = Estamos com muito movimento agora. Tente novamente em instantes.
error-disabled = Esta conta está desativada. Peça ao seu administrador para ativá-la.
error-sign-in-first = Entre na sua conta primeiro.
error-forbidden = Você não pode fazer isso com esta conta.
error-cross-site = Este formulário foi enviado de outro site, por isso não foi aceito. Abra a página novamente e envie o formulário por ela.
error-refused = Essa solicitação não foi aceita. Volte e tente novamente.

## The local server's signed-in page

signed-in-title = Você entrou na sua conta
# $account is shown in bold.
signed-in-as = Você entrou como { $account }.
signed-in-as-at = Você entrou como { $account } na { $org }.
signed-in-temporary = Você entrou com a senha temporária que seu administrador passou para você. Escolha sua própria senha agora.
signed-in-choose = Escolher sua senha
signed-in-next-time = Da próxima vez, entre com seu e-mail ou número de celular e sua própria senha.
signed-in-change = Alterar sua senha
sign-out = Sair
sign-out-everywhere = Sair em todos os dispositivos

## Passkeys (the setup, reset and sign-in pages' button, and the reset page's list)

passkey-button = Usar uma chave de acesso
passkey-setup-hint = Entre com sua impressão digital, seu rosto ou o bloqueio de tela em vez de uma senha.
passkey-sign-in-hint = Entre com sua impressão digital, seu rosto ou o bloqueio de tela.
passkey-or-password = Ou escolha uma senha:
passkey-or-sign-in = Ou entre com sua senha:
passkey-failed = A chave de acesso não funcionou. Tente novamente ou use uma senha.
passkey-cancelled = Nenhuma chave de acesso foi usada. Tente novamente quando quiser ou use uma senha.
passkey-link-dead = Este link não funciona mais. Peça um novo.
passkey-disabled = Esta conta está desativada. Peça ao seu administrador para ativá-la.
passkeys-on-account = Chaves de acesso desta conta
# $date: when it was added, as `date-time` writes it (with the year).
passkey-unnamed = Chave de acesso adicionada em { $date }
passkey-named = { $name }, adicionada em { $date }
