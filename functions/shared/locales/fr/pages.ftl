### Français (fr) : les pages qu'un technicien voit sur son téléphone. Registre : vouvoiement
### (« vous »), la norme pour une entreprise qui s'adresse à son personnel et pour une interface
### en français. Phrases courtes ; les boutons disent ce qui se passe, à l'infinitif. Espace
### simple avant « : ? ! », apostrophe droite. Termes : lien, code, mot de passe temporaire,
### administrateur, se connecter / connexion, e-mail, numéro de mobile, SMS.

## Commun à plusieurs pages

# Lu par les lecteurs d'écran avant l'erreur d'un champ, et début du titre de la page s'il y
# en a une.
error-prefix = Erreur :
# Le titre d'une page : « Connexion · Plomberie Dupont ».
page-title = { $title } · { $brand }
identifier-label = E-mail ou numéro de mobile
back-to-sign-in = Retour à la connexion
go-to-sign-in = Aller à la connexion
send-new-link = M'envoyer un nouveau lien

## Connexion

sign-in-title = Connexion
sign-in-password = Mot de passe
sign-in-password-hint = Première connexion ? Utilisez le mot de passe temporaire fourni par votre administrateur.
show-password = Afficher le mot de passe
show-passwords = Afficher les mots de passe
sign-in-button = Se connecter
sign-in-forgot = Mot de passe oublié, ou besoin d'un nouveau lien d'activation ?
sign-in-failed = Cet e-mail ou ce numéro de mobile ne correspond pas au mot de passe. Vérifiez les deux et réessayez.

## Obtenir un nouveau lien (mot de passe oublié)

forgot-title = Obtenir un nouveau lien
forgot-intro = Saisissez l'adresse e-mail ou le numéro de mobile de votre compte. Nous vous enverrons un lien pour choisir un nouveau mot de passe.
forgot-button = M'envoyer un lien
forgot-sent-email-title = Consultez vos e-mails
forgot-sent-text-title = Consultez vos SMS
# $identifier est en gras.
forgot-sent-email = Si un compte utilise { $identifier }, nous venons d'y envoyer un lien pour choisir un nouveau mot de passe. Le lien est valable { $lifetime }.
forgot-sent-text = Si un compte utilise { $identifier }, nous venons d'y envoyer par SMS un lien pour choisir un nouveau mot de passe. Le lien est valable { $lifetime }.
forgot-nothing-email = Rien reçu après quelques minutes ? Regardez dans les courriers indésirables, ou demandez à votre administrateur.
forgot-nothing-text = Rien reçu après quelques minutes ? Demandez à votre administrateur.
forgot-temporary-still-works = Si vous n'avez pas encore choisi votre propre mot de passe, le mot de passe temporaire fourni par votre administrateur vous permet toujours de vous connecter.
forgot-too-many = Nous avons récemment envoyé plusieurs liens à cette adresse. Cherchez le plus récent dans vos e-mails (et dans les courriers indésirables), ou réessayez un peu plus tard.

## Un lien qui n'ouvre pas le formulaire

link-missing-title = Ce lien est incomplet
link-missing = Il manque une partie de ce lien. Ouvrez-le de nouveau depuis l'e-mail, ou copiez le lien en entier dans votre navigateur. Vous pouvez aussi obtenir un nouveau lien.
link-invalid-title = Ce lien ne fonctionne pas
link-invalid = Nous ne reconnaissons pas ce lien. Il n'a peut-être été copié qu'en partie, ou un e-mail plus récent l'a remplacé. Utilisez l'e-mail le plus récent, ou obtenez un nouveau lien.
link-expired-title = Ce lien a expiré
link-expired = Les liens de nos e-mails ne sont valables que pendant une durée limitée, et celui-ci a expiré. Obtenez un nouveau lien et utilisez-le sans tarder.
link-used-title = Ce lien a déjà été utilisé
link-used = Chaque lien ne fonctionne qu'une fois, et celui-ci a déjà servi à définir un mot de passe. Connectez-vous avec ce mot de passe, ou obtenez un nouveau lien si vous l'avez oublié.
link-sign-in-temporary = Se connecter avec le mot de passe temporaire
link-sign-in-temporary-hint = Le mot de passe temporaire est celui que votre administrateur vous a fourni. Il fonctionne jusqu'à ce que vous choisissiez le vôtre.
link-sign-in = Se connecter
link-sign-in-used-hint = C'est désormais avec le mot de passe choisi grâce à ce lien que vous vous connectez.

## Les formulaires d'activation et de réinitialisation, et le changement de mot de passe

setup-title = Activez votre compte
setup-intro = Choisissez le mot de passe que vous utiliserez pour vous connecter. Dès qu'il est enregistré, vous accédez directement à votre compte.
setup-intro-code = Saisissez votre adresse e-mail ou votre numéro de mobile et le code à 6 chiffres de votre invitation (e-mail ou SMS), puis choisissez le mot de passe que vous utiliserez pour vous connecter. Vous accédez ensuite directement à votre compte.
setup-button = Définir le mot de passe et se connecter
reset-title = Choisissez un nouveau mot de passe
reset-intro = Choisissez un nouveau mot de passe. Dès qu'il est enregistré, vous accédez à votre compte et vos autres appareils sont déconnectés.
reset-intro-code = Saisissez votre adresse e-mail ou votre numéro de mobile et le code à 6 chiffres de l'e-mail ou du SMS de réinitialisation, puis choisissez un nouveau mot de passe. Vos autres appareils seront déconnectés.
reset-save-button = Enregistrer le mot de passe et se connecter
choose-title = Choisissez votre mot de passe
choose-intro = Vous avez utilisé le mot de passe temporaire fourni par votre administrateur pour vous connecter. Choisissez maintenant le vôtre : c'est lui que vous utiliserez désormais, et le mot de passe temporaire ne fonctionnera plus.
choose-button = Enregistrer le mot de passe
change-title = Modifiez votre mot de passe
change-intro = Saisissez votre mot de passe actuel, puis choisissez-en un nouveau. Vos autres appareils seront déconnectés.
change-button = Modifier le mot de passe
# $account (en gras) est l'adresse e-mail ou le numéro de mobile du compte.
form-account = Compte : { $account }
code-label = Code à 6 chiffres reçu par e-mail ou par SMS
current-password-label = Mot de passe actuel
new-password-label = Nouveau mot de passe
password-rule-length = Au moins { $min } caractères. Les espaces et toutes les lettres, accentuées ou non, sont acceptés.
password-rule-words = Quelques mots sans rapport entre eux sont faciles à retenir et difficiles à deviner.
password-rule-context = Ni un mot de passe courant, ni votre adresse e-mail, ni le nom de votre entreprise.
confirmation-label = Saisissez-le de nouveau
not-saved = Votre mot de passe n'a pas été enregistré. Lisez le message ci-dessous et réessayez.
not-changed = Votre mot de passe n'a pas été modifié. Lisez le message ci-dessous et réessayez.

## Ce qu'un formulaire dit d'un champ qu'il a refusé

identifier-missing = Saisissez votre adresse e-mail ou votre numéro de mobile.
identifier-invalid = Ceci ne ressemble ni à une adresse e-mail ni à un numéro de mobile. Vérifiez et réessayez.
password-missing = Saisissez votre mot de passe.
code-invalid = Ce code ne correspond pas. Vérifiez-le, ou demandez-en un nouveau.
code-identifier-missing = Saisissez l'adresse e-mail ou le numéro de mobile auquel le code a été envoyé.
current-password-wrong = Ce n'est pas votre mot de passe actuel. Vérifiez-le et réessayez.
passwords-differ = Les deux mots de passe ne correspondent pas. Saisissez le même mot de passe dans les deux champs.
password-too-short = Utilisez au moins { $min } caractères. Quelques mots sans rapport entre eux font un bon mot de passe.
password-too-long = Utilisez au maximum { $max } caractères.
password-control-character = Le mot de passe contient un caractère de contrôle invisible. Saisissez-le de nouveau.
password-uses-context = N'utilisez ni votre adresse e-mail ni le nom de votre entreprise dans le mot de passe.
password-breached = Ce mot de passe figure dans une fuite de données : les pirates l'essaient donc en premier. Choisissez-en un autre.
password-guessable = Ce mot de passe est trop facile à deviner. Ajoutez des mots ou allongez-le.
# Le même, avec la raison ($hint est l'un des messages password-hint-).
password-guessable-because = Ce mot de passe est trop facile à deviner ({ $hint }). Ajoutez des mots ou allongez-le.
password-hint-keyboard = les suites de touches du clavier sont faciles à deviner
password-hint-repeats = les lettres ou les mots répétés sont faciles à deviner
password-hint-common = c'est un mot de passe très courant
password-hint-sequence = les suites comme abc ou 123 sont faciles à deviner
password-hint-dates = les dates et les années sont faciles à deviner
password-hint-word = un seul mot ou un seul nom est facile à deviner

## Pages d'erreur

error-not-found-title = Page introuvable
error-wait-title = Veuillez patienter un instant
error-failed-title = Une erreur s'est produite
error-refused-title = La demande n'a pas abouti
error-not-found = Il n'y a rien ici. Vérifiez l'adresse, ou allez à la page de connexion.
error-too-many = Trop de tentatives. Patientez un peu et réessayez.
error-internal = Une erreur s'est produite de notre côté. Réessayez dans un instant.
error-unavailable = Le service est très sollicité en ce moment. Réessayez dans un instant.
error-disabled = Ce compte est désactivé. Demandez à votre administrateur de le réactiver.
error-sign-in-first = Connectez-vous d'abord.
error-forbidden = Vous ne pouvez pas faire cela avec ce compte.
error-cross-site = Ce formulaire a été envoyé depuis un autre site : il n'a donc pas été accepté. Ouvrez de nouveau la page et envoyez-le depuis celle-ci.
error-refused = Cette demande n'a pas été acceptée. Revenez en arrière et réessayez.

## La page « connecté » du serveur local

signed-in-title = Connexion réussie
# $account est en gras.
signed-in-as = Vous utilisez le compte { $account }.
signed-in-as-at = Vous utilisez le compte { $account } chez { $org }.
signed-in-temporary = Vous avez utilisé le mot de passe temporaire fourni par votre administrateur pour vous connecter. Choisissez maintenant le vôtre.
signed-in-choose = Choisir votre mot de passe
signed-in-next-time = La prochaine fois, connectez-vous avec votre adresse e-mail ou votre numéro de mobile et votre propre mot de passe.
signed-in-change = Modifier votre mot de passe
sign-out = Se déconnecter
sign-out-everywhere = Se déconnecter de tous les appareils

## Clés d'accès (le bouton des pages d'activation, de réinitialisation et de connexion, et la
## liste de la page de réinitialisation)

passkey-button = Utiliser une clé d'accès
passkey-setup-hint = Connectez-vous avec votre empreinte digitale, votre visage ou le verrouillage de l'écran au lieu d'un mot de passe.
passkey-sign-in-hint = Connectez-vous avec votre empreinte digitale, votre visage ou le verrouillage de l'écran.
passkey-or-password = Ou choisissez un mot de passe :
passkey-or-sign-in = Ou connectez-vous avec votre mot de passe :
passkey-failed = La clé d'accès n'a pas fonctionné. Réessayez, ou utilisez un mot de passe.
passkey-cancelled = Aucune clé d'accès n'a été utilisée. Réessayez quand vous le souhaitez, ou utilisez un mot de passe.
passkey-link-dead = Ce lien ne fonctionne plus. Demandez-en un nouveau.
passkey-disabled = Ce compte est désactivé. Demandez à votre administrateur de le réactiver.
passkeys-on-account = Clés d'accès de ce compte
# $date : la date d'ajout, telle que `date-time` l'écrit (avec l'année).
passkey-unnamed = Clé d'accès ajoutée le { $date }
passkey-named = { $name }, ajoutée le { $date }
