### Français (fr) : les e-mails. Registre : vouvoiement (« vous »), la norme pour les messages
### d'une entreprise à son personnel. Les boutons disent ce qu'ils font, à l'infinitif et avec
### une majuscule initiale seulement (« Activer votre compte »), comme en français. Espace
### simple avant « : ? ! », apostrophe droite.

## Commun à tous les e-mails avec un lien

email-button-fallback = Le bouton ne fonctionne pas ? Copiez ce lien dans votre navigateur :
email-link-lifetime = Ce lien est valable { $lifetime }, jusqu'au { $expires }, et ne fonctionne qu'une seule fois.
# $page est un lien ; le code suit sur sa propre ligne.
email-code-intro = Vous êtes sur un autre appareil, ou le bouton ne s'ouvre pas ? Rendez-vous sur { $page } et saisissez :
# La version texte brut : le code sur la même ligne.
email-code-intro-inline = Vous êtes sur un autre appareil, ou le bouton ne s'ouvre pas ? Rendez-vous sur { $page } et saisissez { $code }.
email-code-note = Le code est valable aussi longtemps que le lien, et seul celui de l'e-mail le plus récent fonctionne.

## Bienvenue (l'invitation) et son rappel

welcome-subject = Activez votre compte { $org }
welcome-subject-no-org = Activez votre compte
reminder-subject = Rappel : activez votre compte { $org }
reminder-subject-no-org = Rappel : activez votre compte
# La ligne qu'une messagerie affiche sous l'objet, dans la boîte de réception.
welcome-preheader = Choisissez votre mot de passe pour terminer l'activation. Le lien est valable { $lifetime }.
welcome-heading = Bienvenue, { $name }
welcome-heading-no-name = Bienvenue
welcome-inviter = { $org } vous invite à rejoindre son équipe.
welcome-inviter-no-org = Votre administrateur vous invite à rejoindre son équipe.
reminder-inviter = Votre invitation à rejoindre l'équipe de { $org } vous attend toujours. Ce lien remplace celui du premier e-mail.
reminder-inviter-no-org = Votre invitation à rejoindre l'équipe de votre administrateur vous attend toujours. Ce lien remplace celui du premier e-mail.
welcome-finish = Choisissez votre mot de passe pour terminer l'activation de votre compte.
welcome-button = Activer votre compte
# La ligne avant le lien, dans la version texte brut.
welcome-link-intro = Activez votre compte :
welcome-temporary = Vous ne pouvez pas utiliser le lien ? Le mot de passe temporaire fourni par votre administrateur vous permet toujours de vous connecter, jusqu'à ce que vous choisissiez le vôtre.
welcome-footer = Cet e-mail a été envoyé à { $to } car un administrateur vous invite à rejoindre son équipe. Personne de l'équipe ne vous demandera jamais votre mot de passe.

## Réinitialisation (mot de passe oublié)

reset-subject = Choisissez un nouveau mot de passe
reset-preheader = Le lien est valable { $lifetime } et ne fonctionne qu'une seule fois.
reset-heading = Choisissez un nouveau mot de passe
reset-asked = Quelqu'un a demandé un lien pour choisir un nouveau mot de passe pour le compte { $account }.
reset-asked-org = Quelqu'un a demandé un lien pour choisir un nouveau mot de passe pour le compte { $account } chez { $org }.
reset-button = Choisir un nouveau mot de passe
reset-link-intro = Choisissez un nouveau mot de passe :
reset-ignore = Vous n'avez rien demandé ? Ignorez cet e-mail : votre mot de passe reste inchangé.
reset-footer = Cet e-mail a été envoyé à { $to } car quelqu'un a demandé un nouveau mot de passe. Si ce n'était pas vous, vous pouvez l'ignorer.

## Votre mot de passe a été modifié

changed-subject = Votre mot de passe a été modifié
changed-preheader = Si ce n'était pas vous, réinitialisez votre mot de passe dès maintenant.
changed-heading = Votre mot de passe a été modifié
changed-when = Le mot de passe du compte { $account } a été modifié le { $when }. Tous les autres appareils connectés ont été déconnectés.
changed-when-org = Le mot de passe du compte { $account } chez { $org } a été modifié le { $when }. Tous les autres appareils connectés ont été déconnectés.
changed-if-you = Si c'est bien vous, vous n'avez rien d'autre à faire.
# « Si ce n'était pas vous » est en gras dans la version HTML ; la suite vient après une
# virgule.
changed-if-not-you = Si ce n'était pas vous
changed-if-not-you-then = choisissez dès maintenant un nouveau mot de passe et prévenez votre administrateur :
changed-button = Réinitialiser mon mot de passe
changed-footer = Cet e-mail a été envoyé à { $to } car le mot de passe du compte associé a été modifié. Nous l'envoyons à chaque fois, pour que vous le sachiez.

## L'adresse e-mail ou le numéro de mobile d'un compte a été modifié

contact-subject = L'adresse e-mail ou le numéro de mobile de votre compte a été modifié
contact-heading = L'adresse e-mail ou le numéro de mobile de votre compte a été modifié
contact-when = L'adresse e-mail ou le numéro de mobile de votre compte a été modifié le { $when }. Tous les appareils connectés ont été déconnectés.
contact-when-org = L'adresse e-mail ou le numéro de mobile de votre compte chez { $org } a été modifié le { $when }. Tous les appareils connectés ont été déconnectés.
contact-if-told = Si votre administrateur vous en a parlé, vous n'avez rien d'autre à faire.
# « Si vous ne vous y attendiez pas » est en gras dans la version HTML ; la suite vient après
# une virgule.
contact-if-not-expected = Si vous ne vous y attendiez pas
contact-if-not-expected-then = contactez votre administrateur dès maintenant.
contact-preheader = Si vous ne vous y attendiez pas, contactez votre administrateur.
contact-footer = Cet e-mail a été envoyé à { $to } car les coordonnées du compte associé ont été modifiées. Nous l'envoyons à chaque fois, pour que vous le sachiez.

## Une clé d'accès a été ajoutée à un compte

passkey-subject = Une clé d'accès a été ajoutée à votre compte
passkey-heading = Une clé d'accès a été ajoutée à votre compte
passkey-when = Une clé d'accès a été ajoutée à votre compte le { $when }. Elle permet désormais de se connecter à votre compte.
passkey-when-org = Une clé d'accès a été ajoutée à votre compte chez { $org } le { $when }. Elle permet désormais de se connecter à votre compte.
passkey-if-told = Si c'est vous qui l'avez ajoutée, vous n'avez rien d'autre à faire.
# « Si vous ne l'avez pas ajoutée » est en gras dans la version HTML ; la suite vient après une
# virgule.
passkey-if-not-expected = Si vous ne l'avez pas ajoutée
passkey-if-not-expected-then = contactez votre administrateur dès maintenant.
passkey-preheader = Si vous ne l'avez pas ajoutée, contactez votre administrateur.
passkey-footer = Cet e-mail a été envoyé à { $to } car une clé d'accès a été ajoutée au compte associé. Nous l'envoyons à chaque fois, pour que vous le sachiez.
