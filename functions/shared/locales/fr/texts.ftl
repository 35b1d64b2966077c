### Français (fr) : les SMS. Registre : vouvoiement (« vous »), comme partout ailleurs : la
### norme pour les messages d'une entreprise à son personnel.
### Un SMS est court par contrat : au plus 2 segments GSM-7 (306 caractères), ou 3 segments
### UCS-2 (201) dès qu'un caractère hors GSM-7 rend tout le texte UCS-2. Le nom de l'entreprise
### (jusqu'à 30 caractères), le lien et la ligne de remplissage automatique suivent ces
### premières lignes : chacune reste aussi courte que possible. D'où un style télégraphique
### quand le nom de l'entreprise y figure (« Rejoignez X (fin 30/09 10:00 UTC) », à la manière
### des SMS de rappel), et des mots restant en GSM-7 (é, è, à oui ; ç, ê, â, î, ô non, ni espace
### insécable, ni apostrophe courbe). Les tests comptent les segments de chaque langue avec le
### nom, le lien et la date les plus longs.

# $expires : « 30/09 10:00 UTC ».
text-invite = Rejoignez { $org } (fin { $expires })
text-invite-no-org = Activez votre compte avant le { $expires } :
text-reminder = Rappel { $org } : fin le { $expires }
text-reminder-no-org = Rappel : votre invitation expire le { $expires } :
# $lifetime : « 30 minutes ».
text-reset = Réinitialisation { $org } ({ $lifetime })
text-reset-no-org = Réinitialisez votre mot de passe d'ici { $lifetime } :
text-contact-changed = { $org } : l'adresse e-mail ou le numéro de mobile de votre compte a été modifié. Si vous ne vous y attendiez pas, contactez votre administrateur.
text-contact-changed-no-org = L'adresse e-mail ou le numéro de mobile de votre compte a été modifié. Si vous ne vous y attendiez pas, contactez votre administrateur.
text-passkey-added = { $org } : une clé d'accès a été ajoutée à votre compte. Si vous ne l'avez pas ajoutée, contactez votre administrateur.
text-passkey-added-no-org = Une clé d'accès a été ajoutée à votre compte. Si vous ne l'avez pas ajoutée, contactez votre administrateur.
