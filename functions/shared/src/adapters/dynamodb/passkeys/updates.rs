//! What adding, removing or setting up with a passkey writes on the user item, as update and
//! condition expressions with their names and values, and the pointer's put.

use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::super::errors::built;
use super::super::items::{PasskeyPointerItem, StoredPasskey};
use super::super::layout::{attr, home_key, n, s, value};
use super::super::DynamoStore;
use crate::domain::passkey::MAX_PASSKEYS;
use crate::domain::{Identifier, Passkey, UserId, UserStatus};
use crate::ports::{PasskeyAdd, SessionChange, StoreError};

/// Appends a passkey under its handle (`User::add_passkey` as a SET clause): the handle is
/// set with the first passkey and written again, the same, with every other.
const APPEND: &str =
    "#passkeyHandle = :handle, #passkeys = list_append(if_not_exists(#passkeys, :none), :new)";

/// When [`APPEND`] may: the handle is the user's or they have none yet, and they hold fewer
/// than `MAX_PASSKEYS`.
pub(in super::super) const MAY_APPEND: &str = "(attribute_not_exists(#passkeyHandle) OR \
     #passkeyHandle = :handle) AND (attribute_not_exists(#passkeys) OR size(#passkeys) < :max)";

/// What setting up or resetting with a passkey writes on the user item
/// (`User::set_own_passkey`): `SET_OWN_PASSWORD`'s change with the passkey appended instead of
/// a password (one the user had goes too). Its condition includes [`MAY_APPEND`].
pub(in super::super) const SET_OWN_PASSKEY: &str = "SET #status = :active, #sessionVersion = :sv, \
     #setupGen = #setupGen + :one, #resetGen = #resetGen + :one, #passkeyHandle = :handle, \
     #passkeys = list_append(if_not_exists(#passkeys, :none), :new) \
     REMOVE #temporaryPasswordHash, #passwordHash";

/// The names and values of [`APPEND`] and [`MAY_APPEND`].
fn appending(
    update: UpdateBuilder,
    handle: &str,
    passkey: &Passkey,
) -> Result<UpdateBuilder, StoreError> {
    Ok(update
        .expression_attribute_names("#passkeyHandle", attr::PASSKEY_HANDLE)
        .expression_attribute_names("#passkeys", attr::PASSKEYS)
        .expression_attribute_values(":handle", s(handle))
        .expression_attribute_values(":none", AttributeValue::L(Vec::new()))
        .expression_attribute_values(":new", value("passkey", [StoredPasskey::from(passkey)])?)
        .expression_attribute_values(":max", n(MAX_PASSKEYS)))
}

/// The names and values of [`SET_OWN_PASSKEY`] and [`MAY_APPEND`], added to a redemption's
/// update of the user item.
pub(in super::super) fn own_passkey(
    update: UpdateBuilder,
    handle: &str,
    passkey: &Passkey,
    session_version: &str,
) -> Result<UpdateBuilder, StoreError> {
    let update = update
        .expression_attribute_names("#status", attr::STATUS)
        .expression_attribute_names("#sessionVersion", attr::SESSION_VERSION)
        .expression_attribute_names("#setupGen", attr::SETUP_GENERATION)
        .expression_attribute_names("#resetGen", attr::RESET_GENERATION)
        .expression_attribute_names("#temporaryPasswordHash", attr::TEMPORARY_PASSWORD_HASH)
        .expression_attribute_names("#passwordHash", attr::PASSWORD_HASH)
        .expression_attribute_values(":active", value("user status", UserStatus::Active)?)
        .expression_attribute_values(":sv", s(session_version))
        .expression_attribute_values(":one", n(1));
    appending(update, handle, passkey)
}

/// The put of passkey `id`'s pointer to the user `user_id` filed under `home`: only while no
/// passkey has that credential id.
pub(in super::super) fn put_pointer(
    store: &DynamoStore,
    id: &str,
    user_id: &UserId,
    home: &Identifier,
) -> Result<TransactWriteItem, StoreError> {
    store.put_new(
        "passkey pointer",
        &PasskeyPointerItem::new(id, user_id, home),
    )
}

/// An update of the user item of `change` (in table `table`), conditional on `condition` too
/// and on the session being current, returning the item if its condition fails.
pub(super) fn user_update(
    table: &str,
    change: &SessionChange,
    expression: String,
    condition: &str,
) -> UpdateBuilder {
    Update::builder()
        .table_name(table)
        .key(attr::PK, s(home_key(&change.home)))
        .update_expression(expression)
        .condition_expression(format!(
            "attribute_exists(pk) AND #id = :id AND #sv = :sv AND {condition}"
        ))
        .expression_attribute_names("#id", attr::ID)
        .expression_attribute_names("#sv", attr::SESSION_VERSION)
        .expression_attribute_values(":id", s(&change.user_id.0))
        .expression_attribute_values(":sv", s(&change.session_version))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
}

/// The user's update that adds `add`'s passkey.
pub(super) fn add_update(table: &str, add: &PasskeyAdd) -> Result<Update, StoreError> {
    let update = user_update(table, &add.change, format!("SET {APPEND}"), MAY_APPEND);
    built(appending(update, &add.handle, &add.passkey)?.build())
}

/// The user's update that removes passkey `id`, found at `index`.
pub(super) fn remove_update(
    table: &str,
    change: &SessionChange,
    index: usize,
    id: &str,
) -> Result<Update, StoreError> {
    let at = format!("#passkeys[{index}]");
    // The last passkey goes only beside a password (the read said so; this says it still is).
    let condition = format!(
        "{at}.#id = :passkeyId AND (attribute_exists(#passwordHash) OR size(#passkeys) > :one)"
    );
    let update = user_update(table, change, format!("REMOVE {at}"), &condition)
        .expression_attribute_names("#passkeys", attr::PASSKEYS)
        .expression_attribute_names("#passwordHash", attr::PASSWORD_HASH)
        .expression_attribute_values(":passkeyId", s(id))
        .expression_attribute_values(":one", n(1));
    built(update.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EmailAddress;
    use chrono::Utc;
    use std::collections::BTreeSet;

    /// The placeholders (`#name` or `:value`) an update's expressions use, and those it defines:
    /// a difference either way is DynamoDB's ValidationException, found only at run time.
    fn used_and_defined(update: &Update, sigil: char) -> (BTreeSet<String>, BTreeSet<String>) {
        let text = format!(
            "{} {}",
            update.update_expression(),
            update.condition_expression().unwrap_or_default()
        );
        let used = text
            .split(|c: char| !(c.is_alphanumeric() || c == '#' || c == ':'))
            .filter(|w| w.starts_with(sigil))
            .map(str::to_owned)
            .collect();
        let defined = match sigil {
            '#' => update
                .expression_attribute_names()
                .into_iter()
                .flat_map(|m| m.keys().cloned())
                .collect(),
            _ => update
                .expression_attribute_values()
                .into_iter()
                .flat_map(|m| m.keys().cloned())
                .collect(),
        };
        (used, defined)
    }

    fn assert_placeholders_match(update: &Update) {
        for sigil in ['#', ':'] {
            let (used, defined) = used_and_defined(update, sigil);
            assert_eq!(used, defined, "{}", update.update_expression());
        }
    }

    fn change() -> SessionChange {
        SessionChange {
            user_id: UserId("u-1".into()),
            home: Identifier::Email(EmailAddress::parse("ana@example.com").unwrap()),
            session_version: "sv".into(),
            new_session_version: "sv2".into(),
        }
    }

    fn passkey() -> Passkey {
        Passkey {
            id: "Y3JlZA".into(),
            public_key: "a2V5".into(),
            sign_count: 0,
            backup_eligible: false,
            backed_up: false,
            name: None,
            created_at: Utc::now(),
            last_used_at: None,
        }
    }

    #[test]
    fn the_passkey_updates_define_exactly_the_placeholders_they_use() {
        let add = PasskeyAdd {
            change: change(),
            handle: "aGFuZGxl".into(),
            passkey: passkey(),
            audit: Vec::new(),
        };
        assert_placeholders_match(&add_update("t", &add).unwrap());
        assert_placeholders_match(&remove_update("t", &change(), 3, "Y3JlZA").unwrap());
        let own = own_passkey(Update::builder(), "aGFuZGxl", &passkey(), "sv2")
            .unwrap()
            .table_name("t")
            .key(attr::PK, s("EMAIL#ana@example.com"))
            .update_expression(SET_OWN_PASSKEY)
            .condition_expression(MAY_APPEND)
            .build()
            .unwrap();
        assert_placeholders_match(&own);
        assert!(
            SET_OWN_PASSKEY.contains(APPEND),
            "a redemption appends as an add does"
        );
    }
}
