//! A one-off migration: user items written before the organisation index (`byOrg`, added with
//! the admin's crew tools, `GET /users`, in November 2026) lack its partition key `memberOf`, so
//! the crew list would never show them. `create-table` runs it on every existing table
//! (docs/DEPLOY.md, "Upgrading a stack deployed before the admin's crew tools"); it changes
//! nothing on a table that needs nothing.
//!
//! It can go, with its call in `create::create_table` and that DEPLOY.md section, once every
//! deployed table has been through `create-table` since that upgrade (no `EMAIL#` item without
//! `memberOf` is left): from then on the store writes `memberOf` on every user itself.

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;

use super::{aws, TableError};

/// User items written before the organisation index existed lack its partition key, `memberOf`
/// (the store's `adapters::dynamodb` layout: user items are `EMAIL#…` and carry `orgId`), so
/// `GET /users` would not list them. This copies `orgId` into `memberOf` on each of them, once:
/// an item that has it is left alone. Returns how many it updated.
pub async fn backfill_org_index(client: &Client, table: &str) -> Result<usize, TableError> {
    let mut updated = 0;
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .filter_expression(
                "begins_with(pk, :user) AND attribute_exists(orgId) AND attribute_not_exists(memberOf)",
            )
            .expression_attribute_values(":user", AttributeValue::S("EMAIL#".into()))
            .projection_expression("pk, orgId")
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| aws("Scan", e))?;
        for item in page.items() {
            let (Some(pk), Some(org)) = (item.get("pk"), item.get("orgId")) else {
                continue;
            };
            let result = client
                .update_item()
                .table_name(table)
                .key("pk", pk.clone())
                .update_expression("SET memberOf = :org")
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(memberOf)")
                .expression_attribute_values(":org", org.clone())
                .send()
                .await;
            match result {
                Ok(_) => updated += 1,
                // Written meanwhile (by the store, or another run of this tool): nothing to do.
                Err(e) if e.code() == Some("ConditionalCheckFailedException") => {}
                Err(e) => return Err(aws("UpdateItem", e)),
            }
        }
        start = page.last_evaluated_key.filter(|k| !k.is_empty());
        if start.is_none() {
            return Ok(updated);
        }
    }
}
