### Español (es): las páginas que ve un técnico en el celular. Registro informal, de "tú" (nunca
### "usted" ni "vos"): cálido y directo, como las apps de consumo y de trabajo en Latinoamérica,
### y natural también en España. Frases cortas; los botones dicen lo que pasa (en infinitivo,
### con mayúscula solo al principio).

## Compartidos por varias páginas

# Lo leen los lectores de pantalla antes del error de un campo, y es el comienzo del título de
# la página cuando hay uno.
error-prefix = Error:
# El título de una página: "Iniciar sesión · Northwind Plumbing".
page-title = { $title } · { $brand }
identifier-label = Correo electrónico o número de celular
back-to-sign-in = Volver al inicio de sesión
go-to-sign-in = Ir al inicio de sesión
send-new-link = Enviarme un enlace nuevo

## Iniciar sesión

sign-in-title = Iniciar sesión
sign-in-password = Contraseña
sign-in-password-hint = ¿Primera vez aquí? Usa la contraseña temporal que te dio tu administrador.
show-password = Mostrar contraseña
show-passwords = Mostrar contraseñas
sign-in-button = Iniciar sesión
sign-in-forgot = ¿Olvidaste tu contraseña o necesitas un enlace nuevo para configurar tu cuenta?
sign-in-failed = Ese correo electrónico o número de celular y esa contraseña no coinciden. Revisa los dos e inténtalo de nuevo.

## Pedir un enlace nuevo (contraseña olvidada)

forgot-title = Pide un enlace nuevo
forgot-intro = Escribe el correo electrónico o el número de celular de tu cuenta. Te enviaremos un enlace para elegir una contraseña nueva.
forgot-button = Enviarme un enlace
forgot-sent-email-title = Revisa tu correo
forgot-sent-text-title = Revisa tus mensajes
# $identifier aparece en negrita.
forgot-sent-email = Si { $identifier } pertenece a una cuenta, te enviamos a esa dirección un enlace para elegir una contraseña nueva. El enlace es válido durante { $lifetime }.
forgot-sent-text = Si { $identifier } pertenece a una cuenta, te enviamos por mensaje de texto un enlace para elegir una contraseña nueva. El enlace es válido durante { $lifetime }.
forgot-nothing-email = ¿No te llegó nada en unos minutos? Revisa la carpeta de spam o pregúntale a tu administrador.
forgot-nothing-text = ¿No te llegó nada en unos minutos? Pregúntale a tu administrador.
forgot-temporary-still-works = Si todavía no has elegido tu propia contraseña, puedes seguir iniciando sesión con la contraseña temporal que te dio tu administrador.
forgot-too-many = Hace poco enviamos varios enlaces a esta dirección. Busca el más reciente en tu correo (y en spam) o vuelve a intentarlo en un rato.

## Un enlace que no abre el formulario

link-missing-title = Este enlace está incompleto
link-missing = Al enlace le falta parte de su código. Vuelve a abrirlo desde el correo o copia el enlace completo en tu navegador. También puedes pedir un enlace nuevo.
link-invalid-title = Este enlace no funciona
link-invalid = No reconocemos este enlace. Puede que se haya copiado solo en parte o que un correo más reciente lo haya reemplazado. Usa el correo más reciente o pide un enlace nuevo.
link-expired-title = Este enlace expiró
link-expired = Los enlaces de nuestros correos son válidos por un tiempo limitado, y este ya expiró. Pide un enlace nuevo y úsalo pronto.
link-used-title = Este enlace ya se usó
link-used = Cada enlace funciona una sola vez, y con este ya se creó una contraseña. Inicia sesión con esa contraseña o, si la olvidaste, pide un enlace nuevo.
link-sign-in-temporary = Iniciar sesión con la contraseña temporal
link-sign-in-temporary-hint = La contraseña temporal es la que te dio tu administrador. Funciona hasta que elijas la tuya.
link-sign-in = Iniciar sesión
link-sign-in-used-hint = Ahora inicias sesión con la contraseña que se creó con este enlace.

## Los formularios de configuración y de restablecimiento, y el cambio de contraseña

setup-title = Configura tu cuenta
setup-intro = Elige la contraseña que usarás para iniciar sesión. Al guardarla, tu sesión se iniciará de inmediato.
setup-intro-code = Escribe tu correo electrónico o número de celular y el código de 6 dígitos de tu invitación (por correo o mensaje de texto). Luego elige la contraseña que usarás para iniciar sesión. Tu sesión se iniciará de inmediato.
setup-button = Crear contraseña e iniciar sesión
reset-title = Elige una contraseña nueva
reset-intro = Elige una contraseña nueva. Al guardarla, tu sesión se iniciará aquí y se cerrará en los demás dispositivos.
reset-intro-code = Escribe tu correo electrónico o número de celular y el código de 6 dígitos del correo o mensaje de texto para restablecer la contraseña. Luego elige una contraseña nueva. Se cerrará la sesión en los demás dispositivos.
reset-save-button = Guardar contraseña e iniciar sesión
choose-title = Elige tu contraseña
choose-intro = Iniciaste sesión con la contraseña temporal que te dio tu administrador. Elige ahora la tuya: la usarás de aquí en adelante y la temporal dejará de funcionar.
choose-button = Guardar contraseña
change-title = Cambia tu contraseña
change-intro = Escribe tu contraseña actual y luego elige una nueva. Se cerrará la sesión en los demás dispositivos.
change-button = Cambiar contraseña
# $account (en negrita) es el correo electrónico o el número de celular de la cuenta.
form-account = Cuenta: { $account }
code-label = Código de 6 dígitos del correo o mensaje de texto
current-password-label = Contraseña actual
new-password-label = Contraseña nueva
password-rule-length = Al menos { $min } caracteres. Puedes usar espacios y cualquier letra.
password-rule-words = Unas cuantas palabras sin relación entre sí son fáciles de recordar y difíciles de adivinar.
password-rule-context = Que no sea una contraseña común, tu correo electrónico ni el nombre de tu empresa.
confirmation-label = Vuelve a escribirla
not-saved = No se guardó tu contraseña. Revisa el mensaje de abajo e inténtalo de nuevo.
not-changed = No se cambió tu contraseña. Revisa el mensaje de abajo e inténtalo de nuevo.

## Lo que dice un formulario sobre un campo que rechazó

identifier-missing = Escribe tu correo electrónico o número de celular.
identifier-invalid = Eso no parece un correo electrónico ni un número de celular. Revísalo e inténtalo de nuevo.
password-missing = Escribe tu contraseña.
code-invalid = Ese código no coincide. Revísalo o pide uno nuevo.
code-identifier-missing = Escribe el correo electrónico o el número de celular al que se envió el código.
current-password-wrong = Esa no es tu contraseña actual. Revísala e inténtalo de nuevo.
passwords-differ = Las dos contraseñas no coinciden. Escribe la misma contraseña en los dos campos.
password-too-short = Usa al menos { $min } caracteres. Unas cuantas palabras sin relación entre sí forman una buena contraseña.
password-too-long = Usa como máximo { $max } caracteres.
password-control-character = La contraseña tiene un carácter de control invisible. Vuelve a escribirla.
password-uses-context = No uses tu correo electrónico ni el nombre de tu empresa en la contraseña.
password-breached = Esta contraseña apareció en una filtración de datos, así que los atacantes la prueban primero. Elige otra.
password-guessable = Esa contraseña es muy fácil de adivinar. Agrega más palabras o hazla más larga.
# Lo mismo, con el motivo por el que es fácil de adivinar ($hint es uno de los mensajes password-hint-).
password-guessable-because = Esa contraseña es muy fácil de adivinar ({ $hint }). Agrega más palabras o hazla más larga.
password-hint-keyboard = los patrones del teclado son fáciles de adivinar
password-hint-repeats = las letras o palabras repetidas son fáciles de adivinar
password-hint-common = es una contraseña muy común
password-hint-sequence = las secuencias como abc o 123 son fáciles de adivinar
password-hint-dates = las fechas y los años son fáciles de adivinar
password-hint-word = una sola palabra o un nombre es fácil de adivinar

## Páginas de error

error-not-found-title = No encontramos esta página
error-wait-title = Espera un momento
error-failed-title = Algo salió mal
error-refused-title = Eso no funcionó
error-not-found = Aquí no hay nada. Revisa la dirección o ve al inicio de sesión.
error-too-many = Demasiados intentos. Espera un poco e inténtalo de nuevo.
error-internal = Algo salió mal de nuestro lado. Vuelve a intentarlo en un momento.
error-unavailable = Tenemos mucha actividad en este momento. Vuelve a intentarlo en unos minutos.
error-disabled = Esta cuenta está desactivada. Pídele a tu administrador que la active.
error-sign-in-first = Primero inicia sesión.
error-forbidden = No puedes hacer esto con esta cuenta.
error-cross-site = Este formulario se envió desde otro sitio, así que no se aceptó. Vuelve a abrir la página y envíalo desde ahí.
error-refused = No se aceptó esa solicitud. Vuelve atrás e inténtalo de nuevo.

## La página de sesión iniciada del servidor local

signed-in-title = Iniciaste sesión
# $account aparece en negrita.
signed-in-as = Sesión iniciada como { $account }.
signed-in-as-at = Sesión iniciada como { $account } en { $org }.
signed-in-temporary = Iniciaste sesión con la contraseña temporal que te dio tu administrador. Elige ahora la tuya.
signed-in-choose = Elegir mi contraseña
signed-in-next-time = La próxima vez, inicia sesión con tu correo electrónico o número de celular y tu propia contraseña.
signed-in-change = Cambiar mi contraseña
sign-out = Cerrar sesión
sign-out-everywhere = Cerrar sesión en todos los dispositivos

## Llaves de acceso (el botón de las páginas de configuración, de restablecimiento y de inicio
## de sesión, y la lista de la página de restablecimiento)

passkey-button = Usar una llave de acceso
passkey-setup-hint = Inicia sesión con tu huella digital, tu rostro o el bloqueo de pantalla en lugar de una contraseña.
passkey-sign-in-hint = Inicia sesión con tu huella digital, tu rostro o el bloqueo de pantalla.
passkey-or-password = O elige una contraseña:
passkey-or-sign-in = O inicia sesión con tu contraseña:
passkey-failed = La llave de acceso no funcionó. Inténtalo de nuevo o usa una contraseña.
passkey-cancelled = No se usó ninguna llave de acceso. Inténtalo de nuevo cuando quieras o usa una contraseña.
passkey-link-dead = Este enlace ya no funciona. Pide uno nuevo.
passkey-disabled = Esta cuenta está desactivada. Pídele a tu administrador que la active.
passkeys-on-account = Llaves de acceso de esta cuenta
# $date: cuándo se agregó, como lo escribe `date-time` (con el año).
passkey-unnamed = Llave de acceso agregada el { $date }
passkey-named = { $name }, agregada el { $date }
